// One exclusive lock serialises every bootsmith process that changes a root.
#pragma once

#include "bootsmith/sys/root.hpp"

#include <chrono>
#include <string>

namespace bootsmith::sys {

/// flock() on <root>/run/lock/bootsmith.lock, held for the object's lifetime. Mutating
/// commands take it before they read what they will change, so two processes never
/// compute plans from the same old state.
class Lock {
public:
    static constexpr const char* kPath = "/run/lock/bootsmith.lock";

    /// Waits up to `timeout` for the lock; Error(temp_fail) naming the holder's pid after.
    Lock(const Root& root, std::chrono::milliseconds timeout);
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
    ~Lock();

    /// Non-blocking probe: true when some process holds the lock now.
    static bool held(const Root& root);

private:
    int fd_ = -1;
};

} // namespace bootsmith::sys
