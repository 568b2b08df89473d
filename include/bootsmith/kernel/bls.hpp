// Boot Loader Specification Type #1 entries (boot/loader/entries/*.conf): a lossless
// reader/editor, boot counting in file names, and the version orders that different
// loaders and tools apply to them (../shared/notes/kernels-bls.md §1–2).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bootsmith::kernel {

// --- Version comparisons: negative, zero or positive like strcmp ---------------------

/// UAPI.10 version format comparison (systemd-analyze compare-versions, systemd-boot, bootctl).
int uapi_version_compare(std::string_view a, std::string_view b);
/// rpm's rpmvercmp() as rhboot GRUB's blscfg uses it on name/version/release.
int rpm_vercmp(std::string_view a, std::string_view b);
/// GNU coreutils `sort -V` (filevercmp), as grubby-bls and GRUB 2.12's grub-mkconfig use it.
int sort_v_compare(std::string_view a, std::string_view b);
/// `dpkg --compare-versions` on full Debian versions ([epoch:]upstream[-revision]).
int dpkg_version_compare(std::string_view a, std::string_view b);

/// Debian 12 grub-mkconfig's kernel order (10_linux's version_test_gt): strip up to the first
/// '-' of each file name, map [._-](pre|rc|test|git|old|trunk) to ~…, compare with dpkg;
/// ".old" compares as at least its base. Arguments are versions as in vmlinuz-<version>.
int debian_kernel_compare(std::string_view a, std::string_view b);
/// Upstream GRUB 2.12 grub-mkconfig's kernel order: `sort -V`, with "<v>.old" right after <v>.
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
    std::string file;    ///< as on disk: "abc-6.1.0-13-amd64+3-1.conf"
    std::string id;      ///< without ".conf": the id of GRUB blscfg, grubby and saved_entry
    std::string stem;    ///< without ".conf" and without the counter: stable across boots
    std::optional<BootCounter> counter;
    bool bad() const { return counter && counter->left == 0; } ///< tries exhausted: sorts last
};
/// Splits a file name; nullopt when it does not end in ".conf" or holds characters the
/// specification does not allow (A–Z a–z 0–9 + - _ .) or is longer than 255.
std::optional<BlsName> parse_bls_name(std::string_view file);

// --- One entry, kept byte for byte ------------------------------------------------------

/// A BLS entry file. Every byte is kept (comments, alignment, blank lines, a missing final
/// newline); edits change only the lines they touch.
class BlsEntry {
public:
    /// One line of the file without its '\n'. For key lines, `key` is the first word and
    /// `value` the rest after the separating blanks (literal, trailing blanks kept as written).
    struct Line {
        std::string raw;
        std::string key; ///< empty for comments, blank lines
        std::string value;
        bool comment = false;
    };

    /// Never fails: what does not parse is kept and reported by diagnostics().
    static BlsEntry parse(std::string_view text);

    /// The file's bytes: identical to the input until an edit.
    std::string text() const;
    const std::vector<Line>& lines() const { return lines_; }

    /// The first value of `key` (nullopt: absent).
    std::optional<std::string> get(std::string_view key) const;
    /// Every value of `key` in order (initrd, options, extra, grub_arg, grub_class are repeatable).
    std::vector<std::string> get_all(std::string_view key) const;
    /// The kernel command line: every `options` line joined with single spaces (the
    /// specification's reading). GRUB's blscfg uses only the first (see options_grub()).
    std::string options() const;
    std::string options_grub() const;
    /// Every initrd path in order (an initrd line may hold several, space-separated).
    std::vector<std::string> initrds() const;

    /// Sets `key` to one value: the first line of `key` is rewritten in place (keeping the
    /// blanks between key and value as written), later lines of `key` are removed; an absent
    /// key is appended after the last key line, with one space as separator. Never writes a
    /// blank line or a key without value (GRUB stops reading there): an empty value removes the key.
    void set(std::string_view key, std::string_view value);
    /// Replaces every line of `key` with one line per value, at the position of the first.
    void set_all(std::string_view key, const std::vector<std::string>& values);
    /// Removes every line of `key`.
    void remove(std::string_view key);

    /// Things readers disagree on, one line each ("line 4: empty line: GRUB's blscfg stops
    /// reading here"): blank line or key without value before other keys, repeated `options`
    /// (GRUB uses only the first), no `linux`/`efi`/`uki`, NUL or invalid UTF-8, over-long file.
    std::vector<std::string> diagnostics() const;

private:
    std::vector<Line> lines_;
    bool final_newline_ = true;
};

// --- Kernel command lines -------------------------------------------------------------------

/// Splits a command line into words as the kernel does (blanks separate; double quotes group).
std::vector<std::string> split_cmdline(std::string_view cmdline);
/// Adds each word of `add` (a `key=value` replaces every `key`/`key=…` already present, in the
/// place of the first; a bare word already present is kept once) and removes each word of
/// `remove` (`key` removes `key` and `key=…`; `key=value` removes only that exact word).
/// Words are joined with single spaces; `$var` words are kept as they are.
std::string edit_cmdline(std::string_view cmdline, const std::vector<std::string>& add,
                         const std::vector<std::string>& remove);

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
    blscfg, ///< rhboot GRUB blscfg: id split at the last two '-', rpmvercmp, newest first
    grubby, ///< grubby-bls: `sort -Vr` of the ids
};

/// Indices into `keys` in menu order (first = what the loader shows first).
std::vector<std::size_t> bls_order(const std::vector<BlsSortKey>& keys, BlsOrder order);

} // namespace bootsmith::kernel
