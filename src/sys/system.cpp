#include "bootsmith/sys/system.hpp"

#include "bootsmith/error.hpp"

#include <cstdlib>
#include <string_view>

namespace bootsmith::sys {

namespace {

VarBackend from_environment(VarBackend wanted) {
    const char* env = std::getenv("BOOTSMITH_EFIVARS");
    if (env == nullptr || *env == '\0') return wanted;
    std::string_view v(env);
    if (v == "libefivar") return VarBackend::libefivar;
    if (v == "directory") return VarBackend::directory;
    throw Error(Exit::usage, "BOOTSMITH_EFIVARS=" + std::string(v) + ": unknown backend",
                "use 'libefivar' or 'directory'");
}

} // namespace

System::System(const std::filesystem::path& root, VarBackend backend) : root_(root) {
    backend = from_environment(backend);
    if (backend == VarBackend::automatic) {
        // libefivar's variable I/O is process-global and not root-aware: it can only
        // serve the live system. Fixture roots use the directory backend.
        backend = VarBackend::directory;
        if (root_.is_live()) {
            auto lib = make_libefivar_store();
            if (lib->available()) {
                vars_ = std::move(lib);
                return;
            }
        }
    }
    if (backend == VarBackend::libefivar) {
        // libefivar reads the live firmware unless EFIVARFS_PATH points elsewhere: using it
        // for another root would read and write this machine's variables instead.
        const char* path = std::getenv("EFIVARFS_PATH");
        if (!root_.is_live() && (path == nullptr || *path == '\0'))
            throw Error(Exit::usage,
                        "BOOTSMITH_EFIVARS=libefivar with --root " + root_.given().native() +
                            " would use this machine's firmware variables",
                        "set EFIVARFS_PATH to the root's efivars directory, or drop BOOTSMITH_EFIVARS");
        vars_ = make_libefivar_store();
    } else {
        vars_ = make_directory_store(root_);
    }
}

} // namespace bootsmith::sys
