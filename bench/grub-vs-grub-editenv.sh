#!/usr/bin/env bash
# GRUB's files: bootsmith against the tools it replaces, on the same inputs.
#   1. `bootsmith grub env list`  vs `grub-editenv FILE list`   — target: ratio >= 0.91 (no slower)
#   2. `bootsmith grub env set`   vs `grub-editenv FILE set`    — target: ratio >= 0.91
#      (bootsmith's set takes the lock, backs the old block up and renames atomically;
#       grub-editenv truncates and rewrites in place)
#   3. `bootsmith grub menu` on a generated grub.cfg of 2,000 entries — target: under 20 ms
#      and 10 MiB (no tool to compare with: grub-script-check only checks syntax; its time
#      is shown for scale)
#
#   bench/grub-vs-grub-editenv.sh [--check]
#
# --check makes a missed target fail (exit 1); without it the figures are only reported.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
check=false
[[ ${1-} == --check ]] && check=true
bootsmith=${BOOTSMITH:-$top/build/bootsmith}
[[ -x $bootsmith ]] || { echo "grub-vs-grub-editenv.sh: build bootsmith first (or set BOOTSMITH)" >&2; exit 2; }
for t in grub-editenv grub-script-check hyperfine jq; do
    command -v "$t" >/dev/null || { echo "grub-vs-grub-editenv.sh: $t is needed" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/bootsmith-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/boot/grub" "$root/etc/default"
grub-editenv "$root/boot/grub/grubenv" create
grub-editenv "$root/boot/grub/grubenv" set saved_entry=gnulinux-advanced-x menu_auto_hide=1 boot_success=1
cp "$root/boot/grub/grubenv" "$work/other.env"

status=0
args=()
$check && args=(--target 0.91)
"$here/compare.sh" "${args[@]}" grubenv-list \
    -- "$bootsmith" --root "$root" grub env list \
    -- grub-editenv "$work/other.env" list || status=1
"$here/compare.sh" "${args[@]}" grubenv-set \
    -- "$bootsmith" --root "$root" -q grub env set next_entry=1 \
    -- grub-editenv "$work/other.env" set next_entry=1 || status=1

# A Debian-style grub.cfg with 2,000 entries: 400 kernels × (simple + submenu of normal,
# recovery, sysvinit, systemd) — menuentry lines as grub-mkconfig writes them.
{
    echo 'set default="0"'
    for k in $(seq 1 400); do
        echo "menuentry 'Debian GNU/Linux' --class debian --class gnu-linux --class gnu --class os \$menuentry_id_option 'gnulinux-simple-$k' {"
        printf '\tlinux\t/boot/vmlinuz-6.1.0-%s-amd64 root=UUID=x ro quiet\n\tinitrd\t/boot/initrd.img-6.1.0-%s-amd64\n}\n' "$k" "$k"
        echo "submenu 'Advanced options for Debian GNU/Linux $k' \$menuentry_id_option 'gnulinux-advanced-$k' {"
        for kind in normal recovery sysvinit systemd; do
            echo "	menuentry 'Debian GNU/Linux, with Linux 6.1.0-$k-amd64 ($kind)' --class debian \$menuentry_id_option 'gnulinux-6.1.0-$k-$kind' {"
            printf '\t\tload_video\n\t\tinsmod gzio\n\t\tlinux\t/boot/vmlinuz-6.1.0-%s-amd64 root=UUID=x ro single\n\t\tinitrd\t/boot/initrd.img-6.1.0-%s-amd64\n\t}\n' "$k" "$k"
        done
        echo "}"
    done
} >"$root/boot/grub/grub.cfg"
entries=$(grep -c '^\s*menuentry' "$root/boot/grub/grub.cfg")
"$here/compare.sh" --note "grub.cfg with $entries menu entries; 'other' is grub-script-check (syntax only), for scale" \
    grub-menu-2000 \
    -- "$bootsmith" --root "$root" grub menu \
    -- grub-script-check "$root/boot/grub/grub.cfg" || status=1
"$here/compare.sh" --note "the same menu as JSON (no target: reported for scale)" grub-menu-2000-json \
    -- "$bootsmith" --root "$root" grub menu --json \
    -- grub-script-check "$root/boot/grub/grub.cfg" || status=1
result=${BENCH_RESULTS:-$here/results}/grub-menu-2000.json
median_ms=$(jq '.comparison.bootsmith.median_s * 1000' "$result")
rss=$(jq '.comparison.bootsmith.peak_rss_kib' "$result")
echo "grub menu, $entries entries: median ${median_ms} ms, peak ${rss} KiB (targets: 20 ms, 10240 KiB)"
if awk -v m="$median_ms" -v r="$rss" 'BEGIN { exit !(m >= 20 || (r != "null" && r >= 10240)) }'; then
    echo "grub menu: target MISSED"
    if $check; then status=1; fi
fi
exit $status
