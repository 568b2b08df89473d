// Version orders of the tools that sort kernels and boot entries (../shared/notes/kernels-bls.md §2,
// grub.md §4.5). Each function follows the behaviour of the real tool, written from its documented
// rules and checked against the installed tool in tests/unit/bls_test.cpp:
//   uapi_version_compare   systemd's strverscmp_improved (systemd-analyze compare-versions)
//   rpm_vercmp             rhboot GRUB blscfg's copy of rpmvercmp ('+' like rpm's '^')
//   rpmlib_vercmp          librpm ≥ 4.15 rpmvercmp ('^')
//   sort_v_compare         gnulib filevercmp as GNU sort -V (coreutils 9.1) uses it
//   dpkg_version_compare   dpkg --compare-versions
// The C tools see NUL-terminated strings, so their comparisons stop at the first NUL byte;
// sort -V reads whole lines and compares NUL like any other byte.
#include "bootsmith/kernel/bls.hpp"

#include "chars.hpp"

#include <algorithm>
#include <climits>
#include <optional>
#include <string>

namespace bootsmith::kernel {
namespace {

using namespace chars;

/// A read position in a string that yields '\0' at and past the end, like C's terminator.
struct Cursor {
    std::string_view s;
    std::size_t i = 0;
    char at() const { return i < s.size() ? s[i] : '\0'; }
    bool end() const { return i >= s.size(); }
    /// Index just past the run of characters from here that satisfy `pred`.
    template <class Pred> std::size_t run(Pred pred) const {
        std::size_t j = i;
        while (j < s.size() && pred(s[j]))
            ++j;
        return j;
    }
};

// ---- UAPI.10 (systemd strverscmp_improved) ------------------------------------------------

bool uapi_allowed(char c) {
    return is_alnum(c) || c == '~' || c == '-' || c == '^' || c == '.';
}

/// One "marker" rule of UAPI.10 (steps 2, 4–6): when either side is at `mark`, the side without
/// it is newer; when both are, both skip it. Returns the decision, or 0 to go on.
int uapi_marker(Cursor& a, Cursor& b, char mark) {
    if (a.at() != mark && b.at() != mark) return 0;
    if (int r = cmp(a.at() != mark, b.at() != mark)) return r;
    ++a.i;
    ++b.i;
    return 0;
}

/// Compares the numeric (or, failing that, alphabetic) segment at both cursors and moves past it.
int uapi_segment(Cursor& a, Cursor& b) {
    if (is_digit(a.at()) || is_digit(b.at())) {
        std::size_t ae = a.run(is_digit), be = b.run(is_digit);
        if (int r = cmp(ae != a.i, be != b.i)) return r; // digits beat no digits
        while (a.at() == '0')
            ++a.i;
        while (b.at() == '0')
            ++b.i;
        if (int r = cmp(ae - a.i, be - b.i)) return r; // more significant digits: newer
        if (int r = sign(a.s.substr(a.i, ae - a.i).compare(b.s.substr(b.i, be - b.i)))) return r;
        a.i = ae;
        b.i = be;
        return 0;
    }
    std::size_t ae = a.run(is_alpha), be = b.run(is_alpha);
    const std::size_t common = std::min(ae - a.i, be - b.i);
    if (int r = sign(a.s.substr(a.i, common).compare(b.s.substr(b.i, common)))) return r; // 'B' < 'a'
    if (int r = cmp(ae - a.i, be - b.i)) return r;                                        // longer is newer
    a.i = ae;
    b.i = be;
    return 0;
}

// ---- rpmvercmp (librpm and blscfg's copy) -------------------------------------------------

/// rpmvercmp with `plus` as the "after base version" separator: '^' in librpm ≥ 4.15, '+' in
/// rhboot GRUB blscfg's copy. Everything else that is not alphanumeric or '~' separates segments.
int rpm_like_vercmp(std::string_view as, std::string_view bs, char plus) {
    Cursor one {c_string(as)}, two {c_string(bs)};
    if (one.s == two.s) return 0;
    // Start at the last separator, '~' or `plus` before the first difference: every segment
    // before it is whole and equal on both sides (a segment is a run of alphanumerics), so the
    // loop below would pass them all without a decision. Versions sorted against each other
    // share long prefixes ("6.5.12-300.fc39…"): this halves the work of a sort.
    std::size_t same = static_cast<std::size_t>(
        std::mismatch(one.s.begin(), one.s.begin() + static_cast<std::ptrdiff_t>(std::min(one.s.size(), two.s.size())),
                      two.s.begin())
            .first -
        one.s.begin());
    while (same > 0 && is_alnum(one.s[same - 1]))
        --same;
    one.i = two.i = same;
    auto separator = [plus](char c) { return !is_alnum(c) && c != '~' && c != plus; };
    while (!one.end() || !two.end()) {
        one.i = one.run(separator);
        two.i = two.run(separator);
        if (one.at() == '~' || two.at() == '~') { // '~' sorts before everything, even the end
            if (one.at() != '~') return 1;
            if (two.at() != '~') return -1;
            ++one.i, ++two.i;
            continue;
        }
        if (one.at() == plus || two.at() == plus) { // like '~', but the end sorts before it
            if (one.end()) return -1;
            if (two.end()) return 1;
            if (one.at() != plus) return 1;
            if (two.at() != plus) return -1;
            ++one.i, ++two.i;
            continue;
        }
        if (one.end() || two.end()) break;
        const bool numeric = is_digit(one.at());
        std::size_t e1 = numeric ? one.run(is_digit) : one.run(is_alpha);
        std::size_t e2 = numeric ? two.run(is_digit) : two.run(is_alpha);
        if (e1 == one.i) return -1;               // cannot happen: one is alphanumeric here
        if (e2 == two.i) return numeric ? 1 : -1; // numeric segments beat alphabetic ones
        if (numeric) {
            while (one.at() == '0')
                ++one.i;
            while (two.at() == '0')
                ++two.i;
            if (int r = cmp(e1 - one.i, e2 - two.i)) return r;
        }
        if (int r = sign(one.s.substr(one.i, e1 - one.i).compare(two.s.substr(two.i, e2 - two.i)))) return r;
        one.i = e1;
        two.i = e2;
    }
    if (one.end() && two.end()) return 0;
    return one.end() ? -1 : 1; // the one with characters left over wins
}

// ---- gnulib filevercmp (sort -V) ------------------------------------------------------------

/// Length of `s` without its file suffix: the longest tail matching (\.[A-Za-z~][A-Za-z0-9~]*)*$.
std::size_t file_prefix_len(std::string_view s) {
    const std::size_t n = s.size();
    std::size_t prefix = 0;
    std::size_t i = 0;
    while (i < n) {
        prefix = ++i;
        while (i + 1 < n && s[i] == '.' && (is_alpha(s[i + 1]) || s[i + 1] == '~'))
            for (i += 2; i < n && (is_alnum(s[i]) || s[i] == '~'); ++i) {}
    }
    return prefix;
}

/// filevercmp's weight of the byte at `pos`: '~' < end < digits < letters < everything else.
int filever_order(std::string_view s, std::size_t pos) {
    if (pos >= s.size()) return -1;
    const auto c = static_cast<unsigned char>(s[pos]);
    if (is_digit(static_cast<char>(c))) return 0;
    if (is_alpha(static_cast<char>(c))) return c;
    if (c == '~') return -2;
    return c + UCHAR_MAX + 1;
}

/// dpkg's verrevcmp as gnulib adapts it: alternating non-digit and digit runs.
int filever_revcmp(std::string_view a, std::string_view b) {
    std::size_t i = 0, j = 0;
    auto digit_at = [](std::string_view s, std::size_t k) { return k < s.size() && is_digit(s[k]); };
    while (i < a.size() || j < b.size()) {
        while ((i < a.size() && !is_digit(a[i])) || (j < b.size() && !is_digit(b[j]))) {
            const int oa = filever_order(a, i), ob = filever_order(b, j);
            if (oa != ob) return sign(oa - ob);
            ++i, ++j;
        }
        while (i < a.size() && a[i] == '0')
            ++i;
        while (j < b.size() && b[j] == '0')
            ++j;
        int first_diff = 0;
        while (digit_at(a, i) && digit_at(b, j)) {
            if (first_diff == 0) first_diff = a[i] - b[j];
            ++i, ++j;
        }
        if (digit_at(a, i)) return 1;
        if (digit_at(b, j)) return -1;
        if (first_diff != 0) return sign(first_diff);
    }
    return 0;
}

/// filevercmp's special cases for names starting with '.': ".", then "..", then other dot names,
/// then the rest. Returns nullopt when neither case applies.
std::optional<int> dot_name_order(std::string_view a, std::string_view b) {
    if (a[0] != '.') return b[0] == '.' ? std::optional<int>(1) : std::nullopt;
    if (b[0] != '.') return -1;
    for (std::string_view special : {".", ".."}) {
        const bool as = a == special, bs = b == special;
        if (as || bs) return cmp(!as, !bs);
    }
    return std::nullopt;
}

// ---- dpkg -----------------------------------------------------------------------------------

struct DpkgVersion {
    long epoch = 0;
    std::string_view upstream;
    std::string_view revision;
};

/// The epoch before `colon` as strtol(…, 10) reads it; nullopt for dpkg's fatal epoch errors.
std::optional<long> dpkg_epoch(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && is_space(text[i]))
        ++i;
    const bool negative = i < text.size() && text[i] == '-';
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    if (i == text.size()) return std::nullopt; // empty, or not a number up to the colon
    long value = 0;
    for (; i < text.size(); ++i) {
        if (!is_digit(text[i])) return std::nullopt;
        value = value * 10 + (text[i] - '0');
        if (value > INT_MAX) return std::nullopt; // too big
    }
    if (negative && value != 0) return std::nullopt;
    return value;
}

/// dpkg's parseversion(); nullopt where dpkg refuses the version (its warnings are ignored,
/// as dpkg --compare-versions does).
std::optional<DpkgVersion> dpkg_parse(std::string_view s) {
    std::size_t start = 0;
    while (start < s.size() && is_blank(s[start]))
        ++start;
    std::size_t end = start;
    while (end < s.size() && !is_blank(s[end]))
        ++end;
    for (std::size_t k = end; k < s.size(); ++k)
        if (!is_blank(s[k])) return std::nullopt; // embedded spaces
    std::string_view text = s.substr(start, end - start);
    if (text.empty()) return std::nullopt;
    DpkgVersion v;
    if (const auto colon = text.find(':'); colon != std::string_view::npos) {
        const auto epoch = dpkg_epoch(text.substr(0, colon));
        if (!epoch || colon + 1 == text.size()) return std::nullopt;
        v.epoch = *epoch;
        text.remove_prefix(colon + 1);
    }
    if (const auto hyphen = text.rfind('-'); hyphen != std::string_view::npos) {
        v.revision = text.substr(hyphen + 1);
        text = text.substr(0, hyphen);
        if (v.revision.empty()) return std::nullopt;
    }
    if (text.empty()) return std::nullopt;
    v.upstream = text;
    return v;
}

/// dpkg's weight of a character (as a signed char on this platform): '~' < end = digits <
/// letters < everything else.
int dpkg_order(char c) {
    if (is_digit(c)) return 0;
    if (is_alpha(c)) return c;
    if (c == '~') return -1;
    if (c != '\0') return static_cast<signed char>(c) + 256;
    return 0;
}

/// dpkg's verrevcmp on one part (upstream version or revision).
int dpkg_verrevcmp(std::string_view as, std::string_view bs) {
    Cursor a {as}, b {bs};
    while (!a.end() || !b.end()) {
        while ((!a.end() && !is_digit(a.at())) || (!b.end() && !is_digit(b.at()))) {
            const int oa = dpkg_order(a.at()), ob = dpkg_order(b.at());
            if (oa != ob) return sign(oa - ob);
            ++a.i, ++b.i;
        }
        while (a.at() == '0')
            ++a.i;
        while (b.at() == '0')
            ++b.i;
        int first_diff = 0;
        while (is_digit(a.at()) && is_digit(b.at())) {
            if (first_diff == 0) first_diff = a.at() - b.at();
            ++a.i, ++b.i;
        }
        if (is_digit(a.at())) return 1;
        if (is_digit(b.at())) return -1;
        if (first_diff != 0) return sign(first_diff);
    }
    return 0;
}

// ---- kernel file names ----------------------------------------------------------------------

/// Debian 12 grub-mkconfig_lib's `s/[._-]\(pre\|rc\|test\|git\|old\|trunk\)/~\1/g`.
std::string debian_tilde_words(std::string_view v) {
    static constexpr std::string_view kWords[] = {"pre", "rc", "test", "git", "old", "trunk"};
    std::string out;
    std::size_t i = 0;
    while (i < v.size()) {
        const char c = v[i];
        std::size_t word = 0;
        if (c == '.' || c == '_' || c == '-')
            for (std::string_view w : kWords)
                if (v.substr(i + 1, w.size()) == w) word = w.size();
        out += word != 0 ? '~' : c;
        out += v.substr(i + 1, word);
        i += 1 + word;
    }
    return out;
}

/// GRUB 2.12's sort key for a kernel: "<v>.old" → "<v> 1", anything else → "<v> 2", behind a
/// fixed file-name prefix (the real input is a path, so filevercmp's dot-name rules never apply).
std::string upstream_sort_key(std::string_view v) {
    constexpr std::string_view old = ".old";
    const bool is_old = v.size() >= old.size() && v.substr(v.size() - old.size()) == old;
    std::string key = "vmlinuz-";
    key += is_old ? v.substr(0, v.size() - old.size()) : v;
    key += is_old ? " 1" : " 2";
    return key;
}

} // namespace

int uapi_version_compare(std::string_view as, std::string_view bs) {
    Cursor a {c_string(as)}, b {c_string(bs)};
    for (;;) {
        a.i = a.run([](char c) { return !uapi_allowed(c); });
        b.i = b.run([](char c) { return !uapi_allowed(c); });
        if (int r = uapi_marker(a, b, '~')) return r;
        // One side ended: the other is newer. Compared as C chars (signed here), because the
        // byte after a '~' has not been filtered yet.
        if (a.end() || b.end()) return cmp(static_cast<signed char>(a.at()), static_cast<signed char>(b.at()));
        for (char mark : {'-', '^', '.'})
            if (int r = uapi_marker(a, b, mark)) return r;
        if (int r = uapi_segment(a, b)) return r;
    }
}

int rpm_vercmp(std::string_view a, std::string_view b) {
    return rpm_like_vercmp(a, b, '+');
}

int rpmlib_vercmp(std::string_view a, std::string_view b) {
    return rpm_like_vercmp(a, b, '^');
}

int sort_v_compare(std::string_view a, std::string_view b) {
    if (a.empty() || b.empty()) return cmp(!a.empty(), !b.empty());
    if (auto dots = dot_name_order(a, b)) return *dots;
    const std::size_t ap = file_prefix_len(a), bp = file_prefix_len(b);
    const int r = filever_revcmp(a.substr(0, ap), b.substr(0, bp));
    if (r != 0 || (ap == a.size() && bp == b.size())) return r;
    return filever_revcmp(a, b); // equal without suffixes: compare again with them
}

int dpkg_version_compare(std::string_view as, std::string_view bs) {
    as = c_string(as);
    bs = c_string(bs);
    // dpkg treats "" and "<unknown>" as the blank version; versions it refuses (exit 2 in
    // dpkg --compare-versions) sort before every accepted one, and among themselves by bytes.
    auto parse = [](std::string_view s) {
        return s.empty() || s == "<unknown>" ? std::optional<DpkgVersion>(DpkgVersion {}) : dpkg_parse(s);
    };
    const auto a = parse(as), b = parse(bs);
    if (!a || !b) return !a && !b ? sign(as.compare(bs)) : (a ? 1 : -1);
    if (int r = cmp(a->epoch, b->epoch)) return r;
    if (int r = dpkg_verrevcmp(a->upstream, b->upstream)) return r;
    return dpkg_verrevcmp(a->revision, b->revision);
}

int debian_kernel_compare(std::string_view a, std::string_view b) {
    // version_test_gt: the file name loses everything up to its first '-' (here: "vmlinuz-",
    // which the caller already removed), the pre-release words become "~word", then dpkg decides.
    // Its `*.old` cases never match, because ".old" has already become "~old" by then: an .old
    // kernel sorts right below its base. An empty name is lower than everything (it is
    // version_find_latest's starting point).
    const std::string ta = debian_tilde_words(c_string(a)), tb = debian_tilde_words(c_string(b));
    if (ta.empty() || tb.empty()) return cmp(!ta.empty(), !tb.empty());
    return dpkg_version_compare(ta, tb);
}

int upstream_kernel_compare(std::string_view a, std::string_view b) {
    return sort_v_compare(upstream_sort_key(a), upstream_sort_key(b));
}

} // namespace bootsmith::kernel
