// Errors that end a command, and the one exit-code table every command uses.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace bootsmith {

/// Process exit codes. Sysexits-style, documented in README.md and bootsmith(1);
/// every command maps its failures onto this one table.
enum class Exit : int {
    ok = 0,           ///< success (also: dry-run printed its plan)
    refused = 1,      ///< a safety check refused the change (needs --force / --yes), or a check failed
    usage = 2,        ///< bad command line: unknown option, bad argument, command not available yet
    data = 65,        ///< EX_DATAERR: an input file or variable is malformed
    no_input = 66,    ///< EX_NOINPUT: a named file, variable or entry does not exist
    unavailable = 69, ///< EX_UNAVAILABLE: the system lacks the facility (no EFI variables, …)
    software = 70,    ///< EX_SOFTWARE: internal error (a bug in bootsmith)
    io = 74,          ///< EX_IOERR: reading or writing failed
    temp_fail = 75,   ///< EX_TEMPFAIL: another bootsmith holds the lock; try again
    no_perm = 77,     ///< EX_NOPERM: permission denied, or a path would leave --root
};

/// Short stable name of an exit code, used as "kind" in JSON errors.
std::string_view exit_name(Exit e);

/// An error that ends the current command. `what()` is one line naming the file
/// (or variable) and the problem; `hint` is an optional suggestion shown after it.
class Error : public std::runtime_error {
public:
    Error(Exit code, std::string message, std::string hint = {})
        : std::runtime_error(std::move(message)), code_(code), hint_(std::move(hint)) {}

    Exit code() const noexcept { return code_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    Exit code_;
    std::string hint_;
};

/// Builds an Error from an errno value: EACCES/EPERM → no_perm, ENOENT → no_input,
/// EISDIR/ENOTDIR/ELOOP → data, anything else → io. `what` names the file or object.
Error errno_error(int err, std::string_view what, std::string_view action);

} // namespace bootsmith
