#!/usr/bin/env bash
# Completion test for completions/_bootsmith, run in a real interactive zsh.
#
# For each line a fresh `zsh -f -i` runs on a pseudo-terminal (the zsh/zpty module). It
# puts completions/ first in fpath and runs compinit, so `bootsmith` is bound to the real
# _bootsmith through its #compdef line; compadd is wrapped to record, with -A, the
# matches compsys would show; TAB is bound to complete-word. The line is typed with a TAB
# after it and the recorded matches are the result.
#
# Usage: tests/completions/zsh.sh BINDIR SRCDIR     exit 0 ok, 1 failed, 77 no zsh
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
command -v zsh >/dev/null 2>&1 || { echo "skip: zsh not installed"; exit 77; }
comp_setup "$@"

# Sourced by the interactive zsh before the line is typed.
cat >"$WORK/setup.zsh" <<'EOF'
PS1='' PROMPT='' RPROMPT=''
unsetopt zle_bracketed_paste 2>/dev/null
fpath=("$ZT_SRC/completions" $fpath)
# The dump is made by the first session of this run, in the scratch directory, and
# saves the later ones from scanning fpath again.
autoload -Uz compinit && compinit -u -d "$ZT_DUMP"
(( ${+_comps[bootsmith]} )) || print -r -- "compinit did not bind bootsmith" >>$ZT_OUT.err
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
bindkey '^I' complete-word

# Records the matches of every compadd call that adds matches (calls with -O, -A or -D
# only compute lists for the completion function and are passed through).
compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
    builtin compadd "$@"
    return
  fi
  local -a __hits __dscr __pre_p __pre_P
  # Descriptions as shown (_describe passes them as -d ARRAY), kept in step with the
  # matches by -D.
  (( ${@[(I)-d]} )) && __dscr=( "${(@P)${@[${@[(i)-d]}+1]}}" )
  builtin compadd -A __hits -D __dscr "$@"
  local ret=$? i
  zparseopts -E -D p:=__pre_p P:=__pre_P 2>/dev/null
  for (( i = 1; i <= $#__hits; i++ )); do
    print -r -- "$IPREFIX${__pre_P[2]-}${__pre_p[2]-}$__hits[i]"$'\t'"${__dscr[i]-}" >>$ZT_OUT
  done
  builtin compadd "$@"
  return ret
}
_zt_done() { print -r -- done >>$ZT_OUT.done; exit }
comppostfuncs=(_zt_done)
: >$ZT_OUT.ready
EOF

# The zsh that drives the interactive one.
cat >"$WORK/drive.zsh" <<'EOF'
zmodload zsh/zpty zsh/zselect || { print -u2 "zsh modules zsh/zpty, zsh/zselect missing"; exit 3 }
line=$1
zpty z zsh -f -i || exit 3
zpty -w z "source ${(q)ZT_SETUP}"
wait_for() { # FILE: drains the terminal until FILE appears
  local chunk
  repeat 500; do
    [[ -e $1 ]] && return 0
    zpty -r -t z chunk 2>/dev/null
    zselect -t 1
  done
  return 1
}
wait_for $ZT_OUT.ready || { print -u2 "zsh did not start"; zpty -d z; exit 3 }
zpty -w -n z "$line"$'\t'
wait_for $ZT_OUT.done || print -u2 "completion did not finish"
zpty -d z 2>/dev/null
[[ -e $ZT_OUT.err ]] && { cat $ZT_OUT.err >&2; exit 3 }
[[ -e $ZT_OUT ]] && cat $ZT_OUT
exit 0
EOF

# The matches as zsh inserts them: a blank comes escaped.
# shellcheck disable=SC2034 # read by lib.sh
COMP_BLANK_VALUE='two\ words'
# Prints "match<TAB>description as listed" lines.
complete_line_described() { # LINE [DIR [PATH]]
    # Called in a command substitution: a counter would not survive, a fresh directory does.
    local out
    out=$(mktemp -d "$WORK/capture.XXXXXX")/matches
    (
        cd "${2:-$WORK/tree}" || exit 3
        PATH=${3:-$PATH} HOME=$WORK/home ZT_SRC=$SRCDIR ZT_SETUP=$WORK/setup.zsh ZT_DUMP=$WORK/zcompdump ZT_OUT=$out \
            timeout 5 zsh -f "$WORK/drive.zsh" "$1"
    )
}

complete_line() { # LINE [DIR [PATH]]
    complete_line_described "$@" | cut -f1 | sed -e 's#/$##'
}

echo "# $(zsh --version)"
comp_common_checks

# zsh lists each value with its description (from _describe).
got=$(complete_line_described "bootsmith st")
[[ $got == $'status\t'*'-- Summary of how this system boots'* ]]
comp_result $? "descriptions: 'bootsmith st<TAB>' lists 'status -- Summary of how this system boots'" "got: [$got]"
got=$(complete_line_described "bootsmith --js")
[[ $got == $'--json\t'*'-- answer in JSON'* ]]
comp_result $? "descriptions: 'bootsmith --js<TAB>' lists '--json -- answer in JSON ...'" "got: [$got]"
comp_finish
