// The plans bootsmith applied, read back from their backups (<root>/var/lib/bootsmith/
// backups/<ID>/manifest.json), and the plan that undoes one of them.
#pragma once

#include "bootsmith/json.hpp"
#include "bootsmith/sys/plan.hpp"
#include "bootsmith/sys/system.hpp"

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace bootsmith::history {

/// One change a manifest records.
struct Item {
    std::string kind;   ///< "file" or "efivar"
    std::string action; ///< file: create, modify, remove; efivar: create, set, delete
    std::string path;   ///< file: its system path
    sys::VarId var;     ///< efivar: its name and GUID
    bool existed = false;
    std::string backup;         ///< the old content, relative to the backup directory ("" if none)
    std::string written;        ///< what the plan wrote, relative to it ("" if none or not recorded)
    std::optional<mode_t> mode; ///< the old file's mode
    std::optional<uid_t> uid;   ///< the old file's owner
    std::optional<gid_t> gid;   ///< and group
    std::string label() const;  ///< the path, or the variable name
    std::string sigil() const;  ///< "+" created, "-" removed/deleted, "~" changed
};

/// Something wrong with a backup: severity "error" (cannot be undone) or "warning".
struct Finding {
    std::string severity;
    std::string code;
    std::string message;
};

/// One backup directory.
struct Entry {
    std::string id;  ///< the directory name
    std::string dir; ///< its system path
    std::string created;
    std::string title;
    std::vector<std::string> command;
    std::string state;     ///< "applied", "pending" (never finished) or "corrupt" (no usable manifest)
    std::string undoes;    ///< the id this plan undid ("" when it is not an undo)
    std::string undone_by; ///< the applied undo whose effect is in place ("" when none)
    std::vector<Item> items;
    std::vector<Finding> findings;

    bool has_manifest() const { return state != "corrupt"; }
    /// Parsed and every saved file present: it can be undone.
    bool usable() const;
};

/// Every backup directory, newest first (by ID: the UTC timestamp, then the -N suffix).
/// Never throws for a broken backup: it is an entry with findings.
std::vector<Entry> load(const sys::Root& root);

/// `bootsmith history` as text (one line per entry) and as JSON (bootsmith.history/1).
std::string to_text(const std::vector<Entry>& history);
Json to_json(const std::vector<Entry>& history, const sys::System& sys);

/// The entry `id` names, or with an empty `id` the newest plan that is not an undo and is
/// not undone (skipping backups without a usable manifest, noted in `notes`). Errors:
/// no_input for an unknown id or nothing to undo, data for a corrupt backup, refused for a
/// plan already undone (unless `force`).
const Entry& pick(const std::vector<Entry>& history, const std::string& id, bool force,
                  std::vector<std::string>& notes);

/// The plan that puts back what `e` changed: files to their old content (created ones
/// removed, removed ones recreated with their old mode), EFI variables to their old value
/// in crash-safe order (efi::plan_variables). An object already as it was before is left
/// alone; one that is neither what `e` wrote nor what it found was changed by someone
/// else: Error(refused) naming it, unless `force`.
sys::Plan plan_undo(sys::System& sys, const Entry& e, bool force);

} // namespace bootsmith::history
