// /etc/default/grub and /etc/default/grub.d/*.cfg: POSIX sh source, read losslessly,
// evaluated where no shell is needed, and edited so that `sh` yields exactly the value asked.
#pragma once

#include "bootsmith/sys/root.hpp"

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bootsmith::grub {

/// One `KEY=VALUE` assignment as written in a file.
struct Assignment {
    std::string key;
    std::size_t line = 0;        ///< 1-based line of the assignment
    std::size_t begin = 0;       ///< byte offset of the whole assignment word ("KEY=…") in the text
    std::size_t value_begin = 0; ///< byte span of the value as written (quotes included)
    std::size_t value_end = 0;
    std::string raw;                  ///< the value as written, e.g. "\"quiet splash\""
    std::optional<std::string> value; ///< what sh makes of it; nullopt when it needs a shell
    std::string dynamic_reason;       ///< why value is nullopt: "command substitution", "inside if", …
    bool exported = false;            ///< `export KEY=…`, or a later `export KEY`
    bool top_level = true;            ///< not inside if/case/while/for/a function/a subshell
};

/// Variables known so far while sourcing files in order (key → value, nullopt = dynamic).
using ShellVars = std::map<std::string, std::optional<std::string>>;

/// One sh file, tokenized with POSIX sh rules; every byte kept.
class DefaultGrubFile {
public:
    /// Parses `text` (the content of `path`, used in messages). Variables assigned in files
    /// sourced earlier come in `before`. Error(data) naming path and line for unbalanced
    /// quotes, `$(`, backticks or braces (sh would fail to source the file).
    static DefaultGrubFile parse(std::string text, std::string path, const ShellVars& before = {});

    const std::string& path() const { return path_; }
    const std::string& text() const { return text_; }
    const std::vector<Assignment>& assignments() const { return assignments_; }
    /// Variables after sourcing this file (`before` plus this file's assignments).
    const ShellVars& vars_after() const { return after_; }
    /// The assignment that decides `key` in this file: the last top-level one, or nullptr.
    const Assignment* deciding(std::string_view key) const;

    /// The file's text with `key` set to `value`: the deciding assignment's value is
    /// rewritten (quote style kept when it can hold the value, else "…" with \ " $ `
    /// escaped); a missing key is appended as KEY="…" (after a newline if the file lacks
    /// one). Sourcing the result with sh yields exactly `value`. Error(refused) when the
    /// deciding assignment cannot be rewritten safely (it is dynamic or not top-level);
    /// Error(usage) for a value sh cannot carry (a NUL byte).
    std::string with_value(std::string_view key, std::string_view value) const;
    /// The file's text without any top-level assignment of `key` (whole lines removed when
    /// they held nothing else). Error(refused) when an assignment of it is not top-level.
    std::string without(std::string_view key) const;

private:
    friend class GrubDefaults;
    /// The file as read from an empty shell, which every edit starts from and is checked
    /// against: worked out once per file, on the first edit (or by parse when `before` is
    /// empty, where it is the same reading).
    struct Plain;
    const Plain& plain() const;

    std::string text_;
    std::string path_;
    std::vector<Assignment> assignments_;
    ShellVars after_;
    mutable std::shared_ptr<const Plain> plain_; ///< shared by copies: text_ never changes
};

/// Where a key's effective value comes from.
struct Setting {
    std::string key;
    std::optional<std::string> value; ///< nullopt: dynamic (needs a shell)
    std::string reason;               ///< why dynamic
    std::string file;                 ///< system path of the file that decides it
    std::size_t line = 0;
    bool exported = false;
    std::vector<std::string> overridden_in; ///< drop-ins that assign it after /etc/default/grub
};

/// /etc/default/grub followed by /etc/default/grub.d/*.cfg in glob (byte) order, as
/// grub-mkconfig sources them.
class GrubDefaults {
public:
    static constexpr const char* kPath = "/etc/default/grub";
    static constexpr const char* kDropInDir = "/etc/default/grub.d";

    /// Reads the files through the seam; a missing /etc/default/grub is an empty file.
    static GrubDefaults load(const sys::Root& root);

    const std::vector<DefaultGrubFile>& files() const { return files_; } ///< main file first
    const DefaultGrubFile& main() const { return files_.front(); }
    /// The system path of files()[i] (DefaultGrubFile::path() is the display path).
    std::string system_path(std::size_t i) const;
    /// Every key assigned anywhere, with its effective value, in first-assignment order.
    std::vector<Setting> settings() const;
    std::optional<Setting> get(std::string_view key) const;

private:
    std::vector<DefaultGrubFile> files_;
};

/// Kernel command-line editing on a value such as GRUB_CMDLINE_LINUX. Arguments are split
/// on blanks outside double quotes, as the kernel splits them; `add key=value` replaces an
/// existing `key=…` (and `key`) in place, else appends; `remove key` drops `key` and every
/// `key=…`, `remove key=value` only that exact argument. The rest keeps its spacing.
std::string cmdline_add(std::string_view current, const std::vector<std::string>& args);
std::string cmdline_remove(std::string_view current, const std::vector<std::string>& args);
/// The arguments of a command line (quotes kept, as the kernel sees them).
std::vector<std::string> cmdline_split(std::string_view line);

} // namespace bootsmith::grub
