#!/usr/bin/env bash
# Times a bootsmith command against the tool it replaces, side by side, with hyperfine.
#
#   bench/compare.sh [--target R] [--note TEXT] NAME -- BOOTSMITH_CMD... -- OTHER_CMD...
#
# Each command is given as its words (no shell: put environment variables in with
# `env VAR=value cmd`). Both must exit 0; they are checked once before timing.
# Prints the median times and the ratio of the medians other/bootsmith (above 1:
# bootsmith is faster), the peak memory of one run of each (GNU time),
# and writes hyperfine's JSON with a "comparison" summary added to
# bench/results/NAME.json.
#
#   --target R   exit 1 unless the ratio is at least R (e.g. 2 = twice as fast)
#   --note TEXT  a line printed with the result and kept in the JSON
#
# Environment: BENCH_RUNS (timed runs of each command, default 30), BENCH_WARMUP
# (default 3), BENCH_RESULTS (directory for results, default bench/results).
# Exit status: 0 done (and target met), 1 target missed, 2 usage or a command failed.
set -euo pipefail

usage() {
    sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0" >&2
    exit 2
}

target='' note=''
while [[ $# -gt 0 ]]; do
    case $1 in
        --target) [[ $# -ge 2 ]] || usage; target=$2; shift 2 ;;
        --target=*) target=${1#*=}; shift ;;
        --note) [[ $# -ge 2 ]] || usage; note=$2; shift 2 ;;
        --note=*) note=${1#*=}; shift ;;
        -h | --help) usage ;;
        -*) echo "compare.sh: unknown option $1" >&2; usage ;;
        *) break ;;
    esac
done
[[ $# -ge 1 ]] || usage
name=$1
shift
[[ $name =~ ^[A-Za-z0-9._-]+$ ]] || { echo "compare.sh: NAME must be letters, digits, . _ -" >&2; exit 2; }
[[ -z $target || $target =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "compare.sh: --target needs a number" >&2; exit 2; }

# Split "-- BOOTSMITH_CMD... -- OTHER_CMD...".
[[ ${1-} == -- ]] || usage
shift
bootsmith_cmd=()
while [[ $# -gt 0 && $1 != -- ]]; do
    bootsmith_cmd+=("$1")
    shift
done
[[ ${1-} == -- ]] || usage
shift
other_cmd=("$@")
[[ ${#bootsmith_cmd[@]} -gt 0 && ${#other_cmd[@]} -gt 0 ]] || usage

for tool in hyperfine jq; do
    command -v "$tool" >/dev/null || { echo "compare.sh: $tool is needed (apt-get install $tool)" >&2; exit 2; }
done

runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
results=${BENCH_RESULTS:-$here/results}
mkdir -p "$results"
out=$results/$name.json

# One word list as a command line hyperfine splits back into the same words (POSIX
# single quotes; hyperfine runs it without a shell, -N).
quote() {
    local w q=''
    for w in "$@"; do
        q+=" '${w//\'/\'\\\'\'}'"
    done
    printf '%s' "${q# }"
}
bootsmith_line=$(quote "${bootsmith_cmd[@]}")
other_line=$(quote "${other_cmd[@]}")

# Both must work before they are timed: a failing command is fast and meaningless.
for side in bootsmith other; do
    if [[ $side == bootsmith ]]; then cmd=("${bootsmith_cmd[@]}"); else cmd=("${other_cmd[@]}"); fi
    if ! errors=$("${cmd[@]}" 2>&1 >/dev/null); then
        echo "compare.sh: the $side command failed: ${cmd[*]}" >&2
        [[ -n $errors ]] && printf '%s\n' "$errors" | sed 's/^/  /' >&2
        exit 2
    fi
done

echo "== $name"
[[ -n $note ]] && echo "note: $note"
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
hyperfine -N --style basic --warmup "$warmup" --runs "$runs" --export-json "$raw" \
    --command-name bootsmith "$bootsmith_line" \
    --command-name other "$other_line" >&2

# Peak resident memory of one run of each (KiB), when GNU time is installed.
peak() {
    [[ -x /usr/bin/time ]] || { echo null; return; }
    /usr/bin/time -f '%M' -o "$raw.rss" "$@" >/dev/null 2>&1 || true
    tail -n 1 "$raw.rss" 2>/dev/null || echo null
}
bootsmith_rss=$(peak "${bootsmith_cmd[@]}")
other_rss=$(peak "${other_cmd[@]}")
rm -f "$raw.rss"

jq --arg name "$name" --arg note "$note" --arg target "$target" \
    --arg bootsmith_line "$bootsmith_line" --arg other_line "$other_line" \
    --argjson bootsmith_rss "$bootsmith_rss" --argjson other_rss "$other_rss" '
    (.results[0].median) as $b | (.results[1].median) as $o |
    . + {comparison: {
        name: $name,
        note: $note,
        bootsmith: {command: $bootsmith_line, median_s: $b, mean_s: .results[0].mean, stddev_s: .results[0].stddev,
                    peak_rss_kib: $bootsmith_rss},
        other: {command: $other_line, median_s: $o, mean_s: .results[1].mean, stddev_s: .results[1].stddev,
                peak_rss_kib: $other_rss},
        ratio: (if $b > 0 then $o / $b else null end),
        target: (if $target == "" then null else ($target | tonumber) end),
        target_met: (if $target == "" or $b == 0 then null else ($o / $b >= ($target | tonumber)) end)
    }}' "$raw" >"$out"

jq -r '.comparison |
    def ms: . * 1000 | . * 100 | round / 100 | tostring + " ms";
    def kib: if . == null then "?" else (. / 1024 * 10 | round / 10 | tostring) + " MiB" end;
    "bootsmith  median \(.bootsmith.median_s | ms) (mean \(.bootsmith.mean_s | ms) ± \(.bootsmith.stddev_s | ms)), peak \(.bootsmith.peak_rss_kib | kib)  \(.bootsmith.command)",
    "other      median \(.other.median_s | ms) (mean \(.other.mean_s | ms) ± \(.other.stddev_s | ms)), peak \(.other.peak_rss_kib | kib)  \(.other.command)",
    "ratio of medians other/bootsmith: \(.ratio * 100 | round / 100) (above 1: bootsmith is faster)"
        + (if .target == null then "" else "; target \(.target): " + (if .target_met then "met" else "MISSED" end) end)
    ' "$out"
echo "results: $out"

met=$(jq -r '.comparison.target_met' "$out")
[[ $met != false ]]
