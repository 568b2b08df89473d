// A Plan is every change a command will make, computed before anything is touched.
// --dry-run renders it; otherwise apply() carries it out under the lock, after a backup.
#pragma once

#include "bootsmith/sys/varstore.hpp"

#include <sys/types.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace bootsmith::sys {

class System;

/// The mode and owner a file is given whether or not it exists (undo puts back the old ones).
struct FileAttrs {
    mode_t mode = 0644;
    uid_t uid = 0;
    gid_t gid = 0;
};

/// Replace, create or remove one file. `before` is what the plan was computed from
/// (nullopt: the file did not exist); `after` nullopt means remove.
struct FileChange {
    std::string path; ///< system path inside the root, e.g. "/boot/grub/grubenv"
    std::optional<std::string> before;
    std::optional<std::string> after;
    mode_t new_mode = 0644; ///< mode for a file that does not exist yet
    bool text = true;       ///< render as a unified diff (else as a binary summary)
    std::string reason;     ///< one line: why this change
    /// Set: the written file gets this mode and owner, instead of keeping the existing file's
    /// (or `new_mode` and the caller's owner for a new one).
    std::optional<FileAttrs> attrs;
};

/// Set or delete one EFI variable. The summaries are the producer's human reading of the
/// data ("0001,0000" for a BootOrder), shown next to the raw bytes.
struct VarChange {
    VarId id;
    std::optional<Variable> before;
    std::optional<Variable> after; ///< nullopt: delete
    std::string before_summary;
    std::string after_summary;
    std::string reason;
};

using Change = std::variant<FileChange, VarChange>;

/// Ordered changes: apply() performs them in this order, so producers put them in a
/// crash-safe order (e.g. Boot#### before the BootOrder that names it).
struct Plan {
    std::string title; ///< the command, e.g. "grub env set saved_entry=1"
    std::vector<Change> changes;
    std::vector<std::string> notes; ///< warnings and remarks shown with the plan
    std::string undoes;             ///< the backup id this plan reverts (`bootsmith undo`), else ""

    bool empty() const { return changes.empty(); }

    /// Adds a file write, dropping it when the content would not change.
    void write_file(std::string path, std::optional<std::string> before, std::string after, std::string reason = {},
                    bool text = true, mode_t new_mode = 0644, std::optional<FileAttrs> attrs = std::nullopt);
    /// Adds a file removal (no-op when the file is already absent).
    void remove_file(std::string path, std::optional<std::string> before, std::string reason = {}, bool text = true);
    /// Adds an EFI variable write, dropping it when nothing would change.
    void set_var(std::optional<Variable> before, Variable after, std::string before_summary = {},
                 std::string after_summary = {}, std::string reason = {});
    /// Adds an EFI variable deletion (no-op when it is already absent).
    void delete_var(Variable before, std::string before_summary = {}, std::string reason = {});
};

/// How a plan is shown.
struct RenderOptions {
    bool color = false;
};

/// Human-readable plan: a unified diff per text file, a summary per binary file,
/// before/after (summary + hex) per EFI variable.
std::string render_text(const Plan& plan, const System& sys, const RenderOptions& opts = {});

/// The plan as JSON (schema "bootsmith.plan/1", see README "JSON conventions").
nlohmann::ordered_json render_json(const Plan& plan, const System& sys);

/// What apply() did.
struct ApplyResult {
    std::string backup_id;  ///< directory name under /var/lib/bootsmith/backups
    std::string backup_dir; ///< system path of that directory
    std::size_t applied = 0;
};

/// Where apply() keeps its backups (a system path inside the root).
inline constexpr const char* kBackupsDir = "/var/lib/bootsmith/backups";

/// Carries out a plan. The caller holds the Lock (see lock.hpp) and computed the plan
/// under it. Before any change every affected file and variable is saved under
/// /var/lib/bootsmith/backups/<UTC timestamp>/ (manifest.json + the old bytes, and the new
/// bytes under written/ so that `bootsmith undo` can tell a later change); then the
/// changes are made in order, each atomically, and each is read back and compared.
/// A change whose "before" no longer matches the system aborts with Exit::temp_fail
/// before anything is written.
ApplyResult apply(System& sys, const Plan& plan, const std::vector<std::string>& argv = {});

} // namespace bootsmith::sys
