// grub.cfg: a parser for the GRUB script language (grub-core/script) that builds the menu
// without executing anything, and GRUB's own resolution of `default`.
#pragma once

#include "bootsmith/sys/root.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bootsmith::grub {

/// A menuentry or submenu, with where it sits in the menu.
struct MenuEntry {
    std::string title;
    std::string id; ///< --id (or $menuentry_id_option), else the title
    bool submenu = false;
    std::vector<std::string> classes;
    std::optional<std::string> users; ///< --users; nullopt when absent
    bool unrestricted = false;
    std::string index_path;                ///< "1>2": indices from 0 at each level
    std::string id_path;                   ///< ids joined by '>' ('>' inside an id doubled), as GRUB's $chosen
    std::size_t line = 0;                  ///< 1-based line of the menuentry/submenu word
    bool conditional = false;              ///< defined inside if/while/for/function: may not appear at boot
    std::optional<std::string> linux;      ///< kernel path of the first linux/linuxefi/linux16 command
    std::optional<std::string> linux_args; ///< its arguments as written, joined by single spaces
    std::vector<std::string> initrd;       ///< paths of the initrd/initrdefi/initrd16 command
    std::vector<MenuEntry> children;       ///< submenu contents
};

/// What a grub.cfg says about the menu.
struct Menu {
    std::vector<MenuEntry> entries; ///< top level, in order
    /// The value of the last top-level `set default=…` (raw words joined, quotes removed;
    /// "${saved_entry}" kept as written). nullopt when there is none.
    std::optional<std::string> default_value;
    bool default_from_saved_entry = false; ///< default is "${saved_entry}" (GRUB_DEFAULT=saved)
    bool uses_next_entry = false;          ///< the 00_header next_entry block is present
    bool blscfg = false;                   ///< entries come from BLS files at boot (`blscfg`)
    std::vector<std::string> diagnostics;  ///< "line N: …" for syntax GRUB would reject
};

/// Parses grub.cfg text. Never executes, never stops at an unknown command; a syntax error
/// is a diagnostic and parsing resumes at the next line.
Menu parse_menu(std::string_view text);

/// The entry a `default` (or saved_entry/next_entry) value selects, resolved as GRUB's
/// menu.c does: a number by strtoul base 0 (so "010" is 8, "2foo" is 2), else a title or
/// id; '>' descends into submenus; ">>" is a literal '>'; out of range or no match →
/// entry 0 (`fell_back` set). nullptr when the menu is empty.
struct Selection {
    const MenuEntry* entry = nullptr;
    std::string index_path;
    bool fell_back = false; ///< nothing matched: GRUB boots the first entry
};
Selection resolve_default(const Menu& menu, std::string_view value);

/// What GRUB boots by default, as Debian's and Fedora's 00_header decide it: next_entry
/// when grub.cfg reads it and it is set (once), else `set default`, where "${saved_entry}"
/// means grubenv's saved_entry; with neither, the first entry.
struct DefaultChoice {
    std::optional<std::string> value; ///< the value GRUB resolves (nullopt: none, entry 0)
    std::string source;               ///< "next_entry", "saved_entry", "set default" or "first entry"
    Selection selection;
};
DefaultChoice effective_default(const Menu& menu, const std::optional<std::string>& saved_entry,
                                const std::optional<std::string>& next_entry);

/// grub.cfg of a root: /boot/grub/grub.cfg or /boot/grub2/grub.cfg, the one that is a file;
/// "" when there is none.
std::string default_grubcfg_path(const sys::Root& root);

/// Finds what a user means by ENTRY for `grub default`/`grub next`: an index ("2"), an index
/// path ("1>2"), a title, an id, or an id/title path ("a>b"). nullptr when nothing matches.
const MenuEntry* find_entry(const Menu& menu, std::string_view entry);

} // namespace bootsmith::grub
