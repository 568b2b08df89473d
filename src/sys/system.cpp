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
    if (backend == VarBackend::libefivar)
        vars_ = make_libefivar_store();
    else
        vars_ = make_directory_store(root_);
}

} // namespace bootsmith::sys
