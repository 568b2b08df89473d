// The UEFI boot manager's variables as one model (BootCurrent, BootNext, Timeout,
// BootOrder, Boot####), and every edit of them as a Plan in crash-safe order.
#pragma once

#include "bootsmith/efi/load_option.hpp"
#include "bootsmith/error.hpp"
#include "bootsmith/json.hpp"
#include "bootsmith/sys/plan.hpp"
#include "bootsmith/sys/varstore.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bootsmith::efi {

/// "1", "0001", "000d", "Boot000D" → 0x000D; nullopt for anything else.
std::optional<std::uint16_t> parse_number(std::string_view text);
/// 0x000D → "000D".
std::string number_text(std::uint16_t n);
/// "0000,0001,0002".
std::string order_text(const std::vector<std::uint16_t>& order);

/// One Boot#### variable (or a look-alike firmware wrote: "Boot000d", "Boot000d_BbsIndex").
struct BootEntry {
    std::string name;                    ///< variable name as found
    std::optional<std::uint16_t> number; ///< set only for spec names: Boot + 4 uppercase hex digits
    sys::Variable var;
    std::optional<LoadOption> option; ///< parsed, unless corrupt
    std::string corrupt;              ///< why it does not parse ("" when fine)

    bool compliant() const { return number.has_value(); }
    /// The number efibootmgr shows it under (the 4 hex digits after "Boot", any case).
    std::uint16_t loose_number() const;
};

/// What the firmware's boot variables say.
struct BootState {
    std::optional<sys::Variable> current_var, next_var, timeout_var, order_var;
    std::optional<std::uint16_t> current, next, timeout;
    std::optional<std::vector<std::uint16_t>> order; ///< nullopt: absent or unreadable
    std::vector<BootEntry> entries;                  ///< sorted by variable name (C locale)
    std::vector<std::string> problems;               ///< unreadable variables, stray files
    /// BootOrder, BootNext, BootCurrent or Timeout present but unreadable (a symlink loop,
    /// permission denied, a directory): a change planned as if it were absent could leave
    /// it naming a deleted entry, so changes refuse (require_readable).
    std::vector<Error> unreadable;
    std::size_t variables = 0; ///< all variables of the store, any GUID

    const BootEntry* find(std::uint16_t number) const;
    const BootEntry* find_name(std::string_view name) const;
    /// True when any variable spells Boot<n> in any case (so a new entry never collides).
    bool number_taken(std::uint16_t n) const;
    bool in_order(std::uint16_t n) const;
    /// BootOrder's entries first (in its order), then the others by name.
    std::vector<const BootEntry*> listing() const;
    /// Resolves a user's entry argument: a number ("0001", "1", "Boot0001") or an exact
    /// variable name ("Boot000d_BbsIndex"). Error(no_input) when there is none.
    const BootEntry& resolve(std::string_view arg) const;
    /// For a change: the first of `unreadable` as an Error ("…; nothing written"), if any.
    void require_readable() const;
};

/// Reads every boot variable; one unreadable or corrupt variable never stops the rest.
BootState load_boot_state(const sys::VarStore& store);

/// Human reading of a boot variable, for plans: "0000,0001", "5 seconds", "* debian …".
std::string summarize(const sys::Variable& v);

/// `bootsmith boot list --json` (schema "bootsmith.boot-list/1").
Json list_json(const BootState& s, const sys::VarStore& store);
/// One entry as JSON (shared by list and show).
Json entry_json(const BootState& s, const BootEntry& e);

// --- Edits. Each validates its arguments (Error with a one-line reason) and returns the
// --- plan; none of them writes.

struct CreateSpec {
    HardDrive hd;
    std::string loader; ///< backslashes; see normalise_loader()
    std::string label;
    Bytes optional_data;
    std::string position = "first"; ///< "first", "last", or a 0-based index
    bool inactive = false;
    bool allow_duplicate = false;
    bool add_to_order = true;
    std::optional<std::uint16_t> number; ///< a given number (efibootmgr -b X -c); else the first free
};

/// The HD() node for partition `part` of a disk or disk image inside the root, from its
/// partition table (read with libblkid); start and size in the disk's logical blocks.
HardDrive hard_drive_for(const sys::Root& root, const std::string& device, std::uint32_t part);

/// "/EFI/debian/shimx64.efi" → "\EFI\debian\shimx64.efi" (noted in `notes`); refuses
/// empty paths, '..' components and characters outside UCS-2.
std::string normalise_loader(const std::string& path, std::vector<std::string>& notes);

/// Lowest number no variable uses in any spelling.
std::uint16_t first_free_number(const BootState& s);

/// New Boot#### first, then BootOrder naming it.
sys::Plan plan_create(const BootState& s, const CreateSpec& spec, std::uint16_t& number);
/// BootNext (if it names one), then BootOrder without them, then the variables.
/// `loose_numbers`: a look-alike name (Boot000a) also takes its number out of BootOrder and
/// BootNext, as efibootmgr does.
sys::Plan plan_delete(const BootState& s, const std::vector<const BootEntry*>& entries, bool force,
                      bool loose_numbers = false);
sys::Plan plan_set_active(const BootState& s, const std::vector<const BootEntry*>& entries, bool active);
sys::Plan plan_rename(const BootState& s, const BootEntry& e, const std::string& label);
sys::Plan plan_set_data(const BootState& s, const BootEntry& e, const Bytes& data);
/// Sets BootOrder; refuses duplicates and numbers without a Boot#### variable.
sys::Plan plan_order(const BootState& s, const std::vector<std::uint16_t>& order);
sys::Plan plan_order_first(const BootState& s, std::uint16_t number);
sys::Plan plan_remove_stale(const BootState& s);
sys::Plan plan_next(const BootState& s, std::optional<std::uint16_t> number);
sys::Plan plan_timeout(const BootState& s, std::optional<std::uint16_t> seconds);
/// Removes entries whose device path and optional data repeat an earlier entry's
/// (BootOrder's order first). BootCurrent is always the one kept.
sys::Plan plan_dedupe(const BootState& s);

/// One variable as it is and as it should be (nullopt: absent).
struct VarTarget {
    sys::VarId id;
    std::optional<sys::Variable> current;
    std::optional<sys::Variable> wanted;
    std::string reason;
};
/// Adds the changes that make every variable what `wanted` says, in an order that never
/// leaves BootOrder or BootNext naming a missing Boot####: Boot#### entries set or created
/// first, then every other variable (BootOrder, BootNext, Timeout, …) in the given order,
/// then the deletions of Boot#### entries. Targets already as wanted add nothing. Shared by
/// `boot restore` and `bootsmith undo`.
void plan_variables(sys::Plan& p, const std::vector<VarTarget>& targets);

/// The boot variables as a JSON document (schema "bootsmith.efi-backup/1").
Json make_backup(const BootState& s);
/// Makes the store match a backup: entries, then BootOrder, BootNext, Timeout, then the
/// removal of entries the backup does not have. Error(data) for a malformed backup.
sys::Plan plan_restore(const BootState& s, const Json& backup, const std::string& source);

// --- Variable builders shared with the efibootmgr front end.

sys::Variable u16_variable(const std::string& name, std::uint16_t value, const std::optional<sys::Variable>& old);
sys::Variable order_variable(const std::vector<std::uint16_t>& order, const std::optional<sys::Variable>& old);
/// Adds the BootOrder change to `p`: an empty order deletes BootOrder (an empty efivarfs
/// write is a delete anyway), otherwise one write of the whole list.
void set_boot_order(sys::Plan& p, const BootState& s, const std::vector<std::uint16_t>& order,
                    const std::string& reason);
/// The u16 values in a variable's bytes (an odd last byte is ignored, as firmware does).
std::vector<std::uint16_t> u16_list(const std::vector<std::uint8_t>& data);
/// The entry's variable with the ACTIVE bit set or cleared (bytes otherwise untouched).
sys::Variable with_active(const BootEntry& e, bool active);

} // namespace bootsmith::efi
