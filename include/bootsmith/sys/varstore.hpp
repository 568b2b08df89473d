// The EFI-variable half of the system seam: one interface, two implementations
// (libefivar on the live system, a directory of efivarfs-format files in a fixture root).
#pragma once

#include "bootsmith/sys/root.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bootsmith::sys {

/// A vendor GUID as the 16 bytes libefivar's efi_guid_t holds (mixed-endian on disk);
/// text form is lowercase 8-4-4-4-12. Parsing and formatting go through libefivar.
struct Guid {
    std::array<std::uint8_t, 16> bytes {};

    static std::optional<Guid> parse(std::string_view text);
    std::string str() const;
    bool operator==(const Guid&) const = default;
    auto operator<=>(const Guid&) const = default;
};

/// EFI_GLOBAL_VARIABLE: Boot####, BootOrder, BootNext, Timeout, …
extern const Guid kGlobalGuid;

/// Attribute bits of an EFI variable (UEFI §3.3; efivarfs stores them as a u32 LE prefix).
namespace attr {
inline constexpr std::uint32_t non_volatile = 0x1;
inline constexpr std::uint32_t bootservice_access = 0x2;
inline constexpr std::uint32_t runtime_access = 0x4;
inline constexpr std::uint32_t nv_bs_rt = 0x7; ///< what Boot####, BootOrder, BootNext and Timeout carry
} // namespace attr

/// Name + vendor GUID of a variable. The efivarfs file name is "<name>-<guid>".
struct VarId {
    std::string name;
    Guid guid;

    std::string file_name() const { return name + "-" + guid.str(); }
    /// Splits an efivarfs file name on its last 37 characters; nullopt if it is not one.
    static std::optional<VarId> from_file_name(std::string_view file);
    bool operator==(const VarId&) const = default;
    auto operator<=>(const VarId&) const = default;
};

/// One variable: attributes and data (without the 4-byte efivarfs prefix).
struct Variable {
    VarId id;
    std::uint32_t attributes = attr::nv_bs_rt;
    std::vector<std::uint8_t> data;

    /// The efivarfs file content: u32 LE attributes followed by the data.
    std::string efivarfs_bytes() const;
    /// Parses efivarfs file content; nullopt if shorter than the 4-byte prefix.
    static std::optional<Variable> from_efivarfs_bytes(VarId id, std::string_view bytes);
    bool operator==(const Variable&) const = default;
};

/// What list() found: the variables, and directory entries that are not variables
/// (reported, never fatal: one stray file must not hide the rest).
struct VarListing {
    std::vector<VarId> vars;          ///< sorted
    std::vector<std::string> skipped; ///< "<file>: <why>"
};

/// The one door to EFI variables.
class VarStore {
public:
    virtual ~VarStore() = default;
    /// "efivarfs-dir" or "libefivar".
    virtual std::string_view backend() const = 0;
    /// Where the variables live, for messages.
    virtual std::string location() const = 0;
    /// False when the system has no EFI variables (BIOS boot, no efivarfs).
    virtual bool available() const = 0;
    virtual VarListing list() const = 0;
    /// nullopt when the variable does not exist; Error(data) when it cannot be read as one.
    virtual std::optional<Variable> get(const VarId& id) const = 0;
    /// Creates or replaces a variable in one step.
    virtual void set(const Variable& v) = 0;
    /// Deletes a variable; a missing one is not an error.
    virtual void remove(const VarId& id) = 0;
};

/// Which implementation System picks.
enum class VarBackend { automatic, directory, libefivar };

/// A directory of efivarfs-format files, normally "<root>/sys/firmware/efi/efivars".
/// On a plain directory a write is temp-file + rename (Root::replace); on a real efivarfs
/// mount (which has no rename) it is one write() of the whole file, which the kernel turns
/// into one SetVariable call.
std::unique_ptr<VarStore> make_directory_store(const Root& root, std::string dir = "/sys/firmware/efi/efivars");

/// The live firmware through libefivar (honours EFIVARFS_PATH as libefivar does).
std::unique_ptr<VarStore> make_libefivar_store();

} // namespace bootsmith::sys
