// BLS Type #1 entries: file names with boot counting, a lossless line-based reader/editor,
// kernel command line edits and the menu orders of systemd-boot, GRUB blscfg and grubby
// (../shared/notes/kernels-bls.md §1–2). Version comparisons live in version.cpp.
#include "bootsmith/kernel/bls.hpp"

#include "bootsmith/text.hpp"
#include "chars.hpp"

#include <algorithm>
#include <climits>
#include <functional>
#include <string>

namespace bootsmith::kernel {
namespace {

using namespace chars;

std::size_t skip_blanks(std::string_view s, std::size_t i) {
    while (i < s.size() && is_blank(s[i]))
        ++i;
    return i;
}

// ---- file names ---------------------------------------------------------------------------

constexpr std::string_view kConf = ".conf";
constexpr std::size_t kMaxFileName = 255;

bool is_name_char(char c) {
    return is_digit(c) || is_alpha(c) || c == '+' || c == '-' || c == '_' || c == '.';
}

/// A non-empty run of decimal digits that fits in `unsigned`.
std::optional<unsigned> counter_number(std::string_view digits) {
    if (digits.empty()) return std::nullopt;
    unsigned long long v = 0;
    for (char c : digits) {
        if (!is_digit(c)) return std::nullopt;
        v = v * 10 + static_cast<unsigned>(c - '0');
        if (v > UINT_MAX) return std::nullopt;
    }
    return static_cast<unsigned>(v);
}

/// "<left>[-<done>]", the text after the last '+' of an id.
std::optional<BootCounter> parse_counter(std::string_view text) {
    const auto dash = text.find('-');
    const auto left = counter_number(text.substr(0, dash));
    if (!left) return std::nullopt;
    BootCounter c;
    c.left = *left;
    c.left_width = text.substr(0, dash).size();
    if (dash != std::string_view::npos) {
        const auto done = counter_number(text.substr(dash + 1));
        if (!done) return std::nullopt;
        c.done = *done;
        c.done_width = text.size() - dash - 1;
    }
    return c;
}

// ---- entry lines ------------------------------------------------------------------------------

/// Keys that may appear more than once (the specification's and GRUB's repeatable keys).
bool repeatable(std::string_view key) {
    return key == "initrd" || key == "options" || key == "extra" || key == "grub_arg" || key == "grub_class";
}

/// How rhboot GRUB's blscfg reads one line: '\r' dropped, the line ends at a NUL, leading blanks
/// skipped, '#' comments skipped; the key ends at the first space (else the first tab); no
/// separator, or nothing after it, ends the whole file.
struct GrubLine {
    enum Kind { comment, stop, key_value } kind = stop;
    std::string_view key; ///< into the line, or into the caller's scratch buffer
    std::string_view value;
};

/// blscfg's split of a line that holds no '\r' and no NUL.
GrubLine blscfg_split(std::string_view src) {
    std::string_view rest = src.substr(skip_blanks(src, 0));
    GrubLine g;
    if (!rest.empty() && rest[0] == '#') {
        g.kind = GrubLine::comment;
        return g;
    }
    auto sep = rest.find(' ');
    if (sep == std::string_view::npos) sep = rest.find('\t');
    if (sep == std::string_view::npos || sep + 1 == rest.size()) return g;
    g.kind = GrubLine::key_value;
    g.key = rest.substr(0, sep);
    g.value = rest.substr(skip_blanks(rest, sep + 1));
    return g;
}

/// `scratch` holds the line without its '\r's when it has any; the views of the result point
/// into `raw` or `scratch`, so both must outlive it.
GrubLine blscfg_line(std::string_view raw, std::string& scratch) {
    std::string_view src = c_string(raw);
    if (src.find('\r') != std::string_view::npos) {
        scratch.clear();
        for (char c : src)
            if (c != '\r') scratch += c;
        src = scratch;
    }
    return blscfg_split(src);
}

BlsEntry::Line parse_line(std::string_view raw) {
    BlsEntry::Line line;
    line.raw = std::string(raw);
    const std::size_t start = skip_blanks(raw, 0);
    // blscfg's reading, worked out here once: diagnostics, options_grub and edits ask for it
    // line by line. A line with '\r' or NUL is read on demand (blscfg_line below).
    if (raw.find('\r') == std::string_view::npos && raw.find('\0') == std::string_view::npos &&
        raw.size() <= UINT32_MAX) {
        const GrubLine g = blscfg_split(raw);
        line.grub = static_cast<std::uint8_t>(1 + g.kind);
        if (g.kind == GrubLine::key_value) {
            line.grub_key_at = static_cast<std::uint32_t>(g.key.data() - raw.data());
            line.grub_key_size = static_cast<std::uint32_t>(g.key.size());
            line.grub_value_at = static_cast<std::uint32_t>(g.value.data() - raw.data());
        }
    }
    if (start == raw.size()) return line; // blank line
    if (raw[start] == '#') {
        line.comment = true;
        return line;
    }
    std::size_t key_end = start;
    while (key_end < raw.size() && !is_blank(raw[key_end]))
        ++key_end;
    line.key = std::string(raw.substr(start, key_end - start));
    line.value = std::string(raw.substr(skip_blanks(raw, key_end)));
    return line;
}

/// blscfg_line of a parsed line: from what parse worked out, else from its bytes.
GrubLine blscfg_line(const BlsEntry::Line& l, std::string& scratch) {
    if (l.grub == 0) return blscfg_line(l.raw, scratch);
    GrubLine g;
    g.kind = static_cast<GrubLine::Kind>(l.grub - 1);
    if (g.kind == GrubLine::key_value) {
        const std::string_view raw(l.raw);
        g.key = raw.substr(l.grub_key_at, l.grub_key_size);
        g.value = raw.substr(l.grub_value_at);
    }
    return g;
}

bool is_key_line(const BlsEntry::Line& l) {
    return !l.key.empty();
}

/// The value of the first `key` line blscfg takes from `lines`, up to where it stops reading.
std::optional<std::string> blscfg_get(const std::vector<BlsEntry::Line>& lines, std::string_view key) {
    std::string scratch;
    for (const auto& l : lines) {
        GrubLine g = blscfg_line(l, scratch);
        if (g.kind == GrubLine::stop) break;
        if (g.kind == GrubLine::key_value && g.key == key) return std::string(g.value);
    }
    return std::nullopt;
}

std::string trim_trailing_blanks(std::string_view s) {
    std::size_t n = s.size();
    while (n > 0 && is_blank(s[n - 1]))
        --n;
    return std::string(s.substr(0, n));
}

/// A key an edit can write: one word, not a comment.
bool writable_key(std::string_view key) {
    if (key.empty() || key[0] == '#') return false;
    for (char c : key)
        if (is_blank(c) || c == '\n' || c == '\r' || c == '\0') return false;
    return true;
}

/// A value as an edit writes it: line breaks ('\n', '\r') become spaces and leading blanks go
/// (they would read back as part of the separator). "" when GRUB would see no value at all
/// (nothing before a NUL): such a line would end GRUB's reading of the file.
std::string writable_value(std::string_view value) {
    std::string v(value);
    for (char& c : v)
        if (c == '\n' || c == '\r') c = ' ';
    v.erase(0, skip_blanks(v, 0));
    return v.empty() || v[0] == '\0' ? std::string() : v;
}

/// Where a new key goes: after the last key line (with none, after the last comment), but never
/// below a line where GRUB's blscfg stops reading, so that GRUB sees it.
std::size_t insertion_point(const std::vector<BlsEntry::Line>& lines) {
    std::size_t at = lines.size();
    while (at > 0 && !is_key_line(lines[at - 1]))
        --at;
    if (at == 0) {
        at = lines.size();
        while (at > 0 && !lines[at - 1].comment)
            --at;
    }
    for (std::size_t i = 0; i < at; ++i)
        if (std::string scratch; blscfg_line(lines[i], scratch).kind == GrubLine::stop) return i;
    return at;
}

/// What comes before the value in `line` ("options    "), with at least one separating blank.
std::string key_prefix(const BlsEntry::Line& line) {
    std::string prefix = line.raw.substr(0, line.raw.size() - line.value.size());
    if (prefix.empty() || !is_blank(prefix.back())) prefix += ' ';
    return prefix;
}

// ---- diagnostics --------------------------------------------------------------------------------

constexpr std::size_t kGrubMaxFile = 1024 * 1024; // blscfg skips bigger files

std::string at_line(std::size_t index) {
    return "line " + std::to_string(index + 1) + ": ";
}
std::string quoted(std::string_view key) {
    return "`" + printable(key) + "`";
}

/// Byte-level problems of one line: NUL, invalid UTF-8, carriage return.
void byte_diagnostics(const BlsEntry::Line& l, std::size_t i, std::vector<std::string>& out) {
    const bool plain = l.grub != 0; // parse found neither NUL nor '\r'
    if (!plain && l.raw.find('\0') != std::string::npos)
        out.push_back(at_line(i) + "NUL byte: readers written in C see the line end there");
    if (!is_utf8(l.raw)) out.push_back(at_line(i) + "not valid UTF-8");
    if (!plain && l.raw.find('\r') != std::string::npos)
        out.push_back(at_line(i) + "carriage return: GRUB drops it, systemd strips it only at the line end");
}

/// Problems of one key line's layout: leading blanks, tab-then-space separators, no value,
/// trailing blanks.
void layout_diagnostics(const BlsEntry::Line& l, std::size_t i, std::vector<std::string>& out, std::string& scratch) {
    if (!is_key_line(l)) return;
    if (is_blank(l.raw[0]))
        out.push_back(at_line(i) + "leading blanks before " + quoted(l.key) + ": grubby-bls does not see this key");
    const GrubLine g = blscfg_line(l, scratch);
    if (g.kind == GrubLine::key_value && g.key != l.key)
        out.push_back(at_line(i) + "GRUB's blscfg splits at the first space and reads the key " + quoted(g.key));
    if (l.value.empty())
        out.push_back(at_line(i) + quoted(l.key) + " has no value");
    else if (is_blank(l.value.back()))
        out.push_back(at_line(i) + "trailing blanks after the value of " + quoted(l.key) +
                      ": systemd strips them, GRUB keeps them");
}

/// Where blscfg stops reading while key lines follow: everything after is lost to GRUB.
void grub_stop_diagnostic(const std::vector<BlsEntry::Line>& lines, std::vector<std::string>& out,
                          std::string& scratch) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const GrubLine g = blscfg_line(lines[i], scratch);
        if (g.kind == GrubLine::comment) continue;
        if (g.kind == GrubLine::key_value) continue;
        std::size_t lost = 0;
        for (std::size_t j = i + 1; j < lines.size(); ++j)
            lost += is_key_line(lines[j]) ? 1 : 0;
        if (lost == 0) return;
        const std::string what = is_key_line(lines[i]) ? quoted(lines[i].key) + " without value" : "empty line";
        out.push_back(at_line(i) + what + ": GRUB's blscfg stops reading here (" + std::to_string(lost) +
                      " later key line(s) ignored)");
        return;
    }
}

/// Keys given more than once where readers pick different lines.
void repeat_diagnostics(const std::vector<BlsEntry::Line>& lines, std::vector<std::string>& out) {
    std::vector<std::pair<std::string_view, std::size_t>> first; // key → line of its first occurrence
    first.reserve(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string& key = lines[i].key;
        if (key.empty()) continue;
        auto it = std::find_if(first.begin(), first.end(), [&](const auto& p) { return p.first == key; });
        if (it == first.end()) {
            first.emplace_back(key, i);
        } else if (key == "options") {
            out.push_back(at_line(i) + "another `options` line: GRUB's blscfg uses only the first (line " +
                          std::to_string(it->second + 1) + "), systemd joins them");
        } else if (!repeatable(key)) {
            out.push_back(at_line(i) + quoted(key) + " repeated: GRUB uses the first (line " +
                          std::to_string(it->second + 1) + "), systemd the last");
        }
    }
}

// ---- orders -----------------------------------------------------------------------------------------

/// Stable merge sort of 0…n-1 by `before`; safe (no out-of-range access, terminates) even when
/// `before` is not a strict weak order, as version comparisons on odd input may not be.
std::vector<std::size_t> stable_order(std::size_t n, const std::function<bool(std::size_t, std::size_t)>& before) {
    std::vector<std::size_t> idx(n), tmp(n);
    for (std::size_t i = 0; i < n; ++i)
        idx[i] = i;
    for (std::size_t width = 1; width < n; width *= 2) {
        for (std::size_t lo = 0; lo < n; lo += 2 * width) {
            const std::size_t mid = std::min(lo + width, n), hi = std::min(lo + 2 * width, n);
            std::size_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi)
                tmp[k++] = before(idx[b], idx[a]) ? idx[b++] : idx[a++];
            while (a < mid)
                tmp[k++] = idx[a++];
            while (b < hi)
                tmp[k++] = idx[b++];
        }
        idx.swap(tmp);
    }
    return idx;
}

/// systemd-boot's / bootctl's boot_entry_compare (negative: `a` shows first). bootctl 252
/// compares ids with their ".conf" suffix and without the boot counter.
int uapi_entry_order(const BlsSortKey& a, const BlsSortKey& b) {
    if (int r = cmp(a.name.bad(), b.name.bad())) return r; // tries exhausted: last
    const bool ha = !a.sort_key.empty(), hb = !b.sort_key.empty();
    if (int r = cmp(!ha, !hb)) return r; // entries with a sort-key first
    if (ha && hb) {
        if (int r = sign(c_string(a.sort_key).compare(c_string(b.sort_key)))) return r;
        if (int r = sign(c_string(a.machine_id).compare(c_string(b.machine_id)))) return r;
        if (int r = uapi_version_compare(a.version, b.version)) return -r; // newest first
    }
    return -uapi_version_compare(a.name.stem + std::string(kConf), b.name.stem + std::string(kConf));
}

/// blscfg's split_package_string: name-version-release at the last two '-'; with one '-' the
/// part after it is the version, with none the whole id is the name.
struct Nvr {
    std::string_view name, version, release;
};

Nvr split_nvr(std::string_view id) {
    id = c_string(id);
    Nvr nvr {id, {}, {}};
    const auto last = id.rfind('-');
    if (last == std::string_view::npos) return nvr;
    const std::string_view head = id.substr(0, last), tail = id.substr(last + 1);
    const auto second = head.rfind('-');
    if (second == std::string_view::npos) return {head, tail, {}};
    return {head.substr(0, second), head.substr(second + 1), tail};
}

/// blscfg's bls_cmp on split ids: positive when `x` is newer.
int nvr_compare(const Nvr& x, const Nvr& y) {
    if (int r = rpm_vercmp(x.name, y.name)) return r;
    if (int r = rpm_vercmp(x.version, y.version)) return r;
    return rpm_vercmp(x.release, y.release);
}

/// blscfg's bls_add_entry, entry by entry in `keys` order: each goes before the first listed
/// entry it is newer than; one equal to a listed entry met on the way is dropped.
std::vector<std::size_t> blscfg_order(const std::vector<BlsSortKey>& keys) {
    std::vector<Nvr> nvr;
    nvr.reserve(keys.size());
    for (const auto& k : keys)
        nvr.push_back(split_nvr(k.name.id));
    std::vector<std::size_t> menu;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        std::size_t pos = 0;
        int rc = -1;
        for (; pos < menu.size(); ++pos) {
            rc = nvr_compare(nvr[i], nvr[menu[pos]]);
            if (rc >= 0) break;
        }
        if (rc == 0 && pos < menu.size()) continue; // duplicate: GRUB drops it
        menu.insert(menu.begin() + static_cast<std::ptrdiff_t>(pos), i);
    }
    return menu;
}

/// `sort -Vr` on the ids: version order, then byte order (sort's last resort), both reversed.
bool grubby_before(const BlsSortKey& a, const BlsSortKey& b) {
    if (int r = sort_v_compare(a.name.id, b.name.id)) return r > 0;
    return a.name.id > b.name.id;
}

} // namespace

// ---- file names ---------------------------------------------------------------------------------

std::optional<BlsName> parse_bls_name(std::string_view file) {
    if (file.size() > kMaxFileName || file.size() <= kConf.size()) return std::nullopt;
    if (file.substr(file.size() - kConf.size()) != kConf || file[0] == '.') return std::nullopt;
    for (char c : file)
        if (!is_name_char(c)) return std::nullopt;
    BlsName name;
    name.file = std::string(file);
    name.id = std::string(file.substr(0, file.size() - kConf.size()));
    name.stem = name.id;
    if (const auto plus = name.id.rfind('+'); plus != std::string::npos) {
        if (auto counter = parse_counter(std::string_view(name.id).substr(plus + 1))) {
            name.counter = counter;
            name.stem = name.id.substr(0, plus);
        }
    }
    return name;
}

// ---- BlsEntry ---------------------------------------------------------------------------------------

BlsEntry BlsEntry::parse(std::string_view text) {
    BlsEntry e;
    std::size_t lines = 1; // counted with memchr: a byte-by-byte count costs more than the parse
    for (auto at = text.find('\n'); at != std::string_view::npos; at = text.find('\n', at + 1))
        ++lines;
    e.lines_.reserve(lines);
    std::size_t start = 0;
    while (start < text.size()) {
        const auto nl = text.find('\n', start);
        if (nl == std::string_view::npos) {
            e.lines_.push_back(parse_line(text.substr(start)));
            e.final_newline_ = false;
            return e;
        }
        e.lines_.push_back(parse_line(text.substr(start, nl - start)));
        start = nl + 1;
    }
    e.final_newline_ = true;
    return e;
}

std::string BlsEntry::text() const {
    std::string out;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
        if (i > 0) out += '\n';
        out += lines_[i].raw;
    }
    if (final_newline_ && !lines_.empty()) out += '\n';
    return out;
}

std::optional<std::string_view> BlsEntry::find(std::string_view key) const {
    for (const auto& l : lines_)
        if (is_key_line(l) && l.key == key) return std::string_view(l.value);
    return std::nullopt;
}

std::optional<std::string> BlsEntry::get(std::string_view key) const {
    if (auto v = find(key)) return std::string(*v);
    return std::nullopt;
}

std::vector<std::string> BlsEntry::get_all(std::string_view key) const {
    std::vector<std::string> out;
    for (const auto& l : lines_)
        if (is_key_line(l) && l.key == key) out.push_back(l.value);
    return out;
}

std::string BlsEntry::options() const {
    std::string out;
    for (const auto& v : get_all("options")) {
        const std::string t = trim_trailing_blanks(v);
        if (t.empty()) continue;
        if (!out.empty()) out += ' ';
        out += t;
    }
    return out;
}

std::string BlsEntry::options_grub() const {
    return blscfg_get(lines_, "options").value_or(std::string());
}

std::vector<std::string> BlsEntry::initrds() const {
    std::vector<std::string> out;
    for (const auto& l : lines_) {
        if (!is_key_line(l) || l.key != "initrd") continue;
        const std::string_view v = l.value;
        std::size_t i = 0;
        while ((i = skip_blanks(v, i)) < v.size()) {
            std::size_t end = i;
            while (end < v.size() && !is_blank(v[end]))
                ++end;
            out.emplace_back(v.substr(i, end - i));
            i = end;
        }
    }
    return out;
}

void BlsEntry::set(std::string_view key, std::string_view value) {
    set_all(key, {std::string(value)});
}

void BlsEntry::set_all(std::string_view key, const std::vector<std::string>& values) {
    if (!writable_key(key)) return;
    std::vector<std::string> vals;
    for (const auto& v : values)
        if (std::string w = writable_value(v); !w.empty()) vals.push_back(std::move(w));
    if (vals.empty()) {
        remove(key);
        return;
    }
    // Where the new lines go (the first line of `key`, else a new place), and with which
    // key-and-separator text.
    std::size_t at = insertion_point(lines_);
    std::string prefix = std::string(key) + ' ';
    auto first = std::find_if(lines_.begin(), lines_.end(), [&](const Line& l) { return l.key == key; });
    if (first != lines_.end()) {
        at = static_cast<std::size_t>(first - lines_.begin());
        prefix = key_prefix(*first);
    }
    remove(key);
    std::vector<Line> fresh;
    for (const auto& v : vals)
        fresh.push_back(parse_line(prefix + v));
    lines_.insert(lines_.begin() + static_cast<std::ptrdiff_t>(at), fresh.begin(), fresh.end());
}

void BlsEntry::remove(std::string_view key) {
    if (!writable_key(key)) return;
    std::erase_if(lines_, [&](const Line& l) { return l.key == key; });
}

std::vector<std::string> BlsEntry::diagnostics() const {
    std::vector<std::string> out;
    std::size_t size = 0;
    for (const auto& l : lines_)
        size += l.raw.size() + 1;
    if (size > kGrubMaxFile)
        out.push_back("file is " + std::to_string(size) +
                      " bytes, over 1 MiB: GRUB's blscfg skips it, systemd refuses lines that long");
    std::string scratch; // blscfg_line's, reused from line to line
    for (std::size_t i = 0; i < lines_.size(); ++i) {
        byte_diagnostics(lines_[i], i, out);
        layout_diagnostics(lines_[i], i, out, scratch);
    }
    grub_stop_diagnostic(lines_, out, scratch);
    repeat_diagnostics(lines_, out);
    if (!find("linux") && !find("efi") && !find("uki"))
        out.push_back("no `linux`, `efi` or `uki` key: not bootable (GRUB's blscfg skips the entry)");
    return out;
}

// ---- orders -------------------------------------------------------------------------------------------

std::vector<std::size_t> bls_order(const std::vector<BlsSortKey>& keys, BlsOrder order) {
    switch (order) {
    case BlsOrder::uapi:
        return stable_order(keys.size(),
                            [&](std::size_t a, std::size_t b) { return uapi_entry_order(keys[a], keys[b]) < 0; });
    case BlsOrder::blscfg: return blscfg_order(keys);
    case BlsOrder::grubby:
        return stable_order(keys.size(), [&](std::size_t a, std::size_t b) { return grubby_before(keys[a], keys[b]); });
    }
    return {};
}

} // namespace bootsmith::kernel
