#!/usr/bin/env python3
"""Foundation numbers for Embargo on SQLite (issue 2, "Numbers").

Measures, against a release build, in one run:

  1. release binary size (as built, and stripped)            target < 40 MB
  2. idle resident memory of `embargo serve` after ~5 s idle  target < 30 MB
  3. start to ready on an existing SQLite database            target < 300 ms
     (spawn -> "listening" line on stdout AND first 200 from /readyz; median and p95)
  4. authenticated JSON read GET /api/v1/me under
     `wrk -t2 -c64 -d10s --latency` on loopback                target p99 < 10 ms
     with /healthz (no auth, no database) under the same settings as a same-run baseline.

Prints a summary and writes bench/results/foundation.json.

Python 3.11 standard library only. Installs wrk with apt-get when it is missing. Everything
runs on 127.0.0.1 in a temporary data directory that is removed at the end, and every server
process it starts is stopped, also on Ctrl-C.

Usage:  python3 bench/foundation.py [--runs 20] [--duration 10] [--no-build] [--binary PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"

TARGETS = {
    "binary_mb": 40.0,
    "idle_rss_mb": 30.0,
    "start_to_ready_ms": 300.0,
    "me_p99_ms": 10.0,
}

MiB = 1024 * 1024


def log(msg: str) -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------- processes

_children: list[subprocess.Popen] = []
_tempdirs: list[str] = []


def cleanup() -> None:
    for p in _children:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    _children.clear()
    for d in _tempdirs:
        shutil.rmtree(d, ignore_errors=True)
    _tempdirs.clear()


def _on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, timeout: float = 1.0) -> tuple[int, str]:
    """A minimal HTTP/1.0 GET; (status, body). Raises OSError when nothing listens."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body.decode(errors="replace")


class Server:
    """`embargo serve` on a free loopback port; stdout lines are time-stamped as they come."""

    def __init__(self, binary: Path, data_dir: Path, log_file: Path, env: dict | None = None):
        self.port = free_port()
        self.listening_at: float | None = None
        self.stdout_lines: list[str] = []
        e = dict(os.environ)
        e.pop("EMBARGO_CONFIG", None)
        e.update(env or {})
        self._log = open(log_file, "ab")
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [str(binary), "serve", "--data-dir", str(data_dir),
             "--listen", f"127.0.0.1:{self.port}"],
            stdout=subprocess.PIPE, stderr=self._log, env=e, cwd=data_dir.parent,
        )
        _children.append(self.proc)
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            now = time.perf_counter()
            line = raw.decode(errors="replace").rstrip("\n")
            if self.listening_at is None and line.startswith("Embargo listening on"):
                self.listening_at = now
            self.stdout_lines.append(line)

    def wait_ready(self, poll_s: float = 0.002, timeout_s: float = 30.0) -> dict:
        """Polls /readyz every `poll_s` until 200 and the listening line was printed."""
        ready_at = None
        deadline = self.t0 + timeout_s
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see the log")
            if ready_at is None:
                try:
                    status, _ = http_get(self.port, "/readyz")
                    if status == 200:
                        ready_at = time.perf_counter()
                except OSError:
                    pass
            if ready_at is not None and self.listening_at is not None:
                return {
                    "readyz_ms": (ready_at - self.t0) * 1000,
                    "listening_line_ms": (self.listening_at - self.t0) * 1000,
                    "ready_ms": (max(ready_at, self.listening_at) - self.t0) * 1000,
                }
            time.sleep(poll_s)
        raise RuntimeError("server not ready within %.0f s" % timeout_s)

    def rss_kb(self) -> dict:
        out = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                out[k] = int(v.split()[0])
        return out

    def stop(self) -> float:
        """SIGTERM and wait; returns the shutdown time in ms."""
        t = time.perf_counter()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return (time.perf_counter() - t) * 1000


# --------------------------------------------------------------------------- steps

def build(no_build: bool, binary: str | None) -> Path:
    if binary:
        return Path(binary).resolve()
    if no_build:
        return REPO / "target" / "release" / "embargo"
    log("Building: cargo build --release -p embargo")
    t = time.perf_counter()
    proc = subprocess.run(
        ["cargo", "build", "--release", "-p", "embargo", "--message-format=json-render-diagnostics"],
        cwd=REPO, text=True, stdout=subprocess.PIPE,
    )
    if proc.returncode != 0:
        sys.exit("cargo build failed")
    exe = None
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") and \
                msg.get("target", {}).get("name") == "embargo":
            exe = msg["executable"]
    log(f"  done in {time.perf_counter() - t:.1f} s")
    return Path(exe) if exe else REPO / "target" / "release" / "embargo"


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if not shutil.which("apt-get"):
        sys.exit("wrk is missing and apt-get is not available: install wrk and run again")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log("Installing wrk: apt-get install -y wrk")
    if subprocess.run(sudo + ["apt-get", "install", "-y", "wrk"], env=env).returncode != 0:
        subprocess.run(sudo + ["apt-get", "update"], env=env, check=True)
        subprocess.run(sudo + ["apt-get", "install", "-y", "wrk"], env=env, check=True)
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk could not be installed")
    return found


def binary_size(binary: Path, tmp: Path) -> dict:
    size = binary.stat().st_size
    out = {"path": str(binary), "bytes": size, "mb": round(size / MiB, 2)}
    strip = shutil.which("strip")
    if strip:
        copy = tmp / "embargo.stripped"
        shutil.copy(binary, copy)
        subprocess.run([strip, str(copy)], check=True)
        s = copy.stat().st_size
        out.update(stripped_bytes=s, stripped_mb=round(s / MiB, 2))
        copy.unlink()
    file_out = subprocess.run(["file", "-b", str(binary)], text=True, capture_output=True)
    if file_out.returncode == 0:
        out["file"] = file_out.stdout.strip()
    return out


def percentile(xs: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * _UNIT[m.group(2)]


def parse_wrk(out: str) -> dict:
    r: dict = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    r["requests_per_s"] = float(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in ([\d.]+\w+)", out)
    if m:
        r["requests"] = int(m.group(1))
    lat = re.search(r"Latency\s+([\d.]+\w+)\s+([\d.]+\w+)\s+([\d.]+\w+)", out)
    if lat:
        r["latency_avg_ms"] = round(_ms(lat.group(1)), 3)
        r["latency_stdev_ms"] = round(_ms(lat.group(2)), 3)
        r["latency_max_ms"] = round(_ms(lat.group(3)), 3)
    for pct, val in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", out, re.M):
        r[f"p{pct}_ms"] = round(_ms(val), 3)
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    r["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"),
                                  map(int, m.groups()))) if m else None
    return r


def loadavg() -> float:
    """The 1-minute load average: other work on the machine competes with the benchmark."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def run_wrk(wrk: str, args: list[str], url: str, headers: list[str], duration: int) -> dict:
    hdr = sum((["-H", h] for h in headers), [])
    cmd = [wrk, *args, f"-d{duration}s", "--latency", *hdr, url]
    before = loadavg()
    out = subprocess.run(cmd, text=True, capture_output=True, check=True).stdout
    res = parse_wrk(out)
    res["loadavg_1m_before_after"] = [before, loadavg()]
    shown = [c if not c.startswith("Authorization") else "Authorization: Bearer <token>" for c in cmd]
    res["command"] = " ".join(f"'{c}'" if " " in c else c for c in shown)
    return res


def metric_value(text: str, name: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and (len(line) == len(name) or line[len(name)] in " {"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def machine() -> dict:
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break

    def cmd(*c: str) -> str:
        try:
            return subprocess.run(list(c), text=True, capture_output=True, cwd=REPO).stdout.strip()
        except OSError:
            return ""

    fs = cmd("df", "-T", tempfile.gettempdir()).splitlines()
    return {
        "nproc": os.cpu_count(),
        "mem_total_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "kernel": platform.release(),
        "tmp_filesystem": fs[-1].split()[1] if len(fs) > 1 else "",
        "rustc": cmd("rustc", "--version"),
        "wrk": cmd("wrk", "--version").splitlines()[0] if shutil.which("wrk") else "",
        "git_commit": cmd("git", "rev-parse", "--short", "HEAD"),
        "git_dirty": bool(cmd("git", "status", "--porcelain", "--untracked-files=no")),
    }


# --------------------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20, help="start-to-ready repetitions (default 20)")
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    ap.add_argument("--idle", type=float, default=5.0, help="idle seconds before reading RSS")
    ap.add_argument("--no-build", action="store_true", help="use target/release/embargo as is")
    ap.add_argument("--binary", help="benchmark this binary instead of building")
    ap.add_argument("--out", default=str(RESULTS / "foundation.json"), help="result file")
    args = ap.parse_args()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        return bench(args)
    finally:
        cleanup()


def bench(args) -> int:
    started = dt.datetime.now(dt.timezone.utc)
    binary = build(args.no_build, args.binary)
    if not binary.exists():
        sys.exit(f"{binary} does not exist")
    wrk = ensure_wrk()
    la = loadavg()
    if la > 0.5 * (os.cpu_count() or 1):
        log(f"WARNING: 1-minute load average is {la:.2f} on {os.cpu_count()} CPUs: other work "
            "competes with the benchmark; absolute numbers will be low, ratios less affected.")
    tmp = Path(tempfile.mkdtemp(prefix="embargo-bench-"))
    _tempdirs.append(str(tmp))
    data = tmp / "data"
    server_log = tmp / "server.log"
    result: dict = {
        "benchmark": "foundation",
        "date": started.isoformat(timespec="seconds"),
        "command": "python3 bench/foundation.py " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "loadavg_1m_at_start": loadavg(),
        "targets": TARGETS,
    }

    # 1. Binary size.
    result["binary"] = binary_size(binary, tmp)
    b = result["binary"]
    log(f"\n[1] Release binary: {b['mb']:.1f} MiB"
        + (f" ({b['stripped_mb']:.1f} MiB stripped)" if "stripped_mb" in b else ""))

    # An existing, migrated database with one user and a read token.
    run([str(binary), "migrate", "--data-dir", str(data)], cwd=tmp)
    run([str(binary), "admin", "create-user", "bench@example.org", "--role", "admin",
         "--data-dir", str(data)], cwd=tmp)
    tok = run([str(binary), "admin", "create-token", "bench@example.org", "--scope", "read",
               "--data-dir", str(data)], cwd=tmp).stdout.strip().splitlines()[-1].strip()
    if not tok.startswith("emb_"):
        sys.exit(f"unexpected create-token output: {tok!r}")

    # 3. Start to ready (one untimed warm-up start first: page cache, first-run work).
    log(f"\n[2] Start to ready on an existing SQLite database ({args.runs} starts)")
    warm = Server(binary, data, server_log)
    warm_t = warm.wait_ready()
    warm.stop()
    samples, shutdowns = [], []
    for _ in range(args.runs):
        s = Server(binary, data, server_log)
        samples.append(s.wait_ready())
        shutdowns.append(s.stop())
    ready = [x["ready_ms"] for x in samples]
    result["start_to_ready"] = {
        "runs": args.runs,
        "poll_interval_ms": 2,
        "definition": "process spawn until both the 'Embargo listening on' stdout line and a 200 from /readyz",
        "median_ms": round(statistics.median(ready), 1),
        "p95_ms": round(percentile(ready, 95), 1),
        "min_ms": round(min(ready), 1),
        "max_ms": round(max(ready), 1),
        "readyz_200_median_ms": round(statistics.median(x["readyz_ms"] for x in samples), 1),
        "listening_line_median_ms": round(statistics.median(x["listening_line_ms"] for x in samples), 1),
        "warmup_start_ms": round(warm_t["ready_ms"], 1),
        "sigterm_to_exit_median_ms": round(statistics.median(shutdowns), 1),
        "samples_ms": [round(x, 1) for x in ready],
    }
    r = result["start_to_ready"]
    log(f"    median {r['median_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms "
        f"(min {r['min_ms']:.1f}, max {r['max_ms']:.1f}); SIGTERM to exit {r['sigterm_to_exit_median_ms']:.0f} ms")

    # 2. Idle memory, then the same server under load.
    srv = Server(binary, data, server_log)
    srv.wait_ready()
    time.sleep(args.idle)
    idle = srv.rss_kb()
    result["idle_memory"] = {
        "idle_seconds": args.idle,
        "vmrss_kb": idle.get("VmRSS"),
        "vmrss_mb": round(idle.get("VmRSS", 0) / 1024, 1),
        "vmhwm_kb": idle.get("VmHWM"),
        "rss_anon_kb": idle.get("RssAnon"),
        "rss_file_kb": idle.get("RssFile"),
        "threads": idle.get("Threads"),
    }
    m = result["idle_memory"]
    log(f"\n[3] Idle resident memory after {args.idle:.0f} s: {m['vmrss_mb']:.1f} MiB "
        f"(anon {m['rss_anon_kb'] / 1024:.1f}, file-backed {m['rss_file_kb'] / 1024:.1f}; {m['threads']} threads)")

    # 4. wrk: /healthz baseline and /api/v1/me, each after a short warm-up.
    base = f"http://127.0.0.1:{srv.port}"
    auth = [f"Authorization: Bearer {tok}"]
    status, body = http_get_auth(srv.port, "/api/v1/me", tok)
    if status != 200:
        sys.exit(f"/api/v1/me answered {status}: {body}")
    wrk_args = ["-t2", "-c64"]
    log(f"\n[4] wrk -t2 -c64 -d{args.duration}s --latency (after a 2 s warm-up each)")
    runs = {}
    for name, path, hdr in (("healthz", "/healthz", []), ("me", "/api/v1/me", auth)):
        run_wrk(wrk, wrk_args, base + path, hdr, 2)
        runs[name] = run_wrk(wrk, wrk_args, base + path, hdr, args.duration)
        w = runs[name]
        log(f"    {path:12} {w['requests_per_s']:>10.0f} req/s   p50 {w.get('p50_ms', 0):.2f} ms   "
            f"p99 {w.get('p99_ms', 0):.2f} ms   max {w.get('latency_max_ms', 0):.1f} ms   "
            f"non-2xx {w['non_2xx']}")
        if w["non_2xx"]:
            log(f"    WARNING: {w['non_2xx']} non-2xx responses on {path}")
    loaded = srv.rss_kb()
    _, metrics = http_get(srv.port, "/metrics", timeout=5)
    me_total = sum(
        float(l.rsplit(" ", 1)[1]) for l in metrics.splitlines()
        if l.startswith("http_requests_total{") and 'route="/api/v1/me"' in l)
    dropped = metric_value(metrics, "access_log_dropped_total")
    srv.stop()
    # The access log is written in batches; after a graceful stop every entry should be there.
    logged = count_access_rows(data)
    ratio = runs["me"]["requests_per_s"] / runs["healthz"]["requests_per_s"]
    result["wrk"] = {
        "settings": f"-t2 -c64 -d{args.duration}s --latency, loopback, wrk on the same machine",
        "healthz": runs["healthz"],
        "me": runs["me"],
        "me_over_healthz_throughput": round(ratio, 3),
        "me_p99_over_healthz_p99": round(runs["me"]["p99_ms"] / runs["healthz"]["p99_ms"], 2)
        if runs["healthz"].get("p99_ms") else None,
        "server_vmrss_after_load_mb": round(loaded.get("VmRSS", 0) / 1024, 1),
        "server_vmhwm_mb": round(loaded.get("VmHWM", 0) / 1024, 1),
        "me_requests_counted_by_server": int(me_total),
        "access_log_dropped_total": int(dropped),
        "access_log_rows_after_stop": logged,
    }
    w = result["wrk"]
    log(f"    me/healthz throughput ratio {w['me_over_healthz_throughput']:.2f}; "
        f"RSS after load {w['server_vmrss_after_load_mb']:.1f} MiB; "
        f"access-log entries dropped {w['access_log_dropped_total']}, rows stored {logged}")

    # Diagnostic: the same read with the per-request log line to stderr switched off
    # (EMBARGO_LOG=warn), to show what that synchronous write costs. Not a target.
    quiet = Server(binary, data, server_log, env={"EMBARGO_LOG": "warn"})
    quiet.wait_ready()
    run_wrk(wrk, wrk_args, f"http://127.0.0.1:{quiet.port}/api/v1/me", auth, 2)
    q = run_wrk(wrk, wrk_args, f"http://127.0.0.1:{quiet.port}/api/v1/me", auth, args.duration)
    quiet.stop()
    result["diagnostics"] = {"me_with_EMBARGO_LOG_warn": q}
    log(f"    diagnostic: /api/v1/me with EMBARGO_LOG=warn: {q['requests_per_s']:.0f} req/s, "
        f"p99 {q.get('p99_ms', 0):.2f} ms")

    # Verdicts.
    checks = {
        "binary_size": b["mb"] < TARGETS["binary_mb"],
        "idle_rss": m["vmrss_mb"] < TARGETS["idle_rss_mb"],
        "start_to_ready_p95": r["p95_ms"] < TARGETS["start_to_ready_ms"],
        "me_p99": (runs["me"].get("p99_ms") or 1e9) < TARGETS["me_p99_ms"],
    }
    result["pass"] = checks
    log("\nSummary (target -> measured)")
    log(f"  binary size      < {TARGETS['binary_mb']:.0f} MiB   -> {b['mb']:.1f} MiB "
        f"{'PASS' if checks['binary_size'] else 'MISS'}")
    log(f"  idle RSS         < {TARGETS['idle_rss_mb']:.0f} MiB   -> {m['vmrss_mb']:.1f} MiB "
        f"{'PASS' if checks['idle_rss'] else 'MISS'}")
    log(f"  start to ready   < {TARGETS['start_to_ready_ms']:.0f} ms   -> median {r['median_ms']:.1f} ms, "
        f"p95 {r['p95_ms']:.1f} ms {'PASS' if checks['start_to_ready_p95'] else 'MISS'}")
    log(f"  /api/v1/me p99   < {TARGETS['me_p99_ms']:.0f} ms    -> {runs['me'].get('p99_ms', 0):.2f} ms at "
        f"{runs['me']['requests_per_s']:.0f} req/s ({ratio:.2f}x /healthz) "
        f"{'PASS' if checks['me_p99'] else 'MISS'}")

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    log(f"\nWrote {out}")
    return 0


def http_get_auth(port: int, path: str, token: str) -> tuple[int, str]:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body.decode(errors="replace")


def count_access_rows(data: Path) -> int | None:
    """Rows in the access log, read with the sqlite3 CLI when it is installed."""
    if not shutil.which("sqlite3"):
        return None
    p = subprocess.run(["sqlite3", str(data / "embargo.db"), "SELECT count(*) FROM access_log"],
                       text=True, capture_output=True)
    try:
        return int(p.stdout.strip())
    except ValueError:
        return None


if __name__ == "__main__":
    sys.exit(main())
