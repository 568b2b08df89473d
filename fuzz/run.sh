#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs them one after another.
#
#   fuzz/run.sh [SECONDS] [TARGET…]     SECONDS per target (default 12), every target by default
#
# Each target first replays fuzz/regressions/<target>/ (every input a fuzzer once crashed on),
# then fuzzes for SECONDS, seeded from fuzz/corpus/<target>/ and the regressions; new inputs go
# to build-fuzz/corpus/<target>/, a crash, leak, timeout or sanitizer report to
# build-fuzz/artifacts/<target>/ and makes the script exit 1. `./bootstrap.sh test` runs it with
# 8 s per target; longer runs, e.g. an hour each or 10 million executions, whichever comes first:
#
#   FUZZ_RUNS=10000000 nice -n 10 fuzz/run.sh 3600
#
# Environment: BUILD_DIR (default build-fuzz), FUZZ_RUNS (stop after that many executions),
# FUZZ_ARGS (more libFuzzer options), CXX (default clang++).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-12}
[ $# -gt 0 ] && shift
all=(load_option device_path grubenv default_grub grub_cfg grubby_cfg bls mbr disk fat)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
build=${BUILD_DIR:-build-fuzz}

# Largest input per target: what the format needs (a GPT image with its backup, the MBR gap).
max_len() {
  case $1 in
    mbr | disk | fat) echo 65536 ;;
    grub_cfg | grubby_cfg) echo 32768 ;;
    default_grub) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

log "building the fuzzers in $build"
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="${CXX:-clang++}" -DBOOTSMITH_FUZZ=ON -DBUILD_TESTING=OFF \
  -DBOOTSMITH_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target fuzzers -j "$(nproc)"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
summary=()
for t in "${targets[@]}"; do
  exe=$build/fuzz/fuzz_$t
  [ -x "$exe" ] || { echo "unknown fuzz target: $t (targets: ${all[*]})" >&2; exit 2; }
  seeds=fuzz/corpus/$t
  regressions=fuzz/regressions/$t
  work=$build/corpus/$t
  artifacts=$build/artifacts/$t
  mkdir -p "$work" "$artifacts" "$regressions"
  logf=$build/fuzz-$t.log

  mapfile -t saved < <(find "$regressions" -type f ! -name '*.md' | sort)
  if [ ${#saved[@]} -gt 0 ]; then
    log "$t: replaying ${#saved[@]} regression input(s)"
    if ! "$exe" -max_len="$(max_len "$t")" "${saved[@]}" >"$logf" 2>&1; then
      tail -n 40 "$logf" >&2
      failed+=("$t (regression)")
      continue
    fi
  fi

  log "$t: fuzzing for $seconds s${FUZZ_RUNS:+ or $FUZZ_RUNS runs} ($(find "$seeds" -type f | wc -l) seeds)"
  runs=()
  [ -n "${FUZZ_RUNS:-}" ] && runs=(-runs="$FUZZ_RUNS")
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  # -reload=60: libFuzzer rereads the corpus directory every second by default, to pick up what
  # other processes found; after hours that directory holds tens of thousands of files (each
  # reduced input adds one) and the rereading took a fifth of default_grub's time.
  if "$exe" -max_total_time="$seconds" "${runs[@]}" -max_len="$(max_len "$t")" -timeout=10 -reload=60 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} "$work" "$seeds" "$regressions" >"$logf" 2>&1; then
    result=ok
  else
    result=FAILED
    tail -n 60 "$logf" >&2
    failed+=("$t")
  fi
  elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logf" | tail -n 1)
  execs=${execs:-'?'}
  rate='?'
  [ "$execs" != "?" ] && rate=$(awk -v n="$execs" -v s="$elapsed" 'BEGIN { printf "%d", n / s }')
  summary+=("$(printf '%-13s %12s execs %8s exec/s %7.0f s  corpus %5s  %s' "$t" "$execs" "$rate" "$elapsed" \
    "$(find "$work" -type f | wc -l)" "$result")")
done

log "fuzzing summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $build/artifacts/; keep each in fuzz/regressions/<target>/)" >&2
  exit 1
fi
