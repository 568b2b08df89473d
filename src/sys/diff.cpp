#include "bootsmith/sys/diff.hpp"

#include <cstddef>
#include <string>
#include <vector>

// dtl (Debian libdtl-dev) computes the shortest edit script; only the hunk layout of
// `diff -u` is done here, because dtl's own unified printer mishandles empty files and
// has no "\ No newline at end of file" marker.
#include <dtl/dtl.hpp>

namespace bootsmith::sys {

namespace {

/// Lines *including* their '\n', so that a last line without a newline differs from the
/// same text with one (as in diff -u).
std::vector<std::string_view> lines_of(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t j = s.find('\n', i);
        std::size_t end = j == std::string_view::npos ? s.size() : j + 1;
        out.push_back(s.substr(i, end - i));
        i = end;
    }
    return out;
}

enum class Op { common, del, add };

struct Edit {
    Op op;
    std::string_view line;
};

void emit_line(std::string& out, char sign, std::string_view line) {
    out += sign;
    if (!line.empty() && line.back() == '\n') {
        out.append(line);
    } else {
        out.append(line);
        out += "\n\\ No newline at end of file\n";
    }
}

std::string range(std::size_t start0, std::size_t len) {
    // GNU diff: 1-based start; an empty range names the line before it; ",1" is omitted.
    std::size_t start = len == 0 ? start0 : start0 + 1;
    if (len == 1) return std::to_string(start);
    return std::to_string(start) + "," + std::to_string(len);
}

} // namespace

std::string unified_diff(std::string_view path, const std::string* before, const std::string* after, int context) {
    std::string_view a = before != nullptr ? std::string_view(*before) : std::string_view();
    std::string_view b = after != nullptr ? std::string_view(*after) : std::string_view();
    if (before != nullptr && after != nullptr && a == b) return {};
    if (before == nullptr && after == nullptr) return {};

    auto la = lines_of(a);
    auto lb = lines_of(b);

    std::vector<Edit> edits;
    {
        dtl::Diff<std::string_view> d(la, lb, true); // deletions before additions, as diff -u
        if (la.size() + lb.size() > 20000) d.onHuge();
        d.compose();
        for (const auto& [line, info] : d.getSes().getSequence()) {
            Op op = info.type == dtl::SES_ADD ? Op::add : info.type == dtl::SES_DELETE ? Op::del : Op::common;
            edits.push_back({op, line});
        }
    }

    std::string out;
    std::string p(path);
    if (!p.empty() && p.front() == '/') p.erase(0, 1);
    out += before != nullptr ? "--- a/" + p + "\n" : std::string("--- /dev/null\n");
    out += after != nullptr ? "+++ b/" + p + "\n" : std::string("+++ /dev/null\n");

    const std::size_t n = edits.size();
    const std::size_t ctx = context < 0 ? 0 : static_cast<std::size_t>(context);
    // Old/new line number before each edit.
    std::vector<std::size_t> old_at(n + 1), new_at(n + 1);
    for (std::size_t k = 0, o = 0, w = 0; k <= n; ++k) {
        old_at[k] = o;
        new_at[k] = w;
        if (k < n) {
            if (edits[k].op != Op::add) ++o;
            if (edits[k].op != Op::del) ++w;
        }
    }

    std::size_t k = 0;
    while (k < n) {
        while (k < n && edits[k].op == Op::common)
            ++k;
        if (k == n) break;
        // A hunk starts `ctx` lines before the first change and grows while the next
        // change is at most 2*ctx common lines away.
        std::size_t first = k >= ctx ? k - ctx : 0;
        std::size_t last_change = k;
        std::size_t j = k;
        for (;;) {
            while (j < n && edits[j].op != Op::common)
                last_change = j++;
            std::size_t run = 0;
            while (j < n && edits[j].op == Op::common) {
                ++run;
                ++j;
            }
            if (j == n || run > 2 * ctx) break;
        }
        std::size_t end = last_change + 1 + ctx < n ? last_change + 1 + ctx : n;
        std::size_t olen = old_at[end] - old_at[first];
        std::size_t nlen = new_at[end] - new_at[first];
        out += "@@ -" + range(old_at[first], olen) + " +" + range(new_at[first], nlen) + " @@\n";
        for (std::size_t e = first; e < end; ++e) {
            char sign = edits[e].op == Op::common ? ' ' : edits[e].op == Op::del ? '-' : '+';
            emit_line(out, sign, edits[e].line);
        }
        k = end;
    }
    return out;
}

} // namespace bootsmith::sys
