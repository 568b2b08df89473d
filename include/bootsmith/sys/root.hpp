// The file half of the system seam: every file access of bootsmith goes through a Root,
// which resolves system paths ("/etc/default/grub") inside --root and refuses escapes.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bootsmith::sys {

/// What stat() tells about a file inside the root.
struct FileInfo {
    enum class Type { regular, directory, symlink, block, other };
    Type type = Type::other;
    std::uint64_t size = 0;
    mode_t mode = 0; ///< permission bits only (07777)
    uid_t uid = 0;
    gid_t gid = 0;
};

/// One directory entry; `type` is that of the entry itself (symlinks not followed).
struct DirEntry {
    std::string name;
    FileInfo::Type type = FileInfo::Type::other;
};

/// A read-only open file (RAII). Used for disk images and large files read in pieces.
class ReadFile {
public:
    ReadFile() = default;
    ReadFile(int fd, std::string display) : fd_(fd), display_(std::move(display)) {}
    ReadFile(ReadFile&& o) noexcept;
    ReadFile& operator=(ReadFile&& o) noexcept;
    ReadFile(const ReadFile&) = delete;
    ReadFile& operator=(const ReadFile&) = delete;
    ~ReadFile();

    int fd() const { return fd_; }
    /// Size in bytes (block devices: their size).
    std::uint64_t size() const;
    /// Reads up to `len` bytes at `offset`; fewer only at end of file.
    std::string read_at(std::uint64_t offset, std::size_t len) const;

private:
    int fd_ = -1;
    std::string display_;
};

/// How a replaced file is written.
struct WriteOptions {
    WriteOptions() = default;
    explicit WriteOptions(mode_t new_mode_) : new_mode(new_mode_) {}
    mode_t new_mode = 0644; ///< mode of a file that did not exist; an existing file keeps its own
    /// Given whether or not the file exists (undo): its mode, owner and group. Unset, an
    /// existing file keeps its own and a new one gets `new_mode` and the caller's ids.
    std::optional<mode_t> mode;
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
};

/// Test hook (fault injection, issue 7): called before every mutating step of the seam,
/// with the step and the host path it acts on. The steps: "mkdir", "create-temp", "write",
/// "fsync", "rename", "fsync-dir", "unlink" (Root; the directory VarStore on a plain
/// directory writes through Root::replace/remove, so a variable set is its five steps and a
/// delete its two), "efivar-write" (the one write() on a real efivarfs mount), "efivar-set"
/// and "efivar-delete" (libefivar). Return 0 to let the step happen, or an errno value to
/// make it fail as the system call would: the seam then cleans up as after a real failure
/// and throws errno_error(err, <file>, <step>). A hook may also end the process there (the
/// crash tests kill it). Only test programs install one (tests/support/fault_main.cpp);
/// bootsmith itself never does.
using OpHook = int (*)(std::string_view op, std::string_view path);

/// One step of the seam: runs the installed hook (nothing without one) and throws the error
/// it asks for, naming `what`. Root calls it itself; the other halves of the seam (VarStore)
/// call it before their own writes.
void fault_point(std::string_view op, std::string_view host_path, std::string_view what);

/// A directory that stands for "/" of the system being managed. Paths given to it are
/// system paths ("/boot/grub/grubenv" or "boot/grub/grubenv"); they are resolved
/// component by component, symlinks are followed *inside* the root (absolute targets are
/// taken relative to it, like a chroot), and a `..` or symlink that would climb above the
/// root is refused with Exit::no_perm. Nothing else in bootsmith calls open/read/write on
/// system files.
class Root {
public:
    /// `dir` must exist and be a directory. "/" is the live system.
    explicit Root(const std::filesystem::path& dir);

    /// The root as given on the command line (for messages) and canonicalised.
    const std::filesystem::path& given() const { return given_; }
    const std::filesystem::path& host() const { return host_; }
    bool is_live() const { return host_ == "/"; }

    /// Host path of a system path after resolving symlinks inside the root. The final
    /// component is followed too unless `follow_last` is false. Missing components are fine
    /// (the result names where the file would be). Throws Error(no_perm) on escape and
    /// Error(data) on a symlink loop.
    std::filesystem::path resolve(std::string_view path, bool follow_last = true) const;

    /// How a system path is shown in messages: the root as given joined with the path.
    std::string display(std::string_view path) const;

    std::optional<FileInfo> stat(std::string_view path) const;  ///< follows symlinks; nullopt if absent
    std::optional<FileInfo> lstat(std::string_view path) const; ///< does not follow the last component
    bool exists(std::string_view path) const { return stat(path).has_value(); }
    bool is_dir(std::string_view path) const;
    bool is_file(std::string_view path) const;

    /// Whole content of a regular file, or nullopt when it does not exist. Refuses files
    /// larger than `max_size` and anything that is not a regular file (Exit::data).
    std::optional<std::string> read(std::string_view path, std::size_t max_size = 64u << 20) const;
    /// Like read(), but a missing file is Error(no_input).
    std::string read_required(std::string_view path, std::size_t max_size = 64u << 20) const;
    /// Entries of a directory sorted by name (without "." and ".."); empty if it does not exist.
    std::vector<DirEntry> list(std::string_view path) const { return list(path, true); }
    /// list() in the order of the directory itself when `sorted` is false (for a caller that
    /// hashes the names: sorting 1,000 names is a tenth of what reading them costs).
    std::vector<DirEntry> list(std::string_view path, bool sorted) const;
    /// Opens a regular file or block device for reading.
    ReadFile open_read(std::string_view path) const;

    /// Replaces a file atomically: temporary file in the same directory, write, fsync,
    /// rename over the target, fsync of the directory. An existing file keeps its mode and
    /// owner; a symlink is followed and its target replaced. Missing parent directories are
    /// created (mode 0755).
    void replace(std::string_view path, std::string_view content, const WriteOptions& opts = {}) const;
    /// Removes a file (following a final symlink is NOT done: the link itself goes) and
    /// fsyncs its directory. Removing a missing file is not an error.
    void remove(std::string_view path) const;
    /// Creates a directory and its parents (mode 0755 by default).
    void make_dirs(std::string_view path, mode_t mode = 0755) const;
    /// Creates a new directory (parents as needed); false when it already existed.
    bool create_dir(std::string_view path, mode_t mode = 0755) const;

    /// Installs the fault-injection hook (tests only); nullptr removes it.
    static void set_op_hook(OpHook hook);

private:
    /// The resolution loop: takes components from `todo`, starting at host path `here`.
    std::string walk(std::vector<std::string> todo, bool follow_last, std::string_view path, std::string here,
                     bool* missing) const;
    /// A directory already resolved: its host path, and from the second file read in it on,
    /// a descriptor of it (O_PATH) that reads open relative to, so that the kernel does not
    /// walk the whole host path again for each of 500 BLS entries. Copies share the descriptor.
    struct ResolvedDir {
        std::string host;
        std::shared_ptr<const int> fd;
        unsigned reads = 0;
    };
    void forget_dirs() const {
        dirs_.clear();
        dir_fds_ = 0;
    }
    /// The resolved directory of `path` and its last component (nullptr when the directory is
    /// not resolved yet, or `path` ends in "." or "..").
    ResolvedDir* resolved_parent(std::string_view path, std::string_view& name) const;

    std::filesystem::path given_;
    std::filesystem::path host_;
    /// Directories already resolved ("boot/loader/entries" → host path): reading 500 BLS
    /// entries must not walk /boot 500 times. Dropped by every change made through this Root.
    mutable std::unordered_map<std::string, ResolvedDir> dirs_;
    mutable unsigned dir_fds_ = 0; ///< descriptors held in dirs_ (at most kMaxDirFds)
};

/// Joins a system path into normalised absolute form: "boot//grub/" → "/boot/grub".
/// Purely lexical; `..` is kept for resolve() to judge.
std::string normalise(std::string_view path);
/// Whether `path` is already what normalise() makes of it: "/a/b", no empty or "."
/// component, no trailing '/' (".." is kept by both). One pass, no copy.
bool is_normal(std::string_view path);

} // namespace bootsmith::sys
