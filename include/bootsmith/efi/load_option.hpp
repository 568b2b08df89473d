// EFI_LOAD_OPTION (the data of Boot####) and the device paths inside it. Parsing is pure
// and bounds-checked here; text formatting and building go through libefivar/libefiboot.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace bootsmith::efi {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

/// Load option attribute bits (UEFI §3.1.3; not defined by any efivar header).
namespace load_attr {
inline constexpr std::uint32_t active = 0x00000001;
inline constexpr std::uint32_t force_reconnect = 0x00000002;
inline constexpr std::uint32_t hidden = 0x00000008;
inline constexpr std::uint32_t category_mask = 0x00001f00;
inline constexpr std::uint32_t category_app = 0x00000100;
} // namespace load_attr

/// The HD() media node: which partition a path points at.
struct HardDrive {
    std::uint32_t partition = 0;
    std::uint64_t start = 0;         ///< in logical blocks of the disk
    std::uint64_t size = 0;          ///< in logical blocks
    std::uint8_t format = 0;         ///< 1 MBR, 2 GPT
    std::uint8_t signature_type = 0; ///< 0 none, 1 MBR u32, 2 GUID
    std::string signature;           ///< PARTUUID (lowercase) for GUID, "0x%08x" for MBR, "" for none

    std::string format_name() const; ///< "GPT", "MBR" or the number
};

/// What a device path says, decoded for humans and JSON.
struct DevicePathInfo {
    std::string text; ///< libefivar's text form (efibootmgr -v prints the same)
    std::optional<HardDrive> hard_drive;
    std::optional<std::string> file; ///< the File() node's path, e.g. "\EFI\debian\shimx64.efi"
};

/// Checks a device path node by node: every length ≥ 4 and inside the buffer, ends with an
/// End Entire node, nothing after it. Returns "" when valid, else the reason.
/// (libefivar's efidp_is_valid() looks at the first node only.)
std::string check_device_path(ByteView path);

/// Decodes a device path that check_device_path() accepted.
DevicePathInfo describe_device_path(ByteView path);

/// One parsed EFI_LOAD_OPTION.
struct LoadOption {
    std::uint32_t attributes = load_attr::active;
    std::string description; ///< UTF-8 (libefiboot's conversion, as efibootmgr shows it)
    Bytes path;              ///< FilePathList bytes
    Bytes optional_data;

    bool active() const { return (attributes & load_attr::active) != 0; }
    /// The variable data: built with libefiboot's efi_loadopt_create().
    Bytes serialize() const;
};

/// Result of parsing: the option, or why it is not one.
struct ParsedOption {
    std::optional<LoadOption> option;
    std::string error;
};

/// Parses Boot#### data. Never reads out of bounds; a malformed option gives a reason
/// ("FilePathListLength 94 runs past the end of the 60-byte variable", …).
ParsedOption parse_load_option(ByteView data);

/// Loose readers for listings that must show what they can of a damaged option (as
/// efibootmgr does): the description when its NUL lies inside the data; the device path
/// bytes when FilePathListLength fits; its libefivar text when every node is well-formed
/// (an End node is not required; libefivar crashes on a zero-length node, so it never
/// sees one).
std::optional<std::string> read_description(ByteView data);
/// efibootmgr's reading of a description without a NUL: every code unit to the end.
std::optional<std::string> read_description_to_end(ByteView data);
std::optional<ByteView> read_path(ByteView data);
std::optional<std::string> format_path(ByteView path);

/// How optional data reads as text: UCS-2 when it decodes cleanly (even length, printable,
/// optional trailing NUL), else ASCII when printable, else nothing.
struct OptionalDataText {
    std::optional<std::string> text;
    std::string encoding; ///< "ucs2", "ascii" or ""
};
OptionalDataText optional_data_text(ByteView data);

/// Optional data as efibootmgr 17 prints it after the path: bytes 0x20–0x7f as they are,
/// every other byte as '.'.
std::string efibootmgr_data_text(ByteView data);

/// A description a user gave: UTF-8, at most 1024 characters of the Basic Multilingual
/// Plane, no control characters. Returns "" when fine, else the reason.
std::string check_description(const std::string& text);

/// UTF-8 → UCS-2 little-endian bytes (no terminator); the text must pass check_description
/// or be otherwise BMP-only valid UTF-8.
Bytes to_ucs2(const std::string& utf8);

/// Builds HD(…)/File(…)/End with libefivar's builders. `loader` uses backslashes.
Bytes make_hd_file_path(const HardDrive& hd, const std::string& loader);

} // namespace bootsmith::efi
