// Helpers shared by the unit and CLI tests: temporary directories, file snapshots,
// running the built binary.
#pragma once

#include "bootsmith/error.hpp"

#include <spawn.h>
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace bootsmith::test {

/// EFI_GLOBAL_VARIABLE as text, and where a fixture root keeps its variables.
inline const std::string kGlobalGuid = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
inline const std::string kEfivars = "sys/firmware/efi/efivars/";

/// The exit code of the bootsmith::Error `f` throws (Exit::ok when it throws none).
Exit code_of(const std::function<void()>& f);

/// This process's environment with `extra` entries "NAME=value" applied (an entry
/// "NAME=" with no value removes NAME).
std::vector<std::string> environment_with(const std::vector<std::string>& extra);

/// A fresh directory under $TMPDIR, removed (recursively) when the object dies.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

private:
    std::filesystem::path path_;
};

/// Writes a file (creating parents) with the given mode.
void write_file(const std::filesystem::path& p, const std::string& content, mode_t mode = 0644);
std::string read_file(const std::filesystem::path& p);
bool exists(const std::filesystem::path& p);

/// Every entry below `dir`: relative path → "type mode uid:gid content-or-target".
/// Two snapshots are equal iff nothing under the tree changed (bytes, modes, owners, links).
std::map<std::string, std::string> snapshot(const std::filesystem::path& dir);

/// What differs between two snapshots, one line per path ("" when they are equal). The
/// lock file (run/lock/bootsmith.lock) is runtime state, not content, and is left out.
std::string tree_diff(const std::map<std::string, std::string>& before,
                      const std::map<std::string, std::string>& after);

/// Copies a tree, keeping symlinks as symlinks (like cp -a).
void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to);

/// Where the build put things (compile-time definitions from tests/CMakeLists.txt).
std::filesystem::path binary();
std::filesystem::path fixtures();

/// Starts `program ARGS…` with environment_with(env); `redirect` adds file actions
/// (stdin/stdout/stderr). Returns the pid; throws when the program cannot be started.
pid_t spawn(const std::string& program, const std::vector<std::string>& args, const std::vector<std::string>& env,
            const std::function<void(posix_spawn_file_actions_t*)>& redirect);

struct RunResult {
    int status = -1; ///< exit code, or 128+signal
    std::string out;
    std::string err;
};

/// Runs `bootsmith ARGS…` (or `argv0 ARGS…` when `program` is given) with extra
/// environment entries "NAME=value" (an entry "NAME=" with no value removes NAME),
/// stdin from /dev/null, and a 60 s timeout.
RunResult run(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
              const std::string& program = {});

/// Runs `f` in a child process with the privileges of uid/gid 65534 (nobody) when we are
/// root, or as ourselves otherwise; returns the child's exit code (f's return value).
int as_unprivileged(const std::function<int()>& f);

/// Number of lines in `s` (a final line without '\n' counts).
std::size_t line_count(const std::string& s);

/// A temporary copy of a fixture root (build/fixtures/NAME), and bootsmith run on it.
struct FixtureCopy {
    TempDir dir;
    std::filesystem::path root;
    explicit FixtureCopy(const std::string& name) : root(dir / name) { copy_tree(fixtures() / name, root); }
    /// `bootsmith --root ROOT ARGS…`
    RunResult operator()(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--root", root.string()});
        return run(args);
    }
    std::string file(const std::string& rel) const { return read_file(root / rel); }
};

} // namespace bootsmith::test
