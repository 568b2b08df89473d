# fish completion for bootsmith.
#
# A thin wrapper: every candidate comes from `bootsmith __complete -- WORD...`, which
# answers with a directive line (:words, :dirs, :files or :none) and then
# "value<TAB>description" lines, which fish shows as they are. No command or option
# names live here, so completion grows with the command table. The binary asked is the
# one being completed (the first word of the line), so ./build/bootsmith completes
# itself, not an installed one.

function __bootsmith_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    set -l bin $tokens[1]
    string match -q -- '~/*' $bin; and set bin $HOME/(string sub -s 3 -- $bin)
    command -q -- $bin; or return

    set -l answer ($bin __complete -- $tokens[2..-1] $current 2>/dev/null)
    or return
    test (count $answer) -gt 0; or return

    switch $answer[1]
        case :dirs :files
            # The value of --opt=VALUE is completed on its own, then given its prefix back.
            set -l prefix ''
            set -l value $current
            if string match -qr -- '^-[^=]*=' $current
                set prefix (string replace -r -- '=.*' '=' $current)
                set value (string replace -r -- '^[^=]*=' '' $current)
            end
            if test $answer[1] = :dirs
                printf '%s\n' $prefix(__fish_complete_directories $value)
            else
                printf '%s\n' $prefix(__fish_complete_path $value)
            end
        case :none
            return
        case '*'
            printf '%s\n' $answer[2..-1]
    end
end

complete -c bootsmith -f -a '(__bootsmith_complete)'
