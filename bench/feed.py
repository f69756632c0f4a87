#!/usr/bin/env python3
"""The vulnerability feed with a million records (issue 6, "Numbers").

    python3 bench/feed.py [--records 1000000] [--quick] [--components 5000] [--seed 1]
                          [--no-build] [--binary PATH] [--work DIR] [--out FILE]

On SQLite, against a release build (`cargo build --release -p embargo`, and
`cargo build --release -p embargo-bench --bins` for the two helpers), in one run:

  1. corpus: `feedgen` writes an osv.dev-layout all.zip of N OSV records varied from the 300
     advisories of fixtures/advisories/ (seeded, deterministic) and a CycloneDX 1.5 SBOM of
     5,000 components drawn from the corpus's packages (half at an affected version, half at
     a fixed one);
  2. same-run baseline: `feedparse` reads the same zip the way ingest does and only parses
     each entry, into embargo_formats::osv::Vulnerability (ingest's typed fast path) and,
     for comparison, into serde_json::Value;
  3. `embargo feed ingest --json all.zip` into a fresh data directory: records/s, wall time,
     peak RSS (target >= 50,000/s, < 1 GB, ingest/parse >= 0.5); then the same zip again
     (every record unchanged);
  4. `embargo sbom scan --format json` of the SBOM: one warm-up, then 3 timed runs, best and
     median (target < 1 s), findings; then `embargo serve` on the same data and
     `POST /api/v1/feed/querybatch` (1000 purls per call, read-scope token) for the same
     5,000 components: components/s;
  5. `embargo feed export` (full snapshot) and `embargo feed verify`, `embargo kit build` and
     `embargo kit verify`: times, peak RSS, sizes (per file);
  6. incremental re-scan of registered SBOMs: not built, recorded as such.

Wall times are process start to exit, measured here. Peak RSS comes from `/usr/bin/time -v`
when it is installed, otherwise from `os.wait4`'s rusage of that process. Writes
bench/results/feed.json; prints PASS/MISS per target and exits 0 when everything ran (1 when a
step failed or a record was rejected): the numbers are reported, not asserted.

Disk: at 1,000,000 records about 25 GB in the work directory (zip, database, snapshot, kit),
removed at the end unless --work is given. --quick is a smoke run with 10,000 records.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import foundation as f  # noqa: E402  (the shared server helpers)

TARGETS = {
    "ingest_records_per_s": 50_000,
    "ingest_peak_rss_mb": 1024,
    "ingest_over_parse": 0.5,
    "sbom_scan_s": 1.0,
}
TIME_V = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
MiB = 1024 * 1024


def build_helpers(no_build: bool) -> tuple[Path, Path]:
    rel = f.REPO / "target" / "release"
    if not no_build:
        f.log("Building: cargo build --release -p embargo-bench --bins")
        t = time.perf_counter()
        if subprocess.run(["cargo", "build", "--release", "-p", "embargo-bench", "--bins"], cwd=f.REPO).returncode:
            sys.exit("cargo build of the bench helpers failed")
        f.log(f"  done in {time.perf_counter() - t:.1f} s")
    gen, parse = rel / "feedgen", rel / "feedparse"
    for b in (gen, parse):
        if not b.exists():
            sys.exit(f"{b} is missing: run without --no-build")
    return gen, parse


def timed(cmd: list[str], out: Path, err: Path, env: dict | None = None) -> dict:
    """Runs cmd with stdout/stderr to files; wall seconds, exit code, peak RSS."""
    e = dict(os.environ)
    e.pop("EMBARGO_CONFIG", None)
    e.update(env or {})
    full = [TIME_V, "-v", *cmd] if TIME_V else cmd
    with open(out, "wb") as o, open(err, "wb") as r:
        t = time.perf_counter()
        p = subprocess.Popen(full, stdout=o, stderr=r, env=e, cwd=out.parent)
        f._children.append(p)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
    res = {"seconds": round(wall, 3), "exit_code": p.returncode}
    stderr = err.read_text(errors="replace")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr) if TIME_V else None
    if m:
        res["peak_rss_mb"] = round(int(m.group(1)) / 1024, 1)
        res["peak_rss_from"] = "/usr/bin/time -v"
        code = re.search(r"Exit status: (\d+)", stderr)
        if code:
            res["exit_code"] = int(code.group(1))
    else:
        res["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
        res["peak_rss_from"] = "os.wait4 rusage" + (" (of /usr/bin/time)" if TIME_V else "")
    if res["exit_code"] not in (0,):
        tail = "\n".join(l for l in stderr.splitlines() if not l.startswith("\t"))[-2000:]
        res["stderr_tail"] = tail
    return res


def json_out(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def du(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def mb(n: int) -> float:
    return round(n / MiB, 1)


def ingest(binary: Path, zip_path: Path, data: Path, tmp: Path, label: str, extra: list[str] | None = None) -> dict:
    out, err = tmp / f"ingest-{label}.json", tmp / f"ingest-{label}.stderr"
    load = f.loadavg()
    res = timed([str(binary), "feed", "ingest", "--json", *(extra or []), str(zip_path), "--data-dir", str(data)], out, err)
    res["loadavg_1m_before_after"] = [load, f.loadavg()]
    s = json_out(out)
    res["summary"] = {k: s.get(k) for k in ("read", "new", "modified", "unchanged", "stale", "withdrawn", "rejected",
                                            "failed_inputs", "seconds", "records_per_second")}
    res["rejections_first"] = (s.get("rejections") or [])[:5]
    read = s.get("read") or 0
    res["records_per_s_wall"] = round(read / res["seconds"]) if res["seconds"] else None
    res["records_per_s_reported"] = round(s.get("records_per_second") or 0)
    db = [p for p in data.iterdir() if p.name.startswith("embargo.db")] if data.exists() else []
    res["database_bytes"] = sum(p.stat().st_size for p in db)
    f.log(f"  ingest {label:<9} {read:>9} records in {res['seconds']:.1f} s = {res['records_per_s_wall'] or 0:>7}/s wall "
          f"({res['records_per_s_reported']}/s reported); new {s.get('new')}, unchanged {s.get('unchanged')}, "
          f"rejected {s.get('rejected')}; peak RSS {res['peak_rss_mb']} MB; database {mb(res['database_bytes'])} MB")
    return res


def parse_baseline(parse: Path, zip_path: Path, tmp: Path, mode: str) -> dict:
    out, err = tmp / f"parse-{mode}.json", tmp / f"parse-{mode}.stderr"
    res = timed([str(parse), str(zip_path), "--mode", mode], out, err)
    s = json_out(out)
    res.update({k: s.get(k) for k in ("entries", "bytes", "errors")})
    res["records_per_s_wall"] = round(s["entries"] / res["seconds"]) if s.get("entries") and res["seconds"] else None
    res["records_per_s_reported"] = round(s.get("records_per_second") or 0)
    f.log(f"  parse  {mode:<9} {s.get('entries')} entries in {res['seconds']:.1f} s = {res['records_per_s_wall']}/s "
          f"(errors {s.get('errors')}; peak RSS {res['peak_rss_mb']} MB)")
    return res


def sbom_scans(binary: Path, sbom: Path, data: Path, tmp: Path, runs: int) -> dict:
    cmd = [str(binary), "sbom", "scan", "--format", "json", str(sbom), "--data-dir", str(data)]
    warm = timed(cmd, tmp / "scan-0.json", tmp / "scan-0.stderr")
    if warm["exit_code"] != 0:
        return {"error": warm}
    if warm["seconds"] > 300 and runs > 1:
        f.log(f"  sbom scan warm-up took {warm['seconds']:.0f} s: one timed run instead of {runs}")
        runs = 1
    times, rss = [], []
    last = {}
    for i in range(1, runs + 1):
        r = timed(cmd, tmp / f"scan-{i}.json", tmp / f"scan-{i}.stderr")
        if r["exit_code"] != 0:
            return {"error": r}
        times.append(r["seconds"])
        rss.append(r["peak_rss_mb"])
        last = r
    report = json_out(tmp / f"scan-{runs}.json")
    counts = report.get("counts", {})
    findings = report.get("findings", [])
    refs = {(x.get("component") or {}).get("bom_ref") or "" for x in findings}
    res = {
        "command": "embargo sbom scan --format json SBOM --data-dir DATA",
        "warmup_seconds": warm["seconds"],
        "runs_seconds": times,
        "best_s": min(times),
        "median_s": statistics.median(times),
        "peak_rss_mb": max(rss),
        "peak_rss_from": last.get("peak_rss_from"),
        "counts": counts,
        "components_with_findings": len(refs),
        # feedgen draws even-numbered components (bom-ref c0, c2, …) at an affected version of
        # one record, odd ones at that record's fixed version (another record may still hit it).
        "components_with_findings_drawn_affected": sum(1 for r in refs if r[1:].isdigit() and int(r[1:]) % 2 == 0),
        "components_with_findings_drawn_unaffected": sum(1 for r in refs if r[1:].isdigit() and int(r[1:]) % 2 == 1),
        "report_bytes": (tmp / f"scan-{runs}.json").stat().st_size,
    }
    f.log(f"  sbom scan: best {res['best_s']:.3f} s, median {res['median_s']:.3f} s (warm-up {warm['seconds']:.3f} s); "
          f"{counts.get('components')} components, {counts.get('queries')} queries, {counts.get('findings')} findings "
          f"({counts.get('affected')} affected, {counts.get('unknown')} unknown); peak RSS {res['peak_rss_mb']} MB")
    return res


def admin_token(binary: Path, data: Path) -> str:
    subprocess.run([str(binary), "admin", "create-user", "bench@example.org", "--role", "admin", "--data-dir", str(data)],
                   check=True, capture_output=True)
    out = subprocess.run([str(binary), "admin", "create-token", "bench@example.org", "--scope", "read", "--data-dir", str(data)],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def querybatch(binary: Path, data: Path, tmp: Path, sbom: Path, rounds: int) -> dict:
    purls = [c["purl"] for c in json.loads(sbom.read_text())["components"]]
    token = admin_token(binary, data)
    server = f.Server(binary, data, tmp / "server.log")
    server.wait_ready()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    batches = [purls[i:i + 1000] for i in range(0, len(purls), 1000)]

    def one_round() -> tuple[float, list[float], int, int]:
        t0 = time.perf_counter()
        per, vulns, hit = [], 0, 0
        for b in batches:
            body = json.dumps({"queries": [{"package": {"purl": p}} for p in b]})
            t = time.perf_counter()
            conn.request("POST", "/api/v1/feed/querybatch", body=body, headers=headers)
            resp = conn.getresponse()
            data_ = resp.read()
            per.append(time.perf_counter() - t)
            if resp.status != 200:
                raise RuntimeError(f"querybatch: {resp.status} {data_[:300]!r}")
            results = json.loads(data_)["results"]
            if len(results) != len(b):
                raise RuntimeError(f"querybatch: {len(results)} results for {len(b)} queries")
            for r in results:
                n = len(r.get("vulns") or [])
                vulns += n
                hit += n > 0
        return time.perf_counter() - t0, per, vulns, hit

    try:
        warm = one_round()
        runs = [one_round() for _ in range(rounds)]
    finally:
        conn.close()
        server.stop()
    secs = [r[0] for r in runs]
    best = min(secs)
    res = {
        "route": "POST /api/v1/feed/querybatch",
        "components": len(purls),
        "queries_per_call": 1000,
        "calls_per_round": len(batches),
        "connection": "one keep-alive HTTP/1.1 connection, calls one after the other",
        "warmup_round_s": round(warm[0], 3),
        "rounds_s": [round(s, 3) for s in secs],
        "best_components_per_s": round(len(purls) / best),
        "median_components_per_s": round(len(purls) / statistics.median(secs)),
        "per_call_s_best_round": [round(x, 3) for x in min(runs, key=lambda r: r[0])[1]],
        "vulns_returned": runs[-1][2],
        "components_with_vulns": runs[-1][3],
    }
    f.log(f"  querybatch: {res['best_components_per_s']} components/s best, {res['median_components_per_s']} median "
          f"({len(batches)} calls of <= 1000); {res['components_with_vulns']} components with vulns, "
          f"{res['vulns_returned']} vulns")
    return res


def export_verify(binary: Path, data: Path, tmp: Path) -> dict:
    snap = tmp / "snapshot"
    kit = tmp / "kit.tar.zst"
    out = {}
    r = timed([str(binary), "feed", "export", str(snap), "--json", "--data-dir", str(data)],
              tmp / "export.json", tmp / "export.stderr")
    manifest = json_out(tmp / "export.json")
    files = {}
    if snap.exists():
        for p in sorted(snap.rglob("*")):
            if p.is_file():
                files[str(p.relative_to(snap))] = p.stat().st_size
    r["files"] = files
    r["snapshot_bytes"] = sum(files.values())
    r["snapshot_mb"] = mb(r["snapshot_bytes"])
    m = manifest.get("manifest", manifest)
    r["counts"] = m.get("counts") if isinstance(m, dict) else None
    out["export"] = r
    f.log(f"  feed export: {r['seconds']:.1f} s, {r['snapshot_mb']} MB in {len(files)} files, peak RSS {r['peak_rss_mb']} MB"
          f" (exit {r['exit_code']})")
    key = snap / "minisign.pub"
    r = timed([str(binary), "feed", "verify", str(snap), "--key", str(key)], tmp / "verify.out", tmp / "verify.stderr")
    r["output"] = (tmp / "verify.out").read_text().strip()[:300]
    out["verify"] = r
    f.log(f"  feed verify: {r['seconds']:.1f} s, peak RSS {r['peak_rss_mb']} MB (exit {r['exit_code']}): {r['output']}")
    r = timed([str(binary), "kit", "build", str(snap), "--out", str(kit), "--data-dir", str(data)],
              tmp / "kit-build.out", tmp / "kit-build.stderr")
    r["output"] = (tmp / "kit-build.out").read_text().strip()[:300]
    r["kit_bytes"] = kit.stat().st_size if kit.exists() else None
    r["kit_mb"] = mb(r["kit_bytes"] or 0)
    out["kit_build"] = r
    f.log(f"  kit build:   {r['seconds']:.1f} s, {r['kit_mb']} MB, peak RSS {r['peak_rss_mb']} MB (exit {r['exit_code']})")
    r = timed([str(binary), "kit", "verify", str(kit), "--key", str(key)], tmp / "kit-verify.out", tmp / "kit-verify.stderr")
    r["output"] = (tmp / "kit-verify.out").read_text().strip()[:300]
    out["kit_verify"] = r
    f.log(f"  kit verify:  {r['seconds']:.1f} s, peak RSS {r['peak_rss_mb']} MB (exit {r['exit_code']}): {r['output']}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000, help="records in the corpus (default 1,000,000)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 10,000 records")
    ap.add_argument("--components", type=int, default=5000, help="SBOM components (default 5000)")
    ap.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    ap.add_argument("--scans", type=int, default=3, help="timed SBOM scans and querybatch rounds (default 3)")
    ap.add_argument("--no-build", action="store_true", help="use target/release/{embargo,feedgen,feedparse} as they are")
    ap.add_argument("--binary", help="the embargo binary to measure (no build of it)")
    ap.add_argument("--work", help="work directory, kept afterwards (default: a temporary one, removed)")
    ap.add_argument("--no-server", action="store_true", help="skip the querybatch measurement")
    ap.add_argument("--diagnostic-batch-size", type=int, default=100,
                    help="also ingest into a second fresh data directory with this --batch-size (0: skip; default 100)")
    ap.add_argument("--out", default=str(f.RESULTS / "feed.json"), help="result file")
    args = ap.parse_args()
    n = 10_000 if args.quick else args.records
    binary = f.build(args.no_build, args.binary)
    gen, parse = build_helpers(args.no_build)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=f.REPO, text=True, capture_output=True).stdout.strip()
    out: dict = {
        "benchmark": "feed",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": "python3 bench/feed.py " + " ".join(sys.argv[1:]),
        "commit": commit,
        "machine": f.machine(),
        "loadavg_1m_at_start": f.loadavg(),
        "records": n,
        "backend": "sqlite (default configuration, fresh data directory)",
        "binary": str(binary),
        "targets": TARGETS,
        "peak_rss_source": "/usr/bin/time -v" if TIME_V else "os.wait4 rusage of the process",
    }
    ok = True
    if args.work:
        tmp = Path(args.work).resolve()
        if tmp.exists() and any(tmp.iterdir()):
            sys.exit(f"--work {tmp} must be new or empty")
        tmp.mkdir(parents=True, exist_ok=True)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="embargo-feed-"))
        f._tempdirs.append(str(tmp))
    free = shutil.disk_usage(tmp).free
    out["work_dir_free_gb_at_start"] = round(free / 1024 ** 3, 1)
    f.log(f"Feed benchmark: {n:,} records, work directory {tmp} ({out['work_dir_free_gb_at_start']} GB free)")

    zip_path, sbom = tmp / "all.zip", tmp / "sbom.cdx.json"
    r = timed([str(gen), "--records", str(n), "--out", str(zip_path), "--seed", str(args.seed),
               "--sbom", str(sbom), "--components", str(args.components)], tmp / "feedgen.json", tmp / "feedgen.stderr")
    if r["exit_code"] != 0:
        sys.exit(f"feedgen failed: {r.get('stderr_tail')}")
    g = json_out(tmp / "feedgen.json")
    g.pop("zip", None)
    if g.get("sbom"):
        g["sbom"].pop("path", None)
    out["corpus"] = {**g, "wall_s": r["seconds"], "peak_rss_mb": r["peak_rss_mb"],
                     "command": f"target/release/feedgen --records {n} --seed {args.seed} --out all.zip "
                                f"--sbom sbom.cdx.json --components {args.components}"}
    f.log(f"  corpus: {n} records, {g.get('distinct_packages')} distinct packages, zip {mb(g.get('zip_bytes', 0))} MB "
          f"({mb(g.get('uncompressed_json_bytes', 0))} MB of JSON) in {r['seconds']:.1f} s")

    # Same-run baseline. `read` first: it also brings the zip into the page cache for all.
    out["baseline"] = {
        "what": "feedparse: the zip read like embargo_feed::reader (BufReader, entry by entry, read_to_end, CRC "
                "checked), each entry parsed with serde_json::from_slice; nothing stored",
        "read_only": parse_baseline(parse, zip_path, tmp, "read"),
        "parse_osv_vulnerability": parse_baseline(parse, zip_path, tmp, "osv"),
        "parse_serde_json_value": parse_baseline(parse, zip_path, tmp, "value"),
        "ratio_uses": "parse_osv_vulnerability (serde_json::from_slice::<embargo_formats::osv::Vulnerability>, "
                      "the typed parse of ingest's JSON fast path)",
    }
    base = out["baseline"]["parse_osv_vulnerability"]

    data = tmp / "data"
    first = ingest(binary, zip_path, data, tmp, "fresh")
    again = ingest(binary, zip_path, data, tmp, "unchanged")
    out["ingest"] = {"command": "embargo feed ingest --json all.zip --data-dir DATA (fresh data directory)", **first}
    out["reingest_unchanged"] = {"command": "the same again on the same data directory", **again}
    for step in (first, again):
        s = step["summary"]
        if step["exit_code"] != 0 or s.get("rejected") or s.get("failed_inputs") or s.get("read") != n:
            ok = False
            f.log(f"  PROBLEM: ingest exit {step['exit_code']}, read {s.get('read')} of {n}, rejected {s.get('rejected')}, "
                  f"failed inputs {s.get('failed_inputs')}")
    if again["summary"].get("unchanged") != n:
        ok = False
        f.log(f"  PROBLEM: re-ingest found {again['summary'].get('unchanged')} of {n} unchanged")
    if args.diagnostic_batch_size:
        # Diagnostic, not a target: the same zip with smaller transactions (fewer bind
        # parameters per statement), into another fresh data directory, removed afterwards.
        b = args.diagnostic_batch_size
        diag_data = tmp / f"data-batch-{b}"
        d = ingest(binary, zip_path, diag_data, tmp, f"batch-{b}", ["--batch-size", str(b)])
        shutil.rmtree(diag_data, ignore_errors=True)
        out["ingest_diagnostic_batch_size"] = {"command": f"embargo feed ingest --json --batch-size {b} all.zip "
                                                          "--data-dir DATA2 (fresh)", "batch_size": b, **d}
    ratio = None
    if base.get("records_per_s_wall") and first.get("records_per_s_wall"):
        ratio = round(first["records_per_s_wall"] / base["records_per_s_wall"], 3)
    out["ingest_over_parse"] = ratio
    out["ingest_over_parse_value"] = round(first["records_per_s_wall"] / out["baseline"]["parse_serde_json_value"]["records_per_s_wall"], 3) \
        if first.get("records_per_s_wall") and out["baseline"]["parse_serde_json_value"].get("records_per_s_wall") else None

    out["sbom_scan"] = sbom_scans(binary, sbom, data, tmp, args.scans)
    if "error" in out["sbom_scan"]:
        ok = False
    if args.no_server:
        out["querybatch"] = "skipped (--no-server)"
    else:
        try:
            out["querybatch"] = querybatch(binary, data, tmp, sbom, args.scans)
        except Exception as e:  # noqa: BLE001  (reported, not fatal)
            ok = False
            out["querybatch"] = {"error": str(e)}
            f.log(f"  querybatch failed: {e}")

    out.update(export_verify(binary, data, tmp))
    for k in ("export", "verify", "kit_build", "kit_verify"):
        if out[k]["exit_code"] != 0:
            ok = False
            f.log(f"  PROBLEM: {k} exit {out[k]['exit_code']}: {out[k].get('stderr_tail', '')[-500:]}")
    out["incremental_rescan"] = "not built: there is no SBOM registry, so nothing is re-scanned when the feed changes " \
                                "(docs/FEED.md, 'Not built yet')"
    out["work_dir_bytes_at_end"] = du(tmp)
    out["work_dir_gb_at_end"] = round(out["work_dir_bytes_at_end"] / 1024 ** 3, 2)
    out["loadavg_1m_at_end"] = f.loadavg()

    rate, rss = first.get("records_per_s_wall") or 0, first.get("peak_rss_mb") or 0
    scan = out["sbom_scan"].get("median_s")
    verdicts = {
        "ingest_records_per_s": rate >= TARGETS["ingest_records_per_s"],
        "ingest_peak_rss_mb": rss < TARGETS["ingest_peak_rss_mb"],
        "ingest_over_parse": ratio is not None and ratio >= TARGETS["ingest_over_parse"],
        "sbom_scan_s": scan is not None and scan < TARGETS["sbom_scan_s"],
    }
    out["verdicts"] = {k: "PASS" if v else "MISS" for k, v in verdicts.items()}
    out["all_steps_ran_clean"] = ok
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    f.log(f"ingest >= 50,000 records/s: {out['verdicts']['ingest_records_per_s']} ({rate}/s)")
    f.log(f"ingest peak RSS < 1 GB:     {out['verdicts']['ingest_peak_rss_mb']} ({rss} MB)")
    f.log(f"ingest / parse >= 0.5:      {out['verdicts']['ingest_over_parse']} ({ratio})")
    f.log(f"SBOM scan (median) < 1 s:   {out['verdicts']['sbom_scan_s']} ({scan} s)")
    f.log(f"Wrote {args.out}{'' if ok else ' (some step FAILED, see above)'}")
    return 0 if ok else 1


if __name__ == "__main__":
    f.signal.signal(f.signal.SIGINT, f._on_signal)
    f.signal.signal(f.signal.SIGTERM, f._on_signal)
    try:
        sys.exit(main())
    finally:
        f.cleanup()
