#!/usr/bin/env bash
# Completion test for completions/bootsmith.bash, run in a real bash: once with
# bash-completion loaded (the usual setup) and once without it (the plain fallback).
# For each line it sets what readline gives a completion function (COMP_WORDS split at
# COMP_WORDBREAKS, COMP_CWORD, COMP_LINE, COMP_POINT), looks the function up with
# `complete -p` as bash does (full path first, then the base name) and calls it.
#
# Usage: tests/completions/bash.sh BINDIR SRCDIR     exit 0 ok, 1 failed, 77 no bash
set -u
command -v bash >/dev/null 2>&1 || { echo "skip: bash not installed"; exit 77; }
[[ -n ${BASH_VERSION-} ]] || exec bash "$0" "$@"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
comp_setup "$@"

bash_completion_file=''
for f in /usr/share/bash-completion/bash_completion /etc/bash_completion; do
    [[ -r $f ]] && { bash_completion_file=$f; break; }
done

# The child bash: loads bash-completion (when $1 is a file), the script, then completes
# $2 and prints COMPREPLY as the whole words the user would see, one a line.
read -r -d '' driver <<'EOF'
bc=$1 script=$2 line=$3
if [[ -n $bc ]]; then
    source "$bc" || { echo "cannot load $bc" >&2; exit 3; }
fi
source "$script" || exit 3

# Split as readline does for completion: at blanks, and around runs of
# COMP_WORDBREAKS characters other than blanks (= and :). No quoting in test lines.
COMP_WORDS=()
for tok in $line; do
    while [[ -n $tok ]]; do
        if [[ ${tok:0:1} == [=:] ]]; then
            part=${tok%%[^=:]*}
        else
            part=${tok%%[=:]*}
        fi
        COMP_WORDS+=("$part")
        tok=${tok:${#part}}
    done
done
[[ $line == *' ' || ${#COMP_WORDS[@]} -eq 0 ]] && COMP_WORDS+=('')
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line
COMP_POINT=${#line}
COMP_TYPE=9 COMP_KEY=9

cmd=${COMP_WORDS[0]}
spec=$(complete -p -- "$cmd" 2>/dev/null || complete -p -- "${cmd##*/}" 2>/dev/null) || {
    echo "no completion registered for $cmd" >&2
    exit 3
}
[[ $spec =~ -F\ ([^ ]+) ]] || { echo "not a -F completion: $spec" >&2; exit 3; }
func=${BASH_REMATCH[1]}
# The word readline replaces: the text after the last blank or word break ("" right
# after "--root="); bash passes it as $2 and the word before it as $3.
last=${line##* }
rlword=${last##*[=:]}
keep=${last:0:${#last}-${#rlword}}
prev=${COMP_WORDS[COMP_CWORD-1]-}
COMPREPLY=()
"$func" "$cmd" "$rlword" "$prev" 2>/dev/null

# What the user sees: the current blank-separated word up to readline's word, plus the reply.
for r in "${COMPREPLY[@]}"; do
    printf '%s\n' "$keep$r"
done
EOF

# bash inserts COMPREPLY as it is: a blank must come escaped.
# shellcheck disable=SC2034 # read by lib.sh
COMP_BLANK_VALUE='two\ words'
mode_bc=''
complete_line() { # LINE [DIR [PATH]]
    (
        cd "${2:-$WORK/tree}" || exit 3
        PATH=${3:-$PATH} HOME=$WORK/home timeout 5 bash --norc --noprofile -c "$driver" driver \
            "$mode_bc" "$SRCDIR/completions/bootsmith.bash" "$1"
    ) | sed -e 's#/$##'
}

if [[ -n $bash_completion_file ]]; then
    echo "# bash $BASH_VERSION with bash-completion ($bash_completion_file)"
    mode_bc=$bash_completion_file
    comp_common_checks
else
    echo "# bash-completion not installed: only the plain fallback is tested"
fi

echo "# bash $BASH_VERSION without bash-completion"
mode_bc=''
comp_common_checks

comp_finish
