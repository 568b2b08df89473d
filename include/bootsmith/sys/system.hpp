// The system seam: the files (Root) and EFI variables (VarStore) of the machine being
// managed, both rooted at --root. Commands receive a System and touch nothing else.
#pragma once

#include "bootsmith/sys/root.hpp"
#include "bootsmith/sys/varstore.hpp"

#include <filesystem>
#include <memory>

namespace bootsmith::sys {

class System {
public:
    /// `backend` automatic: libefivar on the live root ("/") when the firmware exposes
    /// variables, the efivarfs-format directory <root>/sys/firmware/efi/efivars otherwise.
    /// The environment variable BOOTSMITH_EFIVARS=libefivar|directory overrides it (tests
    /// use it to drive the libefivar backend against a fixture through EFIVARFS_PATH).
    explicit System(const std::filesystem::path& root, VarBackend backend = VarBackend::automatic);

    const Root& root() const { return root_; }
    VarStore& vars() { return *vars_; }
    const VarStore& vars() const { return *vars_; }
    bool is_live() const { return root_.is_live(); }

    /// True when the machine booted through UEFI (<root>/sys/firmware/efi exists).
    bool uefi() const { return root_.is_dir("/sys/firmware/efi"); }

private:
    Root root_;
    std::unique_ptr<VarStore> vars_;
};

} // namespace bootsmith::sys
