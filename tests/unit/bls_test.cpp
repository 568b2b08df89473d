// BLS entries, boot counting, kernel command lines, and the version orders of the tools that
// sort kernels and entries.
//
// The version comparisons are checked against the real tools installed on this machine, a few
// hundred pairs each, in one batch per tool (tests skip, saying why, when a tool is missing):
//   uapi_version_compare   systemd-analyze compare-versions (systemd 252)
//   dpkg_version_compare   dpkg --compare-versions
//   sort_v_compare         LC_ALL=C sort -V (coreutils 9.1)
//   rpmlib_vercmp          librpm's rpmvercmp through python3-rpm (package python3-rpm)
//   rpm_vercmp             the same, with '+' and '^' swapped (blscfg's copy swaps their roles)
//   debian_kernel_compare  version_test_gt from Debian 12's /usr/lib/grub/grub-mkconfig_lib
// Entries are the corpus files in tests/data/bls (see ORIGINS.md there).
#include "bootsmith/grub/default_grub.hpp"
#include "bootsmith/kernel/bls.hpp"

#include "testutil.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using bootsmith::test::read_file;
using bootsmith::test::TempDir;
using bootsmith::test::write_file;
using namespace bootsmith::kernel;

namespace {

// ---- helpers ----------------------------------------------------------------------------------

fs::path data_dir() {
    return fs::path(__FILE__).parent_path().parent_path() / "data" / "bls";
}

/// Every corpus entry file, sorted, as paths relative to data_dir().
std::vector<std::string> corpus_files() {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(data_dir()))
        if (e.is_regular_file() && e.path().extension() == ".conf")
            out.push_back(fs::relative(e.path(), data_dir()).string());
    std::sort(out.begin(), out.end());
    return out;
}

std::string corpus(const std::string& rel) {
    return read_file(data_dir() / rel);
}

int sgn(int v) {
    return (v > 0) - (v < 0);
}

/// A string with control bytes and non-ASCII shown escaped, for failure messages.
std::string shown(const std::string& s) {
    std::ostringstream o;
    o << '"';
    for (unsigned char c : s) {
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            o << c;
        else {
            static const char* hex = "0123456789abcdef";
            o << "\\x" << hex[c >> 4] << hex[c & 15];
        }
    }
    return o.str() + '"';
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);)
        out.push_back(l);
    return out;
}

bool have(const std::string& path) {
    return fs::exists(path);
}

/// The blank-separated words of `s`.
std::vector<std::string> words_in(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

struct Pair {
    std::string a, b;
};

/// The lists one after the other.
std::vector<Pair> concat(std::initializer_list<std::vector<Pair>> lists) {
    std::vector<Pair> out;
    for (const auto& l : lists)
        out.insert(out.end(), l.begin(), l.end());
    return out;
}

/// Runs `script` with `interpreter`, the pairs in a file given as $1 (a and b on alternate
/// lines); returns the lines it printed.
std::vector<std::string> run_oracle(const std::string& interpreter, const std::string& script,
                                    const std::vector<Pair>& pairs) {
    TempDir dir;
    std::string data;
    for (const auto& p : pairs)
        data += p.a + '\n' + p.b + '\n';
    write_file(dir / "pairs", data);
    write_file(dir / "oracle", script);
    auto r = bootsmith::test::run({(dir / "oracle").string(), (dir / "pairs").string()}, {}, interpreter);
    EXPECT_EQ(r.status, 0) << r.err;
    return lines_of(r.out);
}

// ---- version pairs -------------------------------------------------------------------------------

/// Pairs given by the notes' comparison table (kernels-bls.md §2.3) and UAPI.10's examples.
const std::vector<Pair>& table_pairs() {
    static const std::vector<Pair> pairs = {
        {"6.1.0-rc3-amd64", "6.1.0-13-amd64"},
        {"6.1.0-9-amd64", "6.1.0-13-amd64"},
        {"6.10.0-1-amd64", "6.1.0-13-amd64"},
        {"6.1.0-13-amd64.old", "6.1.0-13-amd64"},
        {"5.14.0-362.18.1.el9_3.x86_64", "5.14.0-362.8.1.el9_3.x86_64"},
        {"6.5.0~rc1", "6.5.0"},
        {"4.18.0-80.1.2.el8_0.x86_64", "4.18.0-80.el8.x86_64"},
        {"1.0a", "1.0"},
        {"0-rescue-0123456789abcdef0123456789abcdef", "6.1.0-13-amd64"},
    };
    return pairs;
}

/// UAPI.10's ordered example chain (each is lower than the next).
const std::vector<std::string> kUapiChain = {"122.1",   "123~rc1-1", "123",     "123-a",   "123-a.1", "123-1",
                                             "123-1.1", "123^post1", "123.a-1", "123.1-1", "123a-1",  "124-1"};

/// The chain's pairs (every i < j) and the spec's other examples.
std::vector<Pair> uapi_spec_pairs() {
    std::vector<Pair> out;
    for (std::size_t i = 0; i < kUapiChain.size(); ++i)
        for (std::size_t j = i + 1; j < kUapiChain.size(); ++j)
            out.push_back({kUapiChain[i], kUapiChain[j]});
    for (Pair p : std::vector<Pair> {{"", "0"}, {"0.", "0"}, {"0", "~"}, {"1_", "1"}, {"1_2_3", "1.3.3"}})
        out.push_back(p);
    return out;
}

/// Kernel-like versions from a fixed seed: numbers (leading zeros, huge), words (rc, old, amd64,
/// capitals), separators . - ~ ^ + _, .old suffixes, empty strings. Half of the pairs are a
/// small mutation of one string, so that comparisons reach deep.
class VersionGen {
public:
    explicit VersionGen(std::uint32_t seed) : rng_(seed) {}

    std::string version() {
        if (pick(25) == 0) return "";
        std::string s = component();
        const std::size_t parts = 1 + pick(6);
        for (std::size_t i = 1; i < parts; ++i)
            s += separator() + component();
        if (pick(8) == 0) s += ".old";
        return s;
    }

    Pair pair() {
        std::string a = version();
        if (pick(2) == 0) return {a, version()};
        std::string b = a;
        switch (pick(5)) {
        case 0: b += separator() + component(); break;
        case 1: b.insert(pick(b.size() + 1), separator()); break;
        case 2:
            if (!b.empty()) b.erase(pick(b.size()), 1);
            break;
        case 3: b.insert(pick(b.size() + 1), component()); break;
        default:
            if (!b.empty()) b[pick(b.size())] = ".-~^+_"[pick(6)];
        }
        if (pick(2) == 0) std::swap(a, b);
        return {a, b};
    }

    std::size_t pick(std::size_t n) { return n == 0 ? 0 : rng_() % n; }

private:
    std::string component() {
        static const std::vector<std::string> words =
            words_in("0 1 2 9 10 13 01 007 80 100 362 a b B Z rc rc3 pre amd64 el fc old git trunk alpha el8 x86 "
                     "4294967296 18446744073709551617");
        return words[pick(words.size())];
    }
    std::string separator() {
        static const std::vector<std::string> seps = {".", ".", ".", "-", "-", "~", "^", "+", "_", ""};
        return seps[pick(seps.size())];
    }
    std::mt19937 rng_;
};

std::vector<Pair> generated_pairs(std::uint32_t seed, std::size_t n) {
    VersionGen g(seed);
    std::vector<Pair> out;
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(g.pair());
    return out;
}

/// Strings with a few bytes beyond the version alphabet (punctuation, high bytes) for the tools
/// that take any bytes.
std::vector<Pair> odd_byte_pairs() {
    return {{"1~\xe9", "1~"},  {"1~_", "1~"}, {"1.\xc3\xa9", "1."}, {"a#b", "a.b"},  {"1 2", "1.2"},
            {"x:1", "x-1"},    {"\xff", ""},  {"~\xff", "~"},       {"1..2", "1.2"}, {"-1", "1"},
            {".a", "a"},       {".", ".."},   {"..", ".a"},         {"a.b~", "a.b"}, {"a.tar.gz", "a.tar"},
            {"a1.b", "a1.b2"}, {"x.~", "x"},  {"A", "a"},           {"^", "."},      {"+", "-"}};
}

/// A version dpkg accepts without warnings: a digit first, [0-9A-Za-z.+~-] (revision: no '-'),
/// no empty revision.
bool dpkg_valid(const std::string& v) {
    if (v.empty() || v[0] < '0' || v[0] > '9' || v.back() == '-') return false;
    return std::all_of(v.begin(), v.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '+' ||
               c == '~' || c == '-';
    });
}

/// A generated version made acceptable to dpkg: '^' and '_' become '.', a digit first, no
/// trailing '-'.
std::string dpkg_ize(std::string v) {
    for (char& c : v)
        if (c == '^' || c == '_') c = '.';
    if (v.empty() || v[0] < '0' || v[0] > '9') v.insert(0, "1");
    if (v.back() == '-') v += '0';
    return v;
}

std::string swap_plus_caret(std::string s) {
    for (char& c : s)
        c = c == '+' ? '^' : c == '^' ? '+' : c;
    return s;
}

// ---- entries -------------------------------------------------------------------------------------

/// The sort inputs of a corpus file.
BlsSortKey sort_key_of(const std::string& rel) {
    BlsSortKey k;
    k.name = parse_bls_name(fs::path(rel).filename().string()).value();
    const BlsEntry e = BlsEntry::parse(corpus(rel));
    k.sort_key = e.get("sort-key").value_or("");
    k.machine_id = e.get("machine-id").value_or("");
    k.version = e.get("version").value_or("");
    return k;
}

BlsSortKey named(const std::string& file) {
    BlsSortKey k;
    k.name = parse_bls_name(file).value();
    return k;
}

/// The ids of `keys` in bls_order().
std::vector<std::string> ids_in_order(const std::vector<BlsSortKey>& keys, BlsOrder order) {
    std::vector<std::string> out;
    for (std::size_t i : bls_order(keys, order))
        out.push_back(keys.at(i).name.id);
    return out;
}

/// `text` with the first occurrence of `from` replaced by `to` (fails the test when absent).
std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

bool mentions(const std::vector<std::string>& diags, const std::string& what) {
    return std::any_of(diags.begin(), diags.end(), [&](const std::string& d) { return d.find(what) != d.npos; });
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v)
        out += s + "\n";
    return out;
}

} // namespace

// ==== Version comparisons ==========================================================================

TEST(VersionTable, NotesComparisonTable) {
    // kernels-bls.md §2.3: dpkg (Debian 12 mapping), sort -V, rpmvercmp (blscfg), UAPI.
    struct Row {
        std::string a, b;
        int debian, sort_v, rpm, uapi;
    };
    const std::vector<Row> rows = {
        {"6.1.0-rc3-amd64", "6.1.0-13-amd64", -1, 1, -1, -1},
        {"6.1.0-9-amd64", "6.1.0-13-amd64", -1, -1, -1, -1},
        {"6.10.0-1-amd64", "6.1.0-13-amd64", 1, 1, 1, 1},
        {"6.1.0-13-amd64.old", "6.1.0-13-amd64", -1, 1, 1, 1},
        {"5.14.0-362.18.1.el9_3.x86_64", "5.14.0-362.8.1.el9_3.x86_64", 1, 1, 1, 1},
        {"6.5.0~rc1", "6.5.0", -1, -1, -1, -1},
        {"4.18.0-80.1.2.el8_0.x86_64", "4.18.0-80.el8.x86_64", -1, -1, 1, 1},
        {"1.0a", "1.0", 1, 1, 1, 1},
        {"0-rescue-0123456789abcdef0123456789abcdef", "6.1.0-13-amd64", -1, -1, -1, -1},
    };
    for (const auto& r : rows) {
        SCOPED_TRACE(r.a + " vs " + r.b);
        EXPECT_EQ(sgn(debian_kernel_compare(r.a, r.b)), r.debian);
        EXPECT_EQ(sgn(sort_v_compare(r.a, r.b)), r.sort_v);
        EXPECT_EQ(sgn(rpm_vercmp(r.a, r.b)), r.rpm);
        EXPECT_EQ(sgn(uapi_version_compare(r.a, r.b)), r.uapi);
    }
    // GRUB 2.12 puts the .old kernel right after its base despite sort -V.
    EXPECT_LT(upstream_kernel_compare("6.1.0-13-amd64.old", "6.1.0-13-amd64"), 0);
    EXPECT_GT(upstream_kernel_compare("6.1.0-13-amd64.old", "6.1.0-9-amd64"), 0);
}

TEST(VersionUapi, SpecificationExamples) {
    for (std::size_t i = 0; i < kUapiChain.size(); ++i)
        for (std::size_t j = 0; j < kUapiChain.size(); ++j)
            EXPECT_EQ(sgn(uapi_version_compare(kUapiChain[i], kUapiChain[j])), i < j   ? -1
                                                                               : i > j ? 1
                                                                                       : 0)
                << kUapiChain[i] << " vs " << kUapiChain[j];
    EXPECT_LT(uapi_version_compare("", "0"), 0);
    EXPECT_GT(uapi_version_compare("0.", "0"), 0);
    EXPECT_GT(uapi_version_compare("0", "~"), 0);
    EXPECT_EQ(uapi_version_compare("1_", "1"), 0);
    EXPECT_GT(uapi_version_compare("1_2_3", "1.3.3"), 0);
    EXPECT_LT(uapi_version_compare("B", "a"), 0); // capitals first
    EXPECT_EQ(uapi_version_compare("007", "7"), 0);
}

TEST(VersionUapi, MatchesSystemdAnalyze) {
    if (!have("/usr/bin/systemd-analyze")) GTEST_SKIP() << "systemd-analyze is not installed (package systemd)";
    const auto pairs = concat({uapi_spec_pairs(), table_pairs(), odd_byte_pairs(), generated_pairs(10, 300)});
    const auto out = run_oracle("/bin/sh", R"(while IFS= read -r a && IFS= read -r b; do
  systemd-analyze compare-versions -- "$a" "$b" >/dev/null 2>&1; echo $?
done < "$1"
)",
                                pairs);
    ASSERT_EQ(out.size(), pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const int expected = out[i] == "12" ? -1 : out[i] == "11" ? 1 : out[i] == "0" ? 0 : 99;
        EXPECT_EQ(sgn(uapi_version_compare(pairs[i].a, pairs[i].b)), expected)
            << shown(pairs[i].a) << " vs " << shown(pairs[i].b) << " (systemd-analyze exit " << out[i] << ")";
    }
    RecordProperty("pairs", static_cast<int>(pairs.size()));
}

TEST(VersionDpkg, MatchesDpkgCompareVersions) {
    if (!have("/usr/bin/dpkg")) GTEST_SKIP() << "dpkg is not installed";
    // Epochs and revisions besides the generated ones (made acceptable to dpkg).
    std::vector<Pair> pairs = {{"1:1.0", "2.0"}, {"0:1.0", "1.0"}, {"1.0-1", "1.0-1~bpo1"}, {"1.0+b1", "1.0"},
                               {"2:0", "1:9"},   {"1.0-0", "1.0"}, {"1.0~~", "1.0~"},       {"7:1-a-b", "7:1-a"}};
    for (const auto& p : concat({table_pairs(), generated_pairs(20, 300)})) {
        const Pair d {dpkg_ize(p.a), dpkg_ize(p.b)};
        if (dpkg_valid(d.a) && dpkg_valid(d.b)) pairs.push_back(d);
    }
    ASSERT_GT(pairs.size(), 250u);
    const auto out = run_oracle("/bin/sh", R"(while IFS= read -r a && IFS= read -r b; do
  if dpkg --compare-versions "$a" lt "$b"; then echo -1
  elif dpkg --compare-versions "$a" eq "$b"; then echo 0
  else echo 1; fi
done < "$1"
)",
                                pairs);
    ASSERT_EQ(out.size(), pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i)
        EXPECT_EQ(std::to_string(sgn(dpkg_version_compare(pairs[i].a, pairs[i].b))), out[i])
            << pairs[i].a << " vs " << pairs[i].b;
    RecordProperty("pairs", static_cast<int>(pairs.size()));
}

TEST(VersionDpkg, RefusedAndBlankVersions) {
    EXPECT_EQ(dpkg_version_compare("", "<unknown>"), 0);                 // both blank
    EXPECT_GT(dpkg_version_compare("", "~"), 0);                         // blank = empty upstream
    EXPECT_LT(dpkg_version_compare("1.0-", "0"), 0);                     // empty revision: refused
    EXPECT_LT(dpkg_version_compare("a:1", "0"), 0);                      // bad epoch
    EXPECT_LT(dpkg_version_compare("1 2", "0"), 0);                      // embedded blank
    EXPECT_EQ(dpkg_version_compare(" 1.0 ", "1.0"), 0);                  // blanks around are trimmed
    EXPECT_EQ(dpkg_version_compare(std::string("1.0\0x", 5), "1.0"), 0); // C strings end at NUL
    EXPECT_GT(dpkg_version_compare("1:", "1.0-"), 0);                    // refused: by bytes
}

TEST(VersionSortV, MatchesGnuSortV) {
    if (!have("/usr/bin/sort")) GTEST_SKIP() << "sort is not installed (coreutils)";
    const auto pairs = concat({uapi_spec_pairs(), table_pairs(), odd_byte_pairs(), generated_pairs(30, 300)});
    const auto out = run_oracle("/bin/sh", R"(while IFS= read -r a && IFS= read -r b; do
  printf '%s\n%s\n' "$a" "$b" | LC_ALL=C sort -V
done < "$1"
)",
                                pairs);
    ASSERT_EQ(out.size(), 2 * pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const auto& [a, b] = pairs[i];
        const int ours = sort_v_compare(a, b);
        // Equal by version: sort falls back to byte order.
        const std::string& first = ours < 0 ? a : ours > 0 ? b : std::min(a, b);
        EXPECT_EQ(out[2 * i], first) << shown(a) << " vs " << shown(b) << ": ours " << ours;
    }
    RecordProperty("pairs", static_cast<int>(pairs.size()));
}

TEST(VersionSortV, FilevercmpRules) {
    EXPECT_LT(sort_v_compare("", "a"), 0);
    EXPECT_LT(sort_v_compare(".", ".."), 0);
    EXPECT_LT(sort_v_compare("..", ".a"), 0);
    EXPECT_LT(sort_v_compare(".z", "a"), 0); // dot names first
    EXPECT_LT(sort_v_compare("a.tar.gz", "a1.tar.gz"), 0);
    EXPECT_GT(sort_v_compare("6.1.0-rc3", "6.1.0-13"), 0); // letters after digits
    EXPECT_EQ(sort_v_compare("a01", "a1"), 0);
    EXPECT_NE(sort_v_compare(std::string("a\0b", 3), "a"), 0); // NUL is a byte like any other
}

TEST(VersionRpm, MatchesLibrpm) {
    const std::string python = "/usr/bin/python3";
    if (!have(python) || bootsmith::test::run({"-c", "import rpm"}, {}, python).status != 0)
        GTEST_SKIP() << "python3-rpm is not installed (librpm's rpmvercmp is the oracle)";
    const std::vector<Pair> plus_caret = {{"1.0^", "1.0"},    {"1.0^a", "1.0.a"}, {"1.0+", "1.0"},
                                          {"1.0+1", "1.0~1"}, {"1.0", "1.0+"},    {"a+", "a^"},
                                          {"", "^"},          {"", "+"},          {"1..2", "1.2"}};
    const auto pairs = concat({table_pairs(), uapi_spec_pairs(), generated_pairs(40, 300), plus_caret});
    // librpm on the pairs as they are (rpmlib_vercmp) and with '+'/'^' swapped (rpm_vercmp).
    std::vector<Pair> asked = pairs;
    for (const auto& p : pairs)
        asked.push_back({swap_plus_caret(p.a), swap_plus_caret(p.b)});
    const auto out = run_oracle(python, R"(import sys, rpm
lines = open(sys.argv[1], encoding="latin-1").read().split("\n")
for a, b in zip(lines[0::2], lines[1::2]):
    print(rpm.labelCompare(("0", "0", a), ("0", "0", b)))
)",
                                asked);
    ASSERT_EQ(out.size(), asked.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const auto& [a, b] = pairs[i];
        EXPECT_EQ(std::to_string(sgn(rpmlib_vercmp(a, b))), out[i]) << "librpm: " << a << " vs " << b;
        EXPECT_EQ(std::to_string(sgn(rpm_vercmp(a, b))), out[pairs.size() + i]) << "blscfg: " << a << " vs " << b;
    }
    RecordProperty("pairs", static_cast<int>(pairs.size()));
}

TEST(VersionRpm, BlscfgPlusAndCaret) {
    EXPECT_GT(rpm_vercmp("1.0+1", "1.0"), 0);   // '+' after the base version
    EXPECT_LT(rpm_vercmp("1.0+1", "1.0.1"), 0); // … before any other segment
    EXPECT_EQ(rpm_vercmp("1.0^1", "1.0.1"), 0); // '^' is a plain separator in blscfg
    EXPECT_GT(rpmlib_vercmp("1.0^1", "1.0"), 0);
    EXPECT_EQ(rpmlib_vercmp("1.0+1", "1.0.1"), 0);
    EXPECT_LT(rpm_vercmp("1.0~rc1", "1.0"), 0);
    EXPECT_GT(rpm_vercmp("1.0a", "1.0"), 0);
    EXPECT_GT(rpm_vercmp("1.1", "1.a"), 0); // numeric beats alpha
}

// ==== Kernel orders of grub-mkconfig ==================================================================

namespace {
/// The `sorting` scenario's kernels (grub.md §4.5), in glob order.
const std::vector<std::string> kSortingKernels = {"5.10.0-10-amd64",    "5.10.0-9-amd64", "6.1.0-13-amd64",
                                                  "6.1.0-13-amd64.old", "6.1.0-9-amd64",  "6.1.0-rc3-amd64",
                                                  "6.10.0-1-amd64"};

std::vector<std::string> newest_first(std::vector<std::string> v, int (*compare)(std::string_view, std::string_view)) {
    std::stable_sort(v.begin(), v.end(), [&](const std::string& a, const std::string& b) { return compare(a, b) > 0; });
    return v;
}

const char* kMkconfigLib = "/usr/lib/grub/grub-mkconfig_lib";
} // namespace

TEST(VersionKernelOrder, Debian12SortingScenario) {
    const std::vector<std::string> expected = {"6.10.0-1-amd64", "6.1.0-13-amd64",  "6.1.0-13-amd64.old",
                                               "6.1.0-9-amd64",  "6.1.0-rc3-amd64", "5.10.0-10-amd64",
                                               "5.10.0-9-amd64"};
    EXPECT_EQ(newest_first(kSortingKernels, debian_kernel_compare), expected);
    std::vector<std::string> reversed(kSortingKernels.rbegin(), kSortingKernels.rend());
    EXPECT_EQ(newest_first(reversed, debian_kernel_compare), expected);
}

TEST(VersionKernelOrder, Grub212SortingScenario) {
    const std::vector<std::string> expected = {"6.10.0-1-amd64",     "6.1.0-rc3-amd64", "6.1.0-13-amd64",
                                               "6.1.0-13-amd64.old", "6.1.0-9-amd64",   "5.10.0-10-amd64",
                                               "5.10.0-9-amd64"};
    EXPECT_EQ(newest_first(kSortingKernels, upstream_kernel_compare), expected);
}

TEST(VersionKernelOrder, Debian12MatchesGrubMkconfigLib) {
    if (!have("/usr/bin/dpkg") || !have(kMkconfigLib))
        GTEST_SKIP() << kMkconfigLib << " is not installed (package grub-common)";
    // 10_linux's loop: take version_find_latest of the list, remove it, repeat.
    std::string list;
    for (const auto& k : kSortingKernels)
        list += " /boot/vmlinuz-" + k;
    TempDir dir;
    write_file(dir / "order", ". " + std::string(kMkconfigLib) + "\nlist='" + list + R"('
while [ "x$list" != "x" ]; do
  linux=`version_find_latest $list`
  echo "${linux#/boot/vmlinuz-}"
  list=`echo $list | tr ' ' '\n' | grep -vx "$linux" | tr '\n' ' '`
done
)");
    auto r = bootsmith::test::run({(dir / "order").string()}, {}, "/bin/sh");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(lines_of(r.out), newest_first(kSortingKernels, debian_kernel_compare));
}

TEST(VersionKernelOrder, Debian12PairsMatchVersionTestGt) {
    if (!have("/usr/bin/dpkg") || !have(kMkconfigLib))
        GTEST_SKIP() << kMkconfigLib << " is not installed (package grub-common)";
    // Kernel-like names dpkg accepts after the rc→~ mapping (no empty name, no ':' or trailing '-').
    std::vector<Pair> pairs;
    for (const auto& p : table_pairs())
        pairs.push_back(p);
    for (const auto& p : generated_pairs(50, 400)) {
        auto ok = [](const std::string& v) { return !v.empty() && v[0] != '-' && v.back() != '-'; };
        if (ok(p.a) && ok(p.b) && pairs.size() < 150) pairs.push_back(p);
    }
    const auto out = run_oracle("/bin/sh", ". " + std::string(kMkconfigLib) + R"(
while IFS= read -r a && IFS= read -r b; do
  if version_test_gt "/boot/vmlinuz-$a" "/boot/vmlinuz-$b" 2>/dev/null; then x=1; else x=0; fi
  if version_test_gt "/boot/vmlinuz-$b" "/boot/vmlinuz-$a" 2>/dev/null; then y=1; else y=0; fi
  echo "$x$y"
done < "$1"
)",
                                pairs);
    ASSERT_EQ(out.size(), pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const int ours = sgn(debian_kernel_compare(pairs[i].a, pairs[i].b));
        EXPECT_EQ(ours > 0 ? "10" : ours < 0 ? "01" : "00", out[i]) << pairs[i].a << " vs " << pairs[i].b;
    }
    RecordProperty("pairs", static_cast<int>(pairs.size()));
}

TEST(VersionKernelOrder, Grub212MatchesItsPipeline) {
    if (!have("/usr/bin/sort") || !have("/bin/sed")) GTEST_SKIP() << "sort/sed are not installed";
    // GRUB 2.12's 10_linux: ".old" → " 1", others get " 2", sort -V -r, suffixes back.
    VersionGen g(60);
    std::vector<std::string> kernels = kSortingKernels;
    for (int i = 0; i < 60; ++i) {
        std::string v = g.version();
        if (!v.empty() && v.find_first_of(" \\") == std::string::npos &&
            std::find(kernels.begin(), kernels.end(), v) == kernels.end())
            kernels.push_back(v);
    }
    std::string input;
    for (const auto& k : kernels)
        input += "/boot/vmlinuz-" + k + "\n";
    TempDir dir;
    write_file(dir / "in", input);
    write_file(dir / "order", R"(sed -e 's/\.old$/ 1/; / 1$/! s/$/ 2/' "$1" | LC_ALL=C sort -V -r |
  sed -e 's/ 1$/.old/; s/ 2$//; s,^/boot/vmlinuz-,,'
)");
    auto r = bootsmith::test::run({(dir / "order").string(), (dir / "in").string()}, {}, "/bin/sh");
    ASSERT_EQ(r.status, 0) << r.err;
    // Ties by version: sort -r falls back to reversed byte order of the keys.
    auto ours = kernels;
    std::stable_sort(ours.begin(), ours.end(), [](const std::string& a, const std::string& b) {
        if (int c = upstream_kernel_compare(a, b)) return c > 0;
        auto key = [](const std::string& v) {
            return v.size() >= 4 && v.substr(v.size() - 4) == ".old" ? v.substr(0, v.size() - 4) + " 1" : v + " 2";
        };
        return key(a) > key(b);
    });
    EXPECT_EQ(lines_of(r.out), ours);
}

// ==== File names ======================================================================================

TEST(BlsName, BootCounter) {
    auto n = parse_bls_name("abc-6.1.0-13-amd64+3-1.conf");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->file, "abc-6.1.0-13-amd64+3-1.conf");
    EXPECT_EQ(n->id, "abc-6.1.0-13-amd64+3-1");
    EXPECT_EQ(n->stem, "abc-6.1.0-13-amd64");
    ASSERT_TRUE(n->counter);
    EXPECT_EQ(n->counter->left, 3u);
    EXPECT_EQ(n->counter->done, 1u);
    EXPECT_FALSE(n->bad());

    n = parse_bls_name("x+09-099.conf");
    ASSERT_TRUE(n && n->counter);
    EXPECT_EQ(n->counter->left, 9u);
    EXPECT_EQ(n->counter->left_width, 2u);
    EXPECT_EQ(n->counter->done, 99u);
    EXPECT_EQ(n->counter->done_width, 3u);

    n = parse_bls_name("x+0-3.conf");
    ASSERT_TRUE(n);
    EXPECT_TRUE(n->bad());
    EXPECT_EQ(n->stem, "x");

    n = parse_bls_name("x+5.conf");
    ASSERT_TRUE(n && n->counter);
    EXPECT_FALSE(n->counter->done);
    EXPECT_EQ(n->counter->left_width, 1u);

    n = parse_bls_name("a+1+2.conf"); // the last '+' counts
    ASSERT_TRUE(n && n->counter);
    EXPECT_EQ(n->stem, "a+1");
    EXPECT_EQ(n->counter->left, 2u);
}

TEST(BlsName, NoCounter) {
    for (const char* f : {"x+a.conf", "x+3-.conf", "x+-1.conf", "x+.conf", "x+1-2-3.conf", "x+99999999999.conf",
                          "x+1.5.conf", "6.1.0-13-amd64.conf"}) {
        auto n = parse_bls_name(f);
        ASSERT_TRUE(n) << f;
        EXPECT_FALSE(n->counter) << f;
        EXPECT_EQ(n->stem, n->id) << f;
        EXPECT_FALSE(n->bad()) << f;
    }
    EXPECT_EQ(parse_bls_name("rhel-4.18.0-80.el8.x86_64.conf")->id, "rhel-4.18.0-80.el8.x86_64");
}

TEST(BlsName, Rejected) {
    for (std::string f : {"x.txt", "x.conf.bak", ".conf", ".hidden.conf", "a b.conf", "a/b.conf", "\xc3\xa4.conf",
                          "x.CONF", "a:b.conf", "a~b.conf", "a^b.conf", "", "conf"})
        EXPECT_FALSE(parse_bls_name(f)) << shown(f);
    EXPECT_FALSE(parse_bls_name(std::string("a\0b.conf", 8)));
    EXPECT_TRUE(parse_bls_name(std::string(250, 'a') + ".conf"));  // 255 in all
    EXPECT_FALSE(parse_bls_name(std::string(251, 'a') + ".conf")); // 256
    EXPECT_TRUE(parse_bls_name("A-Z_a.z+0.conf"));
}

// ==== Entries ============================================================================================

TEST(BlsEntry, CorpusRoundTripsByteForByte) {
    const auto files = corpus_files();
    ASSERT_EQ(files.size(), 13u);
    for (const auto& f : files) {
        const std::string text = corpus(f);
        EXPECT_EQ(BlsEntry::parse(text).text(), text) << f;
        EXPECT_TRUE(parse_bls_name(fs::path(f).filename().string())) << f;
    }
}

TEST(BlsEntry, OddTextsRoundTrip) {
    for (const char* t : {"", "\n", "\n\n", "a", "a\n", "title x", "title x\n\n\n", "  \t\n", "key  value  \n",
                          "# only a comment", "options a\r\nlinux /v\r\n", "\xff\xfe\n", "linux\tx y\n"})
        EXPECT_EQ(BlsEntry::parse(t).text(), t) << shown(t);
    const std::string with_nul("linux /v\0x\nopt\0\n", 16);
    EXPECT_EQ(BlsEntry::parse(with_nul).text(), with_nul);
}

TEST(BlsEntry, ParsesKeysAndValues) {
    const auto e = BlsEntry::parse(
        corpus("debian12-kernel-install-generated/0123456789abcdef0123456789abcdef-6.1.0-28-amd64.conf"));
    EXPECT_EQ(e.get("title"), "Debian GNU/Linux 12 (bookworm)");
    EXPECT_EQ(e.get("sort-key"), "debian");
    EXPECT_EQ(e.get("linux"), "/0123456789abcdef0123456789abcdef/6.1.0-28-amd64/linux");
    EXPECT_EQ(e.get("devicetree"), std::nullopt);
    EXPECT_EQ(e.lines().size(), 7u);
    EXPECT_EQ(e.lines()[0].key, "title");

    const auto c = BlsEntry::parse(corpus("fedora39-osbuild/comments-and-trailing-blank-lines.conf"));
    EXPECT_TRUE(c.lines()[1].comment);
    EXPECT_EQ(c.lines()[1].key, "");
    EXPECT_EQ(c.lines().back().raw, "");
    EXPECT_EQ(c.get_all("grub_arg"), std::vector<std::string> {"--unrestricted"});

    const auto u =
        BlsEntry::parse(corpus("uapi-spec-example/6a9857a393724b7a981ebb5b8495b9ea-3.8.0-2.fc19.x86_64.conf"));
    EXPECT_EQ(u.get_all("extra").size(), 2u);
    EXPECT_EQ(u.get("architecture"), "x64");

    // Leading blanks are tolerated; the separator is the first run of spaces/tabs.
    const auto l = BlsEntry::parse("  title \t A  B \nlinux\t/v\n");
    EXPECT_EQ(l.get("title"), "A  B ");
    EXPECT_EQ(l.get("linux"), "/v");
}

TEST(BlsEntry, OptionsAndInitrds) {
    const auto r8 = BlsEntry::parse(corpus("rhel8.0-kernelopts/rhel-4.18.0-80.el8.x86_64.conf"));
    EXPECT_EQ(r8.options(), "$kernelopts $tuned_params");
    EXPECT_EQ(r8.initrds(), (std::vector<std::string> {"/initramfs-4.18.0-80.el8.x86_64.img", "$tuned_initrd"}));

    const auto two = BlsEntry::parse("options a b \ninitrd /x /y\ninitrd  /z\noptions   c\nlinux /v\n");
    EXPECT_EQ(two.options(), "a b c");
    EXPECT_EQ(two.options_grub(), "a b ");
    EXPECT_EQ(two.initrds(), (std::vector<std::string> {"/x", "/y", "/z"}));

    // GRUB stops at the empty line: its options are the ones before it.
    const auto stop = BlsEntry::parse("linux /v\n\noptions late\n");
    EXPECT_EQ(stop.options(), "late");
    EXPECT_EQ(stop.options_grub(), "");
    // blscfg's key ends at the first space, else at the first tab.
    EXPECT_EQ(BlsEntry::parse("options\tx\n").options_grub(), "x");
    EXPECT_EQ(BlsEntry::parse("options\tx y\n").options_grub(), ""); // key "options\tx"
    EXPECT_EQ(BlsEntry::parse("options\tx y\n").options(), "x y");
}

TEST(BlsEntry, SetOptionsKeepsColumnAlignment) {
    const std::string f = "debian12-kernel-install-generated/0123456789abcdef0123456789abcdef-6.1.0-27-amd64.conf";
    const std::string before = corpus(f);
    auto e = BlsEntry::parse(before);
    const std::string old_opts = *e.get("options");
    const std::string new_opts = bootsmith::grub::cmdline_add(bootsmith::grub::cmdline_remove(old_opts, {"splash"}),
                                                              {"console=ttyS0,115200", "quiet"});
    EXPECT_EQ(new_opts, "root=UUID=11111111-2222-3333-4444-555555555555 ro quiet "
                        "systemd.machine_id=0123456789abcdef0123456789abcdef console=ttyS0,115200");
    e.set("options", new_opts);
    EXPECT_EQ(e.text(), replaced(before, "options    " + old_opts + "\n", "options    " + new_opts + "\n"));
    EXPECT_TRUE(e.diagnostics().empty()) << joined(e.diagnostics());
}

TEST(BlsEntry, SetOptionsOnRhel93DoubleSpace) {
    const std::string f = "rhel9.3/rhel-5.14.0-362.18.1.el9_3.x86_64.conf";
    const std::string before = corpus(f);
    auto e = BlsEntry::parse(before);
    const std::string old_opts = *e.get("options");
    ASSERT_NE(old_opts.find("quiet  $tuned_params"), std::string::npos);
    e.set("options",
          bootsmith::grub::cmdline_add(bootsmith::grub::cmdline_remove(old_opts, {"rhgb"}), {"mitigations=off"}));
    const std::string expected_opts = "root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M "
                                      "resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap quiet  "
                                      "$tuned_params mitigations=off";
    EXPECT_EQ(e.text(), replaced(before, "options " + old_opts + "\n", "options " + expected_opts + "\n"));
    // Untouched: every other line, byte for byte.
    auto same = BlsEntry::parse(before);
    same.set("title", *same.get("title"));
    EXPECT_EQ(same.text(), before);
}

TEST(BlsEntry, EditsAroundCommentsAndTrailingBlankLine) {
    const std::string before = corpus("fedora39-osbuild/comments-and-trailing-blank-lines.conf");
    ASSERT_TRUE(before.ends_with("grub_class fedora\n\n"));

    auto e = BlsEntry::parse(before);
    e.set("sort-key", "fedora"); // new key: after the last key line, before the trailing empty line
    EXPECT_EQ(e.text(), replaced(before, "grub_class fedora\n\n", "grub_class fedora\nsort-key fedora\n\n"));

    e = BlsEntry::parse(before);
    e.set("version", "6.11.9-101.fc39.x86_64"); // in place, comments kept
    EXPECT_EQ(e.text(), replaced(before, "version 6.11.9-100.fc39.x86_64\n", "version 6.11.9-101.fc39.x86_64\n"));

    e = BlsEntry::parse(before);
    e.remove("grub_arg");
    EXPECT_EQ(e.text(), replaced(before, "grub_arg --unrestricted\n", ""));

    e = BlsEntry::parse(before);
    e.set_all("initrd", {"/boot/intel-ucode.img", "", "/boot/initramfs.img"});
    EXPECT_EQ(e.text(), replaced(before, "initrd /boot/initramfs-6.11.9-100.fc39.x86_64.img\n",
                                 "initrd /boot/intel-ucode.img\ninitrd /boot/initramfs.img\n"));
    EXPECT_TRUE(e.diagnostics().empty()) << joined(e.diagnostics());
}

TEST(BlsEntry, EditsKeepMissingFinalNewline) {
    const std::string before = corpus("fedora39-osbuild/0649288e52434223afde4c36460a375e-6.11.9-101.fc39.x86_64.conf");
    ASSERT_NE(before.back(), '\n');
    auto e = BlsEntry::parse(before);
    e.set("sort-key", "fedora");
    EXPECT_EQ(e.text(), before + "\nsort-key fedora");
    e.set("grub_class", "kernel");
    EXPECT_EQ(e.text(), replaced(before, "grub_class fedora", "grub_class kernel") + "\nsort-key fedora");
    e.remove("sort-key");
    e.remove("grub_class");
    EXPECT_EQ(e.text(), replaced(before, "\ngrub_class fedora", ""));
    EXPECT_NE(e.text().back(), '\n');
}

TEST(BlsEntry, SetAllAndRemoveRepeatedKeys) {
    const std::string f = "uapi-spec-example/6a9857a393724b7a981ebb5b8495b9ea-3.8.0-2.fc19.x86_64.conf";
    const std::string before = corpus(f);
    const std::string extras =
        "extra        /6a9857a393724b7a981ebb5b8495b9ea/3.8.0-2.fc19.x86_64/somedata.cred\n"
        "extra        /6a9857a393724b7a981ebb5b8495b9ea/3.8.0-2.fc19.x86_64/somethingelse.cred\n";
    auto e = BlsEntry::parse(before);
    e.set_all("extra", {"/a.cred"});
    EXPECT_EQ(e.text(), replaced(before, extras, "extra        /a.cred\n"));
    e.set_all("extra", {"/a.cred", "/b.cred", "/c.cred"});
    EXPECT_EQ(e.text(), replaced(before, extras, "extra        /a.cred\nextra        /b.cred\nextra        /c.cred\n"));
    e.set_all("extra", {});
    EXPECT_EQ(e.text(), replaced(before, extras, ""));

    // Several options lines become one, at the first one's place.
    auto o = BlsEntry::parse("title t\noptions a\nlinux /v\noptions b\n");
    o.set("options", o.options());
    EXPECT_EQ(o.text(), "title t\noptions a b\nlinux /v\n");
}

TEST(BlsEntry, NeverWritesBlankLinesOrEmptyKeys) {
    auto e = BlsEntry::parse("title t\nlinux /v\noptions x\n");
    e.set("options", "");
    EXPECT_EQ(e.text(), "title t\nlinux /v\n");
    e.set("options", "  \t ");
    EXPECT_EQ(e.text(), "title t\nlinux /v\n");
    e.set("options", "a\nb");
    EXPECT_EQ(e.text(), "title t\nlinux /v\noptions a b\n");
    e.set("options", "  c");
    EXPECT_EQ(e.text(), "title t\nlinux /v\noptions c\n");
    for (const std::string& bad :
         std::vector<std::string> {"", "#x", "a b", "a\tb", "a\nb", "a\rb", std::string("a\0b", 3)}) {
        auto before = e.text();
        e.set(bad, "v");
        e.remove(bad);
        e.set_all(bad, {"v"});
        EXPECT_EQ(e.text(), before) << shown(bad);
    }
    // A key without value gets a separator when set.
    auto k = BlsEntry::parse("linux /v\noptions\n");
    k.set("options", "x");
    EXPECT_EQ(k.text(), "linux /v\noptions x\n");
    // Empty and comment-only files.
    auto empty = BlsEntry::parse("");
    empty.set("title", "T");
    EXPECT_EQ(empty.text(), "title T\n");
    auto comment = BlsEntry::parse("# c\n\n");
    comment.set("title", "T");
    EXPECT_EQ(comment.text(), "# c\ntitle T\n\n");
}

TEST(BlsEntry, CorpusHasNoDiagnostics) {
    for (const auto& f : corpus_files())
        EXPECT_TRUE(BlsEntry::parse(corpus(f)).diagnostics().empty())
            << f << ":\n"
            << joined(BlsEntry::parse(corpus(f)).diagnostics());
}

TEST(BlsEntry, Diagnostics) {
    auto d = BlsEntry::parse("title t\n\nlinux /v\n").diagnostics();
    EXPECT_TRUE(mentions(d, "line 2: empty line: GRUB's blscfg stops reading here")) << joined(d);

    d = BlsEntry::parse("title t\nversion\nlinux /v\n").diagnostics();
    EXPECT_TRUE(mentions(d, "line 2: `version` without value: GRUB's blscfg stops reading here")) << joined(d);
    EXPECT_TRUE(mentions(d, "line 2: `version` has no value")) << joined(d);

    d = BlsEntry::parse("linux /v\noptions a\noptions b\n").diagnostics();
    EXPECT_TRUE(mentions(d, "line 3: another `options` line: GRUB's blscfg uses only the first (line 2)")) << joined(d);

    d = BlsEntry::parse("linux /v\ntitle a\ntitle b\n").diagnostics();
    EXPECT_TRUE(mentions(d, "line 3: `title` repeated")) << joined(d);

    EXPECT_TRUE(mentions(BlsEntry::parse("title t\n").diagnostics(), "no `linux`, `efi` or `uki` key"));
    EXPECT_FALSE(mentions(BlsEntry::parse("efi /x.efi\n").diagnostics(), "no `linux`"));
    EXPECT_TRUE(mentions(BlsEntry::parse(std::string("linux /v\0\n", 10)).diagnostics(), "line 1: NUL byte"));
    EXPECT_TRUE(mentions(BlsEntry::parse("linux /v\ntitle \xff\n").diagnostics(), "line 2: not valid UTF-8"));
    EXPECT_TRUE(mentions(BlsEntry::parse("linux /v\r\n").diagnostics(), "line 1: carriage return"));
    EXPECT_TRUE(mentions(BlsEntry::parse("  linux /v\n").diagnostics(), "line 1: leading blanks before `linux`"));
    EXPECT_TRUE(mentions(BlsEntry::parse("linux\t/v x\n").diagnostics(),
                         "splits at the first space and reads the key `linux\\x09/v`"));
    EXPECT_TRUE(mentions(BlsEntry::parse("linux /v \n").diagnostics(), "line 1: trailing blanks"));
    const std::string big = "linux /v\noptions " + std::string(1024 * 1024, 'x') + "\n";
    EXPECT_TRUE(mentions(BlsEntry::parse(big).diagnostics(), "over 1 MiB"));
    // Trailing empty lines lose nothing: no complaint.
    EXPECT_TRUE(BlsEntry::parse("linux /v\n\n\n").diagnostics().empty());
}

// ==== Kernel command lines ================================================================================

TEST(BlsOrderUapi, ObservedBootctlOrderFromNotes) {
    // kernels-bls.md §2.1: systemd 252 `bootctl list` on the corpus entries.
    const std::vector<std::string> files = {
        "rhel8.0-kernelopts/rhel-4.18.0-80.el8.x86_64.conf",
        "fedora39-osbuild/0649288e52434223afde4c36460a375e-6.11.9-100.fc39.x86_64.conf",
        "uapi-spec-example/6a9857a393724b7a981ebb5b8495b9ea-3.8.0-2.fc19.x86_64.conf",
        "debian12-kernel-install-generated/0123456789abcdef0123456789abcdef-6.1.0-27-amd64.conf",
        "fedora39-osbuild/0649288e52434223afde4c36460a375e-6.11.9-101.fc39.x86_64.conf",
        "debian12-kernel-install-generated/0123456789abcdef0123456789abcdef-6.1.0-28-amd64.conf",
    };
    std::vector<BlsSortKey> keys;
    for (const auto& f : files)
        keys.push_back(sort_key_of(f));
    EXPECT_EQ(ids_in_order(keys, BlsOrder::uapi),
              (std::vector<std::string> {
                  "0123456789abcdef0123456789abcdef-6.1.0-28-amd64", "0123456789abcdef0123456789abcdef-6.1.0-27-amd64",
                  "6a9857a393724b7a981ebb5b8495b9ea-3.8.0-2.fc19.x86_64",
                  "0649288e52434223afde4c36460a375e-6.11.9-101.fc39.x86_64",
                  "0649288e52434223afde4c36460a375e-6.11.9-100.fc39.x86_64", "rhel-4.18.0-80.el8.x86_64"}));
}

TEST(BlsOrderUapi, ObservedBootctlIdsWithSuffixAndCounters) {
    // bootctl 252.38 (package systemd-boot) `list` on these names, run for this test's author in
    // a private mount namespace: ids are compared with ".conf" and without the counter (so
    // abc-6.1.0 comes before abc-6.1.0-1), '_' is skipped, bad entries go last.
    std::vector<BlsSortKey> keys;
    for (const char* f : {"abc-6.1.0.conf", "abc-6.1.0-1.conf", "abc-6.1.0-2+0-3.conf", "Abc-6.1.0-1a.conf",
                          "abc-6.1.0-1.1.conf", "x_1.conf", "x.1.conf"})
        keys.push_back(named(f));
    EXPECT_EQ(ids_in_order(keys, BlsOrder::uapi),
              (std::vector<std::string> {"x_1", "x.1", "abc-6.1.0", "abc-6.1.0-1.1", "abc-6.1.0-1", "Abc-6.1.0-1a",
                                         "abc-6.1.0-2+0-3"}));
}

TEST(BlsOrderUapi, SortKeyRules) {
    auto key = [](const char* file, const char* sort_key, const char* machine_id, const char* version) {
        BlsSortKey k = named(file);
        k.sort_key = sort_key;
        k.machine_id = machine_id;
        k.version = version;
        return k;
    };
    const std::vector<BlsSortKey> keys = {
        key("z-1.conf", "", "", ""),             // no sort-key: after all with one
        key("a-1.conf", "fedora", "m2", "6.0"),  // fedora after debian
        key("b-1.conf", "debian", "m1", "6.1"),  //
        key("c-1.conf", "debian", "m1", "6.10"), // newer version first
        key("d-1.conf", "debian", "m0", "1.0"),  // lower machine-id first
        key("e-1+0.conf", "aaa", "m0", "9"),     // bad: last of all
        key("y-1.conf", "", "", ""),             //
        key("f-1.conf", "debian", "m1", "6.10"), // all equal: id descending
    };
    EXPECT_EQ(ids_in_order(keys, BlsOrder::uapi),
              (std::vector<std::string> {"d-1", "f-1", "c-1", "b-1", "a-1", "z-1", "y-1", "e-1+0"}));
}

TEST(BlsOrder, Rhel80ZStream) {
    // kernels-bls.md §2.3: grubby-bls lists the GA kernel first; bootctl and blscfg 80.11.2.
    std::vector<BlsSortKey> keys;
    for (const char* f : {"rhel-4.18.0-80.1.2.el8_0.x86_64.conf", "rhel-4.18.0-80.el8.x86_64.conf",
                          "rhel-4.18.0-80.11.2.el8_0.x86_64.conf"})
        keys.push_back(named(f));
    const std::vector<std::string> newest = {"rhel-4.18.0-80.11.2.el8_0.x86_64", "rhel-4.18.0-80.1.2.el8_0.x86_64",
                                             "rhel-4.18.0-80.el8.x86_64"};
    EXPECT_EQ(ids_in_order(keys, BlsOrder::uapi), newest);
    EXPECT_EQ(ids_in_order(keys, BlsOrder::blscfg), newest);
    EXPECT_EQ(ids_in_order(keys, BlsOrder::grubby),
              (std::vector<std::string> {"rhel-4.18.0-80.el8.x86_64", "rhel-4.18.0-80.11.2.el8_0.x86_64",
                                         "rhel-4.18.0-80.1.2.el8_0.x86_64"}));
}

TEST(BlsOrderBlscfg, NameVersionReleaseAndDuplicates) {
    std::vector<BlsSortKey> keys;
    // Machine-id prefixes decide first (name), then version, then release; "a-1-01" equals
    // "a-1-1" by rpmvercmp and GRUB drops the later one.
    for (const char* f : {"aaa-6.1-1.conf", "bbb-5.0-1.conf", "aaa-6.10-1.conf", "aaa-6.1-2.conf", "a-1-1.conf",
                          "a-1-01.conf", "plain.conf", "one-2.conf"})
        keys.push_back(named(f));
    EXPECT_EQ(
        ids_in_order(keys, BlsOrder::blscfg),
        (std::vector<std::string> {"plain", "one-2", "bbb-5.0-1", "aaa-6.10-1", "aaa-6.1-2", "aaa-6.1-1", "a-1-1"}));
}

TEST(BlsOrderGrubby, SortVReversed) {
    std::vector<BlsSortKey> keys;
    for (const char* f : {"m-6.1.0-9.conf", "m-6.1.0-rc3.conf", "m-6.1.0-13.conf", "m-6.1.0-013.conf"})
        keys.push_back(named(f));
    EXPECT_EQ(ids_in_order(keys, BlsOrder::grubby),
              (std::vector<std::string> {"m-6.1.0-rc3", "m-6.1.0-13", "m-6.1.0-013", "m-6.1.0-9"}));
}

// parse() works out GRUB's reading of each line without '\r' or NUL once; a line with either is
// read from its bytes when asked. GRUB drops every '\r' and ends a line at NUL, so the same text
// with '\r's strewn in and "\0junk" after some lines reads the same to GRUB (and, as they go only
// after a line's first non-blank byte, keeps which lines are key lines and comments): the two
// paths must agree on options_grub, on where blscfg stops reading and on where set() puts a key.
TEST(BlsGrubReading, WorkedOutOnceAgreesWithReadingTheBytes) {
    std::mt19937 rng(20261126);
    const std::string words[] = {"options", "linux", "title", "initrd", "#", "# c", "x", "a=b", ""};
    const std::string blanks[] = {" ", "\t", "  ", " \t", "\t ", ""};
    auto line = [&] {
        std::string l = blanks[rng() % 6].substr(0, rng() % 2 ? 0 : 2);
        for (std::size_t n = rng() % 4; n > 0; --n)
            l += words[rng() % 9] + blanks[rng() % 6];
        return l;
    };
    int stops = 0;
    for (int round = 0; round < 3000; ++round) {
        std::string plain, with_cr;
        for (std::size_t n = 1 + rng() % 6; n > 0; --n) {
            const std::string l = line();
            plain += l + "\n";
            const auto first = l.find_first_not_of(" \t");
            std::string m = l;
            if (first != std::string::npos) {
                for (std::size_t k = rng() % 3; k > 0; --k)
                    m.insert(first + 1 + rng() % (m.size() - first), 1, '\r');
                if (rng() % 4 == 0) m += std::string("\0junk\r", 7);
            }
            with_cr += m + "\n";
        }
        const BlsEntry a = BlsEntry::parse(plain), b = BlsEntry::parse(with_cr);
        ASSERT_EQ(a.options_grub(), b.options_grub()) << shown(plain) << " vs " << shown(with_cr);
        auto stop_line = [](const BlsEntry& e) {
            for (const auto& d : e.diagnostics())
                if (d.find("stops reading here") != std::string::npos) return d.substr(0, d.find(':'));
            return std::string();
        };
        ASSERT_EQ(stop_line(a), stop_line(b)) << shown(plain) << " vs " << shown(with_cr);
        stops += stop_line(a).empty() ? 0 : 1;
        BlsEntry ea = a, eb = b;
        ea.set("machine-id", "m");
        eb.set("machine-id", "m");
        auto at = [](const BlsEntry& e) {
            const auto& ls = e.lines();
            return std::find_if(ls.begin(), ls.end(), [](const auto& l) { return l.key == "machine-id"; }) - ls.begin();
        };
        ASSERT_EQ(at(ea), at(eb)) << shown(plain) << " vs " << shown(with_cr);
    }
    EXPECT_GT(stops, 300); // the texts reach the stop rule, not only clean entries
}

// ==== Garbage in, no crash =================================================================================

TEST(BlsFuzz, EveryFunctionIsTotalOnGarbage) {
    std::mt19937 rng(20240607);
    auto pick = [&](std::size_t n) { return n == 0 ? std::size_t {0} : rng() % n; };
    const std::string alphabet = std::string("0123456789aAzZ.-~^+_ \t\n\r\"=$#:/") + std::string(1, '\0');
    const auto files = corpus_files();
    auto garbage = [&]() {
        std::string s;
        if (pick(4) == 0) { // a mutated corpus file
            s = corpus(files[pick(files.size())]);
            for (std::size_t k = pick(6); k > 0; --k)
                s[pick(s.size())] = static_cast<char>(rng());
            return s.substr(0, pick(s.size() + 1));
        }
        for (std::size_t k = pick(48); k > 0; --k)
            s += pick(2) ? alphabet[pick(alphabet.size())] : static_cast<char>(rng());
        return s;
    };
    using Compare = int (*)(std::string_view, std::string_view);
    const Compare compares[] = {uapi_version_compare,   rpm_vercmp,           rpmlib_vercmp,
                                sort_v_compare,         dpkg_version_compare, debian_kernel_compare,
                                upstream_kernel_compare};
    for (int round = 0; round < 3000; ++round) {
        const std::string a = garbage(), b = garbage();
        for (Compare c : compares) {
            ASSERT_EQ(sgn(c(a, b)), -sgn(c(b, a))) << shown(a) << " vs " << shown(b);
            ASSERT_EQ(c(a, a), 0) << shown(a);
        }
        (void)parse_bls_name(a);
        BlsEntry e = BlsEntry::parse(a);
        ASSERT_EQ(e.text(), a);
        (void)e.options();
        (void)e.options_grub();
        (void)e.initrds();
        const bool grub_complete = !mentions(e.diagnostics(), "stops reading here");
        const auto b_words = bootsmith::grub::cmdline_split(b);
        const std::string key = b_words.empty() ? b : b_words[0];
        e.set(key, b);
        e.set_all("options", {b, a});
        e.remove(pick(2) ? key : "title");
        const BlsEntry again = BlsEntry::parse(e.text());
        ASSERT_EQ(again.text(), e.text());
        if (grub_complete) {
            EXPECT_FALSE(mentions(again.diagnostics(), "stops reading here")) << shown(a) << " → " << shown(e.text());
        }
        try { // kernel argument edits (shared with /etc/default/grub) on garbage: refuse or edit, never crash
            (void)bootsmith::grub::cmdline_add(bootsmith::grub::cmdline_remove(a, b_words), b_words);
        } catch (const bootsmith::Error&) {}
    }
    for (int round = 0; round < 300; ++round) {
        std::vector<BlsSortKey> keys(pick(12));
        for (auto& k : keys) {
            const std::string id = garbage();
            k.name.id = id;
            k.name.stem = id.substr(0, pick(id.size() + 1));
            if (pick(3) == 0) k.name.counter = BootCounter {static_cast<unsigned>(pick(3)), std::nullopt, 1, 0};
            k.sort_key = pick(2) ? garbage() : "";
            k.machine_id = garbage();
            k.version = garbage();
        }
        for (BlsOrder o : {BlsOrder::uapi, BlsOrder::blscfg, BlsOrder::grubby}) {
            auto order = bls_order(keys, o);
            std::sort(order.begin(), order.end());
            ASSERT_TRUE(std::adjacent_find(order.begin(), order.end()) == order.end());
            ASSERT_TRUE(order.empty() || order.back() < keys.size());
            if (o != BlsOrder::blscfg) {
                ASSERT_EQ(order.size(), keys.size());
            }
        }
    }
}
