// The GRUB environment block, edited the way grub-editenv 2.06 (grub-core/lib/envblk.c) does.
//
// The block is not parsed into a model and written back: grub-editenv edits the bytes in place
// (a line replaced, the rest shifted, '#' padding moved to the end), and what it does to odd
// blocks — comment lines continued by a backslash, lines without '=', text after the padding —
// only stays byte-identical if the same scans run over the same bytes. So every operation below
// is one of envblk.c's scans, with indices instead of pointers and every access bounds-checked.
#include "bootsmith/grub/grubenv.hpp"

#include "bootsmith/error.hpp"
#include "bootsmith/text.hpp"

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace bootsmith::grub {

namespace {

constexpr std::size_t npos = std::string_view::npos;
/// Every scan starts right after the signature; the WARNING line is an ordinary comment line.
constexpr std::size_t kStart = EnvBlock::kSignature.size();

/// envblk.c's find_next_line: the offset after the newline that ends the line starting at `i`.
/// A backslash escapes the next byte, newline included; comment lines are scanned the same way,
/// so "# c\" continues onto the next line. May return past the end (size + 1 or size + 2).
std::size_t next_line(std::string_view b, std::size_t i) {
    while (i < b.size()) {
        if (b[i] == '\\')
            i += 2;
        else if (b[i] == '\n')
            break;
        else
            ++i;
    }
    return i + 1;
}

/// Offset of the unescaped newline that ends a value starting at `v`, or npos when the value
/// runs to the end of the block ("broken" in envblk.c: the line is ignored or refused).
std::size_t value_end(std::string_view b, std::size_t v) {
    std::size_t i = v;
    while (i < b.size() && b[i] != '\n')
        i += b[i] == '\\' ? 2 : 1;
    return i < b.size() ? i : npos;
}

/// The trailing run of '#' (free space) starts at `space`. grub_envblk_set trusts it only
/// when a newline precedes it; otherwise the last line is unterminated and nothing can be set.
/// The signature ends with '\n', so the backward scan stops at kStart at the latest.
struct Padding {
    std::size_t space;
    bool broken;
};

Padding padding(std::string_view b) {
    std::size_t s = b.size();
    while (s > kStart && b[s - 1] == '#')
        --s;
    return {s, b[s - 1] != '\n'};
}

std::size_t escaped_size(std::string_view value) {
    std::size_t n = value.size();
    for (char c : value)
        n += c == '\\' || c == '\n';
    return n;
}

void append_escaped(std::string& out, std::string_view value) {
    for (char c : value) {
        if (c == '\\' || c == '\n') out += '\\';
        out += c;
    }
}

/// Start offsets of every occurrence of `needle` in `text` (overlapping ones included), by
/// Knuth-Morris-Pratt: linear however the two are made.
std::vector<std::size_t> occurrences(std::string_view text, std::string_view needle) {
    std::vector<std::size_t> hits;
    if (needle.empty() || needle.size() > text.size()) return hits;
    std::vector<std::size_t> border(needle.size(), 0);
    for (std::size_t i = 1, k = 0; i < needle.size(); ++i) {
        while (k > 0 && needle[i] != needle[k])
            k = border[k - 1];
        if (needle[i] == needle[k]) ++k;
        border[i] = k;
    }
    for (std::size_t i = 0, k = 0; i < text.size(); ++i) {
        while (k > 0 && text[i] != needle[k])
            k = border[k - 1];
        if (text[i] == needle[k]) ++k;
        if (k == needle.size()) {
            hits.push_back(i + 1 - k);
            k = border[k - 1];
        }
    }
    return hits;
}

/// The first line (in find_next_line's sense, comment lines included) that starts with
/// "name=", searching while the '=' lies before `bound - 1` — set bounds the search by the
/// padding, unset by the end of the block. npos when there is none.
///
/// A name without a newline cannot be compared past the end of the line it starts on, so the
/// direct comparison is linear in the block. A name with newlines (grub-editenv accepts them)
/// could match across many lines from every line start; its matches are found once instead.
std::size_t find_line(std::string_view b, std::string_view name, std::size_t bound) {
    const std::size_t nl = name.size();
    const bool direct = name.find('\n') == npos;
    std::vector<std::size_t> hits;
    if (!direct) hits = occurrences(b.substr(0, bound), std::string(name) + '=');
    std::size_t h = 0;
    for (std::size_t p = kStart; p + nl + 1 < bound; p = next_line(b, p)) {
        if (direct) {
            if (b.compare(p, nl, name) == 0 && b[p + nl] == '=') return p;
        } else {
            while (h < hits.size() && hits[h] < p)
                ++h;
            if (h < hits.size() && hits[h] == p) return p;
        }
    }
    return npos;
}

/// A raw NAME=VALUE line as grub_envblk_iterate sees it: byte offsets into the block.
struct RawVar {
    std::size_t start = 0, eq = 0, end = 0; ///< line start, the '=', the newline ending the value
};

/// How iteration ended: at the end of the block, or on text it could not read.
enum class Tail { clean, no_equals, unterminated };

/// grub_envblk_iterate: lines starting with '#' are skipped; otherwise the name runs to the
/// first '=' — across newlines, which is how a line without '=' swallows the next one — and
/// the value to the first unescaped newline. Text without '=' or without a final newline ends
/// the iteration silently. `at` receives the offset where it stopped (for warnings);
/// `comment(start, next)` is called for each comment line, `next` being where the next line
/// starts (past an escaped newline: "# c\" joins the next line to the comment).
template <typename F, typename C> Tail iterate(std::string_view b, F&& each, std::size_t* at, C&& comment) {
    std::size_t p = kStart;
    while (p < b.size()) {
        if (b[p] != '#') {
            if (at) *at = p;
            const std::size_t eq = b.find('=', p);
            if (eq == npos) return Tail::no_equals;
            const std::size_t end = value_end(b, eq + 1);
            if (end == npos) return Tail::unterminated;
            each(RawVar {p, eq, end});
            p = next_line(b, end);
        } else {
            const std::size_t next = next_line(b, p);
            comment(p, next);
            p = next;
        }
    }
    return Tail::clean;
}

template <typename F> Tail iterate(std::string_view b, F&& each, std::size_t* at = nullptr) {
    return iterate(b, std::forward<F>(each), at, [](std::size_t, std::size_t) {});
}

/// C strings end at NUL: GRUB's load_env and `grub-editenv list` see names and values cut there.
std::string c_string(std::string s) {
    if (std::size_t z = s.find('\0'); z != npos) s.resize(z);
    return s;
}

std::string unescape(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
        out += raw[i];
    }
    return out;
}

EnvVar decode(std::string_view b, const RawVar& v) {
    return {c_string(std::string(b.substr(v.start, v.eq - v.start))),
            c_string(unescape(b.substr(v.eq + 1, v.end - v.eq - 1)))};
}

/// A name or value for a one-line message: control bytes escaped, long text cut.
std::string shown(std::string_view s) {
    constexpr std::size_t kMax = 60;
    if (s.size() <= kMax) return printable(s);
    return printable(s.substr(0, kMax)) + "...";
}

Error too_small(const std::string& what, std::size_t free, std::size_t needed, std::string_view name) {
    return Error(Exit::data, what + ": environment block too small (" + std::to_string(free) + " bytes free, " +
                                 std::to_string(needed) + " needed to set '" + shown(name) + "')");
}

/// grub_envblk_set on a copy: the new bytes, or Error(data) with the block left alone.
std::string with_set(const std::string& b, std::string_view name, std::string_view value, const std::string& what) {
    const auto [space, broken] = padding(b);
    if (broken)
        throw Error(Exit::data, what + ": environment block too small (no usable free space: the text before the '#' "
                                       "padding does not end with a newline)");
    const std::size_t free = b.size() - space;
    const std::size_t esc = escaped_size(value);
    std::string out;
    out.reserve(b.size());
    if (const std::size_t p = find_line(b, name, space); p != npos) {
        // Replaced in place: the rest of the block shifts, the padding absorbs the difference.
        const std::size_t v = p + name.size() + 1;
        const std::size_t e = value_end(b, v);
        if (e == npos)
            throw Error(Exit::data, what + ": environment block too small (the line of '" + shown(name) +
                                        "' has no end before the end of the block)");
        if (esc > e - v && esc - (e - v) > free) throw too_small(what, free, esc - (e - v), name);
        // The padding is all '#', so the line's newline lies before it: e < space.
        out.append(b, 0, v);
        append_escaped(out, value);
        out.append(b, e, space - e);
    } else {
        const std::size_t need = name.size() + 1 + esc + 1;
        if (need > free) throw too_small(what, free, need, name);
        out.append(b, 0, space);
        out.append(name);
        out += '=';
        append_escaped(out, value);
        out += '\n';
    }
    out.append(b.size() - out.size(), '#');
    return out;
}

/// What grub-editenv's command line could not express: '=' ends the name at `set NAME=VALUE`,
/// and argv strings end at NUL.
void check_assignment(const std::string& what, std::string_view name, std::string_view value) {
    if (name.find('=') != npos)
        throw Error(Exit::usage, what + ": invalid variable name '" + shown(name) + "': it contains '='");
    if (name.find('\0') != npos)
        throw Error(Exit::usage, what + ": invalid variable name '" + shown(name) + "': it contains a NUL byte");
    if (value.find('\0') != npos)
        throw Error(Exit::usage, what + ": invalid value for '" + shown(name) + "': it contains a NUL byte");
}

/// rhboot's read_env_block_var accepts "<sector>+<count>" with a non-zero count.
bool valid_env_block(std::string_view v) {
    const std::size_t plus = v.find('+');
    if (plus == npos || plus == 0 || plus + 1 == v.size()) return false;
    bool nonzero = false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i == plus) continue;
        if (v[i] < '0' || v[i] > '9') return false;
        if (i > plus && v[i] != '0') nonzero = true;
    }
    return nonzero;
}

} // namespace

EnvBlock EnvBlock::create() {
    EnvBlock blk;
    blk.what_ = "grubenv";
    blk.bytes_.reserve(kDefaultSize);
    blk.bytes_.append(kSignature);
    blk.bytes_.append(kWarning);
    blk.bytes_.append(kDefaultSize - blk.bytes_.size(), '#');
    return blk;
}

EnvBlock EnvBlock::parse(std::string bytes, std::string what) {
    // grub_envblk_open wants the signature and at least one byte after it (it compares
    // sizeof(signature) including the NUL against the size): the bare 25-byte signature is invalid.
    if (bytes.size() <= kSignature.size() || bytes.compare(0, kSignature.size(), kSignature) != 0) {
        std::string why = "no '# GRUB Environment Block' signature";
        std::string hint;
        if (bytes.empty())
            why = "empty file, " + why;
        else if (bytes == kSignature)
            why = "nothing after the '# GRUB Environment Block' signature";
        else if (bytes.compare(0, kSignature.size() - 1, kSignature.substr(0, kSignature.size() - 1)) == 0 &&
                 bytes[kSignature.size() - 1] == '\r')
            hint = "the signature ends with CRLF; GRUB only accepts a LF line end";
        throw Error(Exit::data, what + ": invalid environment block (" + why + ")", hint);
    }
    EnvBlock blk;
    blk.bytes_ = std::move(bytes);
    blk.what_ = std::move(what);
    return blk;
}

std::vector<EnvVar> EnvBlock::list() const {
    std::vector<EnvVar> vars;
    iterate(bytes_, [&](const RawVar& v) { vars.push_back(decode(bytes_, v)); });
    return vars;
}

std::optional<std::string> EnvBlock::get(std::string_view name) const {
    // load_env sets every variable in file order, so the last assignment is the one in effect.
    std::optional<std::string> found;
    iterate(bytes_, [&](const RawVar& v) {
        EnvVar var = decode(bytes_, v);
        if (var.name == name) found = std::move(var.value);
    });
    return found;
}

void EnvBlock::set(std::string_view name, std::string_view value) {
    check_assignment(what_, name, value);
    bytes_ = with_set(bytes_, name, value, what_);
}

void EnvBlock::set_all(const std::vector<EnvVar>& vars) {
    for (const EnvVar& v : vars)
        check_assignment(what_, v.name, v.value);
    // grub-editenv sets them one after the other in memory and writes only when all fit.
    std::string b = bytes_;
    for (const EnvVar& v : vars)
        b = with_set(b, v.name, v.value, what_);
    bytes_ = std::move(b);
}

void EnvBlock::unset(std::string_view name) {
    // grub_envblk_delete takes the name as given, '=' included (unset "a=b" removes a line
    // "a=b=..."); only a NUL cannot come through grub-editenv's command line.
    if (name.find('\0') != npos)
        throw Error(Exit::usage, what_ + ": invalid variable name '" + shown(name) + "': it contains a NUL byte");
    const std::size_t p = find_line(bytes_, name, bytes_.size());
    if (p == npos) return;
    const std::size_t e = value_end(bytes_, p + name.size() + 1);
    if (e == npos) return; // envblk.c leaves a line without an end alone
    // The line goes, everything after it (padding and any text after the padding) moves up,
    // and the end of the block is refilled with '#'.
    const std::size_t len = e + 1 - p;
    bytes_.erase(p, len);
    bytes_.append(len, '#');
}

std::size_t EnvBlock::free_space() const {
    const auto [space, broken] = padding(bytes_);
    return broken ? 0 : bytes_.size() - space;
}

std::optional<std::string> EnvBlock::external_block() const {
    // rhboot's grub2-editenv uses the first env_block line whose value it can read.
    std::optional<std::string> found;
    iterate(bytes_, [&](const RawVar& v) {
        if (found) return;
        EnvVar var = decode(bytes_, v);
        if (var.name == "env_block" && valid_env_block(var.value)) found = "env_block=" + var.value;
    });
    return found;
}

std::vector<std::string> EnvBlock::warnings() const {
    std::vector<std::string> out;
    const std::string& w = what_;
    if (bytes_.size() != kDefaultSize)
        out.push_back(w + ": the block is " + std::to_string(bytes_.size()) + " bytes, not " +
                      std::to_string(kDefaultSize) + " (GRUB and grub-editenv keep its size)");

    // A garbage block can hold thousands of odd lines: each kind is reported a few times, then counted.
    constexpr std::size_t kMaxEach = 10;
    struct Kind {
        std::vector<std::string> lines;
        std::size_t more = 0;
        void add(std::string line) {
            if (lines.size() < kMaxEach)
                lines.push_back(std::move(line));
            else
                ++more;
        }
    };
    Kind joined, nul, dup, escaped;
    // Names are counted as views into the block (cut at NUL, as GRUB sees them): a garbage block
    // may hold many thousands of variables, and only the duplicates are ever decoded.
    struct Seen {
        std::size_t count = 0;
        RawVar last;
    };
    std::unordered_map<std::string_view, Seen> names;
    std::vector<std::string_view> order;
    bool bad_env_block = false;
    std::size_t stop = 0;
    const std::string_view b = bytes_;
    const Tail tail = iterate(
        b,
        [&](const RawVar& v) {
            const std::string_view raw_name = b.substr(v.start, v.eq - v.start);
            const std::string_view raw_value = b.substr(v.eq + 1, v.end - v.eq - 1);
            if (const std::size_t nl = raw_name.find('\n'); nl != npos)
                joined.add(w + ": the line '" + shown(raw_name.substr(0, nl)) +
                           "' has no '=', so GRUB reads it and the next line as one variable named '" +
                           shown(raw_name) + "'");
            if (raw_name.find('\0') != npos || raw_value.find('\0') != npos)
                nul.add(w + ": variable '" + shown(raw_name) + "' contains a NUL byte; GRUB cuts it there");
            const std::string_view name = raw_name.substr(0, raw_name.find('\0'));
            if (name == "env_block" && !valid_env_block(decode(b, v).value)) bad_env_block = true;
            Seen& s = names[name];
            if (s.count++ == 0) order.push_back(name);
            s.last = v;
        },
        &stop,
        [&](std::size_t start, std::size_t next) {
            // A comment whose last byte is a backslash escapes its newline: GRUB (and
            // grub-editenv) read the next line, or the variable a set appends there, as
            // part of the comment.
            std::string_view text = b.substr(start, std::min(next, b.size()) - start);
            if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
            if (const std::size_t nl = text.find('\n'); nl != npos)
                escaped.add(w + ": the comment '" + shown(text.substr(0, nl)) +
                            "' ends with a backslash, so GRUB reads the next line as part of it (a variable "
                            "set after it is not seen)");
        });
    for (const std::string_view n : order) {
        const Seen& s = names[n];
        if (s.count > 1)
            dup.add(w + ": '" + shown(n) + "' is assigned " + std::to_string(s.count) +
                    " times; GRUB uses the last ('" + shown(decode(b, s.last).value) +
                    "'), grub-editenv set and unset change the first");
    }
    for (auto [kind, what] :
         {std::pair {&joined, "lines without '='"}, std::pair {&nul, "variables with a NUL byte"},
          std::pair {&dup, "duplicate names"}, std::pair {&escaped, "comments ending in a backslash"}}) {
        out.insert(out.end(), kind->lines.begin(), kind->lines.end());
        if (kind->more > 0) out.push_back(w + ": ... and " + std::to_string(kind->more) + " more " + what);
    }
    if (bad_env_block) out.push_back(w + ": an env_block line is not '<sector>+<count>'; GRUB tools ignore it");

    const std::string_view rest = std::string_view(bytes_).substr(stop);
    if (tail == Tail::no_equals)
        out.push_back(w + ": the text '" + shown(rest) + "' has no '='; GRUB ignores it");
    else if (tail == Tail::unterminated)
        out.push_back(w + ": the last line '" + shown(rest) +
                      "' does not end with a newline; GRUB and grub-editenv ignore it");

    const auto [space, broken] = padding(bytes_);
    if (broken)
        out.push_back(w + ": no usable free space (the text before the '#' padding does not end with a newline); "
                          "every set fails");
    else if (space == bytes_.size())
        out.push_back(w + ": no '#' padding left; set can only shorten values");
    return out;
}

std::optional<EnvVar> parse_assignment(std::string_view arg) {
    auto eq = arg.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    return EnvVar {std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1))};
}

EnvFile read_env_file(const sys::Root& root, const std::string& path) {
    auto bytes = root.read(path, 1u << 20);
    std::string what = root.display(path);
    EnvBlock block = EnvBlock::parse(bytes ? *bytes : std::string(EnvBlock::create().bytes()), what);
    return EnvFile {path, std::move(bytes), std::move(block)};
}

std::string default_grubenv_path(const sys::Root& root) {
    static constexpr std::string_view kGrub = "/boot/grub/grubenv", kGrub2 = "/boot/grub2/grubenv";
    if (root.exists(kGrub)) return std::string(kGrub);
    if (root.exists(kGrub2)) return std::string(kGrub2);
    if (root.is_dir("/boot/grub")) return std::string(kGrub);
    if (root.is_dir("/boot/grub2")) return std::string(kGrub2);
    return std::string(kGrub);
}

} // namespace bootsmith::grub
