# shellcheck shell=bash
# Shared by bash.sh, zsh.sh and fish.sh (sourced, not run).
#
# Each test defines complete_line LINE [DIR [PATH]]: it completes LINE (the cursor at its
# end) in the real shell with the real script from completions/, running in DIR (default:
# the scratch tree) with PATH (default: the binary dir first), and prints the candidate
# values one a line, descriptions and trailing "/" of directories removed. The checks
# below are the same for every shell.

comp_failures=0
comp_checks=0

# comp_setup BINDIR SRCDIR: checks the arguments, puts BINDIR first in PATH and makes the
# scratch tree (tree/alpha/, tree/beta/, tree/gamma) and a decoy bootsmith.
comp_setup() {
    if [[ $# -ne 2 ]]; then
        echo "usage: $0 BINDIR SRCDIR (the directory holding the built bootsmith, the source tree)" >&2
        exit 2
    fi
    BINDIR=$(cd "$1" && pwd) || exit 2
    # shellcheck disable=SC2034 # used by the test that sources this file
    SRCDIR=$(cd "$2" && pwd) || exit 2
    if [[ ! -x $BINDIR/bootsmith ]]; then
        echo "FAIL: $BINDIR/bootsmith is missing or not executable" >&2
        exit 1
    fi
    export PATH="$BINDIR:$PATH"
    export NO_COLOR=1 LC_ALL=C.UTF-8
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/bootsmith-completion.XXXXXX") || exit 2
    trap 'rm -rf "$WORK"' EXIT
    mkdir -p "$WORK/tree/alpha" "$WORK/tree/beta" "$WORK/decoy" "$WORK/home"
    : >"$WORK/tree/gamma"
    # A bootsmith earlier in PATH that is not the one being completed: a script that asks
    # "bootsmith" from PATH instead of the first word of the line would offer "decoy".
    printf '#!/bin/sh\nprintf ":words\\ndecoy\\tnot the binary being completed\\n"\n' >"$WORK/decoy/bootsmith"
    chmod +x "$WORK/decoy/bootsmith"
    # A stand-in whose answers have a colon and a blank, which each shell must quote or
    # escape (no bootsmith command answers such values yet).
    mkdir -p "$WORK/stub"
    printf '#!/bin/sh\nprintf ":words\\na:b\\tvalue with a colon\\ntwo words\\tvalue with a blank\\n"\n' \
        >"$WORK/stub/bootsmith"
    chmod +x "$WORK/stub/bootsmith"
    # A root with one applied plan in its history, for `undo ID` completion.
    mkdir -p "$WORK/hist/var/lib/bootsmith/backups/20250101T000000Z"
    printf '{"schema": "bootsmith.backup/1", "id": "20250101T000000Z", "title": "set x", "state": "applied", "changes": []}\n' \
        >"$WORK/hist/var/lib/bootsmith/backups/20250101T000000Z/manifest.json"
}

# One result line per check.
comp_result() { # OK(0/1) NAME DETAIL
    comp_checks=$((comp_checks + 1))
    if [[ $1 == 0 ]]; then
        printf 'ok   %s\n' "$2"
    else
        comp_failures=$((comp_failures + 1))
        printf 'FAIL %s\n' "$2"
        [[ -n ${3-} ]] && printf '       %s\n' "$3"
    fi
}

# Candidates of complete_line as one line for messages.
comp_show() { printf '%s' "$1" | tr '\n' ' ' | sed 's/ $//'; }

# expect_exactly NAME LINE VALUE...: the candidates are exactly these values (any order).
expect_exactly() {
    local name=$1 line=$2
    shift 2
    local got want
    got=$(complete_line "$line" | sort -u)
    want=$(printf '%s\n' "$@" | sort -u)
    [[ $got == "$want" ]]
    comp_result $? "$name: '$line<TAB>' -> $*" "got: [$(comp_show "$got")]"
}

# expect_offers NAME LINE 'WANT...' 'UNWANTED...' [DIR [PATH]]: every wanted value is
# offered, no unwanted one is.
expect_offers() {
    local name=$1 line=$2 want=$3 unwanted=$4
    shift 4
    local got v ok=0 missing='' extra=''
    got=$(complete_line "$line" "$@")
    for v in $want; do
        grep -qxF -- "$v" <<<"$got" || { ok=1; missing+=" $v"; }
    done
    for v in $unwanted; do
        grep -qxF -- "$v" <<<"$got" && { ok=1; extra+=" $v"; }
    done
    comp_result $ok "$name: '$line<TAB>' offers {$want}${unwanted:+ and not {$unwanted\}}" \
        "got: [$(comp_show "$got")]${missing:+ missing:$missing}${extra:+ unexpected:$extra}"
}

# expect_nothing NAME LINE: no candidate at all.
expect_nothing() {
    local got
    got=$(complete_line "$2")
    [[ -z $got ]]
    comp_result $? "$1: '$2<TAB>' offers nothing" "got: [$(comp_show "$got")]"
}

# The checks every shell must pass.
comp_common_checks() {
    expect_exactly "command prefix" "bootsmith st" status
    expect_offers "all commands" "bootsmith " "status boot grub kernel disk history undo" "__complete"
    expect_exactly "global option prefix" "bootsmith --ro" --root
    expect_offers "--root takes a directory" "bootsmith --root " "alpha beta" "gamma status"
    expect_offers "--root=DIR" "bootsmith --root=" "--root=alpha --root=beta" "--root=gamma status"
    expect_exactly "option after the command" "bootsmith status --js" --json
    expect_exactly "command after a global option" "bootsmith --json st" status
    expect_exactly "command after --root DIR" "bootsmith --root alpha st" status
    expect_offers "disk verbs" "bootsmith disk " "list esp mbr" "status"
    expect_offers "verbs of a group" "bootsmith boot " "list show create delete order next timeout" "status"
    expect_exactly "verb prefix" "bootsmith boot ren" rename
    expect_offers "grub verbs" "bootsmith grub " "env config cmdline menu default next" "list"
    expect_offers "grub env actions" "bootsmith grub env " "list get set unset create" "menu"
    expect_offers "kernel verbs" "bootsmith kernel " "list default next args add remove" "env"
    expect_offers "kernel selectors from the root's menu" \
        "bootsmith --root $BINDIR/fixtures/fedora-bls-uefi kernel default " \
        "booted newest previous 6.11.9-101.fc39.x86_64 4a1f9c3e7b2d4e6f8a0b1c2d3e4f5a6b-0-rescue" "list"
    expect_offers "undo offers the IDs from history" "bootsmith --root $WORK/hist undo " "20250101T000000Z" "status"
    expect_exactly "kernel args options" "bootsmith kernel args --ker" --kernel
    expect_offers "entry numbers from the root's variables" \
        "bootsmith --root $BINDIR/fixtures/debian12-uefi boot show " "0000 0001 0002" "0003"
    # The first word is the binary asked, wherever it is: here by path, with a decoy
    # bootsmith first in PATH.
    expect_offers "binary named by path" "$BINDIR/bootsmith st" "status" "decoy" "$WORK/tree" "$WORK/decoy:$PATH"
    # Values that need care: the shell inserts them so that they come back as typed.
    expect_exactly "value with a colon" "$WORK/stub/bootsmith a" "a:b"
    expect_exactly "value with a colon, after the colon" "$WORK/stub/bootsmith a:" "a:b"
    expect_exactly "value with a blank" "$WORK/stub/bootsmith tw" "${COMP_BLANK_VALUE:-two words}"
}

# Prints the summary and exits 0 if every check passed, 1 otherwise.
comp_finish() {
    echo "$((comp_checks - comp_failures)) passed, $comp_failures failed"
    [[ $comp_failures -eq 0 ]]
    exit $?
}
