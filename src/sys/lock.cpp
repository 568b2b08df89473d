#include "bootsmith/sys/lock.hpp"

#include "bootsmith/error.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

namespace bootsmith::sys {

namespace {

std::string holder_of(int fd) {
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string s = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

} // namespace

Lock::Lock(const Root& root, std::chrono::milliseconds timeout) {
    root.make_dirs("/run/lock");
    auto path = root.resolve(kPath);
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd_ < 0) throw errno_error(errno, root.display(kPath), "open lock file");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) break;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            int err = errno;
            ::close(fd_);
            fd_ = -1;
            throw errno_error(err, root.display(kPath), "lock");
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            std::string pid = holder_of(fd_);
            ::close(fd_);
            fd_ = -1;
            throw Error(Exit::temp_fail,
                        root.display(kPath) + ": held by another bootsmith process" +
                            (pid.empty() ? "" : " (pid " + pid + ")"),
                        "try again, or raise --lock-timeout");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Record the holder for the message a waiting process prints; informative only.
    std::string me = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) {
        [[maybe_unused]] ssize_t n = ::pwrite(fd_, me.data(), me.size(), 0);
    }
}

Lock::~Lock() {
    if (fd_ >= 0) ::close(fd_); // closing releases the flock
}

bool Lock::held(const Root& root) {
    auto path = root.resolve(kPath);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return false;
    bool busy = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return busy;
}

} // namespace bootsmith::sys
