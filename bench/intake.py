#!/usr/bin/env python3
"""Durable report submissions through the HTTP API (issue 4, "Numbers").

    python3 bench/intake.py [--no-build] [--binary PATH] [--duration 10] [--connections 16]
                            [--postgres URL] [--rounds N] [--compare OLD_BINARY] [--out FILE]

Starts `embargo serve` (release build) on SQLite with the default durability
(`synchronous = FULL`: every submission is fsynced before its 201), adds the example program
`spook`, and runs `wrk` POSTing a valid JSON report to `/api/v1/programs/spook/reports`.
Reports requests/s and p99, and checks that every 201 left a case in the database (the server
counts them: the cases listed through the API equal the 2xx responses). With `--postgres URL`
the same run is made on PostgreSQL (a fresh database is created through psql). Target: at
least 500 submissions/s on SQLite. Writes bench/results/intake.json.

Each run first measures `/healthz` under the same wrk settings on the same server, as a
same-run baseline of what the (shared) machine delivers at that moment. `--compare OLD_BINARY`
measures another build the same way, alternating with the one under test, and reports the
throughput ratio per round; `--rounds N` repeats everything.

The per-IP budget for anonymous POSTs is raised for the run (it would otherwise answer 429).
"""

import argparse
import datetime as dt
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
    # Same-run baseline: what this machine answers right now on a route without database work.
    base = f.run_wrk(wrk, ["-t2", f"-c{args.connections}"], f"http://127.0.0.1:{server.port}/healthz", [],
                     min(5, args.duration))
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
    res["healthz_baseline"] = {k: base.get(k) for k in ("requests_per_s", "p50_ms", "p99_ms", "loadavg_1m_before_after")}
    res["submissions_over_healthz_throughput"] = round(res["requests_per_s"] / base["requests_per_s"], 4) \
        if base.get("requests_per_s") else None
    f.log(f"    {name:<10} {res['requests_per_s']:>8.0f} submissions/s   p50 {res.get('p50_ms')} ms   p99 {res.get('p99_ms')} ms   "
          f"non-2xx {res['non_2xx']}   201s {created}, cases stored {stored}   "
          f"(/healthz {base.get('requests_per_s') or 0:.0f}/s; load {res['loadavg_1m_before_after'][1]:.2f})")
    return res


def backends(binary: Path, wrk: str, tmp: Path, label: str, args) -> dict:
    """The SQLite run and, with --postgres, the PostgreSQL run (in a fresh database)."""
    out = {"binary": str(binary), "sqlite": one_backend(binary, wrk, tmp, f"sqlite-{label}", None, args)}
    if args.postgres:
        db = "embargo_bench"
        admin = args.postgres
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {db}"], check=True)
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {db}"], check=True)
        pg_url = admin.rsplit("/", 1)[0] + "/" + db
        out["postgres"] = one_backend(binary, wrk, tmp, f"pg-{label}", pg_url, args)
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {db}"], check=False)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--binary")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--postgres", help="also run on this PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/postgres)")
    ap.add_argument("--out", default=str(f.RESULTS / "intake.json"), help="result file")
    ap.add_argument("--rounds", type=int, default=1, help="repeat the whole measurement (default 1)")
    ap.add_argument("--compare", metavar="BINARY", help="also measure this binary (e.g. an older build), "
                    "alternating with the one under test, for a same-run ratio")
    args = ap.parse_args()
    binary = f.build(args.no_build, args.binary)
    wrk = f.ensure_wrk()
    out = {"benchmark": "intake", "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
           "command": "python3 bench/intake.py " + " ".join(sys.argv[1:]), "machine": f.machine(),
           "loadavg_1m_at_start": f.loadavg(), "target_sqlite_per_s": 500}
    rounds: list[dict] = []
    rounds_cmp: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="embargo-intake-") as t:
        tmp = Path(t)
        f.log(f"wrk -t2 -c{args.connections} -d{args.duration}s POST /api/v1/programs/spook/reports")
        for i in range(args.rounds):
            if args.compare:
                f.log(f"  round {i + 1}, --compare {args.compare}")
                rounds_cmp.append(backends(Path(args.compare).resolve(), wrk, tmp, f"cmp{i}", args))
            f.log(f"  round {i + 1}, {binary}")
            rounds.append(backends(binary, wrk, tmp, f"{i}", args))
    out["sqlite"] = rounds[-1]["sqlite"]
    if args.postgres:
        out["postgres"] = rounds[-1]["postgres"]
    if args.rounds > 1 or args.compare:
        out["rounds"] = rounds
    if args.compare:
        out["compare"] = {"rounds": rounds_cmp}
        for b in ("sqlite", "postgres") if args.postgres else ("sqlite",):
            ratios = [r[b]["requests_per_s"] / c[b]["requests_per_s"] for r, c in zip(rounds, rounds_cmp)]
            out["compare"][f"{b}_throughput_ratio"] = [round(x, 2) for x in ratios]
            f.log(f"  {b}: throughput / --compare binary's, per round: {', '.join(f'{x:.2f}' for x in ratios)}")
    out["loadavg_1m_at_end"] = f.loadavg()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    ok = all(r["sqlite"]["requests_per_s"] >= 500 and r["sqlite"]["every_201_stored"] for r in rounds)
    f.log(f"SQLite target >= 500/s with every 201 stored{' (every round)' if args.rounds > 1 else ''}: "
          f"{'PASS' if ok else 'MISS'}")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        f.cleanup()
