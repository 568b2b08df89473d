// /proc/self/mountinfo: what is mounted where (pure parser, plus a lookup helper).
#pragma once

#include "bootsmith/sys/root.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace bootsmith::disk {

struct Mount {
    std::string mount_point; ///< unescaped ("\040" → space)
    std::string fs_type;
    std::string source;      ///< e.g. "/dev/sda1"
    std::string major_minor; ///< e.g. "8:1"
};

/// Parses mountinfo text; malformed lines are skipped.
std::vector<Mount> parse_mountinfo(std::string_view text);

/// The mounts of a root (<root>/proc/self/mountinfo); empty when it cannot be read.
std::vector<Mount> read_mounts(const sys::Root& root);

/// Looks a path up below `dir` case-insensitively, as firmware does on FAT ("\EFI\BOOT\x"
/// or "/efi/boot/x"). Returns the system path found, or "".
std::string find_case_insensitive(const sys::Root& root, const std::string& dir, std::string_view path);

} // namespace bootsmith::disk
