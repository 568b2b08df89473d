// `bootsmith grubby` in grub.cfg mode against C grubby 8.40's own grub2 test suite
// (tests/data/grubby, see its ORIGINS.md): the 24 round-trips, the permission and symlink
// cases and the 48 rows of cases.tsv, each byte for byte; then the command line, bad input
// and what is (not) written.
//
// Every case runs in a temporary root holding a copy of the suite's test/ tree, with the
// arguments upstream's test.sh passes (`--env=test/grub2-support_files/env_temp -c
// test/grub2.N …`): relative paths are system paths inside --root, so they need no
// adjusting, and grubby's debug trace (case 20) echoes the same command line as upstream's.
//
// The one host-dependent case (11: no --boot-filesystem, so /boot is detected) is decided
// from the root: a root whose proc/self/mountinfo lists /boot as a mount point has a separate
// /boot (case 11 gives the root one, as upstream's passing hosts have); a root without it has
// none (checked separately below).
#include "testutil.hpp"

#include "bootsmith/kernel/grubby_cfg.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

using bootsmith::test::read_file;
using bootsmith::test::run;
using bootsmith::test::TempDir;
using bootsmith::test::write_file;
namespace fs = std::filesystem;

namespace {

const fs::path kRepo = fs::path(__FILE__).parent_path().parent_path().parent_path();
const fs::path kData = kRepo / "tests/data/grubby";
const std::string kEnv = "test/grub2-support_files/env_temp";
const std::string kMountinfoWithBoot = "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
                                       "23 22 8:2 / /boot rw,relatime - ext4 /dev/sda2 rw\n";

bool have(const char* tool) {
    return ::access(tool, X_OK) == 0;
}

/// A temporary root with the suite's test/ tree.
struct SuiteRoot {
    TempDir dir;
    SuiteRoot() { bootsmith::test::copy_tree(kData / "test", dir / "test"); }
    fs::path operator/(const std::string& rel) const { return dir / rel; }
    bootsmith::test::RunResult grubby(const std::vector<std::string>& args) const {
        std::vector<std::string> a {"--root", dir.path().string(), "grubby"};
        a.insert(a.end(), args.begin(), args.end());
        return run(a);
    }
    void env(const std::string& name) const {
        fs::copy_file(dir / ("test/grub2-support_files/" + name), dir / kEnv, fs::copy_options::overwrite_existing);
    }
};

/// One row of cases.tsv.
struct Case {
    std::string n, kind, section, input, env, expected, args;
};

std::vector<Case> read_cases() {
    std::vector<Case> out;
    std::istringstream in(read_file(kData / "cases.tsv"));
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::size_t p = 0;
        for (;;) {
            std::size_t t = line.find('\t', p);
            f.push_back(line.substr(p, t - p));
            if (t == std::string::npos) break;
            p = t + 1;
        }
        f.resize(7);
        out.push_back({f[0], f[1], f[2], f[3], f[4], f[5], f[6]});
    }
    return out;
}

/// cases.tsv's args are shell words (backslash escapes); popt's splitter reads them the same.
std::vector<std::string> words(const std::string& s) {
    return bootsmith::kernel::grubby_split_args(s).value_or(std::vector<std::string> {});
}

/// The outcome of one of the 74 cases: "" when it passed, else why not.
struct Outcome {
    std::string name;
    std::string failure;
};

Outcome run_case(const SuiteRoot& r, const Case& c, bool& env_ready) {
    Outcome o {"case " + c.n + " (" + c.kind + ", " + c.section + ")", ""};
    if (c.kind == "editenv-check") {
        // After the previous case: the grubenv it left must list exactly this.
        std::string want = c.expected.substr(c.expected.find('\'') + 1);
        want = want.substr(0, want.rfind('\'')) + "\n";
        if (!env_ready) return {o.name, "no grubenv from the previous case"};
        auto ours = run({"--root", r.dir.path().string(), "grub-editenv", kEnv, "list"});
        if (ours.out != want) return {o.name, "bootsmith grub-editenv list printed '" + ours.out + "'"};
        if (have("/usr/bin/grub-editenv")) {
            auto real = run({(r / kEnv).string(), "list"}, {}, "/usr/bin/grub-editenv");
            if (real.out != want) return {o.name, "grub-editenv list printed '" + real.out + "'"};
        }
        return o;
    }
    r.env(c.env);
    env_ready = true;
    std::vector<std::string> args {"--grub2"};
    if (c.kind != "display(no --bad-image-okay)") args.push_back("--bad-image-okay");
    args.push_back("--env=" + kEnv);
    args.insert(args.end(), {"-c", c.input});
    if (c.kind == "file") args.insert(args.end(), {"-o", "-"});
    for (auto& w : words(c.args))
        args.push_back(w);
    auto res = r.grubby(args);
    std::string want = read_file(r / c.expected);
    // file: stdout is the new grub.cfg; display: stdout and stderr together (stderr first, as
    // grubby's unbuffered stderr comes before its buffered stdout).
    std::string got = c.kind == "file" ? res.out : res.err + res.out;
    if (res.status != 0) return {o.name, "exit status " + std::to_string(res.status) + ": " + res.err};
    if (got != want) return {o.name, "output differs:\n--- got\n" + got + "--- expected\n" + want};
    return o;
}

} // namespace

// The whole suite in one test, for its summary line.
TEST(GrubbySuite, All74CasesByteForByte) {
    std::vector<Outcome> outcomes;

    // 24 round-trips: a selector that matches nothing, output to stdout = the input.
    for (const auto& e : fs::directory_iterator(kData / "test")) {
        std::string name = e.path().filename().string();
        if (!name.starts_with("grub2.")) continue;
        SuiteRoot r;
        r.env("grubenv.0");
        auto res = r.grubby({"--grub2", "--bad-image-okay", "--env=" + kEnv, "-c", "test/" + name, "-o", "-",
                             "--remove-kernel", "1234"});
        std::string failure;
        if (res.status != 0)
            failure = "exit status " + std::to_string(res.status) + ": " + res.err;
        else if (res.out != read_file(e.path()))
            failure = "output differs from the input";
        outcomes.push_back({"round-trip " + name, failure});
    }

    // Permission: an in-place add keeps the file's mode (0614) and changes its mtime.
    {
        SuiteRoot r;
        fs::copy_file(r / "test/grub2.1", r / "grub2-test");
        ::chmod((r / "grub2-test").c_str(), 0614);
        ASSERT_EQ(std::system(("touch -d 2003-01-01 '" + (r / "grub2-test").string() + "'").c_str()), 0);
        struct stat before {};
        ::stat((r / "grub2-test").c_str(), &before);
        auto res = r.grubby({"--grub2", "--add-kernel", "bar", "--title", "title", "-c", "grub2-test"});
        struct stat after {};
        ::stat((r / "grub2-test").c_str(), &after);
        std::string failure;
        if (res.status != 0)
            failure = "exit status " + std::to_string(res.status) + ": " + res.err;
        else if (after.st_mtime == before.st_mtime)
            failure = "mtime unchanged";
        else if ((after.st_mode & 07777) != 0614)
            failure = "mode is now " + std::to_string(after.st_mode & 07777);
        outcomes.push_back({"permission", failure});
    }

    // Symlink: -c names a symlink; the link stays, its target is rewritten.
    {
        SuiteRoot r;
        fs::copy_file(r / "test/grub2.1", r / "grub2-test");
        fs::create_symlink("./grub2-test", r / "mytest");
        auto res = r.grubby({"--grub2", "--add-kernel", "bar", "--title", "title", "-c", "mytest"});
        std::string failure;
        if (res.status != 0)
            failure = "exit status " + std::to_string(res.status) + ": " + res.err;
        else if (!fs::is_symlink(r / "mytest") || fs::read_symlink(r / "mytest") != "./grub2-test")
            failure = "the symlink was replaced";
        else if (read_file(r / "grub2-test").find("menuentry 'title'") == std::string::npos)
            failure = "the target was not rewritten";
        outcomes.push_back({"symlink", failure});
    }

    // The 48 rows; an editenv-check reads the grubenv its previous row left.
    {
        std::unique_ptr<SuiteRoot> r;
        bool env_ready = false;
        for (const auto& c : read_cases()) {
            if (c.kind != "editenv-check") {
                r = std::make_unique<SuiteRoot>();
                env_ready = false;
                if (c.n == "11") write_file(*r / "proc/self/mountinfo", kMountinfoWithBoot);
            }
            outcomes.push_back(run_case(*r, c, env_ready));
        }
    }

    int passed = 0;
    std::string failed;
    for (const auto& o : outcomes) {
        if (o.failure.empty()) {
            ++passed;
            continue;
        }
        failed += (failed.empty() ? "" : ", ") + o.name;
        ADD_FAILURE() << o.name << ": " << o.failure;
    }
    EXPECT_EQ(outcomes.size(), 74u);
    std::cout << "grubby suite: " << passed << "/" << outcomes.size()
              << " passed (24 round-trips, permission, symlink, 48 cases.tsv rows incl. case 11 with /boot "
                 "a mount point of the root and case 20's debug trace; skipped: none"
              << (failed.empty() ? "" : "; failed: " + failed) << ")" << std::endl;
}

// Case 11 on a root without a separate /boot: the kernel keeps its /boot prefix, as C grubby
// on such a host.
TEST(GrubbySuite, BootPrefixFollowsTheRootsMounts) {
    SuiteRoot r;
    r.env("grubenv.0");
    std::vector<std::string> args {"--grub2", "--bad-image-okay", "--env=" + kEnv, "-c", "test/grub2.16", "-o", "-"};
    for (auto& w : words(read_cases()[10].args))
        args.push_back(w);
    auto res = r.grubby(args);
    ASSERT_EQ(res.status, 0) << res.err;
    EXPECT_NE(res.out.find("\tlinux16 /boot/vmlinuz-foo root=/dev/mapper/foo-- "), std::string::npos);
    write_file(r / "proc/self/mountinfo", kMountinfoWithBoot);
    res = r.grubby(args);
    EXPECT_EQ(res.out, read_file(r / "test/results/add/g2-1.16"));
}

// --- Command line -------------------------------------------------------------------------

TEST(GrubbyCli, BothOptionFormsAndShortOptions) {
    SuiteRoot r;
    auto a = r.grubby({"--info=0", "--boot-filesystem=/boot", "-c", "test/grub2.1"});
    auto b = r.grubby({"--info", "0", "--boot-filesystem", "/boot", "-ctest/grub2.1"});
    auto c = r.grubby({"--info", "0", "--boot-filesystem", "/boot", "--config-file=test/grub2.1"});
    ASSERT_EQ(a.status, 0) << a.err;
    EXPECT_EQ(a.out, "index=0\nkernel=/boot/vmlinuz-2.6.38.8-32.fc15.x86_64\n"
                     "args=\"ro quiet rhgb\"\nroot=/dev/mapper/vg_pjones5-lv_root\n"
                     "initrd=/boot/initramfs-2.6.38.8-32.fc15.x86_64.img\n"
                     "title=Linux, with Fedora 2.6.38.8-32.fc15.x86_64\n");
    EXPECT_EQ(b.out, a.out);
    EXPECT_EQ(c.out, a.out);
    // A popt integer: base 0.
    EXPECT_EQ(r.grubby({"-c", "test/grub2.1", "-o", "-", "--set-default-index=0x1"}).out,
              read_file(r / "test/results/setdefaultindex/g2.1.1"));
}

TEST(GrubbyCli, InfoAllListsPseudoEntriesAsGrubbyDoes) {
    SuiteRoot r;
    auto res = r.grubby({"--info=ALL", "-c", "test/grub2.4", "--boot-filesystem="});
    ASSERT_EQ(res.status, 0) << res.err;
    // grub2.4: title, the submenu line, title2 and an entry inside the submenu, the submenu's
    // closing brace, the last entry, the trailer.
    EXPECT_NE(res.out.find("index=1\nnon linux entry\nindex=2\nkernel=/new-kernel.img\n"), std::string::npos)
        << res.out;
    EXPECT_NE(res.out.find("index=4\nnon linux entry\nindex=5\n"), std::string::npos) << res.out;
    EXPECT_EQ(r.grubby({"--info=TITLE=nothing", "-c", "test/grub2.4"}).err, "grubby: kernel not found\n");
    EXPECT_EQ(r.grubby({"--info=TITLE=nothing", "-c", "test/grub2.4"}).status, 1);
}

TEST(GrubbyCli, ErrorsAreGrubbys) {
    SuiteRoot r;
    auto check = [&](const std::vector<std::string>& args, const std::string& err, int status = 1) {
        auto res = r.grubby(args);
        EXPECT_EQ(res.err, err) << ::testing::PrintToString(args);
        EXPECT_EQ(res.status, status) << ::testing::PrintToString(args);
    };
    check({"-c", "test/grub2.1"}, "grubby: no action specified\n");
    check({"--frobnicate"}, "grubby: bad argument --frobnicate: unknown option\n");
    check({"--title"}, "grubby: bad argument --title: missing argument\n");
    check({"--debug=1"}, "grubby: bad argument --debug=1: option does not take an argument\n");
    check({"--set-default-index", "x1"}, "grubby: bad argument x1: invalid numeric value\n");
    check({"--set-default-index=99999999999"},
          "grubby: bad argument --set-default-index=99999999999: number too large or too small\n");
    check({"--info=0", "stray"}, "grubby: unexpected argument stray\n");
    check({"--add-kernel=/boot/x", "-c", "test/grub2.1"}, "grubby: kernel title must be specified\n");
    check({"--copy-default", "-c", "test/grub2.1"}, "grubby: kernel path expected\n");
    check({"--info=0", "--remove-kernel=1", "-c", "test/grub2.1"},
          "grubby: --default-kernel and --info may not be used when adding or removing kernels\n");
    check({"--set-default=1", "--set-default-index=0", "-c", "test/grub2.1"},
          "grubby: --set-default and --set-default-index may not be used together\n");
    check({"-c", "-", "--info=0"}, "grubby: output file must be specified if stdin is used\n");
    // The default went with the entries: grubby looks for another one, then refuses.
    check({"--remove-kernel=ALL", "-c", "test/grub2.1", "-o", "-"},
          "grubby fatal error: unable to find a suitable template\n"
          "grubby: doing this would leave no kernel entries. Not writing out new config.\n");
    check({"--update-kernel=ALL", "--args=", "-c", "test/grub2.1", "-o", "-"},
          "grubby: error separating arguments ''\n");
    check({"--lilo", "--grub2", "--info=0"}, "grubby: cannot specify multiple bootloaders\n");
    auto v = r.grubby({"--version", "--frobnicate"});
    EXPECT_EQ(v.out, "grubby version 8.40\n");
    EXPECT_EQ(v.status, 0);
    EXPECT_NE(r.grubby({"--help"}).out.find("--add-kernel=kernel-path"), std::string::npos);
}

TEST(GrubbyCli, InvokedAsGrubby) {
    TempDir d;
    fs::create_symlink(bootsmith::test::binary(), d / "grubby");
    auto res = run({"--version"}, {}, (d / "grubby").string());
    EXPECT_EQ(res.out, "grubby version 8.40\n");
}

// BLS entries and no -c: grubby-bls's mode (tests/cli/grubby_bls_test.cpp); -c: grub.cfg mode.
TEST(GrubbyCli, ModeFollowsTheSystem) {
    SuiteRoot r;
    write_file(r / "boot/loader/entries/abc-6.1.0.conf", "title x\nlinux /vmlinuz-6.1.0\n");
    write_file(r / "boot/grub2/grub.cfg", read_file(r / "test/grub2.1"));
    auto bls = r.grubby({"--default-index"}); // no saved_entry: grubby-bls prints an empty line
    EXPECT_EQ(bls.status, 0);
    EXPECT_EQ(bls.out, "\n");
    EXPECT_EQ(r.grubby({"--default-title"}).out, "x\n");
    EXPECT_EQ(r.grubby({"--default-index", "-c", "/boot/grub2/grub.cfg"}).out, "0\n");
    fs::remove_all(r / "boot/loader");
    EXPECT_EQ(r.grubby({"--default-title"}).out, "Linux, with Fedora 2.6.38.8-32.fc15.x86_64\n"); // found by itself
    EXPECT_EQ(r.grubby({"--default-index", "-b", "/boot/loader/entries"}).out, "\n"); // BLS mode, no entries
}

// --- What is written ------------------------------------------------------------------------

TEST(GrubbyWrites, StdoutOutputWritesOnlyGrubenv) {
    SuiteRoot r;
    r.env("grubenv.1");
    auto before = bootsmith::test::snapshot(r.dir.path());
    auto res = r.grubby(
        {"--grub2", "--bad-image-okay", "--env=" + kEnv, "-c", "test/grub2.9", "-o", "-", "--set-default-index=0"});
    ASSERT_EQ(res.status, 0) << res.err;
    auto diff = bootsmith::test::tree_diff(before, bootsmith::test::snapshot(r.dir.path()));
    // grubenv changed (and its backup was taken); grub.cfg was not touched.
    EXPECT_NE(diff.find(kEnv), std::string::npos) << diff;
    EXPECT_EQ(diff.find("test/grub2.9"), std::string::npos) << diff;
    EXPECT_NE(read_file(r / kEnv).find("saved_entry=Fedora (3.10.3-300.fc19.x86_64) 19 (Schrödinger’s Cat)\n"),
              std::string::npos);
}

TEST(GrubbyWrites, InPlaceEditsGrubCfgAndGrubenv) {
    SuiteRoot r;
    r.env("grubenv.1");
    auto res = r.grubby({"--grub2", "--env=" + kEnv, "-c", "test/grub2.8", "--set-default-index=0"});
    ASSERT_EQ(res.status, 0) << res.err;
    EXPECT_EQ(res.out, "");
    EXPECT_EQ(read_file(r / "test/grub2.8"), read_file(r / "test/results/add/g2-1.8"));
    EXPECT_NE(read_file(r / kEnv).find("saved_entry=title\n"), std::string::npos);
    EXPECT_EQ(read_file(r / kEnv).size(), 1024u);
    // And a numeric default is rewritten in grub.cfg itself.
    res = r.grubby({"-c", "test/grub2.1", "--set-default-index=1"});
    ASSERT_EQ(res.status, 0) << res.err;
    EXPECT_EQ(read_file(r / "test/grub2.1"), read_file(r / "test/results/setdefaultindex/g2.1.1"));
}

TEST(GrubbyWrites, DryRunWritesNothing) {
    SuiteRoot r2;
    auto before2 = bootsmith::test::snapshot(r2.dir.path());
    auto dry =
        run({"--root", r2.dir.path().string(), "--dry-run", "grubby", "-c", "test/grub2.1", "--set-default-index=1"});
    ASSERT_EQ(dry.status, 0) << dry.err;
    EXPECT_NE(dry.out.find("+set default=\"1\""), std::string::npos) << dry.out;
    EXPECT_EQ(bootsmith::test::tree_diff(before2, bootsmith::test::snapshot(r2.dir.path())), "");
}

// A result GRUB could not parse is refused (grubby would write a title with an ASCII
// apostrophe unescaped).
TEST(GrubbyWrites, RefusesToWriteInvalidGrubScript) {
    SuiteRoot r;
    auto before = bootsmith::test::snapshot(r.dir.path());
    auto res = r.grubby({"--bad-image-okay", "-c", "test/grub2.1", "--add-kernel=/boot/x", "--title=Bob's kernel",
                         "--copy-default", "--boot-filesystem=/boot"});
    EXPECT_EQ(res.status, 1);
    EXPECT_NE(res.err.find("grubby: refusing to write test/grub2.1"), std::string::npos) << res.err;
    EXPECT_EQ(bootsmith::test::tree_diff(before, bootsmith::test::snapshot(r.dir.path())), "");
}

// --- Bad input --------------------------------------------------------------------------------

TEST(GrubbyBadInput, OneLineNamingTheFileNothingWritten) {
    SuiteRoot r;
    write_file(r / "unbalanced-brace.cfg", "set default=\"0\"\nmenuentry 'x' {\n\tlinux /vmlinuz root=/dev/sda1\n");
    write_file(r / "unbalanced-quote.cfg", "menuentry 'x {\n\tlinux /vmlinuz root=/dev/sda1\n}\n");
    write_file(r / "extra-brace.cfg", "menuentry 'x' {\n\tlinux /vmlinuz\n}\n}\n");
    std::string garbage;
    for (int i = 0; i < 4096; ++i)
        garbage += static_cast<char>((i * 7919 + 13) % 256);
    write_file(r / "garbage.cfg", garbage);
    write_file(r / "binary-no-nul.cfg", "\x7f"
                                        "ELF\x02\x01\x01 'unterminated \xff\xfe");
    fs::create_directories(r / "a-directory");
    for (const std::string f : {"unbalanced-brace.cfg", "unbalanced-quote.cfg", "extra-brace.cfg", "garbage.cfg",
                                "binary-no-nul.cfg", "a-directory", "missing.cfg"}) {
        for (const auto& action : std::vector<std::vector<std::string>> {
                 {"--info=ALL"}, {"--set-default-index=0"}, {"--remove-kernel=0"}, {"--default-kernel"}}) {
            auto before = bootsmith::test::snapshot(r.dir.path());
            std::vector<std::string> args {"-c", f};
            args.insert(args.end(), action.begin(), action.end());
            auto res = r.grubby(args);
            EXPECT_EQ(res.status, 1) << f;
            EXPECT_EQ(res.out, "") << f;
            EXPECT_EQ(bootsmith::test::line_count(res.err), 1u) << f << ": " << res.err;
            EXPECT_NE(res.err.find(f), std::string::npos) << res.err;
            EXPECT_EQ(bootsmith::test::tree_diff(before, bootsmith::test::snapshot(r.dir.path())), "") << f;
        }
    }
    EXPECT_EQ(r.grubby({"-c", "missing.cfg", "--info=0"}).err,
              "error opening missing.cfg for read: No such file or directory\n");
    EXPECT_EQ(r.grubby({"-c", "a-directory", "--info=0"}).err, "error opening a-directory for read: Is a directory\n");
    // A grubenv that is not one does not stop grubby (its grub2-editenv would fail and be ignored).
    write_file(r / kEnv, "not an environment block\n");
    auto res = r.grubby({"--grub2", "--env=" + kEnv, "-c", "test/grub2.8", "-o", "-", "--set-default-index=0"});
    EXPECT_EQ(res.status, 0);
    EXPECT_EQ(res.err, "grub2-editenv: error: invalid environment block.\n");
    EXPECT_EQ(read_file(r / kEnv), "not an environment block\n");
}
