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
log=fuzz/logs/$target-$(date -u +%Y%m%dT%H%M%SZ).log
echo "logging to $log"
# shellcheck disable=SC2086 # $toolchain is empty or one word
cargo $toolchain fuzz run -O "$target" "fuzz/corpus/$target" -- \
  -max_total_time="$secs" -workers=1 -print_final_stats=1 -rss_limit_mb=2048 \
  "${extra[@]}" 2>&1 | tee "$log" | grep -E '^(#[0-9]+\s+(INITED|DONE)|Done|stat::|==[0-9]+==|SUMMARY)' || true
