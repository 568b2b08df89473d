#include "bootsmith/sys/root.hpp"

#include "bootsmith/error.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <deque>
#include <utility>

namespace bootsmith::sys {

namespace fs = std::filesystem;

namespace {

OpHook g_op_hook = nullptr;

void op(std::string_view name, const fs::path& path, std::string_view what) {
    fault_point(name, path.native(), what);
}

std::vector<std::string> split(std::string_view path) {
    std::vector<std::string> parts;
    std::size_t i = 0;
    while (i < path.size()) {
        std::size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view c = path.substr(i, j - i);
        if (!c.empty() && c != ".") parts.emplace_back(c);
        i = j + 1;
    }
    return parts;
}

FileInfo::Type type_of(mode_t m) {
    if (S_ISREG(m)) return FileInfo::Type::regular;
    if (S_ISDIR(m)) return FileInfo::Type::directory;
    if (S_ISLNK(m)) return FileInfo::Type::symlink;
    if (S_ISBLK(m)) return FileInfo::Type::block;
    return FileInfo::Type::other;
}

FileInfo info_of(const struct stat& st) {
    FileInfo fi;
    fi.type = type_of(st.st_mode);
    fi.size = static_cast<std::uint64_t>(st.st_size);
    fi.mode = st.st_mode & 07777;
    fi.uid = st.st_uid;
    fi.gid = st.st_gid;
    return fi;
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            if (fd_ >= 0) ::close(fd_);
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    int release() {
        int f = fd_;
        fd_ = -1;
        return f;
    }

private:
    int fd_;
};

void write_all(int fd, std::string_view data, const std::string& what) {
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw errno_error(errno, what, "write");
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

void fsync_dir(const fs::path& dir, const std::string& what) {
    Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d.get() < 0) throw errno_error(errno, what, "open directory");
    // Some file systems (e.g. certain FUSE or network ones) do not support fsync on a
    // directory; EINVAL there means "nothing to flush", not a failed write.
    if (::fsync(d.get()) != 0 && errno != EINVAL) throw errno_error(errno, what, "fsync directory");
}

} // namespace

bool is_normal(std::string_view path) {
    if (path == "/") return true;
    if (path.size() < 2 || path.front() != '/' || path.back() == '/') return false;
    for (auto at = path.find('/'); at != std::string_view::npos; at = path.find('/', at + 1)) {
        // path.back() != '/': at + 1 is inside.
        if (path[at + 1] == '/') return false;
        if (path[at + 1] == '.' && (at + 2 == path.size() || path[at + 2] == '/')) return false;
    }
    return true;
}

std::string normalise(std::string_view path) {
    if (is_normal(path)) return std::string(path); // the common case
    std::string out;
    for (const auto& c : split(path)) {
        out += '/';
        out += c;
    }
    return out.empty() ? std::string("/") : out;
}

// ---------------------------------------------------------------------------------------
// ReadFile

ReadFile::ReadFile(ReadFile&& o) noexcept : fd_(o.fd_), display_(std::move(o.display_)) {
    o.fd_ = -1;
}

ReadFile& ReadFile::operator=(ReadFile&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = o.fd_;
        display_ = std::move(o.display_);
        o.fd_ = -1;
    }
    return *this;
}

ReadFile::~ReadFile() {
    if (fd_ >= 0) ::close(fd_);
}

std::uint64_t ReadFile::size() const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw errno_error(errno, display_, "stat");
    if (S_ISBLK(st.st_mode)) {
        std::uint64_t bytes = 0;
        if (::ioctl(fd_, BLKGETSIZE64, &bytes) != 0) throw errno_error(errno, display_, "size of block device");
        return bytes;
    }
    return static_cast<std::uint64_t>(st.st_size);
}

std::string ReadFile::read_at(std::uint64_t offset, std::size_t len) const {
    std::string buf(len, '\0');
    std::size_t got = 0;
    while (got < len) {
        ssize_t n = ::pread(fd_, buf.data() + got, len - got, static_cast<off_t>(offset + got));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw errno_error(errno, display_, "read");
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    buf.resize(got);
    return buf;
}

// ---------------------------------------------------------------------------------------
// Root

void fault_point(std::string_view op, std::string_view host_path, std::string_view what) {
    if (g_op_hook == nullptr) return;
    if (int err = g_op_hook(op, host_path); err != 0) throw errno_error(err, what, op);
}

void Root::set_op_hook(OpHook hook) {
    g_op_hook = hook;
}

Root::Root(const fs::path& dir) : given_(dir) {
    std::string g = dir.native();
    while (g.size() > 1 && g.back() == '/')
        g.pop_back();
    if (g.empty()) throw Error(Exit::usage, "--root: empty path");
    given_ = g;
    struct stat st {};
    if (::stat(g.c_str(), &st) != 0) throw errno_error(errno, g, "--root");
    if (!S_ISDIR(st.st_mode)) throw Error(Exit::usage, g + ": --root is not a directory");
    std::error_code ec;
    host_ = fs::canonical(g, ec);
    if (ec) throw errno_error(ec.value(), g, "--root");
}

std::string Root::display(std::string_view path) const {
    std::string p = normalise(path);
    if (given_ == "/") return p;
    return given_.native() + p;
}

fs::path Root::resolve(std::string_view path, bool follow_last) const {
    std::vector<std::string> comps = split(path);
    std::string base = host_.native() == "/" ? std::string() : host_.native();
    bool plain = comps.size() >= 2 && std::find(comps.begin(), comps.end(), "..") == comps.end();
    if (!plain) return fs::path(walk(std::move(comps), follow_last, path, base, nullptr));
    // The parent directory is resolved once and remembered; only the last component is walked.
    std::string parent;
    for (std::size_t i = 0; i + 1 < comps.size(); ++i)
        parent += (i ? "/" : "") + comps[i];
    auto it = dirs_.find(parent);
    if (it == dirs_.end()) {
        bool missing = false;
        std::string host = walk({comps.begin(), comps.end() - 1}, true, path, base, &missing);
        if (missing) return fs::path(walk(std::move(comps), follow_last, path, base, nullptr));
        it = dirs_.emplace(parent, ResolvedDir {host, nullptr, 0}).first;
    }
    return fs::path(walk({comps.back()}, follow_last, path, it->second.host, nullptr));
}

Root::ResolvedDir* Root::resolved_parent(std::string_view path, std::string_view& name) const {
    auto slash = path.rfind('/');
    if (slash == std::string_view::npos || slash + 1 == path.size()) return nullptr;
    name = path.substr(slash + 1);
    if (name == "." || name == "..") return nullptr;
    std::string key;
    std::string_view dir_part = path.substr(0, slash);
    if (!dir_part.empty() && dir_part.front() == '/' && dir_part.find("//") == std::string_view::npos &&
        dir_part.find("/.") == std::string_view::npos) {
        key = dir_part.substr(1); // already normal: no split needed (the common case)
    } else {
        std::vector<std::string> dir = split(dir_part);
        if (std::find(dir.begin(), dir.end(), "..") != dir.end()) return nullptr;
        for (std::size_t i = 0; i < dir.size(); ++i)
            key += (i ? "/" : "") + dir[i];
    }
    if (key.empty()) return nullptr;
    auto it = dirs_.find(key);
    return it == dirs_.end() ? nullptr : &it->second;
}

std::string Root::walk(std::vector<std::string> components, bool follow_last, std::string_view path, std::string here,
                       bool* missing_out) const {
    std::deque<std::string> todo(std::make_move_iterator(components.begin()),
                                 std::make_move_iterator(components.end()));
    // `done` holds the resolved components; `here` the host path they spell, kept in step.
    const std::string base = host_.native() == "/" ? std::string() : host_.native();
    std::vector<std::string> done = split(std::string_view(here).substr(base.size()));
    int hops = 0;
    bool missing = false;

    auto pop = [&] {
        here.resize(here.size() - done.back().size() - 1);
        done.pop_back();
    };
    auto push = [&](std::string c) {
        here += '/';
        here += c;
        done.push_back(std::move(c));
    };

    while (!todo.empty()) {
        std::string c = std::move(todo.front());
        todo.pop_front();
        if (c == "..") {
            // The kernel would fail with ENOTDIR/ENOENT here; applying ".." lexically
            // after a missing or non-directory component could step anywhere.
            if (missing) throw Error(Exit::data, display(path) + ": '..' after a missing or non-directory component");
            if (done.empty())
                throw Error(Exit::no_perm, display(path) + ": path leaves the root " + given_.native() +
                                               " (through '..' or a symbolic link)");
            pop();
            continue;
        }
        if (missing) {
            push(std::move(c));
            continue;
        }
        std::string candidate = here + "/" + c;
        struct stat st {};
        if (::lstat(candidate.c_str(), &st) != 0) {
            if (errno != ENOENT && errno != ENOTDIR) throw errno_error(errno, display(path), "resolve");
            missing = true;
            push(std::move(c));
            continue;
        }
        bool last = todo.empty();
        if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
            if (++hops > 40) throw Error(Exit::data, display(path) + ": too many levels of symbolic links");
            std::string target(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 256) + 1, '\0');
            ssize_t n = ::readlink(candidate.c_str(), target.data(), target.size());
            if (n < 0) throw errno_error(errno, display(path), "readlink");
            target.resize(static_cast<std::size_t>(n));
            if (!target.empty() && target.front() == '/') { // absolute: relative to the root
                done.clear();
                here = base;
            }
            auto parts = split(target);
            todo.insert(todo.begin(), parts.begin(), parts.end());
            continue;
        }
        push(std::move(c));
    }
    if (missing_out != nullptr) *missing_out = missing;
    return here.empty() ? std::string("/") : here;
}

std::optional<FileInfo> Root::stat(std::string_view path) const {
    fs::path p = resolve(path, true);
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        throw errno_error(errno, display(path), "stat");
    }
    return info_of(st);
}

std::optional<FileInfo> Root::lstat(std::string_view path) const {
    fs::path p = resolve(path, false);
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        throw errno_error(errno, display(path), "stat");
    }
    return info_of(st);
}

bool Root::is_dir(std::string_view path) const {
    auto fi = stat(path);
    return fi && fi->type == FileInfo::Type::directory;
}

bool Root::is_file(std::string_view path) const {
    auto fi = stat(path);
    return fi && fi->type == FileInfo::Type::regular;
}

std::optional<std::string> Root::read(std::string_view path, std::size_t max_size) const {
    // O_NONBLOCK: a FIFO planted where a file should be must not hang us.
    constexpr int kFlags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    Fd fd(-1);
    // Fast path: in a directory already resolved, a last component that is not a symlink
    // (O_NOFOLLOW) cannot leave the root; a symlink takes the full walk.
    std::string_view name;
    if (ResolvedDir* dir = resolved_parent(path, name)) {
        constexpr unsigned kMaxDirFds = 16;
        if (!dir->fd && ++dir->reads >= 2 && dir_fds_ < kMaxDirFds) {
            int d = ::open(dir->host.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (d >= 0) {
                dir->fd = std::shared_ptr<const int>(new int(d), [](const int* p) {
                    ::close(*p);
                    delete p;
                });
                ++dir_fds_;
            }
        }
        if (dir->fd)
            fd = Fd(::openat(*dir->fd, std::string(name).c_str(), kFlags | O_NOFOLLOW));
        else
            fd = Fd(::open((dir->host + "/" + std::string(name)).c_str(), kFlags | O_NOFOLLOW));
        if (fd.get() < 0 && errno != ELOOP) {
            if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
            throw errno_error(errno, display(path), "open");
        }
    }
    if (fd.get() < 0) fd = Fd(::open(resolve(path, true).c_str(), kFlags));
    if (fd.get() < 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        throw errno_error(errno, display(path), "open");
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw errno_error(errno, display(path), "stat");
    if (S_ISDIR(st.st_mode)) throw Error(Exit::data, display(path) + ": is a directory, expected a file");
    if (!S_ISREG(st.st_mode)) throw Error(Exit::data, display(path) + ": is not a regular file");
    if (static_cast<std::uint64_t>(st.st_size) > max_size)
        throw Error(Exit::data, display(path) + ": file too large (" + std::to_string(st.st_size) + " bytes, limit " +
                                    std::to_string(max_size) + ")");
    std::string out;
    out.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    for (;;) {
        if (got == out.size()) {
            if (out.size() > max_size)
                throw Error(Exit::data, display(path) + ": file too large (limit " + std::to_string(max_size) + ")");
            out.resize(out.size() + 4096); // files whose size stat() does not know (procfs)
        }
        ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw errno_error(errno, display(path), "read");
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
        // A regular file read up to the size fstat gave is whole: no extra read for EOF.
        if (st.st_size > 0 && got == static_cast<std::size_t>(st.st_size)) break;
    }
    out.resize(got);
    return out;
}

std::string Root::read_required(std::string_view path, std::size_t max_size) const {
    auto r = read(path, max_size);
    if (!r) throw Error(Exit::no_input, display(path) + ": no such file");
    return std::move(*r);
}

std::vector<DirEntry> Root::list(std::string_view path, bool sorted) const {
    fs::path p = resolve(path, true);
    std::vector<DirEntry> out;
    DIR* d = ::opendir(p.c_str());
    if (d == nullptr) {
        if (errno == ENOENT || errno == ENOTDIR) return out;
        throw errno_error(errno, display(path), "list directory");
    }
    while (const struct dirent* e = ::readdir(d)) {
        std::string_view name(e->d_name);
        if (name == "." || name == "..") continue;
        DirEntry entry;
        entry.name = name;
        switch (e->d_type) {
        case DT_REG: entry.type = FileInfo::Type::regular; break;
        case DT_DIR: entry.type = FileInfo::Type::directory; break;
        case DT_LNK: entry.type = FileInfo::Type::symlink; break;
        case DT_BLK: entry.type = FileInfo::Type::block; break;
        case DT_UNKNOWN: { // some file systems do not fill d_type
            struct stat st {};
            if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) entry.type = type_of(st.st_mode);
            break;
        }
        default: break;
        }
        out.push_back(std::move(entry));
    }
    ::closedir(d);
    if (sorted) std::sort(out.begin(), out.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    return out;
}

ReadFile Root::open_read(std::string_view path) const {
    fs::path p = resolve(path, true);
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) throw errno_error(errno, display(path), "open");
    ReadFile f(fd, display(path));
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw errno_error(errno, display(path), "stat");
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
        throw Error(Exit::data, display(path) + ": is neither a regular file nor a block device");
    return f;
}

void Root::make_dirs(std::string_view path, mode_t mode) const {
    forget_dirs();
    fs::path target = resolve(path, true);
    // Create each missing component below the root; resolve() has already made sure the
    // whole path lies inside it.
    fs::path rel = target.lexically_relative(host_);
    fs::path cur = host_;
    for (const auto& c : rel) {
        if (c == ".") continue;
        cur /= c;
        struct stat st {};
        if (::stat(cur.c_str(), &st) == 0) continue;
        op("mkdir", cur, display(path));
        if (::mkdir(cur.c_str(), mode) != 0) {
            if (errno == EEXIST) continue;
            throw errno_error(errno, display(path), "create directory");
        }
        fsync_dir(cur.parent_path(), display(path)); // the new entry must survive a crash too
    }
    struct stat st {};
    if (::stat(target.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw Error(Exit::data, display(path) + ": exists and is not a directory");
}

bool Root::create_dir(std::string_view path, mode_t mode) const {
    forget_dirs();
    std::string p = normalise(path);
    std::string parent = p.substr(0, p.rfind('/'));
    make_dirs(parent.empty() ? "/" : parent);
    fs::path target = resolve(p, false);
    op("mkdir", target, display(path));
    if (::mkdir(target.c_str(), mode) == 0) {
        fsync_dir(target.parent_path(), display(path));
        return true;
    }
    if (errno == EEXIST) return false;
    throw errno_error(errno, display(path), "create directory");
}

namespace {

/// Removes the temporary files of earlier replacements of one target (`prefix` + the six
/// characters mkostemp chose) that a process killed before its rename left behind: on a small
/// ESP such a copy of a large file would otherwise take its space for good. Writes into a root
/// hold bootsmith's lock, so none of these files is in use; the one write outside a root
/// (`boot backup FILE`, the caller's own file) run twice at once on one FILE can at worst fail
/// its rename. Best effort: a directory that cannot be read, or a name that cannot be removed,
/// is left as it is; only regular files are removed.
void remove_stale_temps(const fs::path& dir, const std::string& prefix) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return;
    while (const struct dirent* e = ::readdir(d)) {
        std::string_view name(e->d_name);
        if (name.size() != prefix.size() + 6 || !name.starts_with(prefix)) continue;
        struct stat st {};
        if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            ::unlinkat(::dirfd(d), e->d_name, 0);
    }
    ::closedir(d);
}

} // namespace

void Root::replace(std::string_view path, std::string_view content, const WriteOptions& opts) const {
    forget_dirs();
    const std::string what = display(path);
    fs::path target = resolve(path, true); // a symlink is followed: its target is replaced
    fs::path dir = target.parent_path();
    make_dirs(normalise(dir.lexically_relative(host_).native()));

    struct stat old {};
    bool existed = ::stat(target.c_str(), &old) == 0;
    if (existed && !S_ISREG(old.st_mode))
        throw Error(Exit::data, what + ": is not a regular file, refusing to replace it");

    const std::string temp_prefix = "." + target.filename().native() + ".bootsmith-";
    remove_stale_temps(dir, temp_prefix);
    std::string tmpl = (dir / (temp_prefix + "XXXXXX")).native();
    op("create-temp", target, what);
    Fd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
    if (fd.get() < 0) throw errno_error(errno, what, "create temporary file");
    const fs::path tmp = tmpl;
    try {
        op("write", target, what);
        write_all(fd.get(), content, what);
        const uid_t uid = opts.uid ? *opts.uid : existed ? old.st_uid : ::geteuid();
        const gid_t gid = opts.gid ? *opts.gid : existed ? old.st_gid : ::getegid();
        if (uid != ::geteuid() || gid != ::getegid()) {
            // Keep (or put back) the owner. Only root can give a file away; an unprivileged
            // user who may replace the file anyway ends up owning the new one, as with any
            // editor. Before the chmod: a chown may clear the set-id bits.
            if (::fchown(fd.get(), uid, gid) != 0 && ::geteuid() == 0) throw errno_error(errno, what, "chown");
        }
        const mode_t mode = opts.mode ? (*opts.mode & 07777) : existed ? (old.st_mode & 07777) : opts.new_mode;
        if (::fchmod(fd.get(), mode) != 0) throw errno_error(errno, what, "chmod");
        op("fsync", target, what);
        if (::fsync(fd.get()) != 0) throw errno_error(errno, what, "fsync");
        op("rename", target, what);
        if (::rename(tmp.c_str(), target.c_str()) != 0) throw errno_error(errno, what, "rename");
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    op("fsync-dir", dir, what);
    fsync_dir(dir, what);
}

void Root::remove(std::string_view path) const {
    forget_dirs();
    const std::string what = display(path);
    fs::path target = resolve(path, false);
    struct stat st {};
    if (::lstat(target.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return;
        throw errno_error(errno, what, "stat");
    }
    if (S_ISDIR(st.st_mode)) throw Error(Exit::data, what + ": is a directory, refusing to remove it");
    op("unlink", target, what);
    if (::unlink(target.c_str()) != 0 && errno != ENOENT) throw errno_error(errno, what, "remove");
    op("fsync-dir", target.parent_path(), what);
    fsync_dir(target.parent_path(), what);
}

} // namespace bootsmith::sys
