#!/usr/bin/env bash
# `bootsmith boot list -v` against `efibootmgr -v` on the same efivarfs directory:
#   1. a real machine's variables (tests/data/efi/rhboot-efivar-machine1: a Dell laptop,
#      134 variables, 2 boot entries) — target: bootsmith no slower, ratio of medians
#      efibootmgr/bootsmith >= 0.91 (bootsmith/efibootmgr <= 1.1);
#   2. a synthetic directory of 1,000 Boot#### entries — target: bootsmith faster (> 1).
# Peak memory of bootsmith must stay under 10 MiB in both.
#
#   bench/boot-list-vs-efibootmgr.sh [--check]
#
# --check makes a missed target fail (exit 1); without it the figures are only reported
# (CI runs it that way: a loaded CI machine is no place for timing verdicts). Both sides run
# through `env`, so each pays for the same extra exec.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
check=false
[[ ${1-} == --check ]] && check=true

bootsmith=${BOOTSMITH:-$top/build/bootsmith}
[[ -x $bootsmith ]] || { echo "boot-list-vs-efibootmgr.sh: build bootsmith first (or set BOOTSMITH)" >&2; exit 2; }
command -v efibootmgr >/dev/null || { echo "boot-list-vs-efibootmgr.sh: efibootmgr is needed" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bootsmith-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A fixture root whose variables are a copy of DIR.
make_root() { # NAME DIR
    mkdir -p "$work/$1/sys/firmware/efi"
    cp -a "$2" "$work/$1/sys/firmware/efi/efivars"
}
make_root machine1 "$top/tests/data/efi/rhboot-efivar-machine1"
mkdir -p "$work/thousand/sys/firmware/efi/efivars"
bash "$top/tests/data/efi/make-synthetic.sh" thousand "$work/thousand/sys/firmware/efi/efivars" 1000 >/dev/null

status=0
compare() { # NAME ROOT TARGET NOTE
    local name=$1 root=$2 target=$3 note=$4 args=()
    $check && args=(--target "$target")
    "$here/compare.sh" "${args[@]}" --note "$note" "$name" \
        -- env -u LIBEFIVAR_OPS "$bootsmith" --root "$root" boot list -v \
        -- env -u LIBEFIVAR_OPS EFIVARFS_PATH="$root/sys/firmware/efi/efivars/" efibootmgr -v || status=1
    local rss
    rss=$(jq '.comparison.bootsmith.peak_rss_kib' "${BENCH_RESULTS:-$here/results}/$name.json")
    if [[ $rss != null && $rss -ge 10240 ]]; then
        echo "peak memory of bootsmith: $rss KiB, over the 10 MiB budget"
        if $check; then status=1; fi
    fi
}
compare boot-list-real-machine "$work/machine1" 0.91 "real machine (Dell, 134 variables); target: bootsmith/efibootmgr <= 1.1"
compare boot-list-1000-entries "$work/thousand" 1.0 "1,000 Boot#### entries; target: bootsmith faster"
exit $status
