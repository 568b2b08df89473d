#include "bootsmith/error.hpp"

#include <cerrno>
#include <cstring>

namespace bootsmith {

std::string_view exit_name(Exit e) {
    switch (e) {
    case Exit::ok: return "ok";
    case Exit::refused: return "refused";
    case Exit::usage: return "usage";
    case Exit::data: return "data";
    case Exit::no_input: return "no_input";
    case Exit::unavailable: return "unavailable";
    case Exit::software: return "software";
    case Exit::io: return "io";
    case Exit::temp_fail: return "temp_fail";
    case Exit::no_perm: return "no_perm";
    }
    return "unknown";
}

Error errno_error(int err, std::string_view what, std::string_view action) {
    Exit code = Exit::io;
    switch (err) {
    case EACCES:
    case EPERM:
    case EROFS: code = Exit::no_perm; break;
    case ENOENT: code = Exit::no_input; break;
    case EISDIR:
    case ENOTDIR:
    case ELOOP:
    case EFBIG: code = Exit::data; break;
    default: break;
    }
    std::string msg(what);
    msg += ": ";
    if (!action.empty()) {
        msg += action;
        msg += ": ";
    }
    msg += std::strerror(err);
    return Error(code, std::move(msg));
}

} // namespace bootsmith
