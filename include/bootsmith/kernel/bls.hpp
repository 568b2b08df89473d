// Boot Loader Specification Type #1 entries (boot/loader/entries/*.conf): a lossless
// reader/editor, boot counting in file names, and the version orders that different
// loaders and tools apply to them (../shared/notes/kernels-bls.md §1–2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bootsmith::kernel {

// --- Version comparisons: negative, zero or positive like strcmp ---------------------
// Total on any bytes. The tools written in C see NUL-terminated strings, so uapi, rpm and dpkg
// comparisons ignore everything from the first NUL on; sort_v_compare compares NUL as a byte.

/// UAPI.10 version format comparison (systemd-analyze compare-versions, systemd-boot, bootctl).
int uapi_version_compare(std::string_view a, std::string_view b);
/// rpm's rpmvercmp() as rhboot GRUB's blscfg uses it on name/version/release: blscfg's copy
/// gives '+' the role librpm gives '^' (after the base version, before any other segment),
/// and treats '^' as a plain separator.
int rpm_vercmp(std::string_view a, std::string_view b);
/// librpm's rpmvercmp() (rpm ≥ 4.15, with '^'), e.g. for entries written by rpm tooling.
int rpmlib_vercmp(std::string_view a, std::string_view b);
/// GNU coreutils `sort -V` (filevercmp), as grubby-bls and GRUB 2.12's grub-mkconfig use it.
/// 0 for strings sort -V finds equal by version (sort itself then falls back to byte order).
int sort_v_compare(std::string_view a, std::string_view b);
/// `dpkg --compare-versions` on full Debian versions ([epoch:]upstream[-revision]); "" and
/// "<unknown>" are dpkg's blank version. Versions dpkg refuses (empty, embedded blanks, bad
/// epoch, empty revision) sort before all others, and among themselves by bytes.
int dpkg_version_compare(std::string_view a, std::string_view b);

/// Debian 12 grub-mkconfig's kernel order (grub-mkconfig_lib's version_test_gt): strip up to the
/// first '-' of each file name, map [._-](pre|rc|test|git|old|trunk) to ~…, compare with dpkg.
/// The script's `*.old` special cases never match (".old" has become "~old" by then), so
/// "<v>.old" sorts right below <v>. An empty version is lowest. Arguments are versions as in
/// vmlinuz-<version>.
int debian_kernel_compare(std::string_view a, std::string_view b);
/// Upstream GRUB 2.12 grub-mkconfig's kernel order: `sort -V`, with "<v>.old" right below <v>
/// (10_linux sorts "<v> 1" for the .old file against "<v> 2" for the others).
int upstream_kernel_compare(std::string_view a, std::string_view b);

// --- Boot counting (UAPI.1): <name>+<left>[-<done>].conf ------------------------------

struct BootCounter {
    unsigned left = 0;
    std::optional<unsigned> done;
    std::size_t left_width = 0;
    std::size_t done_width = 0;
};

/// The parts of an entry file name.
struct BlsName {
    std::string file; ///< as on disk: "abc-6.1.0-13-amd64+3-1.conf"
    std::string id;   ///< without ".conf": the id of GRUB blscfg, grubby and saved_entry
    std::string stem; ///< without ".conf" and without the counter: stable across boots
    std::optional<BootCounter> counter;
    bool bad() const { return counter && counter->left == 0; } ///< tries exhausted: sorts last
};
/// Splits a file name; nullopt when it does not end in ".conf" or holds characters the
/// specification does not allow (A–Z a–z 0–9 + - _ .) or is longer than 255, when the id is
/// empty (".conf") or the name starts with '.' (hidden: GRUB and systemd skip it).
/// The counter is the text after the last '+' when it is <digits>[-<digits>] (each fitting
/// in unsigned); anything else after a '+' is part of the stem.
std::optional<BlsName> parse_bls_name(std::string_view file);

// --- One entry, kept byte for byte ------------------------------------------------------

/// A BLS entry file. Every byte is kept (comments, alignment, blank lines, a missing final
/// newline); edits change only the lines they touch.
class BlsEntry {
public:
    /// One line of the file without its '\n'. For key lines, `key` is the first word (after
    /// any leading blanks, which blscfg and systemd tolerate) and `value` the rest after the
    /// first run of spaces/tabs (literal, trailing blanks and '\r' kept as written).
    struct Line {
        std::string raw;
        std::string key; ///< empty for comments, blank lines
        std::string value;
        bool comment = false;
        /// How GRUB's blscfg reads `raw` (bls.cpp's, worked out once by parse): 0 when not
        /// worked out (the line holds '\r' or NUL), else 1 + its kind, with blscfg's key and
        /// value as offsets into `raw`.
        std::uint8_t grub = 0;
        std::uint32_t grub_key_at = 0, grub_key_size = 0, grub_value_at = 0;
    };

    /// Never fails: what does not parse is kept and reported by diagnostics().
    static BlsEntry parse(std::string_view text);

    /// The file's bytes: identical to the input until an edit.
    std::string text() const;
    const std::vector<Line>& lines() const { return lines_; }
    /// The lines, moved out: the entry is left empty (for a reader done with it).
    std::vector<Line> release_lines() && { return std::move(lines_); }

    /// The first value of `key` (nullopt: absent). get/get_all/options/initrds read every
    /// line, as the specification does; options_grub() reads what GRUB's blscfg reads.
    std::optional<std::string> get(std::string_view key) const;
    /// get() without the copy: a view into the entry, valid while the entry is unchanged.
    std::optional<std::string_view> find(std::string_view key) const;
    /// Every value of `key` in order (initrd, options, extra, grub_arg, grub_class are repeatable).
    std::vector<std::string> get_all(std::string_view key) const;
    /// The kernel command line: every `options` line joined with single spaces (the
    /// specification's reading; trailing blanks of each line dropped, as systemd does).
    /// GRUB's blscfg uses only the first, and only before the line where it stops reading:
    /// options_grub() is that value as blscfg takes it ("" when it sees none).
    std::string options() const;
    std::string options_grub() const;
    /// Every initrd path in order (an initrd line may hold several, space-separated).
    std::vector<std::string> initrds() const;

    /// Sets `key` to one value: the first line of `key` is rewritten in place (keeping the
    /// blanks between key and value as written), later lines of `key` are removed; an absent
    /// key is appended after the last key line (no key line: after the last comment, else at
    /// the top) but above any line where GRUB's blscfg stops reading, with one space as
    /// separator. Never writes a blank line or a key without value (GRUB stops reading there):
    /// an empty value removes the key. Leading blanks of the value are dropped, '\n' and '\r'
    /// become spaces, and a value GRUB would read as empty (NUL first) counts as empty.
    /// A `key` that is empty, starts with '#' or holds blanks, '\r', '\n' or NUL cannot be
    /// written: set/set_all/remove do nothing then. A missing final newline stays missing.
    void set(std::string_view key, std::string_view value);
    /// Replaces every line of `key` with one line per value, at the position of the first, each
    /// with the first line's key-and-separator text; empty values are skipped (none left:
    /// remove(key)). An absent key is placed as set() places it.
    void set_all(std::string_view key, const std::vector<std::string>& values);
    /// Removes every line of `key`.
    void remove(std::string_view key);

    /// Things readers disagree on, one line each ("line 4: empty line: GRUB's blscfg stops
    /// reading here …"): blank line or key without value before other keys, repeated `options`
    /// (GRUB uses only the first), another key repeated (GRUB takes the first, systemd the
    /// last), no `linux`/`efi`/`uki`, NUL, invalid UTF-8, '\r', leading blanks (grubby-bls
    /// misses the key), a tab before the first space (blscfg splits at the space), a key
    /// without value, trailing blanks, a file over 1 MiB (blscfg skips it). Empty when clean.
    std::vector<std::string> diagnostics() const;

private:
    std::vector<Line> lines_;
    bool final_newline_ = true;
};

// --- Orders -------------------------------------------------------------------------

/// The things an order needs to know about an entry.
struct BlsSortKey {
    BlsName name;
    std::string sort_key;   ///< `sort-key` value ("" when absent)
    std::string machine_id; ///< `machine-id` value
    std::string version;    ///< `version` value
};

enum class BlsOrder {
    uapi,   ///< systemd-boot/bootctl: bad last; sort-key, machine-id, version desc; else id desc
            ///< (the id as bootctl 252 compares it: stem + ".conf", UAPI order)
    blscfg, ///< rhboot GRUB blscfg: id split at the last two '-', rpm_vercmp, newest first;
            ///< entries are inserted in `keys` order and one equal to an earlier one is dropped
    grubby, ///< grubby-bls: `sort -Vr` of the ids (LC_ALL=C byte order breaks version ties)
};

/// Indices into `keys` in menu order (first = what the loader shows first). For blscfg the
/// entries GRUB drops as duplicates are left out; the other orders return every index.
std::vector<std::size_t> bls_order(const std::vector<BlsSortKey>& keys, BlsOrder order);

} // namespace bootsmith::kernel
