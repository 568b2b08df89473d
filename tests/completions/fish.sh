#!/usr/bin/env bash
# Completion test for completions/bootsmith.fish, run in a real fish: it sources the
# script and asks fish's own completion machinery with `complete -C LINE`, which applies
# fish's matching to what the script offers, as pressing TAB would.
#
# Usage: tests/completions/fish.sh BINDIR SRCDIR     exit 0 ok, 1 failed, 77 no fish
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
command -v fish >/dev/null 2>&1 || { echo "skip: fish not installed"; exit 77; }
comp_setup "$@"

# Prints fish's "value<TAB>description" lines.
complete_line_described() { # LINE [DIR [PATH]]
    (
        cd "${2:-$WORK/tree}" || exit 3
        # --no-config: no user or system config.fish; XDG dirs point into the scratch
        # directory so that no installed bootsmith.fish is autoloaded instead of ours.
        # shellcheck disable=SC2016 # fish code, expanded by fish
        PATH=${3:-$PATH} HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config XDG_DATA_HOME=$WORK/home/.local/share \
            timeout 5 fish --no-config -c 'source $argv[1]; or exit 3; complete -C $argv[2]' \
            "$SRCDIR/completions/bootsmith.fish" "$1"
    )
}

complete_line() { # LINE [DIR [PATH]]
    complete_line_described "$@" | cut -f1 | sed -e 's#/$##'
}

echo "# $(fish --version)"
comp_common_checks

# fish shows the description bootsmith gives with each value.
got=$(complete_line_described "bootsmith st")
[[ $got == $'status\tSummary of how this system boots' ]]
comp_result $? "descriptions: 'bootsmith st<TAB>' -> status with 'Summary of how this system boots'" "got: [$got]"
comp_finish
