// bootsmith-faulty: the bootsmith command line with a fault-injection switch, for the crash
// tests only (never installed). It links the same bootsmith_cli library as bootsmith and
// installs Root's op hook (root.hpp) from the environment:
//
//   BOOTSMITH_FAULT=count    run normally; print "bootsmith-faulty: N operations" on stderr at exit
//   BOOTSMITH_FAULT=trace    the same, and one line per operation ("bootsmith-faulty: op K STEP PATH")
//   BOOTSMITH_FAULT=kill:N   SIGKILL the process at the Nth operation, before it happens
//   BOOTSMITH_FAULT=fail:N   make the Nth operation fail with EIO, as the seam reports errors
//
// Without BOOTSMITH_FAULT it behaves exactly as bootsmith.
#include "app.hpp"

#include "bootsmith/sys/root.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include <unistd.h>

namespace {

enum class Mode { off, count, trace, kill, fail };

Mode g_mode = Mode::off;
long g_at = 0; ///< the operation that kill/fail hits (1-based)
long g_ops = 0;

int hook(std::string_view op, std::string_view path) {
    ++g_ops;
    if (g_mode == Mode::trace)
        std::fprintf(stderr, "bootsmith-faulty: op %ld %.*s %.*s\n", g_ops, static_cast<int>(op.size()), op.data(),
                     static_cast<int>(path.size()), path.data());
    if (g_ops != g_at) return 0;
    if (g_mode == Mode::kill) {
        ::kill(::getpid(), SIGKILL); // a power cut: no flush, no destructor, no clean-up
        std::abort();                // not reached
    }
    return g_mode == Mode::fail ? EIO : 0;
}

bool parse(const char* spec) {
    std::string s(spec);
    if (s == "count" || s == "trace") {
        g_mode = s == "count" ? Mode::count : Mode::trace;
        return true;
    }
    auto colon = s.find(':');
    if (colon == std::string::npos) return false;
    std::string kind = s.substr(0, colon);
    std::string n = s.substr(colon + 1);
    if (kind != "kill" && kind != "fail") return false;
    if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos || n.size() > 9) return false;
    g_mode = kind == "kill" ? Mode::kill : Mode::fail;
    g_at = std::stol(n);
    return g_at > 0;
}

} // namespace

int main(int argc, char** argv) {
    if (::isatty(STDOUT_FILENO) != 1) std::ios::sync_with_stdio(false); // as bootsmith's main
    if (const char* spec = std::getenv("BOOTSMITH_FAULT"); spec != nullptr && *spec != '\0') {
        if (!parse(spec)) {
            std::fprintf(stderr, "bootsmith-faulty: BOOTSMITH_FAULT=%s: expected count, trace, kill:N or fail:N\n",
                         spec);
            return 2;
        }
        bootsmith::sys::Root::set_op_hook(hook);
    }
    int rc = bootsmith::cli::run(argc, argv);
    if (g_mode == Mode::count || g_mode == Mode::trace) {
        std::cout.flush();
        std::fprintf(stderr, "bootsmith-faulty: %ld operations\n", g_ops);
    }
    return rc;
}
