#!/usr/bin/env python3
"""The triage queue with 10,000 cases on SQLite (issue 4, "Numbers": p95 < 100 ms).

    python3 bench/queue.py [--no-build] [--binary PATH] [--cases 10000] [--requests 200]

Starts `embargo serve` (release build) on SQLite with the default configuration (only the
per-IP budget for anonymous POSTs is raised), adds the example program `spook`, and seeds it
through the real paths:

  - `--cases` reports through `POST /api/v1/programs/spook/reports` (8 client threads); each
    description names one of 20 components, so a search for one of them matches about 5 %;
  - a team admin created with `embargo admin create-user`, whose password is set through the
    one-time setup link and who logs in through the `/login` form (CSRF token and cookie);
  - 20 % of the cases acknowledged and 5 % marked spam through the case page's state form
    (`POST /cases/{reference}/state`), so state filters and the default "open" view differ.

Then it requests the queue page `GET /cases` (HTML, with the session cookie) `--requests`
times each, one after the other on one keep-alive connection after 10 warm-up requests:
default filters (open cases, newest first), a search for a rare and for a common word, a
state filter, and oldest first; and `/healthz` the same way as a same-run baseline. Reports
p50/p95/p99/max per view and the ratio to `/healthz`. Writes bench/results/queue.json.

`--data-dir DIR` keeps the seeded data directory (and reuses it when it was seeded before),
to measure again without seeding.

Python 3.11 standard library only; everything on 127.0.0.1; temporary files are removed and
every server started is stopped, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import foundation as f  # noqa: E402  (the shared server helpers)

PROGRAM = "spook"
TARGET_P95_MS = 100.0
EMAIL = "triage@example.org"
PASSWORD = "correct horse battery staple bench"
COMPONENTS = [
    "parser", "router", "firmware", "bluetooth", "zigbee", "thermostat", "camera", "doorbell",
    "bootloader", "updater", "scheduler", "webhook", "dashboard", "bridge", "sensor",
    "gateway", "keypad", "matter", "telemetry", "backup",
]
FLAWS = ["heap overflow", "use after free", "path traversal", "SQL injection",
         "missing authentication", "command injection", "stack overflow", "XSS"]
VIEWS = [
    ("default", "/cases"),
    ("search_rare", "/cases?q=bluetooth"),
    ("search_common", "/cases?q=found"),
    ("state_acknowledged", "/cases?state=acknowledged"),
    ("oldest_first", "/cases?sort=oldest"),
]


class Client:
    """One keep-alive HTTP/1.1 connection with a cookie jar."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None,
                json_body: dict | None = None) -> tuple[int, dict, bytes]:
        headers = {}
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body)
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                res = self.conn.getresponse()
                data = res.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        for v in res.headers.get_all("Set-Cookie") or []:
            name, _, rest = v.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in v:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return res.status, dict(res.headers.items()), data

    def close(self) -> None:
        self.conn.close()


def csrf_of(html: bytes) -> str:
    m = re.search(rb'name="csrf_token" value="([^"]+)"', html)
    if not m:
        raise RuntimeError("no csrf_token in the page")
    return m.group(1).decode()


def login(binary: Path, data: Path, port: int) -> Client:
    """Creates the admin, sets the password through the setup link, logs in via the form."""
    out = subprocess.run([str(binary), "admin", "create-user", EMAIL, "--role", "admin",
                          "--data-dir", str(data)], check=True, capture_output=True, text=True).stdout
    m = re.search(r"/setup/(\S+)", out)
    if not m:
        raise RuntimeError(f"no setup link in: {out!r}")
    c = Client(port)
    status, _, page = c.request("GET", f"/setup/{m.group(1)}")
    if status != 200:
        raise RuntimeError(f"GET /setup: {status}")
    status, _, _ = c.request("POST", f"/setup/{m.group(1)}", form={
        "csrf_token": csrf_of(page), "password": PASSWORD, "password_confirm": PASSWORD})
    if status not in (302, 303):
        raise RuntimeError(f"POST /setup: {status}")
    return login_only(port, c)


def login_only(port: int, c: Client | None = None) -> Client:
    c = c or Client(port)
    status, _, page = c.request("GET", "/login")
    if status != 200:
        raise RuntimeError(f"GET /login: {status}")
    status, _, body = c.request("POST", "/login", form={
        "csrf_token": csrf_of(page), "email": EMAIL, "password": PASSWORD})
    if status not in (302, 303) or "embargo_session" not in c.cookies:
        raise RuntimeError(f"POST /login: {status} {body[:300]!r}")
    status, _, _ = c.request("GET", "/cases")
    if status != 200:
        raise RuntimeError(f"GET /cases after login: {status}")
    return c


def parallel(items: list, threads: int, work) -> list:
    """Runs work(client_index, item) over the items from `threads` threads."""
    results: list = []
    lock = threading.Lock()
    it = iter(enumerate(items))

    def loop(t: int) -> None:
        while True:
            with lock:
                nxt = next(it, None)
            if nxt is None:
                return
            r = work(t, nxt[1])
            with lock:
                results.append(r)

    ts = [threading.Thread(target=loop, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return results


def seed(binary: Path, data: Path, port: int, cases: int, threads: int) -> dict:
    rng = random.Random(4)
    clients = [Client(port) for _ in range(threads)]
    t0 = time.perf_counter()

    def submit(t: int, n: int) -> str:
        comp, flaw = rng.choice(COMPONENTS), rng.choice(FLAWS)
        status, _, body = clients[t].request("POST", f"/api/v1/programs/{PROGRAM}/reports", json_body={
            "fields": {
                "title": f"{flaw.capitalize()} in the {comp} (report {n})",
                "description": f"A {flaw} in the {comp} component, found by fuzzing; "
                               f"reproducible on a default install. Run {n}.",
                "affected-version": "2.1.0",
                "proof-of-concept": f"./poc --target {comp} {n}",
            }})
        if status != 201:
            raise RuntimeError(f"submission answered {status}: {body[:200]!r}")
        return json.loads(body)["reference"]

    refs = parallel(list(range(cases)), threads, submit)
    submit_s = time.perf_counter() - t0
    for c in clients:
        c.close()
    f.log(f"  {len(refs)} reports submitted in {submit_s:.1f} s ({len(refs) / submit_s:.0f}/s)")

    admin = login(binary, data, port)
    csrf = csrf_of(admin.request("GET", "/cases")[2])
    sessions = [admin] + [Client(port) for _ in range(threads - 1)]
    for s in sessions[1:]:
        s.cookies = dict(admin.cookies)
    rng.shuffle(refs)
    n_ack, n_spam = cases // 5, cases // 20
    moves = [(r, "acknowledged", "") for r in refs[:n_ack]] + \
            [(r, "spam", "Automated junk (bench)") for r in refs[n_ack:n_ack + n_spam]]
    t1 = time.perf_counter()

    def move(t: int, m: tuple) -> None:
        ref, to, reason = m
        status, _, body = sessions[t].request("POST", f"/cases/{ref}/state", form={
            "csrf_token": csrf, "to": to, "reason": reason, "version": "1"})
        if status not in (302, 303):
            raise RuntimeError(f"state change of {ref} answered {status}: {body[:300]!r}")

    parallel(moves, threads, move)
    move_s = time.perf_counter() - t1
    for s in sessions[1:]:
        s.close()
    f.log(f"  {n_ack} acknowledged and {n_spam} marked spam through the case page in {move_s:.1f} s")
    return {"cases": len(refs), "acknowledged": n_ack, "spam": n_spam,
            "submit_seconds": round(submit_s, 1), "submissions_per_s": round(len(refs) / submit_s),
            "state_changes_seconds": round(move_s, 1), "client": admin}


def measure(c: Client, path: str, n: int, warmup: int = 10) -> dict:
    samples = []
    status = size = 0
    for i in range(warmup + n):
        t = time.perf_counter()
        status, _, body = c.request("GET", path)
        dt_ms = (time.perf_counter() - t) * 1000
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")
        if i >= warmup:
            samples.append(dt_ms)
        size = len(body)
    m = re.search(rb"(\d+) case\(s\)", body)
    rows = body.count(b'<td class="nowrap"><a href="/cases/')
    return {
        "path": path,
        "requests": n,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(f.percentile(samples, 95), 2),
        "p99_ms": round(f.percentile(samples, 99), 2),
        "max_ms": round(max(samples), 2),
        "mean_ms": round(statistics.fmean(samples), 2),
        "matching_cases": int(m.group(1)) if m else None,
        "rows_shown": rows,
        "bytes": size,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-build", action="store_true", help="use target/release/embargo as is")
    ap.add_argument("--binary", help="measure this binary instead of building")
    ap.add_argument("--cases", type=int, default=10_000, help="cases to seed (default 10000)")
    ap.add_argument("--requests", type=int, default=200, help="timed requests per view (default 200)")
    ap.add_argument("--threads", type=int, default=8, help="client threads while seeding")
    ap.add_argument("--data-dir", help="keep the seeded data here; reuse it when already seeded")
    ap.add_argument("--out", default=str(f.RESULTS / "queue.json"), help="result file")
    args = ap.parse_args()
    signal.signal(signal.SIGINT, f._on_signal)
    signal.signal(signal.SIGTERM, f._on_signal)
    try:
        return run(args)
    finally:
        f.cleanup()


def run(args) -> int:
    started = dt.datetime.now(dt.timezone.utc)
    binary = f.build(args.no_build, args.binary)
    if not binary.exists():
        sys.exit(f"{binary} does not exist")
    tmp = Path(tempfile.mkdtemp(prefix="embargo-queue-"))
    f._tempdirs.append(str(tmp))
    data = Path(args.data_dir).resolve() if args.data_dir else tmp / "data"
    marker = data / "queue-bench.json"
    env = {"EMBARGO_SECURITY__UNAUTHENTICATED_POSTS_PER_MINUTE": "100000000"}
    result: dict = {
        "benchmark": "queue",
        "date": started.isoformat(timespec="seconds"),
        "command": "python3 bench/queue.py " + " ".join(sys.argv[1:]),
        "machine": f.machine(),
        "loadavg_1m_at_start": f.loadavg(),
        "target_p95_ms": TARGET_P95_MS,
    }
    if marker.exists():
        seeded = json.loads(marker.read_text())
        server = f.Server(binary, data, tmp / "server.log", env=env)
        server.wait_ready()
        client = login_only(server.port)
        f.log(f"Reusing {data} ({seeded['cases']} cases)")
    else:
        policy = f.REPO / "examples" / "policies" / "home-automation-integration.toml"
        subprocess.run([str(binary), "program", "add", str(policy), "--data-dir", str(data)],
                       check=True, capture_output=True)
        server = f.Server(binary, data, tmp / "server.log", env=env)
        server.wait_ready()
        f.log(f"Seeding {args.cases} cases through the API and the case page")
        seeded = seed(binary, data, server.port, args.cases, args.threads)
        client = seeded.pop("client")
        if args.data_dir:
            marker.write_text(json.dumps(seeded))
    result["seed"] = seeded

    f.log(f"\nGET /cases as a logged-in admin: {args.requests} requests per view, one connection, "
          f"after 10 warm-up requests (load average {f.loadavg():.2f})")
    views = {}
    base = measure(client, "/healthz", args.requests)
    f.log(f"  {'healthz (baseline)':<20} p50 {base['p50_ms']:>7.2f} ms   p95 {base['p95_ms']:>7.2f} ms")
    for name, path in VIEWS:
        la = f.loadavg()
        r = measure(client, path, args.requests)
        r["loadavg_1m_before_after"] = [la, f.loadavg()]
        r["p95_over_healthz_p95"] = round(r["p95_ms"] / base["p95_ms"], 1) if base["p95_ms"] else None
        r["pass"] = r["p95_ms"] < TARGET_P95_MS
        views[name] = r
        f.log(f"  {name:<20} p50 {r['p50_ms']:>7.2f} ms   p95 {r['p95_ms']:>7.2f} ms   "
              f"p99 {r['p99_ms']:>7.2f} ms   max {r['max_ms']:>7.2f} ms   "
              f"{r['matching_cases']} matching, {r['rows_shown']} rows   {'PASS' if r['pass'] else 'MISS'}")
    client.close()
    server.stop()
    result["healthz"] = base
    result["views"] = views
    result["loadavg_1m_at_end"] = f.loadavg()
    ok = all(v["pass"] for v in views.values())
    result["pass"] = ok
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    f.log(f"\nQueue of {seeded['cases']} cases, p95 < {TARGET_P95_MS:.0f} ms in every view: "
          f"{'PASS' if ok else 'MISS'}")
    f.log(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
