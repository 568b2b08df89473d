# bash completion for bootsmith                              -*- shell-script -*-
#
# A thin wrapper: every candidate comes from `bootsmith __complete -- WORD...`, which
# answers with a directive line (:words, :dirs, :files or :none) and then
# "value<TAB>description" lines. No command or option names live here, so completion
# grows with the command table. The binary asked is the one being completed (the first
# word of the line), so ./build/bootsmith completes itself, not an installed one.
#
# Works with bash-completion (_init_completion, _filedir) and, more plainly, without it.

# Removes shell quoting from one word as typed ('a b', "a b", a\ b) without evaluating
# anything; a leading ~/ becomes $HOME/. Result in REPLY.
_bootsmith_dequote()
{
    local in=$1 out='' c q='' i
    for ((i = 0; i < ${#in}; i++)); do
        c=${in:i:1}
        if [[ $q == "'" ]]; then
            [[ $c == "'" ]] && q='' || out+=$c
        elif [[ $c == \\ ]]; then
            ((i++))
            out+=${in:i:1}
        elif [[ $q == '"' ]]; then
            [[ $c == '"' ]] && q='' || out+=$c
        elif [[ $c == "'" || $c == '"' ]]; then
            q=$c
        else
            out+=$c
        fi
    done
    # shellcheck disable=SC2088 # a literal tilde, expanded here by hand
    [[ $in == '~/'* ]] && out=$HOME/${out:2}
    REPLY=$out
}

# bash replaces only the text after the last COMP_WORDBREAKS character of the word
# (`--root=al` is three words to bash: `--root`, `=`, `al`). Strips that part, which
# the user already typed, from each candidate.
_bootsmith_ltrim_wordbreaks()
{
    local cur=$1 i c
    for ((i = ${#cur} - 1; i >= 0; i--)); do
        c=${cur:i:1}
        if [[ ($c == '=' || $c == ':') && $COMP_WORDBREAKS == *"$c"* ]]; then
            local pre=${cur:0:i+1}
            COMPREPLY=("${COMPREPLY[@]#"$pre"}")
            return
        fi
    done
}

# Without bash-completion: rebuilds the words as typed from COMP_WORDS, which bash has
# cut at '=' and ':' too, gluing back what no blank separated in COMP_LINE. Sets words,
# cword and cur (the current word up to the cursor) in the caller.
_bootsmith_words()
{
    local line=${COMP_LINE:0:COMP_POINT} rest w i
    words=()
    for ((i = 0; i <= COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        rest=${line#"${line%%[![:space:]]*}"}
        ((i == COMP_CWORD)) && w=${rest:0:${#w}}
        if ((i > 0 && ${#rest} == ${#line})); then
            words[${#words[@]} - 1]+=$w
        else
            words+=("$w")
        fi
        line=${rest:${#w}}
    done
    cword=$((${#words[@]} - 1))
    cur=${words[cword]}
}

_bootsmith()
{
    # shellcheck disable=SC2034 # prev is set by _init_completion
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        # Keep `--root=dir` and `a:b` whole, as bootsmith __complete expects them.
        _init_completion -n =: || return
    else
        _bootsmith_words
    fi

    local -a args=()
    local i REPLY
    for ((i = 0; i < cword; i++)); do
        _bootsmith_dequote "${words[i]}"
        args+=("$REPLY")
    done
    _bootsmith_dequote "$cur"
    local typed=$REPLY

    local bin=${args[0]}
    local -a lines=()
    local line
    while IFS= read -r line; do
        lines+=("$line")
    done < <("$bin" __complete -- "${args[@]:1}" "$typed" 2>/dev/null)
    ((${#lines[@]})) || return 0

    COMPREPLY=()
    case ${lines[0]} in
        :dirs | :files)
            # The value of `--opt=VALUE` is completed on its own.
            local prefix=''
            if [[ $cur == -*=* ]]; then
                prefix=${cur%%=*}=
                cur=${cur#*=}
            fi
            local -a dirs_only=()
            [[ ${lines[0]} == :dirs ]] && dirs_only=(-d)
            if declare -F _filedir >/dev/null; then
                _filedir "${dirs_only[@]}"
            else
                if ((${#dirs_only[@]})); then
                    mapfile -t COMPREPLY < <(compgen -d -- "$cur")
                else
                    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
                fi
                compopt -o filenames 2>/dev/null
            fi
            # bash replaces only what follows '=' when '=' breaks words (the default).
            if [[ -n $prefix && $COMP_WORDBREAKS != *=* ]]; then
                COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
            fi
            ;;
        :none) ;;
        *)
            # compgen -W splits its list at IFS, then removes quotes: one %q-quoted value
            # a line, split at newlines only.
            local wordlist=''
            for line in "${lines[@]:1}"; do
                wordlist+=$(printf '%q' "${line%%$'\t'*}")$'\n'
            done
            mapfile -t COMPREPLY < <(
                IFS=$'\n'
                compgen -W "$wordlist" -- "$typed"
            )
            # Values with blanks or shell characters must be inserted quoted, unless the
            # user already opened a quote.
            if [[ $cur != [\'\"]* ]]; then
                for i in "${!COMPREPLY[@]}"; do
                    COMPREPLY[i]=$(printf '%q' "${COMPREPLY[i]}")
                done
            fi
            _bootsmith_ltrim_wordbreaks "$cur"
            ;;
    esac
    return 0
}

complete -F _bootsmith bootsmith

# ex: filetype=sh
