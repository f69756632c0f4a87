#!/usr/bin/env bash
# Runs one cargo-fuzz target for a fixed time, single process, with its seeds and dictionary.
#
#   fuzz/run.sh TARGET [SECONDS]      (default 600 s; from anywhere in the repository)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`) and the nightly toolchain (or stable
# with RUSTC_BOOTSTRAP=1: set FUZZ_TOOLCHAIN= to use the default toolchain). The log goes to
# fuzz/logs/TARGET-<UTC time>.log, crashes to fuzz/artifacts/TARGET/, the corpus grows in
# fuzz/corpus/TARGET/ (seeded by fuzz/seed.py when missing). No `-jobs`: with it libFuzzer
# writes fuzz-N.log into the working directory.
set -euo pipefail
target=${1:?usage: fuzz/run.sh TARGET [SECONDS]}
secs=${2:-600}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
toolchain=${FUZZ_TOOLCHAIN-+nightly}
[ -d "fuzz/corpus/$target" ] || python3 fuzz/seed.py "$target"
mkdir -p fuzz/logs
extra=()
case $target in
  policy_parse) extra+=(-dict=fuzz/dict/policy.dict -max_len=16384) ;;
  version_parse) extra+=(-max_len=2048) ;;
  osv_parse) extra+=(-max_len=16384) ;;
esac
# Build (skipped with FUZZ_NO_BUILD=1, e.g. while the tree does not compile), then run the
# binary directly: the same as `cargo fuzz run`, without rebuilding mid-series.
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  # shellcheck disable=SC2086 # $toolchain is empty or one word
  cargo $toolchain fuzz build -O "$target"
fi
bin=fuzz/target/x86_64-unknown-linux-gnu/release/$target
mkdir -p "fuzz/artifacts/$target"
log=fuzz/logs/$target-$(date -u +%Y%m%dT%H%M%SZ).log
echo "logging to $log"
echo "+ $bin fuzz/corpus/$target -max_total_time=$secs ${extra[*]}" >"$log"
"$bin" "fuzz/corpus/$target" -artifact_prefix="fuzz/artifacts/$target/" \
  -max_total_time="$secs" -workers=1 -print_final_stats=1 -rss_limit_mb=2048 \
  "${extra[@]}" >>"$log" 2>&1 || echo "exit status $? (see $log)"
grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|Done|stat::|==[0-9]+==|SUMMARY)' "$log" || true
