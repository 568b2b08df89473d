#!/usr/bin/env bash
# Example comparison: `bootsmith --root FIXTURE status` against efibootmgr listing the
# same fixture's EFI variables (through libefivar, with EFIVARFS_PATH).
#
#   bench/status-vs-efibootmgr.sh [FIXTURE_ROOT] [compare.sh options: --target R]
#
# FIXTURE_ROOT defaults to build/fixtures/debian12-uefi; it must hold efivarfs-format
# variables in sys/firmware/efi/efivars/. The bootsmith binary is $BOOTSMITH, else
# build/bootsmith, else bootsmith from PATH.
#
# This is a demonstration of the scaffold, not a like-for-like measurement: status also
# reads os-release, looks for boot loader files, the ESP and kernels, while efibootmgr
# only lists boot variables. The like-for-like one is the `boot` group's listing
# against efibootmgr, once that group exists.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)

fixture=$top/build/fixtures/debian12-uefi
if [[ $# -gt 0 && $1 != -* ]]; then
    fixture=$1
    shift
fi
if [[ ! -d $fixture/sys/firmware/efi/efivars ]]; then
    echo "status-vs-efibootmgr.sh: $fixture/sys/firmware/efi/efivars: no such directory" >&2
    echo "  give a fixture root (a directory laid out like a system) as the first argument" >&2
    exit 2
fi
fixture=$(cd "$fixture" && pwd)

bootsmith=${BOOTSMITH:-}
if [[ -z $bootsmith ]]; then
    if [[ -x $top/build/bootsmith ]]; then bootsmith=$top/build/bootsmith; else bootsmith=$(command -v bootsmith || true); fi
fi
[[ -n $bootsmith && -x $bootsmith ]] || { echo "status-vs-efibootmgr.sh: no bootsmith (build it, or set BOOTSMITH)" >&2; exit 2; }
efibootmgr=$(command -v efibootmgr) || { echo "status-vs-efibootmgr.sh: efibootmgr is needed (apt-get install efibootmgr)" >&2; exit 2; }

# libefivar builds paths as <EFIVARFS_PATH><Name>-<GUID>: the trailing slash matters.
efivars=$fixture/sys/firmware/efi/efivars/

# Both sides start through env(1), so that both pay for the same extra exec; env also
# keeps a stray LIBEFIVAR_OPS=help from making either exit 0 at once (see bootsmith(1)).
# Both must see the same boot entries, or the comparison means nothing.
ours=$("$bootsmith" --root "$fixture" --json status | jq -r '.efi.boot_entries | length')
theirs=$(env -u LIBEFIVAR_OPS EFIVARFS_PATH="$efivars" "$efibootmgr" | grep -c '^Boot[0-9A-F]\{4\}' || true)
if [[ $ours != "$theirs" ]]; then
    echo "status-vs-efibootmgr.sh: bootsmith sees $ours boot entries, efibootmgr $theirs; not comparable" >&2
    exit 2
fi

exec "$here/compare.sh" \
    --note "scaffold demonstration only: status does more than efibootmgr's listing ($ours boot entries; fixture $fixture)" \
    "$@" status-vs-efibootmgr \
    -- env -u LIBEFIVAR_OPS "$bootsmith" --root "$fixture" status \
    -- env -u LIBEFIVAR_OPS EFIVARFS_PATH="$efivars" "$efibootmgr"
