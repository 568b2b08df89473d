// Pieces of `bootsmith grub` that other commands (kernel, grubby) build their plans with.
#pragma once

#include "bootsmith/grub/grubenv.hpp"
#include "bootsmith/sys/plan.hpp"
#include "bootsmith/sys/system.hpp"

#include <string>
#include <string_view>

namespace bootsmith::cli {

/// A path the user gave: relative to the working directory on the live system, a system
/// path inside the root otherwise.
std::string user_path(const sys::System& sys, const std::string& given);

/// Refuses to edit `name` in a grubenv file whose variables of that kind live in an
/// external env_block (rhboot on btrfs): the edit would change nothing GRUB reads.
void refuse_external(const grub::EnvBlock& env, std::string_view name, const sys::Root& root, const std::string& path);

/// The plan that writes `after` over the grubenv file `f`.
sys::Plan env_plan(std::string title, const sys::Root& root, const grub::EnvFile& f, const grub::EnvBlock& after);

/// The plan that sets KEY to VALUE in /etc/default/grub (or the drop-in that decides it).
/// When `pending` already changes that file, the edit applies to its planned content (the
/// caller then keeps one change per file: the last one's `after`).
sys::Plan config_set_plan(const sys::System& sys, const std::string& key, const std::string& value, std::string title,
                          const sys::Plan* pending = nullptr);

} // namespace bootsmith::cli
