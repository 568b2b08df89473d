// grub.cfg in C grubby 8.40's line model (see the header). Behaviour follows grubby's,
// including its quirks, except where grubby's C code reads outside a string or crashes:
// those cases are noted where they are handled.
#include "bootsmith/kernel/grubby_cfg.hpp"

#include "bootsmith/grub/menu.hpp"

#include <algorithm>
#include <climits>
#include <cstddef>
#include <utility>

namespace bootsmith::kernel {

namespace lt = grubby_line;

namespace {

using Element = GrubbyCfg::Element;
using Line = GrubbyCfg::Line;
using Entry = GrubbyCfg::Entry;

/// isspace() in the C locale.
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
bool is_quote(char c) {
    return c == '\'' || c == '"';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool starts_with_quote(std::string_view s) {
    return !s.empty() && is_quote(s.front());
}

/// grubby's grub2 keyword table: word, type, the blank after the keyword, the separator
/// between values.
struct Keyword {
    std::string_view key;
    std::uint32_t type;
    char separator; ///< '\0': a blank
};
constexpr Keyword kKeywords[] = {
    {"menuentry", lt::menuentry, '\0'}, {"}", lt::entry_end, '\0'},     {"echo", lt::echo, '\0'},
    {"set", lt::set_variable, '='},     {"root", lt::bootroot, '\0'},   {"default", lt::default_, '\0'},
    {"fallback", lt::fallback, '\0'},   {"linux", lt::kernel, '\0'},    {"linuxefi", lt::kernel_efi, '\0'},
    {"linux16", lt::kernel_16, '\0'},   {"initrd", lt::initrd, ' '},    {"initrdefi", lt::initrd_efi, ' '},
    {"initrd16", lt::initrd_16, ' '},   {"module", lt::mbmodule, '\0'}, {"kernel", lt::hyper, '\0'},
    {"devicetree", lt::devtree, '\0'},
};

std::uint32_t type_of(std::string_view word) {
    for (const auto& k : kKeywords)
        if (k.key == word) return k.type;
    return lt::unknown;
}
const Keyword* keyword_of(std::uint32_t type) {
    for (const auto& k : kKeywords)
        if (k.type == type) return &k;
    return nullptr;
}
std::string key_of(std::uint32_t type) {
    const Keyword* k = keyword_of(type);
    return k ? std::string(k->key) : std::string("unknown");
}

bool is_kernel(std::uint32_t t) {
    return t == lt::kernel || t == lt::kernel_efi || t == lt::kernel_16;
}
bool is_initrd(std::uint32_t t) {
    return t == lt::initrd || t == lt::initrd_efi || t == lt::initrd_16;
}

/// The line type grubby prefers for a new kernel/initrd line: linuxefi/initrdefi with --efi
/// (plain linux/initrd on aarch64, which is EFI only), linux16/initrd16 on x86 otherwise.
std::uint32_t preferred(std::uint32_t type, bool efi) {
#if defined(__aarch64__)
    constexpr bool efi_only = true;
#else
    constexpr bool efi_only = false;
#endif
    if (efi) {
        if (type == lt::kernel) return efi_only ? lt::kernel : lt::kernel_efi;
        if (type == lt::initrd) return efi_only ? lt::initrd : lt::initrd_efi;
        return type;
    }
#if defined(__i386__) || defined(__x86_64__)
    if (type == lt::kernel) return lt::kernel_16;
    if (type == lt::initrd) return lt::initrd_16;
#endif
    return type;
}

/// "${next_entry}" and "${prev_saved_entry}" are not default directives.
bool is_special_variable(std::string_view value) {
    return value == "\"${next_entry}\"" || value == "\"${prev_saved_entry}\"";
}
/// `set default=X` (3 words after splitting at '=') with X not special.
bool is_set_default(const Line& l) {
    return l.type == lt::set_variable && l.elements.size() == 3 && l.elements[1].item == "default" &&
           !is_special_variable(l.elements[2].item);
}

/// The non-empty runs of `s` between delimiters.
template <class Delim> std::vector<std::string_view> fields(std::string_view s, Delim delim) {
    std::vector<std::string_view> out;
    std::size_t p = 0;
    while (p < s.size()) {
        while (p < s.size() && delim(s[p]))
            ++p;
        std::size_t q = p;
        while (q < s.size() && !delim(s[q]))
            ++q;
        if (q > p) out.push_back(s.substr(p, q - p));
        p = q;
    }
    return out;
}

/// The menuentry line grubby writes for a new entry (title already quoted).
Line menuentry_line(const std::string& quoted_title) {
    Line m;
    m.type = lt::menuentry;
    m.elements = {{"menuentry", " "}, {quoted_title, " "}, {"--class gnu-linux --class gnu --class os {", ""}};
    return m;
}

/// One line split into words the way grubby's getNextLine does.
Line parse_line(std::string_view raw) {
    Line line;
    std::size_t p = 0;
    while (p < raw.size() && is_space(raw[p]))
        ++p;
    line.indent = std::string(raw.substr(0, p));
    bool first = true;
    while (p < raw.size()) {
        std::size_t q = p;
        while (q < raw.size() && !is_space(raw[q]) && !(first && raw[q] == '='))
            ++q;
        Element e;
        e.item = std::string(raw.substr(p, q - p));
        // The blanks after the word; an '=' after the first word (and one '=' among the
        // blanks after any word) goes with them.
        std::size_t r = q;
        if (r < raw.size() && raw[r] == '=') ++r;
        do {
            while (r < raw.size() && is_space(raw[r]))
                ++r;
            if (r < raw.size() && raw[r] == '=') ++r;
        } while (r < raw.size() && is_space(raw[r]));
        e.indent = std::string(raw.substr(q, r - q));
        line.elements.push_back(std::move(e));
        p = r;
        first = false;
    }
    if (line.elements.empty()) {
        line.type = lt::whitespace;
        return line;
    }
    line.type = type_of(line.elements[0].item);
    if (line.type == lt::unknown && line.elements[0].item.front() == '#') {
        // A comment: the whole line is kept as the indent.
        for (const auto& e : line.elements)
            line.indent += e.item + e.indent;
        line.elements.clear();
        line.type = lt::whitespace;
    } else if (line.type == lt::set_variable && line.elements.size() >= 2) {
        // "set NAME=VALUE" becomes set / NAME (followed by "=") / VALUE.
        const Element old = line.elements[1];
        std::size_t eq = old.item.find('=');
        if (eq != std::string::npos) {
            std::vector<Element> split {line.elements[0], {old.item.substr(0, eq), "="}};
            std::string value = old.item.substr(eq + 1);
            if (!value.empty() || line.elements.size() > 2) {
                // grubby drops the empty value only when it ends the line (it would write
                // out of bounds otherwise, losing the words after it; here they are kept).
                split.push_back({value, old.indent});
            }
            for (std::size_t i = 2; i < line.elements.size(); ++i)
                split.push_back(line.elements[i]);
            line.elements = std::move(split);
        }
    }
    return line;
}

/// grubby's lineWrite.
void write_line(const Line& l, std::string& out) {
    out += l.indent;
    for (std::size_t i = 0; i < l.elements.size(); ++i) {
        const Element& e = l.elements[i];
        if (l.type == lt::menuentry && i == 1) {
            // grubby removed the quotes of the title when it read the line.
            if (!starts_with_quote(e.item)) {
                if (e.item.find('\'') != std::string::npos)
                    out += "\"" + e.item + "\"";
                else
                    out += "'" + e.item + "'";
            } else {
                out += e.item;
            }
            out += e.indent;
            continue;
        }
        out += e.item;
        if (i + 1 < l.elements.size() || l.type == lt::set_variable) out += e.indent;
    }
    out += '\n';
}

/// grubby's insertElement: the new word gets a blank (or the keyword's separator) after it;
/// a word inserted after the last one takes over the end-of-line.
void insert_element(Line& l, const std::string& item, std::size_t at) {
    at = std::min(at, l.elements.size());
    const Keyword* kw = keyword_of(l.type);
    std::string indent;
    if (l.elements.empty())
        indent = "";
    else if (at == 0)
        indent = " ";
    else if (kw && kw->separator != '\0')
        indent = std::string(1, kw->separator);
    else
        indent = " ";
    Element e {item, indent};
    if (at > 0 && l.elements[at - 1].indent.empty()) {
        e.indent = l.elements[at - 1].indent;
        l.elements[at - 1].indent = indent;
    }
    l.elements.insert(l.elements.begin() + static_cast<std::ptrdiff_t>(at), std::move(e));
}

/// grubby's removeElement: the previous word takes over the removed word's blanks (except
/// for the word after the keyword).
void remove_element(Line& l, std::size_t at) {
    if (at >= l.elements.size()) return;
    if (at > 1) l.elements[at - 1].indent = l.elements[at].indent;
    l.elements.erase(l.elements.begin() + static_cast<std::ptrdiff_t>(at));
}

/// grubby's requote: quoted strings split over several words become one word (their inner
/// blanks kept); the blanks between the other words become single spaces. A quote that is
/// never closed drops the words from it on, as grubby does.
void requote(Line& l) {
    Line out;
    out.indent = l.indent;
    out.type = l.type;
    if (l.elements.empty()) return;
    insert_element(out, l.elements[0].item, 0);
    std::optional<std::size_t> open;
    for (std::size_t j = 1; j < l.elements.size(); ++j) {
        const std::string& item = l.elements[j].item;
        if (!open) {
            if (starts_with_quote(item))
                open = j;
            else
                insert_element(out, item, out.elements.size());
        } else if (!item.empty() && is_quote(item.back())) {
            std::string joined;
            for (std::size_t i = *open; i <= j; ++i)
                joined += l.elements[i].item + l.elements[i].indent;
            insert_element(out, joined, out.elements.size());
            open.reset();
        }
    }
    l.elements = std::move(out.elements);
}

/// A title word of a menuentry line: the words from the first quote to the matching quote
/// become one title (quotes removed); the rest of the line is one word of extras.
void collapse_menuentry(Line& l) {
    std::string title;
    std::string extras;
    char quote = '\0';
    for (const auto& e : l.elements) {
        if (e.item == "menuentry") continue;
        std::string_view t = e.item;
        if (starts_with_quote(t) && quote == '\0') {
            quote = t.front();
            t.remove_prefix(1);
        }
        if (!t.empty() && t.back() == quote) {
            title += t.substr(0, t.size() - 1);
            break;
        }
        title += std::string(t) + e.indent;
    }
    int count = 0;
    quote = '\0';
    for (const auto& e : l.elements) {
        if (count >= 2) extras += e.item + e.indent;
        if (e.item == "menuentry") continue;
        if (starts_with_quote(e.item) && quote == '\0') {
            quote = e.item.front();
            ++count;
        }
        if (!e.item.empty() && e.item.back() == quote) ++count;
    }
    const std::string sep = l.elements[l.elements.size() - 2].indent;
    Element first = l.elements[0];
    l.elements = {first, {title, sep}, {extras, sep}};
}

/// grubby's grub2ExtractTitle.
std::optional<std::string> extract_title(const Line& l) {
    if (l.elements.size() < 2 || l.elements[0].item != "menuentry") return std::nullopt;
    const std::string& cur = l.elements[1].item;
    if (starts_with_quote(cur) && is_quote(cur.back())) return cur.size() >= 2 ? cur.substr(1, cur.size() - 2) : "";
    if (!starts_with_quote(cur)) return cur;
    // A quoted title over several words of an uncollapsed line (grubby 8.40 garbles this
    // case; here the words are joined as written).
    const char quote = cur.front();
    std::string title = cur.substr(1) + l.elements[1].indent;
    for (std::size_t i = 2; i < l.elements.size(); ++i) {
        const std::string& w = l.elements[i].item;
        if (!w.empty() && w.back() == quote) return title + w.substr(0, w.size() - 1);
        title += w + l.elements[i].indent;
    }
    return title;
}

const Line* first_line(const Entry& e, std::uint32_t types, std::size_t from = 0) {
    for (std::size_t i = from; i < e.lines.size(); ++i)
        if (e.lines[i].type & types) return &e.lines[i];
    return nullptr;
}
std::optional<std::size_t> first_line_at(const Entry& e, std::uint32_t types) {
    for (std::size_t i = 0; i < e.lines.size(); ++i)
        if (e.lines[i].type & types) return i;
    return std::nullopt;
}
const std::string& word(const Line& l, std::size_t i) {
    static const std::string empty;
    return i < l.elements.size() ? l.elements[i].item : empty;
}

/// strtol(s, &end, 10): the value and where parsing stopped (0 and 0 without digits).
long parse_long(std::string_view s, std::size_t& end) {
    std::size_t p = 0;
    while (p < s.size() && is_space(s[p]))
        ++p;
    bool neg = false;
    if (p < s.size() && (s[p] == '+' || s[p] == '-')) neg = s[p++] == '-';
    std::size_t digits = p;
    long long v = 0;
    while (p < s.size() && is_digit(s[p])) {
        // Saturates at LONG_MAX as strtol does (v * 10 must not overflow first).
        const int digit = s[p] - '0';
        v = v > (LONG_MAX - digit) / 10 ? LONG_MAX : v * 10 + digit;
        ++p;
    }
    if (p == digits) {
        end = 0;
        return 0;
    }
    end = p;
    return static_cast<long>(neg ? -v : v);
}
int to_int(long v) {
    return static_cast<int>(std::clamp<long>(v, INT_MIN, INT_MAX));
}
/// grubby's isnumber: digits only, at least one.
bool is_number(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}
int atoi_digits(std::string_view s) {
    std::size_t end = 0;
    return to_int(parse_long(s, end));
}

/// argNameMatch: the words before '=' are equal.
bool arg_name_match(std::string_view a, std::string_view b) {
    return a.substr(0, a.find('=')) == b.substr(0, b.find('='));
}
/// argValueMatch: the values after '=' are equal (a missing '=' counts as empty).
bool arg_value_match(std::string_view a, std::string_view b) {
    auto value = [](std::string_view s) {
        auto eq = s.find('=');
        return eq == std::string_view::npos ? std::string_view {} : s.substr(eq + 1);
    };
    return value(a) == value(b);
}

/// The part of `s` after the first `n` characters: grubby skips the boot prefix's length
/// without comparing (a shorter string is read past its end in grubby; here it is empty).
std::string cut(std::string_view s, std::size_t n) {
    return n <= s.size() ? std::string(s.substr(n)) : std::string();
}

/// grubby's unquote (for saved_entry): one pair of matching outer quotes removed.
std::string unquote(std::string s) {
    if (s.size() >= 2 && ((s.front() == '\'' && s.back() == '\'') || (s.front() == '"' && s.back() == '"')))
        return s.substr(1, s.size() - 2);
    return s;
}

} // namespace

// --- Reading --------------------------------------------------------------------------

GrubbyCfg GrubbyCfg::parse(std::string_view text, GrubbyHost host) {
    GrubbyCfg cfg;
    cfg.host_ = std::move(host);
    // grubby reads a C string: nothing after a NUL byte.
    std::string buf(text.substr(0, text.find('\0')));
    if (buf.empty() || buf.back() != '\n') buf += '\n';

    bool saw_entry = false;
    int submenu_depth = 0;
    std::optional<Line> default_line;
    std::size_t pos = 0;
    while (pos < buf.size()) {
        std::size_t nl = buf.find('\n', pos);
        Line line = parse_line(std::string_view(buf).substr(pos, nl - pos));
        pos = nl + 1;
        const bool has_words = !line.elements.empty();

        if (!saw_entry && has_words)
            cfg.primary_indent_ = line.indent;
        else if (has_words)
            cfg.secondary_indent_ = line.indent;

        const bool starts_entry = line.type == lt::menuentry || (!cfg.entries_.empty() && !saw_entry);
        if (line.type == lt::entry_end && !saw_entry && submenu_depth > 0) --submenu_depth;
        if (starts_entry) {
            saw_entry = true;
            cfg.entries_.emplace_back();
            cfg.entries_.back().in_submenu = line.type == lt::menuentry && submenu_depth > 0;
        }
        if (has_words && line.elements[0].item == "submenu") ++submenu_depth;
        Entry* entry = cfg.entries_.empty() ? nullptr : &cfg.entries_.back();

        if (line.type == lt::set_variable) {
            if (is_set_default(line)) {
                cfg.has_default_line_ = true;
                default_line = line;
            }
        } else if (is_kernel(line.type)) {
            if (entry && entry->multiboot) line.type = lt::hyper;
        } else if (line.type == lt::mbmodule) {
            // The kernel line before a module line is the hypervisor's.
            if (entry) {
                for (auto& l : entry->lines) {
                    if (l.type == lt::hyper) break;
                    if (is_kernel(l.type)) {
                        l.type = lt::hyper;
                        break;
                    }
                }
                entry->multiboot = true;
            }
        } else if (line.type == lt::hyper) {
            if (entry) entry->multiboot = true;
        } else if (line.type == lt::fallback && line.elements.size() == 2) {
            std::size_t end = 0;
            long v = parse_long(line.elements[1].item, end);
            cfg.fallback_image_ = end == line.elements[1].item.size() ? to_int(v) : -1;
        } else if (line.type == lt::menuentry && line.elements.size() > 3) {
            collapse_menuentry(line);
        }
        if (line.type == lt::default_ && line.elements.size() == 2) {
            cfg.has_default_line_ = true;
            default_line = line;
        }

        if (saw_entry) {
            const bool ends = line.type == lt::entry_end;
            cfg.entries_.back().lines.push_back(std::move(line));
            if (ends) saw_entry = false;
        } else {
            cfg.lines_.push_back(std::move(line));
        }
    }

    if (!default_line) {
        cfg.default_image_ = 0;
        return cfg;
    }
    const auto& d = default_line->elements;
    if (d.size() > 2 && d[2].item.starts_with("\"${saved_entry}\"")) {
        cfg.default_is_saved_ = true;
        cfg.default_image_ = saved_default;
        if (cfg.host_.saved_entry) {
            const std::string& saved = *cfg.host_.saved_entry;
            std::optional<int> index;
            if (is_number(saved)) {
                int i = atoi_digits(saved);
                if (cfg.by_index(i)) index = i;
            } else {
                index = cfg.by_title(saved, 0);
            }
            if (index) cfg.default_image_ = *index;
        }
        return cfg;
    }
    // `default X` keeps the value in its second word, which grubby reads from its ninth
    // character on (past "default="); a shorter word reads as empty here.
    std::string value = d.size() == 2 ? cut(d[1].item, 8) : d[2].item;
    auto junk = [](char c) { return c == '"' || c == '\'' || c == ' ' || c == '\t'; };
    std::size_t b = 0;
    while (b < value.size() && junk(value[b]))
        ++b;
    std::string_view rest = std::string_view(value).substr(b);
    std::size_t end = 0;
    long v = parse_long(rest, end);
    while (end < rest.size() && junk(rest[end]))
        ++end;
    cfg.default_image_ = end == rest.size() ? to_int(v) : no_default;
    // An id, a title or "1>2": grubby cannot read it and would drop the directive.
    cfg.keep_default_line_ = end != rest.size();
    return cfg;
}

// --- Lookups --------------------------------------------------------------------------

const Entry* GrubbyCfg::by_index(int index) const {
    return index >= 0 && static_cast<std::size_t>(index) < entries_.size() ? &entries_[static_cast<std::size_t>(index)]
                                                                           : nullptr;
}
Entry* GrubbyCfg::by_index(int index) {
    return index >= 0 && static_cast<std::size_t>(index) < entries_.size() ? &entries_[static_cast<std::size_t>(index)]
                                                                           : nullptr;
}

std::optional<int> GrubbyCfg::by_title(std::string_view title, int from) const {
    for (std::size_t i = static_cast<std::size_t>(std::max(from, 0)); i < entries_.size(); ++i) {
        const Line* l = first_line(entries_[i], lt::menuentry);
        if (!l) continue;
        auto t = extract_title(*l);
        if (t && *t == title) return static_cast<int>(i);
    }
    return std::nullopt;
}

/// The length of the root specifier "(hd0,1)" and of the btrfs subvolume prefix of a path.
std::size_t GrubbyCfg::root_specifier(std::string_view path) const {
    std::size_t rs = 0;
    if (!path.empty() && path[0] == '(') {
        while (rs < path.size() && path[rs] != ')' && !is_space(path[rs]))
            ++rs;
        if (rs == path.size()) return rs;
        ++rs;
    }
    std::string_view str = path.substr(rs);
    // The longest subvol= option of a btrfs mount that is a directory prefix of the path.
    std::size_t prefix = 0;
    std::string_view mounts = host_.mounts;
    while (!mounts.empty()) {
        std::size_t nl = mounts.find('\n');
        std::string_view line = mounts.substr(0, nl);
        mounts = nl == std::string_view::npos ? std::string_view {} : mounts.substr(nl + 1);
        auto f = fields(line, is_space);
        if (f.size() < 4 || f[2] != "btrfs") continue;
        for (auto opt : fields(f[3], [](char c) { return c == ','; })) {
            auto kv = fields(opt, [](char c) { return c == '='; });
            if (kv.size() < 2 || kv[0] != "subvol") continue;
            std::string_view val = kv[1];
            if (!str.starts_with(val)) continue;
            if (val.back() != '/' && (str.size() <= val.size() || str[val.size()] != '/')) continue;
            prefix = std::max(prefix, val.size());
        }
    }
    return rs + prefix;
}

int GrubbyCfg::live_count() const {
    return static_cast<int>(std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) { return !e.skip; }));
}

const Entry* GrubbyCfg::find(std::string_view selector, std::string_view prefix, int* from) const {
    if (selector.empty()) return nullptr;
    if (is_digit(selector[0])) {
        // A comma list of indexes; *from counts list positions (grubby mixes the two).
        std::vector<int> list;
        std::string_view rest = selector;
        for (;;) {
            std::size_t end = 0;
            long v = parse_long(rest, end);
            list.push_back(to_int(v));
            rest.remove_prefix(end);
            if (rest.empty()) break;
            if (rest[0] != ',') return nullptr;
            rest.remove_prefix(1);
        }
        list.push_back(-1);
        std::size_t i = 0;
        if (from) {
            while (static_cast<int>(i) < *from) {
                ++i;
                if (list[i] == -1) return nullptr;
            }
        }
        const Entry* e = by_index(list[i]);
        if (!e || !first_line(*e, lt::any_kernel | lt::hyper)) return nullptr;
        if (from) *from = list[i];
        return e;
    }
    if (selector == "DEFAULT") {
        if (from && *from > default_image_) return nullptr;
        const Entry* e = by_index(default_image_);
        if (e && e->skip) return nullptr;
        if (e && from) *from = default_image_;
        return e;
    }
    int i = from ? *from : 0;
    if (selector == "ALL") {
        const Entry* e = nullptr;
        while ((e = by_index(i)) && e->skip)
            ++i;
        if (e && from) *from = i;
        return e;
    }
    std::uint32_t check = lt::kernel;
    std::string want;
    bool comparable = true;
    if (selector.starts_with("TITLE=")) {
        check = lt::menuentry;
        want = std::string(selector.substr(6));
    } else if (prefix.size() <= selector.size()) {
        want = std::string(selector.substr(prefix.size()));
    } else {
        comparable = false;
    }
    const Entry* found = nullptr;
    for (; by_index(i); ++i) {
        const Entry& e = *by_index(i);
        if (e.skip) continue;
        std::uint32_t ct = check;
        if (e.multiboot && check == lt::kernel)
            ct = lt::any_kernel | lt::mbmodule | lt::hyper;
        else if (check & lt::kernel)
            ct = check | lt::kernel_efi | lt::kernel_16;
        bool match = false;
        for (std::size_t li = 0; li < e.lines.size() && comparable; ++li) {
            const Line& l = e.lines[li];
            if (!(l.type & ct)) continue;
            if (l.type != lt::menuentry && l.elements.size() >= 2) {
                const std::string& p = l.elements[1].item;
                if (cut(p, root_specifier(p)) == want) match = true;
            }
            if (l.type == lt::menuentry && word(l, 1) == want && l.elements.size() >= 2) match = true;
            if (match) break;
        }
        if (match && first_line(e, lt::any_kernel | lt::hyper)) {
            found = &e;
            break;
        }
    }
    if (from) *from = i;
    return found;
}

/// grubby's loop over the matches of a selector (find from index 0, then from one past each
/// match). An index list that goes back (`0,0`) makes grubby loop for ever; here the loop
/// stops when a match comes before where it looked.
void GrubbyCfg::for_each_match(std::string_view selector, std::string_view prefix,
                               const std::function<bool(int)>& fn) const {
    for (int index = 0;; ++index) {
        const int from = index;
        if (!find(selector, prefix, &index) || index < from) return;
        if (!fn(index)) return;
    }
}

// --- Display --------------------------------------------------------------------------

std::string GrubbyCfg::display_entry(const Entry& e, std::string_view prefix, int index) const {
    std::string out = "index=" + std::to_string(index) + "\n";
    const Line* k = first_line(e, lt::any_kernel | lt::hyper);
    if (!k) return out + "non linux entry\n";
    const std::string& path = word(*k, 1);
    out += "kernel=" + (path.starts_with(prefix) ? path : std::string(prefix) + path) + "\n";
    std::optional<std::string> root;
    if (k->elements.size() >= 3) {
        out += "args=\"";
        for (std::size_t i = 2; i < k->elements.size(); ++i) {
            const Element& el = k->elements[i];
            if (el.item.starts_with("root="))
                root = el.item.substr(5);
            else
                out += el.item + el.indent;
        }
        out += "\"\n";
    }
    if (root) {
        if (!root->empty() && root->back() == '"') root->pop_back();
        out += "root=" + *root + "\n";
    }
    const Line* initrd = first_line(e, lt::any_initrd);
    if (initrd && initrd->elements.size() >= 2) {
        out += "initrd=";
        if (!word(*initrd, 1).starts_with(prefix)) out += prefix;
        for (std::size_t i = 1; i < initrd->elements.size(); ++i)
            out += initrd->elements[i].item + initrd->elements[i].indent;
        out += "\n";
    }
    if (const Line* m = first_line(e, lt::menuentry))
        if (auto t = extract_title(*m)) out += "title=" + *t + "\n";
    int j = 0;
    for (const auto& l : e.lines) {
        if (!(l.type & lt::mbmodule) || l.elements.size() < 2) continue;
        out += "mbmodule" + std::to_string(j++) + "=";
        if (!l.elements[1].item.starts_with(prefix)) out += prefix;
        for (std::size_t i = 1; i < l.elements.size(); ++i)
            out += l.elements[i].item + l.elements[i].indent;
        out += "\n";
    }
    return out;
}

std::optional<std::string> GrubbyCfg::info(std::string_view selector, std::string_view prefix) const {
    std::optional<std::string> out;
    for_each_match(selector, prefix, [&](int i) {
        if (!out) out.emplace();
        *out += display_entry(entries_[static_cast<std::size_t>(i)], prefix, i);
        return true;
    });
    return out;
}

std::string GrubbyCfg::default_kernel_text(std::string_view prefix, bool bad_image_okay) {
    if (default_image_ == no_default) return "";
    int index = default_image_ == saved_default && default_is_saved_ ? 0 : default_image_;
    const Entry* e = by_index(index);
    if (!e) return "";
    suitable(*e, prefix, false, bad_image_okay); // traced with --debug; printed anyway
    const Line* k = first_line(*e, lt::any_kernel | lt::hyper);
    if (!k) return "";
    const std::string& path = word(*k, 1);
    return std::string(prefix) + cut(path, root_specifier(path)) + "\n";
}

std::string GrubbyCfg::default_title_text() const {
    if (default_image_ == no_default) return "";
    const Entry* e = by_index(default_image_ == saved_default && default_is_saved_ ? 0 : default_image_);
    if (!e) return "";
    const Line* m = first_line(*e, lt::menuentry);
    if (!m) return "";
    auto t = extract_title(*m);
    return t ? *t + "\n" : "";
}

std::string GrubbyCfg::default_index_text() const {
    if (default_image_ == no_default) return "";
    int index = default_image_ == saved_default && default_is_saved_ ? 0 : default_image_;
    return std::to_string(index) + "\n";
}

std::vector<GrubbyEntryInfo> GrubbyCfg::entries() const {
    std::vector<GrubbyEntryInfo> out;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        const Entry& e = entries_[i];
        if (e.skip) continue;
        GrubbyEntryInfo info;
        info.index = static_cast<int>(i);
        info.in_submenu = e.in_submenu;
        if (const Line* m = first_line(e, lt::menuentry)) {
            info.menuentry = true;
            info.title = extract_title(*m).value_or("");
        }
        if (const Line* k = first_line(e, lt::any_kernel)) {
            info.command = word(*k, 0);
            info.kernel = word(*k, 1);
            for (std::size_t j = 2; j < k->elements.size(); ++j) {
                info.args += k->elements[j].item;
                if (j + 1 < k->elements.size()) info.args += k->elements[j].indent;
            }
        }
        if (const Line* r = first_line(e, lt::any_initrd))
            for (std::size_t j = 1; j < r->elements.size(); ++j)
                info.initrds.push_back(r->elements[j].item);
        out.push_back(std::move(info));
    }
    return out;
}

std::string GrubbyCfg::take_diagnostics() {
    std::string out;
    out.swap(diag_);
    return out;
}

// --- Usable entries (templates) ---------------------------------------------------------

void GrubbyCfg::not_suitable(const Entry& e, const std::string& why) {
    if (!host_.debug) return;
    if (!debug_once_) diag_ += "DBG: command line: " + host_.command_line + "\n";
    debug_once_ = true;
    diag_ += "DBG: Image entry failed: " + why;
    for (const auto& l : e.lines) {
        diag_ += "DBG: " + l.indent;
        for (std::size_t i = 0; i < l.elements.size(); ++i) {
            const Element& el = l.elements[i];
            if (l.type == lt::menuentry && i == 1 && !starts_with_quote(el.item))
                diag_ += "'" + el.item + "'" + el.indent;
            else
                diag_ += el.item + el.indent;
        }
        diag_ += "\n";
    }
}

/// grubby's suitableImage, without its last step (comparing the UUID of the root= device
/// with the mounted root's through blkid): an entry with a kernel file and a root= argument
/// is usable.
bool GrubbyCfg::suitable(const Entry& e, std::string_view prefix, bool skip_removed, bool bad_image_okay) {
    if (skip_removed && e.skip) {
        not_suitable(e, "marked to skip\n");
        return false;
    }
    const Line* k = first_line(e, lt::any_kernel | lt::hyper);
    if (!k) {
        not_suitable(e, "no line found\n");
        return false;
    }
    if (k->elements.size() < 2) {
        not_suitable(e, "line has only " + std::to_string(k->elements.size()) + " elements\n");
        return false;
    }
    if (bad_image_okay) return true;
    const std::string& path = k->elements[1].item;
    std::string rest = cut(path, root_specifier(path));
    bool slash = (!prefix.empty() && prefix.back() == '/') || rest.starts_with("/");
    std::string full = std::string(prefix) + (slash ? "" : "/") + rest;
    if (host_.readable && !host_.readable(full)) {
        not_suitable(e, "access to " + full + " failed\n");
        return false;
    }
    auto has_root = [](const Line& l, std::size_t from) {
        for (std::size_t i = from; i < l.elements.size(); ++i) {
            std::string w = l.elements[i].item.substr(0, 5);
            std::transform(w.begin(), w.end(), w.begin(),
                           [](char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; });
            if (w == "root=") return true;
        }
        return false;
    };
    if (has_root(*k, 2)) return true;
    const Line* args = first_line(e, lt::mbmodule);
    if (!args) {
        not_suitable(e, "no line found\n");
        return false;
    }
    if (!has_root(*args, 1)) {
        not_suitable(e, "no root= entry found\n");
        return false;
    }
    return true;
}

std::optional<int> GrubbyCfg::find_template(std::string_view prefix, bool skip_removed, bool bad_image_okay) {
    auto t = search_template(prefix, skip_removed, bad_image_okay);
    return t ? std::optional<int>(t->first) : std::nullopt;
}

/// grubby's findTemplate: the entry found and the index grubby reports for it (after the
/// first-usable scan: its index once the removed entries before it are gone).
std::optional<std::pair<int, int>> GrubbyCfg::search_template(std::string_view prefix, bool skip_removed,
                                                              bool bad_image_okay) {
    if (default_is_saved_) {
        if (host_.saved_entry) {
            const std::string& saved = *host_.saved_entry;
            std::optional<int> index = is_number(saved) ? std::optional<int>(atoi_digits(saved)) : by_title(saved, 0);
            const Entry* e = index ? by_index(*index) : nullptr;
            if (e && suitable(*e, prefix, skip_removed, bad_image_okay)) {
                default_image_ = *index;
                return std::pair {*index, *index};
            }
        }
    } else if (default_image_ >= 0) {
        const Entry* e = by_index(default_image_);
        if (e && suitable(*e, prefix, skip_removed, bad_image_okay)) return std::pair {default_image_, default_image_};
    }
    for (int index = 0; by_index(index); ++index) {
        if (!suitable(*by_index(index), prefix, skip_removed, bad_image_okay)) continue;
        int shifted = index;
        for (int j = 0; j < index; ++j)
            if (by_index(j)->skip) --shifted;
        return std::pair {index, shifted};
    }
    diag_ += "grubby fatal error: unable to find a suitable template\n";
    return std::nullopt;
}

// --- Edits ----------------------------------------------------------------------------

void GrubbyCfg::remove(std::string_view selector, std::string_view prefix) {
    auto mark = [&] {
        const Entry* e = find(selector, prefix, nullptr);
        if (!e) return false;
        entries_[static_cast<std::size_t>(e - entries_.data())].skip = true;
        return true;
    };
    if (selector.empty()) return;
    if (is_digit(selector[0])) {
        mark();
        return;
    }
    while (mark()) {}
}

void GrubbyCfg::set_default(bool adding, const std::optional<std::string>& default_kernel, bool make_default,
                            std::string_view prefix, bool bad_image_okay, int default_index, int new_index) {
    int lookup = 0;
    if (make_default || default_kernel || default_index >= 0) keep_default_line_ = false;
    if (make_default) {
        default_image_ = new_index;
        return;
    }
    if (default_index >= 0) {
        if (default_index == new_index) {
            default_image_ = new_index;
            return;
        }
        // grubby checks the entry before the chosen one when it comes after the new
        // entry's position (even when nothing is added).
        int verify = new_index < default_index ? default_index - 1 : default_index;
        default_image_ = by_index(verify) ? default_index : no_default;
        return;
    }
    if (default_kernel) {
        int first = 0;
        if (!find(*default_kernel, prefix, &first)) {
            default_image_ = no_default;
            return;
        }
        default_image_ = first;
        lookup = default_image_;
        if (adding && new_index < default_image_) ++default_image_;
    } else {
        if (default_image_ < 0) {
            if ((default_image_ == -2 || default_image_ == saved_default) && default_is_saved_ && host_.saved_entry) {
                const std::string& saved = *host_.saved_entry;
                if (is_number(saved))
                    lookup = atoi_digits(saved);
                else
                    lookup = by_title(saved, 0).value_or(lookup);
                default_image_ = lookup;
            }
        } else {
            lookup = default_image_;
        }
        if (adding && new_index <= default_image_) ++default_image_;
    }
    const Entry* e = by_index(lookup);
    if (!e || e->skip) {
        if (adding) {
            default_image_ = new_index;
            return;
        }
        auto t = search_template(prefix, true, bad_image_okay);
        default_image_ = t ? t->second : no_default;
        return;
    }
    for (int v = lookup - 1; v >= 0; --v)
        if (by_index(v) && by_index(v)->skip) --default_image_;
}

void GrubbyCfg::set_fallback(bool adding) {
    if (fallback_image_ == -1) return;
    const Entry* e = by_index(fallback_image_);
    if (!e || e->skip) {
        fallback_image_ = -1;
        return;
    }
    if (adding) ++fallback_image_;
    for (int j = 0; j < fallback_image_; ++j)
        if (by_index(j) && by_index(j)->skip) --fallback_image_;
}

bool GrubbyCfg::update_args(std::string_view selector, std::string_view prefix, const std::optional<std::string>& add,
                            const std::optional<std::string>& remove) {
    if (!add && !remove) return true;
    std::vector<std::string> adds, removes;
    for (auto [text, out] : {std::pair {&add, &adds}, std::pair {&remove, &removes}}) {
        if (!*text) continue;
        auto words = grubby_split_args(**text);
        if (!words) {
            diag_ += "grubby: error separating arguments '" + **text + "'\n";
            return false;
        }
        *out = std::move(*words);
    }
    for_each_match(selector, prefix, [&](int index) {
        Entry& e = entries_[static_cast<std::size_t>(index)];
        auto at = first_line_at(e, lt::kernel | lt::mbmodule | lt::kernel_efi | lt::kernel_16);
        if (!at) return true;
        Line& line = e.lines[*at];
        constexpr std::size_t first = 2;
        std::vector<bool> used(line.elements.size(), false);
        for (const auto& arg : adds) {
            std::size_t i = first;
            for (; i < line.elements.size(); ++i) {
                if (used[i]) continue;
                if (arg_name_match(line.elements[i].item, arg)) {
                    used[i] = true;
                    break;
                }
            }
            if (i < line.elements.size()) {
                line.elements[i].item = arg;
            } else {
                std::size_t pos = std::min(i, line.elements.size());
                insert_element(line, arg, pos);
                used.insert(used.begin() + static_cast<std::ptrdiff_t>(pos), true);
            }
        }
        for (const auto& arg : removes) {
            for (std::size_t i = first; i < line.elements.size(); ++i) {
                if (arg_name_match(line.elements[i].item, arg) &&
                    (arg.find('=') == std::string::npos || arg_value_match(line.elements[i].item, arg))) {
                    remove_element(line, i);
                    break;
                }
            }
        }
        if (line.elements.size() == 1) e.lines.erase(e.lines.begin() + static_cast<std::ptrdiff_t>(*at));
        return true;
    });
    return true;
}

// --- Adding lines -----------------------------------------------------------------------

/// grubby's addLineTmpl: a copy of `tmpl` (keyword switched to linuxefi/initrdefi with
/// --efi), its first value replaced by `value` keeping the template's root specifier (an
/// initrd without one takes the kernel line's), inserted after line `after` (or first).
std::size_t GrubbyCfg::add_line_from(Entry& e, const Line& tmpl, std::optional<std::size_t> after,
                                     const std::optional<std::string>& value) {
    Line nl = tmpl;
    if (host_.efi) {
        std::uint32_t t = preferred(nl.type, true);
        if (t != nl.type && !nl.elements.empty()) {
            nl.type = t;
            nl.elements[0].item = key_of(t);
        }
    }
    if (value) {
        if (nl.elements.size() > 1) remove_element(nl, 1);
        insert_element(nl, *value, 1);
        if ((tmpl.type & (lt::hyper | lt::kernel | lt::mbmodule | lt::initrd | lt::kernel_efi | lt::initrd_efi |
                          lt::kernel_16 | lt::initrd_16)) &&
            tmpl.elements.size() >= 2) {
            std::string from = tmpl.elements[1].item;
            std::size_t rs = root_specifier(from);
            if (is_initrd(tmpl.type) && rs == 0) {
                for (const auto& l : e.lines) {
                    if (is_kernel(l.type)) {
                        from = word(l, 1);
                        rs = root_specifier(from);
                        break;
                    }
                }
            }
            if (rs > 0) nl.elements[1].item = from.substr(0, rs) + *value;
        }
    }
    if (e.lines.empty()) {
        e.lines.push_back(std::move(nl));
        return 0;
    }
    std::size_t at = after ? *after + 1 : e.lines.size();
    e.lines.insert(e.lines.begin() + static_cast<std::ptrdiff_t>(at), std::move(nl));
    return at;
}

/// grubby's addLine: a new `keyword value` line after the entry's last line with words,
/// indented with a tab inside a menuentry.
std::size_t GrubbyCfg::add_line(Entry& e, std::uint32_t type, const std::string& default_indent,
                                const std::optional<std::string>& value) {
    Line tmpl;
    tmpl.type = type;
    if (type == lt::menuentry) {
        tmpl = menuentry_line(value.value_or(""));
    } else {
        tmpl.elements = {{key_of(type), " "}};
        if (value) tmpl.elements.push_back({*value, ""});
    }
    std::optional<std::size_t> prev;
    for (std::size_t i = 0; i < e.lines.size(); ++i)
        if (!e.lines[i].elements.empty()) prev = i;
    if (!prev && !e.lines.empty()) prev = e.lines.size() - 1;
    const Line* menu = first_line(e, lt::menuentry);
    if (type == lt::entry_end)
        tmpl.indent = menu ? menu->indent : default_indent;
    else if (type != lt::menuentry)
        tmpl.indent = menu ? "\t" : (!prev || *prev == 0) ? default_indent : e.lines[*prev].indent;
    return add_line_from(e, tmpl, prev, value);
}

void GrubbyCfg::update_initrd(std::string_view selector, std::string_view prefix, std::string_view initrd,
                              const std::optional<std::string>& title) {
    for_each_match(selector, prefix, [&](int index) {
        Entry& e = entries_[static_cast<std::size_t>(index)];
        const Line* k = first_line(e, lt::any_kernel);
        if (!k) return true;
        if (title) {
            const Line* m = first_line(e, lt::menuentry);
            if (!m || word(*m, 1) != *title) return true;
        }
        const std::uint32_t ktype = k->type;
        const std::string kindent = k->indent;
        if (auto at = first_line_at(e, lt::any_initrd))
            e.lines.erase(e.lines.begin() + static_cast<std::ptrdiff_t>(*at));
        std::string value(initrd.starts_with(prefix) ? initrd.substr(prefix.size()) : initrd);
        auto end = first_line_at(e, lt::entry_end);
        if (end) e.lines.erase(e.lines.begin() + static_cast<std::ptrdiff_t>(*end));
        std::uint32_t type = ktype == lt::kernel       ? lt::initrd
                             : ktype == lt::kernel_efi ? lt::initrd_efi
                             : ktype == lt::kernel_16  ? lt::initrd_16
                                                       : preferred(lt::initrd, host_.efi);
        add_line(e, type, kindent, value);
        if (end) add_line(e, lt::entry_end, "", std::nullopt);
        return false; // the first match only
    });
}

bool GrubbyCfg::add_kernel(const NewKernel& k, std::string_view prefix) {
    constexpr unsigned need_kernel = 1, need_initrd = 2, need_title = 4, need_end = 32, need_devtree = 64;
    // The template is copied before the new entry shifts the others.
    std::optional<Entry> tmpl;
    if (k.template_index && by_index(*k.template_index)) tmpl = *by_index(*k.template_index);

    std::size_t pos = k.index < 0 ? entries_.size() : std::min(static_cast<std::size_t>(k.index), entries_.size());
    entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(pos), Entry {});
    Entry& ne = entries_[pos];

    unsigned needs = need_kernel | need_title;
    if (k.initrd) needs |= need_initrd;
    if (k.devtree) needs |= need_devtree;
    const std::string kernel_value = cut(k.kernel, prefix.size());
    auto initrd_value = [&](const Line* with) {
        std::string v = cut(*k.initrd, prefix.size());
        for (const auto& x : k.extra_initrds) {
            std::string extra = cut(x, prefix.size());
            bool present = false;
            for (std::size_t j = 2; with && j < with->elements.size(); ++j)
                present |= with->elements[j].item == extra;
            if (!present) v += " " + extra;
        }
        return v;
    };

    if (tmpl) {
        std::optional<std::size_t> last;
        for (std::size_t mi = 0; mi < tmpl->lines.size(); ++mi) {
            Line t = tmpl->lines[mi];
            std::size_t c = t.indent.find_first_not_of(" \t\n\v\f\r");
            if (c != std::string::npos && t.indent[c] == '#') continue; // comments are not copied
            const bool words2 = t.elements.size() >= 2;
            if (is_kernel(t.type) && words2) {
                if (needs & need_kernel) {
                    last = add_line_from(ne, t, last, kernel_value);
                    needs &= ~need_kernel;
                }
            } else if (t.type == lt::hyper && words2) {
                // a hypervisor line: only multiboot entries need one
            } else if (t.type == lt::mbmodule && words2) {
                // The template is multiboot and the new entry is not: its first module
                // becomes the kernel line, the second the initrd line.
                if (needs & need_kernel) {
                    t.type = preferred(lt::kernel, host_.efi);
                    t.elements[0].item = key_of(t.type);
                    last = add_line_from(ne, t, last, kernel_value);
                    needs &= ~need_kernel;
                } else if (needs & need_initrd) {
                    t.type = preferred(lt::initrd, host_.efi);
                    t.elements[0].item = key_of(t.type);
                    last = add_line_from(ne, t, last, initrd_value(&t));
                    needs &= ~need_initrd;
                }
            } else if (is_initrd(t.type) && words2) {
                if (needs & need_initrd) {
                    last = add_line_from(ne, t, last, initrd_value(&t));
                    needs &= ~need_initrd;
                }
            } else if (t.type == lt::menuentry && (needs & need_title)) {
                requote(t);
                last = add_line_from(ne, t, last, "'" + k.title + "'");
                needs &= ~need_title;
            } else if (t.type == lt::echo) {
                requote(t);
                const bool next_is_kernel = mi + 1 < tmpl->lines.size() && is_kernel(tmpl->lines[mi + 1].type);
                if (t.elements.size() > 1 && t.elements[1].item.find("'Loading ") != std::string::npos &&
                    next_is_kernel)
                    last = add_line(ne, lt::echo, t.indent, "'Loading " + k.title + "'");
                else
                    last = add_line_from(ne, t, last, std::nullopt);
            } else if (t.type == lt::devtree && t.elements.size() == 2 && k.devtree) {
                last = add_line_from(ne, t, last, cut(*k.devtree, prefix.size()));
                needs &= ~need_devtree;
            } else if (t.type == lt::entry_end && (needs & need_devtree)) {
                std::string dt = k.devtree->starts_with(prefix) ? k.devtree->substr(prefix.size()) : *k.devtree;
                std::size_t at = add_line(ne, lt::devtree, secondary_indent_, dt);
                needs &= ~need_devtree;
                last = add_line_from(ne, t, at, std::nullopt);
            } else {
                last = add_line_from(ne, t, last, std::nullopt);
            }
        }
    } else {
        add_line(ne, lt::menuentry, primary_indent_, "'" + k.title + "'");
        needs &= ~need_title;
        needs |= need_end;
    }

    if (auto end = first_line_at(ne, lt::entry_end)) {
        ne.lines.erase(ne.lines.begin() + static_cast<std::ptrdiff_t>(*end));
        needs |= need_end;
    }
    // A template without a menuentry line (a pseudo-entry with a kernel line): grubby would
    // abort here, having no title keyword for grub2; the entry gets a menuentry line first.
    if (needs & need_title) {
        ne.lines.insert(ne.lines.begin(), menuentry_line("'" + k.title + "'"));
        needs |= need_end;
    }
    if (needs & need_kernel) add_line(ne, preferred(lt::kernel, host_.efi), secondary_indent_, kernel_value);
    if (needs & need_initrd) add_line(ne, preferred(lt::initrd, host_.efi), secondary_indent_, initrd_value(nullptr));
    if (needs & need_devtree) add_line(ne, lt::devtree, secondary_indent_, *k.devtree);
    if (needs & need_end) add_line(ne, lt::entry_end, secondary_indent_, std::nullopt);

    // The arguments go to the new entry through its index, as grubby passes them (an index
    // past the end or negative finds nothing: grubby then adds no arguments).
    return update_args(std::to_string(k.index), prefix, k.args, std::nullopt);
}

void GrubbyCfg::add_entry(const std::string& title, const std::string& kernel, const std::vector<std::string>& initrds,
                          const std::string& args, int position, std::string_view command) {
    std::size_t pos = position < 0 ? entries_.size() : std::min(static_cast<std::size_t>(position), entries_.size());
    set_default(true, std::nullopt, false, "", true, -1, static_cast<int>(pos));
    // GRUB's single-quote rule for titles: ' becomes '\'' (grubby would write it raw).
    std::string quoted = "'";
    for (char c : title)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    quoted += "'";
    std::uint32_t ktype = command == "linuxefi" ? lt::kernel_efi : command == "linux16" ? lt::kernel_16 : lt::kernel;
    std::uint32_t itype = ktype == lt::kernel_efi  ? lt::initrd_efi
                          : ktype == lt::kernel_16 ? lt::initrd_16
                                                   : lt::initrd;
    auto make = [](std::uint32_t type, std::string indent, const std::vector<std::string>& words) {
        Line l;
        l.type = type;
        l.indent = std::move(indent);
        for (const auto& w : words)
            insert_element(l, w, l.elements.size());
        return l;
    };
    Entry e;
    e.lines.push_back(menuentry_line(quoted));
    std::vector<std::string> kwords {key_of(ktype), kernel};
    for (auto w : fields(args, is_space))
        kwords.emplace_back(w);
    e.lines.push_back(make(ktype, "\t", kwords));
    if (!initrds.empty()) {
        std::vector<std::string> iwords {key_of(itype)};
        iwords.insert(iwords.end(), initrds.begin(), initrds.end());
        e.lines.push_back(make(itype, "\t", iwords));
    }
    e.lines.push_back(make(lt::entry_end, "", {"}"}));
    entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(pos), std::move(e));
}

void GrubbyCfg::set_default_index(int index) {
    keep_default_line_ = false;
    default_image_ = by_index(index) ? index : no_default;
}

// --- Writing --------------------------------------------------------------------------

void GrubbyCfg::write_default(std::string& out, const std::string& indent, const std::string& separator,
                              std::optional<std::string>& saved) const {
    if (default_image_ == 0 && !has_default_line_) return;
    if (default_image_ == -2) {
        out += indent + "default" + separator + "saved\n";
    } else if (default_is_saved_) {
        out += indent + "set default=\"${saved_entry}\"\n";
        if (default_image_ >= 0) {
            // The default-th entry that is not removed.
            int live = 0;
            for (const auto& e : entries_) {
                if (e.skip) continue;
                if (live++ != default_image_) continue;
                if (const Line* m = first_line(e, lt::menuentry)) saved = unquote(word(*m, 1));
                break;
            }
        }
    } else if (default_image_ >= 0) {
        out += indent + "set default=\"" + std::to_string(default_image_) + "\"\n";
    }
}

GrubbyCfg::Written GrubbyCfg::write() const {
    Written w;
    bool main_default = false;
    for (const auto& l : lines_) {
        if (is_set_default(l) || l.type == lt::default_) {
            if (keep_default_line_ && default_image_ == no_default)
                write_line(l, w.text);
            else
                write_default(w.text, l.indent, l.elements[0].indent, w.saved_entry);
            main_default = true;
        } else if (l.type == lt::fallback) {
            if (fallback_image_ > -1)
                w.text += l.indent + l.elements[0].item + l.elements[0].indent + std::to_string(fallback_image_) + "\n";
        } else {
            write_line(l, w.text);
        }
    }
    if (!main_default) write_default(w.text, primary_indent_, "=", w.saved_entry);
    for (const auto& e : entries_) {
        if (e.skip) continue;
        for (const auto& l : e.lines)
            write_line(l, w.text);
    }
    return w;
}

// --- Helpers ------------------------------------------------------------------------------

std::optional<std::string> grubby_cfg_problem(std::string_view text) {
    if (text.find('\0') != std::string_view::npos) return "contains NUL bytes: not a grub.cfg text file";
    grub::Menu menu = grub::parse_menu(text);
    if (!menu.diagnostics.empty()) return menu.diagnostics.front();
    return std::nullopt;
}

std::optional<std::vector<std::string>> grubby_split_args(std::string_view s) {
    std::vector<std::string> out;
    std::string cur;
    char quote = '\0';
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (quote != '\0' && c == quote) {
            quote = '\0';
        } else if (quote != '\0') {
            if (c == '\\') {
                if (++i == s.size()) return std::nullopt;
                if (s[i] != quote) cur += '\\';
                c = s[i];
            }
            cur += c;
        } else if (is_space(c)) {
            if (!cur.empty()) out.push_back(std::exchange(cur, {}));
        } else if (is_quote(c)) {
            quote = c;
        } else {
            if (c == '\\') {
                if (++i == s.size()) return std::nullopt;
                c = s[i];
            }
            cur += c;
        }
    }
    if (!cur.empty()) out.push_back(cur);
    if (out.empty()) return std::nullopt;
    return out;
}

} // namespace bootsmith::kernel
