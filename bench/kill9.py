#!/usr/bin/env python3
"""Crash safety of report intake: kill -9 during a flood of submissions (issue 4, "Numbers").

    python3 bench/kill9.py [--no-build] [--binary PATH] [--cycles 100] [--threads 8]

On SQLite with the default durability (`synchronous = FULL`), `--cycles` times:

  1. start `embargo serve` (release build) on the same data directory;
  2. check through the API that every report acknowledged (201) in the previous cycle is
     stored with its title intact;
  3. flood `POST /api/v1/programs/spook/reports` (the example program, anonymous JSON reports)
     from `--threads` client threads, each on its own keep-alive connection;
  4. `kill -9` the server at a random moment 0.2-1.5 s into the flood, and note every
     reference whose 201 arrived, and every request still in flight (sent, no answer).

After the last cycle the server is started once more, the previous cycle is checked, then the
whole program is listed and every acknowledged reference of every cycle must be there with its
title; finally `embargo audit verify` checks the hash chain. Requests in flight at a kill may
or may not have been stored (the commit may have happened before the kill, the answer not);
the script counts both outcomes. Writes bench/results/kill9.json. Exit status 1 if any
acknowledged report is lost or changed, or the audit chain is broken.

Python 3.11 standard library only; everything on 127.0.0.1 in a temporary directory that is
removed at the end (also on Ctrl-C).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import foundation as f  # noqa: E402  (the shared server helpers)
from intake import admin_token  # noqa: E402

PROGRAM = "spook"
PAGE = 500


class Flood:
    """`threads` clients POSTing reports until stopped; records what each request got."""

    def __init__(self, port: int, cycle: int, threads: int):
        self.port = port
        self.cycle = cycle
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked: dict[str, str] = {}      # reference -> title
        self.unanswered: list[str] = []       # titles sent without an answer
        self.other_status: dict[int, int] = {}
        self.sent = 0
        self.refused = 0
        self.threads = [threading.Thread(target=self._client, args=(i,), daemon=True)
                        for i in range(threads)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def join(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)

    def _client(self, thread: int) -> None:
        conn: http.client.HTTPConnection | None = None
        n = 0
        while not self.stop.is_set():
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            n += 1
            title = f"kill9 cycle {self.cycle} thread {thread} report {n}"
            body = json.dumps({"fields": {
                "title": title,
                "description": f"A heap overflow in the parser, found by fuzzing ({title}).",
                "affected-version": "2.1.0",
                "proof-of-concept": f"./poc {self.cycle} {thread} {n}",
            }})
            with self.lock:
                self.sent += 1
            try:
                conn.request("POST", f"/api/v1/programs/{PROGRAM}/reports", body=body,
                              headers={"Content-Type": "application/json"})
                res = conn.getresponse()
                data = res.read()
            except ConnectionRefusedError:
                # Nothing listens (the server is already dead): the request never left.
                with self.lock:
                    self.sent -= 1
                    self.refused += 1
                conn.close()
                conn = None
                time.sleep(0.005)
                continue
            except (OSError, http.client.HTTPException):
                # The server died with this request in flight.
                with self.lock:
                    self.unanswered.append(title)
                conn.close()
                conn = None
                time.sleep(0.005)
                continue
            with self.lock:
                if res.status == 201:
                    self.acked[json.loads(data)["reference"]] = title
                else:
                    self.other_status[res.status] = self.other_status.get(res.status, 0) + 1
        if conn is not None:
            conn.close()


def api_get(conn: http.client.HTTPConnection, path: str, token: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    res = conn.getresponse()
    return res.status, res.read()


def list_cases(port: int, token: str, since: float | None = None) -> dict[str, str]:
    """reference -> title of the program's cases, newest first; with `since` (epoch seconds)
    stops after the first page that reaches cases received before it."""
    out: dict[str, str] = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        offset = 0
        while True:
            status, body = api_get(conn, f"/api/v1/programs/{PROGRAM}/cases?limit={PAGE}&offset={offset}", token)
            if status != 200:
                raise RuntimeError(f"listing cases: {status} {body[:200]!r}")
            page = json.loads(body)
            for c in page:
                out[c["reference"]] = c["title"]
            if len(page) < PAGE:
                return out
            if since is not None:
                oldest = dt.datetime.fromisoformat(page[-1]["received_at"].replace("Z", "+00:00"))
                if oldest.timestamp() < since:
                    return out
            offset += PAGE
    finally:
        conn.close()


def check(port: int, token: str, acked: dict[str, str], since: float | None) -> tuple[list, list]:
    """(missing references, references whose title differs). Anything the listing did not
    show is looked up one by one, so a paging edge cannot report a false loss."""
    listed = list_cases(port, token, since)
    missing, changed = [], []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for ref, title in acked.items():
            got = listed.get(ref)
            if got is None:
                status, body = api_get(conn, f"/api/v1/cases/{ref}", token)
                if status == 404:
                    missing.append(ref)
                    continue
                if status != 200:
                    raise RuntimeError(f"GET /api/v1/cases/{ref}: {status} {body[:200]!r}")
                got = json.loads(body)["title"]
            if got != title:
                changed.append({"reference": ref, "expected": title, "stored": got})
    finally:
        conn.close()
    return missing, changed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-build", action="store_true", help="use target/release/embargo as is")
    ap.add_argument("--binary", help="test this binary instead of building")
    ap.add_argument("--cycles", type=int, default=100, help="kill -9 cycles (default 100)")
    ap.add_argument("--threads", type=int, default=8, help="concurrent client threads (default 8)")
    ap.add_argument("--min-kill", type=float, default=0.2, help="earliest kill, s into the flood")
    ap.add_argument("--max-kill", type=float, default=1.5, help="latest kill, s into the flood")
    ap.add_argument("--seed", type=int, help="random seed for the kill moments")
    ap.add_argument("--out", default=str(f.RESULTS / "kill9.json"), help="result file")
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
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    tmp = Path(tempfile.mkdtemp(prefix="embargo-kill9-"))
    f._tempdirs.append(str(tmp))
    data = tmp / "data"
    policy = f.REPO / "examples" / "policies" / "home-automation-integration.toml"
    subprocess.run([str(binary), "program", "add", str(policy), "--data-dir", str(data)],
                   check=True, capture_output=True)
    token = admin_token(binary, data, None)
    env = {"EMBARGO_SECURITY__UNAUTHENTICATED_POSTS_PER_MINUTE": "100000000"}
    log_file = tmp / "server.log"
    load_start = f.loadavg()
    f.log(f"kill -9 during a flood of submissions: {args.cycles} cycles, {args.threads} client "
          f"threads, kill {args.min_kill}-{args.max_kill} s into the flood (seed {seed}); "
          f"load average {load_start:.2f}")

    all_acked: dict[str, str] = {}
    all_unanswered: list[str] = []
    cycles = []
    lost: list[str] = []
    changed: list[dict] = []
    prev: dict | None = None  # the previous cycle, checked by the next server
    t_run = time.perf_counter()

    for cycle in range(args.cycles + 1):
        server = f.Server(binary, data, log_file, env=env)
        ready = server.wait_ready(poll_s=0.005)
        if prev is not None:
            miss, diff = check(server.port, token, prev["acked"], prev["flood_started_epoch"] - 5)
            lost += miss
            changed += diff
            prev["record"]["lost"] = len(miss)
            prev["record"]["changed"] = len(diff)
            prev["record"]["restart_ready_ms"] = round(ready["ready_ms"], 1)
            if miss or diff:
                f.log(f"  cycle {prev['record']['cycle']}: LOST {len(miss)}, CHANGED {len(diff)}: {miss[:5]} {diff[:2]}")
        if cycle == args.cycles:
            break
        flood = Flood(server.port, cycle, args.threads)
        kill_after = rng.uniform(args.min_kill, args.max_kill)
        epoch = time.time()
        flood.start()
        time.sleep(kill_after)
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait()
        flood.join()
        server._log.close()
        rec = {
            "cycle": cycle,
            "kill_after_s": round(kill_after, 3),
            "sent": flood.sent,
            "acknowledged": len(flood.acked),
            "unanswered": len(flood.unanswered),
            "other_status": flood.other_status,
        }
        cycles.append(rec)
        all_acked.update(flood.acked)
        all_unanswered += flood.unanswered
        prev = {"acked": flood.acked, "flood_started_epoch": epoch, "record": rec}
        if cycle % 10 == 9 or cycle == args.cycles - 1:
            f.log(f"  {cycle + 1:>4} kills: {len(all_acked):>6} acknowledged, lost so far {len(lost)}, "
                  f"{len(all_unanswered)} unanswered ({time.perf_counter() - t_run:.0f} s)")

    # The last server is still running: a full check of every cycle, then the audit chain.
    everything = list_cases(server.port, token)
    final_missing = [r for r in all_acked if r not in everything]
    final_changed = [r for r, t in all_acked.items() if r in everything and everything[r] != t]
    stored_titles = set(everything.values())
    unanswered_stored = sum(1 for t in all_unanswered if t in stored_titles)
    server.stop()
    verify = subprocess.run([str(binary), "audit", "verify", "--data-dir", str(data)],
                            text=True, capture_output=True)
    elapsed = time.perf_counter() - t_run

    lost_total = len(set(lost) | set(final_missing))
    changed_total = len(changed) + len(final_changed)
    ok = lost_total == 0 and changed_total == 0 and verify.returncode == 0
    result = {
        "benchmark": "kill9",
        "date": started.isoformat(timespec="seconds"),
        "command": "python3 bench/kill9.py " + " ".join(sys.argv[1:]),
        "machine": f.machine(),
        "loadavg_1m_at_start": load_start,
        "loadavg_1m_at_end": f.loadavg(),
        "settings": {
            "backend": "sqlite",
            "durability": "default (synchronous = FULL)",
            "cycles": args.cycles,
            "client_threads": args.threads,
            "kill_window_s": [args.min_kill, args.max_kill],
            "seed": seed,
            "data_dir": "one directory reused by every cycle",
        },
        "kills": len(cycles),
        "requests_sent": sum(c["sent"] for c in cycles),
        "acknowledged": len(all_acked),
        "lost": lost_total,
        "changed": changed_total,
        "unanswered_in_flight": len(all_unanswered),
        "unanswered_found_stored": unanswered_stored,
        "other_status": {str(k): sum(c["other_status"].get(k, 0) for c in cycles)
                         for k in sorted({k for c in cycles for k in c["other_status"]})},
        "cases_stored_at_end": len(everything),
        "audit_verify": verify.stdout.strip() or verify.stderr.strip()[-300:],
        "elapsed_s": round(elapsed, 1),
        "lost_references": sorted(set(lost) | set(final_missing))[:100],
        "changed_examples": (changed + [{"reference": r} for r in final_changed])[:20],
        "pass": ok,
        "cycles_detail": cycles,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    f.log(f"\n{result['kills']} kills in {elapsed:.0f} s: {result['requests_sent']} requests sent, "
          f"{result['acknowledged']} acknowledged (201), lost {lost_total}, changed {changed_total}; "
          f"{result['unanswered_in_flight']} in flight without an answer, of which "
          f"{unanswered_stored} were stored anyway; {len(everything)} cases stored")
    f.log(f"audit: {result['audit_verify']}")
    f.log(f"Every acknowledged submission survived kill -9: {'PASS' if ok else 'FAIL'}")
    f.log(f"Wrote {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
