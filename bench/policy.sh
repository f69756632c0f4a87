#!/usr/bin/env bash
# Policy engine numbers (issue 3, "Numbers"): runs the criterion benchmarks of
# bench/embargo-bench (benches/policy.rs) and writes the medians to bench/results/policy.json.
#
#   bench/policy.sh                 # everything (~2.5 min)
#   bench/policy.sh sla_200_events  # a criterion filter, passed through
#
# Targets: SLA clocks for a case of 200 events < 50 µs; rendering a policy < 5 ms (per
# format). The script prints PASS/MISS per benchmark but exits 0 when it could measure: the
# numbers are reported, not asserted (they depend on the machine).
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
# Fresh results only: criterion keeps earlier runs (and renamed benchmarks) around.
rm -rf "$target_dir/criterion/sla_200_events" "$target_dir/criterion/render" "$target_dir/criterion/read"
cmd="cargo bench -p embargo-bench --bench policy -- $*"
echo "+ $cmd"
# shellcheck disable=SC2086 # the filter words are meant to split
cargo bench -p embargo-bench --bench policy -- "$@"
mkdir -p bench/results
python3 - "$target_dir/criterion" bench/results/policy.json "$cmd" <<'PY'
import datetime, json, os, platform, subprocess, sys
from pathlib import Path

root, out, cmd = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
TARGET_US = {"sla_200_events/evaluate": 50.0, "render": 5000.0}

def run(*args):
    try:
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None

def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()

results = {}
for bench in sorted(root.glob("*/**/new/benchmark.json")):
    full_id = json.loads(bench.read_text())["full_id"]
    est = json.loads((bench.parent / "estimates.json").read_text())
    med = est["median"]
    results[full_id] = {
        "median_us": round(med["point_estimate"] / 1000, 3),
        "ci95_us": [round(med["confidence_interval"]["lower_bound"] / 1000, 3),
                    round(med["confidence_interval"]["upper_bound"] / 1000, 3)],
    }

checks = []
for full_id, r in results.items():
    for prefix, target in TARGET_US.items():
        if full_id.startswith(prefix + "/"):
            ok = r["median_us"] < target
            r["target_us"] = target
            r["pass"] = ok
            checks.append(ok)
            print(f"{'PASS' if ok else 'MISS'}  {full_id:60} {r['median_us']:>10.2f} µs  (target < {target:g} µs)")

doc = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "command": cmd,
    "machine": {"nproc": os.cpu_count(), "cpu": cpu(), "kernel": platform.release(),
                # The machine may be shared: a high load means noisy numbers.
                "load_avg_1m_after": round(os.getloadavg()[0], 2)},
    "rustc": run("rustc", "--version"),
    "git_commit": run("git", "rev-parse", "--short", "HEAD"),
    "targets": {"sla_200_events/evaluate": "< 50 µs", "render/*": "< 5 ms"},
    "all_targets_met": all(checks) if checks else None,
    "results": results,
}
out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {out} ({len(results)} benchmarks)")
PY
