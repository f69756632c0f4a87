#!/usr/bin/env python3
"""Durable report submissions through the HTTP API (issue 4, "Numbers").

    python3 bench/intake.py [--no-build] [--duration 10] [--connections 16] [--postgres URL]

Starts `embargo serve` (release build) on SQLite with the default durability
(`synchronous = FULL`: every submission is fsynced before its 201), adds the example program
`spook`, and runs `wrk` POSTing a valid JSON report to `/api/v1/programs/spook/reports`.
Reports requests/s and p99, and checks that every 201 left a case in the database (the server
counts them: the cases listed through the API equal the 2xx responses). With `--postgres URL`
the same run is made on PostgreSQL (a fresh database is created through psql). Target: at
least 500 submissions/s on SQLite. Writes bench/results/intake.json.

The per-IP budget for anonymous POSTs is raised for the run (it would otherwise answer 429).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import foundation as f  # noqa: E402  (the shared server/wrk helpers)

LUA = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"fields":{"title":"Bench report %d","description":"A heap overflow in the parser, found by fuzzing; run %d.","affected-version":"2.1.0","proof-of-concept":"./poc %d"}}', n, n, n)
  return wrk.format(nil, nil, nil, body)
end
"""


def admin_token(binary: Path, data: Path, db_url: str | None) -> str:
    extra = ["--database-url", db_url] if db_url else []
    subprocess.run([str(binary), "admin", "create-user", "bench@example.org", "--role", "admin", "--data-dir", str(data), *extra],
                   check=True, capture_output=True)
    out = subprocess.run([str(binary), "admin", "create-token", "bench@example.org", "--scope", "read", "--data-dir", str(data), *extra],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def count_cases(port: int, token: str) -> int:
    total, offset = 0, 0
    while True:
        status, body = f.http_get_auth(port, f"/api/v1/programs/spook/cases?limit=500&offset={offset}", token)
        if status != 200:
            raise RuntimeError(f"listing cases: {status} {body[:200]}")
        page = json.loads(body)
        total += len(page)
        if len(page) < 500:
            return total
        offset += 500


def one_backend(binary: Path, wrk: str, tmp: Path, name: str, db_url: str | None, args) -> dict:
    data = tmp / f"data-{name}"
    extra = ["--database-url", db_url] if db_url else []
    policy = f.REPO / "examples" / "policies" / "home-automation-integration.toml"
    subprocess.run([str(binary), "program", "add", str(policy), "--data-dir", str(data), *extra], check=True, capture_output=True)
    token = admin_token(binary, data, db_url)
    env = {"EMBARGO_SECURITY__UNAUTHENTICATED_POSTS_PER_MINUTE": "100000000"}
    if db_url:
        env["EMBARGO_DATABASE_URL"] = db_url
    server = f.Server(binary, data, tmp / f"server-{name}.log", env=env)
    server.wait_ready()
    script = tmp / "post.lua"
    script.write_text(LUA)
    url = f"http://127.0.0.1:{server.port}/api/v1/programs/spook/reports"
    res = f.run_wrk(wrk, [f"-t2", f"-c{args.connections}", "-s", str(script)], url, [], args.duration)
    created = res.get("requests", 0) - res.get("non_2xx", 0)
    stored = count_cases(server.port, token)
    server.stop()
    res["created_2xx"] = created
    res["cases_stored"] = stored
    res["every_201_stored"] = stored >= created
    f.log(f"    {name:<10} {res['requests_per_s']:>8.0f} submissions/s   p50 {res.get('p50_ms')} ms   p99 {res.get('p99_ms')} ms   "
          f"non-2xx {res['non_2xx']}   201s {created}, cases stored {stored}")
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--binary")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--postgres", help="also run on this PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/postgres)")
    args = ap.parse_args()
    binary = f.build(args.no_build, args.binary)
    wrk = f.ensure_wrk()
    out = {"machine": f.machine(), "target_sqlite_per_s": 500}
    with tempfile.TemporaryDirectory(prefix="embargo-intake-") as t:
        tmp = Path(t)
        f.log(f"wrk -t2 -c{args.connections} -d{args.duration}s POST /api/v1/programs/spook/reports")
        out["sqlite"] = one_backend(binary, wrk, tmp, "sqlite", None, args)
        if args.postgres:
            db = "embargo_bench"
            admin = args.postgres
            subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {db}"], check=True)
            subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {db}"], check=True)
            pg_url = admin.rsplit("/", 1)[0] + "/" + db
            out["postgres"] = one_backend(binary, wrk, tmp, "postgres", pg_url, args)
            subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {db}"], check=False)
    f.RESULTS.mkdir(exist_ok=True)
    (f.RESULTS / "intake.json").write_text(json.dumps(out, indent=2) + "\n")
    ok = out["sqlite"]["requests_per_s"] >= 500 and out["sqlite"]["every_201_stored"]
    f.log(f"SQLite target >= 500/s with every 201 stored: {'PASS' if ok else 'MISS'}")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        f.cleanup()
