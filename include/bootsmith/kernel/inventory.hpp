// The kernels of a root and the menu entries that boot them, the same way on BLS systems
// (Fedora/RHEL: boot/loader/entries) and grub.cfg systems (Debian's generated file, or a
// hand-kept one): which is the default, which one is booted now, which boots next.
#pragma once

#include "bootsmith/grub/grubenv.hpp"
#include "bootsmith/grub/menu.hpp"
#include "bootsmith/kernel/bls.hpp"
#include "bootsmith/sys/root.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace bootsmith::kernel {

/// How a root's boot menu is made.
enum class Family {
    bls,            ///< BLS entries in boot/loader/entries (GRUB blscfg or systemd-boot)
    grub_generated, ///< grub.cfg rewritten by grub-mkconfig at every kernel install (Debian, Ubuntu)
    grub_manual,    ///< grub.cfg edited in place: by hand, or by grubby (RHEL/CentOS 7)
    none,           ///< neither: nothing to manage
};
const char* family_name(Family f); ///< "bls", "grub-mkconfig", "grub.cfg", "none"

/// An installed kernel image in /boot and the files that belong to it.
struct Kernel {
    std::string version;                ///< "6.1.0-13-amd64" (from vmlinuz-<version>)
    std::string path;                   ///< system path: "/boot/vmlinuz-6.1.0-13-amd64"
    std::optional<std::string> initrd;  ///< system path of the matching initrd (distribution names)
    std::optional<std::string> config;  ///< /boot/config-<version>
    std::optional<std::string> modules; ///< /lib/modules/<version> (or /usr/lib/modules)
    bool rescue = false;                ///< "0-rescue-<machine-id>"
};

/// A menu entry that boots a Linux kernel: one BLS file, or one grub.cfg menuentry.
struct Entry {
    std::string id; ///< BLS id (file name without .conf), or the GRUB id path ("a>b")
    std::string title;
    std::string index;                  ///< position in the loader's menu: "0", "1>2"
    std::optional<std::string> version; ///< BLS `version`, else from the kernel file name
    std::string linux;                  ///< the kernel path as written in the entry
    std::optional<std::string> kernel;  ///< system path of that kernel inside the root (nullopt: unknown)
    bool kernel_exists = false;
    std::vector<std::string> initrds;   ///< as written
    bool initrd_exists = false;         ///< every initrd is there (false when there is none)
    std::string options;                ///< the command line as written ($kernelopts kept)
    std::string args;                   ///< the command line GRUB passes ($kernelopts, $tuned_params expanded)
    std::string file;                   ///< BLS: system path of the .conf; grub.cfg: the grub.cfg
    std::size_t line = 0;               ///< grub.cfg: 1-based line of the menuentry
    bool recovery = false;              ///< recovery/rescue entry (single-user, or a rescue kernel)
    std::optional<BootCounter> counter; ///< BLS boot counting
    /// BLS: every key line as written, in file order (spec keys, GRUB's extensions, unknown ones).
    std::vector<std::pair<std::string, std::string>> keys;
};

/// Everything `kernel list` shows.
struct Inventory {
    Family family = Family::none;
    std::string order;        ///< which order the menu is in, in words
    std::string kernel_order; ///< which version order `newest`/`previous` use
    std::string boot_prefix;  ///< "/boot" when /boot is its own file system (menu paths are relative to it)
    std::string bls_dir;      ///< system path of the BLS directory ("" when not BLS)
    std::string grubcfg;      ///< system path ("" when none)
    std::string grubenv;      ///< system path ("" when none)
    std::optional<grub::EnvBlock> env;
    std::optional<grub::Menu> menu;     ///< the parsed grub.cfg (grub.cfg families)
    std::vector<Kernel> kernels;        ///< newest first
    std::vector<std::string> microcode; ///< early microcode images in /boot (intel-ucode.img, amd-ucode.img, …)
    std::vector<Entry> entries;         ///< menu order
    std::optional<std::size_t> default_entry, next_entry, booted_entry;
    std::string default_source; ///< "saved_entry", "next_entry", "set default", "first entry", …
    std::optional<std::string> saved_entry, next_value; ///< raw grubenv values
    std::string cmdline;                                ///< proc/cmdline ("" when absent)
    std::optional<std::string> booted_kernel;           ///< system path from BOOT_IMAGE=
    std::vector<std::string> problems;
};

struct InventoryOptions {
    /// Check each BLS entry's lines (BlsEntry::diagnostics) into `problems`; commands that
    /// do not show problems skip it (a tenth of reading 500 entries).
    bool entry_diagnostics = true;
    /// Keep each BLS entry's key lines in Entry::keys (JSON shows them); commands that print no
    /// JSON skip them (a quarter of the memory 500 entries take).
    bool entry_keys = true;
};

/// Reads the root's kernels and menu. Never throws for a part that cannot be read: it lands
/// in `problems` (a corrupt grubenv, an unreadable entry); throws only when nothing can be read.
Inventory read_inventory(const sys::Root& root, const InventoryOptions& options = {});

/// What a user may mean by SEL: "booted", "newest", "previous", an index ("0", "1>2"), a
/// version, a kernel path, a title, a BLS id (with or without .conf) or a GRUB id/id path.
/// Returns every matching entry in menu order (`newest`/`previous` name a kernel: all of
/// its entries). Error(usage) with a hint when nothing matches.
std::vector<std::size_t> select(const Inventory& inv, const std::string& sel);

/// The one entry SEL should make the default: of several matches the normal (not recovery)
/// entry whose id names the version, then the first. Error(refused) when ambiguous kernels.
std::size_t select_one(const Inventory& inv, const std::string& sel);

/// The value that selects entry `i` in saved_entry/next_entry: the BLS id, or on grub.cfg
/// systems the GRUB id path — unless ids are shared (grubby copies them), then the title
/// path, then the index path: the first that GRUB resolves to this very entry.
std::string saved_value(const Inventory& inv, std::size_t i);

/// The initrd a distribution pairs with a kernel version: initrd.img-V (Debian),
/// initramfs-V.img (Fedora/RHEL), initrd-V.img, initrd-V, initramfs-V — the first that exists.
std::optional<std::string> find_initrd(const sys::Root& root, const std::string& version);

// --- Exact edits of a grub.cfg: only the lines concerned change ---------------------------

/// grub.cfg with every `set default=<literal>` outside menu entries replaced by
/// `set default="${saved_entry}"` (what grub-mkconfig writes for GRUB_DEFAULT=saved).
std::string grubcfg_read_saved_entry(const std::string& cfg);

/// grub.cfg with the arguments of the linux line of the menu entry starting at `line`
/// (1-based) replaced by edit(old arguments as written); the kernel path and the blanks
/// before the arguments are kept. Error(data) naming `display` when the entry has no linux line.
std::string grubcfg_edit_args(const std::string& cfg, std::size_t line,
                              const std::function<std::string(const std::string&)>& edit, const std::string& display);

/// grub.cfg without the menu entries starting at `lines` (1-based): from the menuentry line
/// to its closing brace. Error(data) when an entry's end cannot be found.
std::string grubcfg_remove_entries(const std::string& cfg, const std::vector<std::size_t>& lines,
                                   const std::string& display);

/// A new menu entry for grub.cfg. `setup` are body lines copied before `linux` (insmod,
/// search, set root …); `id_option` is "$menuentry_id_option" when the file defines it,
/// else "--id".
struct NewMenuEntry {
    std::string title;
    std::string id;
    std::string id_option = "--id";
    std::vector<std::string> setup;
    std::string linux_cmd = "linux";
    std::string kernel;
    std::string args;
    std::string initrd_cmd = "initrd";
    std::vector<std::string> initrds;
};
/// The text of the entry, in Debian's layout (tab-indented body).
std::string grubcfg_entry_text(const NewMenuEntry& e);
/// grub.cfg with `entry_text` inserted before its first top-level menuentry or submenu (so
/// it becomes entry 0), or appended when there is none.
std::string grubcfg_insert_first(const std::string& cfg, const std::string& entry_text);

/// The body lines of the menu entry at `line` (without the menuentry line and the brace).
std::vector<std::string> grubcfg_entry_body(const std::string& cfg, std::size_t line, const std::string& display);

/// GRUB script single quoting: 'it'\''s'.
std::string grub_quote(std::string_view s);

/// A value of os-release (etc/os-release, else usr/lib/os-release): KEY=value, "value" or
/// 'value'; "" when absent.
std::string os_release_value(const sys::Root& root, std::string_view key);

} // namespace bootsmith::kernel
