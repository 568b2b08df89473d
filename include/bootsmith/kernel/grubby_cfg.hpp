// grub.cfg as C grubby 8.40 sees and edits it (../shared/notes/kernels-bls.md §4): a
// line-oriented model, not a GRUB-script parser. Every line is split into words ("elements")
// with the blanks after each word kept, so unchanged lines are written back byte for byte and
// changed ones come out exactly as grubby writes them. Pure: text in, text out; the caller
// does the I/O (grubenv, the mounts table, whether a kernel file exists) and passes it in
// through GrubbyHost.
//
// The model, as grubby's:
//  * Lines before the first `menuentry` are the header. From the first `menuentry` on, every
//    line belongs to an entry: a `menuentry` line starts one, a `}` line ends it, and any
//    other line after a `}` starts a pseudo-entry (a `submenu` line, the `}` closing a
//    submenu, the trailer after the last entry). Pseudo-entries count in the flat index
//    ("index" below), so the first entry inside a submenu has the index after the submenu's.
//  * The default is the last `set default=…` (or `default …`) line. `set default="N"` is an
//    index; `set default="${saved_entry}"` means grubenv's saved_entry, a title (or index);
//    `${next_entry}`/`${prev_saved_entry}` lines are not default directives.
//  * Every default directive of the header is rewritten on write: `set default="N"`, or
//    `set default="${saved_entry}"` plus saved_entry=<title> for grubenv, or dropped when
//    the default points nowhere. One difference: a directive grubby cannot read (an id, a
//    title, "1>2") is kept as written until a new default is chosen; grubby drops it.
//  * Selectors (grubby's kernel-path arguments): an index or a comma list of indexes,
//    `DEFAULT`, `ALL`, `TITLE=<exact title>`, or a kernel path compared after cutting the
//    boot prefix's length off its front and the root specifier "(hd0,1)" and btrfs
//    subvolume prefix (from the mounts table) off the entry's path.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bootsmith::kernel {

/// grubby's line types for grub2 configurations: bit flags, so a lookup can ask for several.
namespace grubby_line {
inline constexpr std::uint32_t whitespace = 1u << 0; ///< blank line or comment (text kept in the indent)
inline constexpr std::uint32_t kernel = 1u << 2;     ///< linux
inline constexpr std::uint32_t initrd = 1u << 3;     ///< initrd
inline constexpr std::uint32_t hyper = 1u << 4;      ///< kernel, or a linux line of a multiboot entry
inline constexpr std::uint32_t default_ = 1u << 5;   ///< default
inline constexpr std::uint32_t mbmodule = 1u << 6;   ///< module
inline constexpr std::uint32_t fallback = 1u << 8;   ///< fallback
inline constexpr std::uint32_t bootroot = 1u << 11;  ///< root
inline constexpr std::uint32_t echo = 1u << 16;
inline constexpr std::uint32_t menuentry = 1u << 17;
inline constexpr std::uint32_t entry_end = 1u << 18; ///< }
inline constexpr std::uint32_t set_variable = 1u << 19;
inline constexpr std::uint32_t kernel_efi = 1u << 20; ///< linuxefi
inline constexpr std::uint32_t initrd_efi = 1u << 21; ///< initrdefi
inline constexpr std::uint32_t kernel_16 = 1u << 22;  ///< linux16
inline constexpr std::uint32_t initrd_16 = 1u << 23;  ///< initrd16
inline constexpr std::uint32_t devtree = 1u << 24;    ///< devicetree
inline constexpr std::uint32_t unknown = 1u << 25;
inline constexpr std::uint32_t any_kernel = kernel | kernel_efi | kernel_16;
inline constexpr std::uint32_t any_initrd = initrd | initrd_efi | initrd_16;
} // namespace grubby_line

/// What grubby asks of the system while it works. All optional; the defaults describe a
/// system without grubenv, without btrfs subvolumes and where every kernel file exists.
struct GrubbyHost {
    /// grubenv's saved_entry (used when the default is "${saved_entry}").
    std::optional<std::string> saved_entry;
    /// Text of the mounts table (/proc/mounts format): btrfs `subvol=` options give the
    /// subvolume prefix grubby strips from and adds to paths.
    std::string mounts;
    /// Whether a system path (boot prefix + kernel path) is a readable file: the template and
    /// --default-kernel checks without --bad-image-okay. Unset: every file exists.
    std::function<bool(const std::string&)> readable;
    /// --efi: new and copied linux/initrd lines become linuxefi/initrdefi.
    bool efi = false;
    /// --debug: why an entry is not usable is traced ("DBG: …", see take_diagnostics()).
    bool debug = false;
    /// The command line shown in the first debug trace line.
    std::string command_line;
};

/// One entry as other code sees it.
struct GrubbyEntryInfo {
    int index = 0;                    ///< grubby's flat index (pseudo-entries and submenu children counted)
    bool menuentry = false;           ///< false for pseudo-entries (submenu lines, closing braces, trailer)
    bool in_submenu = false;          ///< a menuentry inside a submenu
    std::string title;                ///< the menuentry title, quotes removed
    std::string command;              ///< "linux", "linuxefi", "linux16"; "" when the entry boots no kernel
    std::string kernel;               ///< kernel path as written (root specifier included)
    std::string args;                 ///< the kernel arguments as written after the path
    std::vector<std::string> initrds; ///< paths of the first initrd line
};

/// grub.cfg in C grubby's model. Operations are named after grubby's steps and behave like
/// them, quirks included (see each); the grubby front end runs them in grubby's order.
class GrubbyCfg {
public:
    struct Element {
        std::string item;
        std::string indent; ///< the blanks (and '=' after a first word) that follow the item
    };
    struct Line {
        std::string indent; ///< leading blanks; for whitespace lines, the whole line
        std::vector<Element> elements;
        std::uint32_t type = grubby_line::whitespace;
    };
    struct Entry {
        std::vector<Line> lines;
        bool skip = false; ///< marked for removal
        bool multiboot = false;
        bool in_submenu = false;
    };

    static constexpr int no_default = -1;
    static constexpr int saved_default = -3; ///< "${saved_entry}" that names no entry (yet)

    /// Reads grub.cfg text (a missing final newline is added, as grubby does). Never fails:
    /// check the text first with grubby_cfg_problem() when it may be malformed.
    static GrubbyCfg parse(std::string_view text, GrubbyHost host = {});

    // --- Queries ------------------------------------------------------------------------

    const std::vector<Entry>& raw_entries() const { return entries_; }
    /// Every entry (pseudo-entries included, marked), in index order, skipped ones left out.
    std::vector<GrubbyEntryInfo> entries() const;
    /// The default entry's index as grubby holds it: ≥ 0, no_default or saved_default.
    int default_index() const { return default_image_; }
    /// The default directive is "${saved_entry}" (the default is stored in grubenv).
    bool default_is_saved() const { return default_is_saved_; }
    /// Entries not marked for removal.
    int live_count() const;

    /// grubby's findEntryByPath: the first entry matching `selector` at or after *from (and
    /// sets *from to its index). nullptr when none.
    const Entry* find(std::string_view selector, std::string_view prefix, int* from = nullptr) const;

    /// `--info=SELECTOR` output ("index=N", "kernel=…", …); nullopt when nothing matches.
    std::optional<std::string> info(std::string_view selector, std::string_view prefix) const;
    /// `--default-kernel`, `--default-title`, `--default-index` output ("" prints nothing).
    std::string default_kernel_text(std::string_view prefix, bool bad_image_okay);
    std::string default_title_text() const;
    std::string default_index_text() const;

    /// DBG traces and error lines produced by the operations, in order, for stderr; cleared.
    std::string take_diagnostics();

    // --- grubby's edit steps (in the order grubby runs them) ----------------------------

    /// findTemplate: the default entry if usable, else the first usable one (a kernel line
    /// whose file exists, or any kernel line with bad_image_okay). With a saved default it
    /// also sets the default index. nullopt (and "grubby fatal error: unable to find a
    /// suitable template" in the diagnostics) when none.
    std::optional<int> find_template(std::string_view prefix, bool skip_removed, bool bad_image_okay);
    /// markRemovedImage: marks the entries `selector` matches (an index or a list: only the
    /// first index; otherwise every match).
    void remove(std::string_view selector, std::string_view prefix);
    /// setDefaultImage: the default after this run's changes. `adding` with `new_index`
    /// (where the new entry goes), `make_default`, `default_kernel` (--set-default),
    /// `default_index` (--set-default-index, -1 when not given).
    void set_default(bool adding, const std::optional<std::string>& default_kernel, bool make_default,
                     std::string_view prefix, bool bad_image_okay, int default_index, int new_index);
    /// setFallbackImage: keeps a `fallback N` line pointing at the same entry.
    void set_fallback(bool adding);
    /// updateImage: adds (or replaces by name: `key=`) and removes kernel arguments of every
    /// entry `selector` matches. Arguments are split like popt (quotes, backslashes). false
    /// (with "grubby: error separating arguments '…'") when a list cannot be split or is empty.
    bool update_args(std::string_view selector, std::string_view prefix, const std::optional<std::string>& add,
                     const std::optional<std::string>& remove);
    /// updateInitrd: replaces the initrd line of the first matching entry (whose title is
    /// `title`, when given) with `initrd`, boot prefix cut off, keyword matching its kernel line.
    void update_initrd(std::string_view selector, std::string_view prefix, std::string_view initrd,
                       const std::optional<std::string>& title);

    /// What a new entry is made of (grubby's --add-kernel and friends).
    struct NewKernel {
        std::string kernel; ///< path as given (the boot prefix's length is cut off)
        std::string title;
        std::optional<std::string> args;   ///< added to the template's (or alone)
        std::optional<std::string> initrd; ///< none: no initrd line (even if the template has one)
        std::vector<std::string> extra_initrds;
        std::optional<std::string> devtree;
        int index = 0;                     ///< position; past the end (or negative) appends
        std::optional<int> template_index; ///< copy this entry's lines (--copy-default)
    };
    /// addNewKernel: the entry built from the template entry (its lines with the kernel,
    /// initrd, title, "Loading …" echo and devicetree replaced), or without a template from
    /// scratch: `menuentry 'T' --class gnu-linux --class gnu --class os {`, the kernel line
    /// (linux16 on x86 as grubby, linuxefi with efi), initrd, `}`. false when the arguments
    /// cannot be split (see update_args).
    bool add_kernel(const NewKernel& k, std::string_view prefix);

    // --- Direct edits for bootsmith's own commands (no template, explicit keywords) -------

    /// Adds an entry without any template at `position` (appended when past the end):
    /// `menuentry 'TITLE' --class gnu-linux --class gnu --class os {`, `\t<command> KERNEL
    /// ARGS`, `\t<initrd command> INITRDS` (when any), `}`; the default keeps pointing at the
    /// same entry. `command` is "linux", "linuxefi" or "linux16" (the initrd keyword follows).
    void add_entry(const std::string& title, const std::string& kernel, const std::vector<std::string>& initrds,
                   const std::string& args, int position, std::string_view command = "linux");
    /// Makes entry `index` the default (`set default="N"`, or saved_entry=<its title> when the
    /// default is "${saved_entry}"). Past the end: no default (grubby drops the directive).
    void set_default_index(int index);

    // --- Output -------------------------------------------------------------------------

    struct Written {
        std::string text;
        /// saved_entry to store in grubenv (the default's title), when the default is saved.
        std::optional<std::string> saved_entry;
    };
    /// grubby's writeConfig: the header with its default directives rewritten, then every
    /// entry not marked for removal.
    Written write() const;

private:
    std::vector<Line> lines_; ///< header
    std::vector<Entry> entries_;
    std::string primary_indent_;
    std::string secondary_indent_ = "\t";
    int default_image_ = 0;
    int fallback_image_ = 0;
    bool has_default_line_ = false;
    bool default_is_saved_ = false;
    bool keep_default_line_ = false;
    GrubbyHost host_;
    std::string diag_;
    bool debug_once_ = false;

    void for_each_match(std::string_view selector, std::string_view prefix, const std::function<bool(int)>& fn) const;
    const Entry* by_index(int index) const;
    Entry* by_index(int index);
    std::optional<int> by_title(std::string_view title, int from) const;
    std::size_t root_specifier(std::string_view path) const;
    std::optional<std::pair<int, int>> search_template(std::string_view prefix, bool skip_removed, bool bad_image_okay);
    bool suitable(const Entry& e, std::string_view prefix, bool skip_removed, bool bad_image_okay);
    void not_suitable(const Entry& e, const std::string& why);
    std::size_t add_line(Entry& e, std::uint32_t type, const std::string& default_indent,
                         const std::optional<std::string>& value);
    std::size_t add_line_from(Entry& e, const Line& tmpl, std::optional<std::size_t> after,
                              const std::optional<std::string>& value);
    std::string display_entry(const Entry& e, std::string_view prefix, int index) const;
    void write_default(std::string& out, const std::string& indent, const std::string& separator,
                       std::optional<std::string>& saved) const;
};

/// Why grub.cfg text cannot be edited safely, or nullopt: NUL bytes, or GRUB script syntax
/// errors (unbalanced braces or quotes, …) as GRUB's own parser reports them ("line N: …").
std::optional<std::string> grubby_cfg_problem(std::string_view text);

/// popt's poptParseArgvString: words split at blanks, '…' and "…" quoting, backslash
/// escapes. nullopt for an empty list or a trailing backslash (popt's errors).
std::optional<std::vector<std::string>> grubby_split_args(std::string_view s);

} // namespace bootsmith::kernel
