// `bootsmith grub …` and `bootsmith grub-editenv` on fixture copies, checked against the real
// grub-editenv, grub-set-default and grub-reboot (Debian 12's grub-common / grub2-common).
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>

using bootsmith::test::read_file;
using bootsmith::test::run;
using bootsmith::test::TempDir;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool have(const char* tool) {
    return ::access(tool, X_OK) == 0;
}

struct Root {
    TempDir dir;
    fs::path root;
    explicit Root(const std::string& name = "debian12-uefi") : root(dir / name) {
        bootsmith::test::copy_tree(bootsmith::test::fixtures() / name, root);
    }
    bootsmith::test::RunResult operator()(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--root", root.string()});
        return run(args);
    }
    std::string env() const { return read_file(root / "boot/grub/grubenv"); }
};

/// Two copies of a root: A for the real tool, B for bootsmith.
struct Pair {
    Root a, b;
    explicit Pair(const std::string& name = "debian12-uefi") : a(name), b(name) {}
};

} // namespace

TEST(Grub, EnvListGetSetUnset) {
    Root r;
    EXPECT_EQ(r({"grub", "env"}).out, "");
    ASSERT_EQ(r({"grub", "env", "set", "saved_entry=1", "x=a\\b"}).status, 0);
    EXPECT_EQ(r({"grub", "env", "list"}).out, "saved_entry=1\nx=a\\b\n");
    EXPECT_EQ(r({"grub", "env", "get", "x"}).out, "a\\b\n");
    EXPECT_EQ(r({"grub", "env", "get", "nothing"}).status, 66);
    auto j = json::parse(r({"grub", "env", "list", "--json"}).out);
    EXPECT_EQ(j["schema"], "bootsmith.grubenv/1");
    EXPECT_EQ(j["size"], 1024);
    EXPECT_EQ(j["variables"][1]["value"], "a\\b");
    ASSERT_EQ(r({"grub", "env", "unset", "x"}).status, 0);
    EXPECT_EQ(r({"grub", "env"}).out, "saved_entry=1\n");
    EXPECT_EQ(r.env().size(), 1024u);
    EXPECT_EQ(r({"grub", "env", "set", "novalue"}).status, 2);
}

TEST(Grub, EnvWritesAreByteIdenticalToGrubEditenv) {
    if (!have("/usr/bin/grub-editenv")) GTEST_SKIP() << "grub-editenv not installed";
    const std::vector<std::vector<std::string>> ops = {
        {"set", "saved_entry=gnulinux-advanced-x>gnulinux-6.1.0-13-amd64-advanced-x"},
        {"set", "a=1", "b=two words", "c=back\\slash", "d=new\nline"},
        {"set", "a=longer value than before"},
        {"unset", "b"},
        {"set", "b=again"},
        {"unset", "a", "nothing"},
        {"set", "e=" + std::string(800, 'x')},
        {"set", "f=" + std::string(200, 'y')}, // too big now: both must fail and write nothing
    };
    Pair p;
    for (const auto& op : ops) {
        std::vector<std::string> real {(p.a.root / "boot/grub/grubenv").string()};
        real.insert(real.end(), op.begin(), op.end());
        auto ra = run(real, {}, "/usr/bin/grub-editenv");
        std::vector<std::string> ours {"grub", "env"};
        ours.insert(ours.end(), op.begin(), op.end());
        auto rb = p.b(ours);
        EXPECT_EQ(ra.status == 0, rb.status == 0) << op[0] << ": " << ra.err << " / " << rb.err;
        EXPECT_EQ(p.a.env(), p.b.env()) << op[0] << " " << op[1];
    }
    // The compatibility front end: same command line, same output and exit codes.
    for (const auto& args : std::vector<std::vector<std::string>> {
             {"list"}, {"set", "k=v"}, {"unset", "k"}, {"set", "novalue"}, {"bogus"}, {"create"}}) {
        std::vector<std::string> real {(p.a.root / "boot/grub/grubenv").string()};
        real.insert(real.end(), args.begin(), args.end());
        auto ra = run(real, {}, "grub-editenv"); // by name: its messages start with argv[0]
        std::vector<std::string> ours {"grub-editenv", "/boot/grub/grubenv"};
        ours.insert(ours.end(), args.begin(), args.end());
        auto rb = p.b(ours);
        EXPECT_EQ(ra.status, rb.status) << args[0] << ": " << rb.err;
        EXPECT_EQ(ra.out, rb.out) << args[0];
        EXPECT_EQ(ra.err, rb.err) << args[0];
        EXPECT_EQ(p.a.env(), p.b.env()) << args[0];
    }
}

TEST(Grub, CorruptGrubenvIsReportedNotRewritten) {
    Root r;
    bootsmith::test::write_file(r.root / "boot/grub/grubenv", "not a grub environment block\n");
    auto before = bootsmith::test::snapshot(r.root);
    auto res = r({"grub", "env", "set", "a=1"});
    EXPECT_EQ(res.status, 65);
    EXPECT_EQ(bootsmith::test::line_count(res.err), 1u) << res.err;
    EXPECT_NE(res.err.find("boot/grub/grubenv"), std::string::npos);
    EXPECT_EQ(r({"grub", "env", "list"}).status, 65);
    EXPECT_EQ(bootsmith::test::tree_diff(before, bootsmith::test::snapshot(r.root)), "");
}

TEST(Grub, DefaultAndNextDoWhatGrubSetDefaultAndGrubRebootDo) {
    if (!have("/usr/sbin/grub-set-default") || !have("/usr/sbin/grub-reboot")) GTEST_SKIP() << "grub2-common missing";
    Pair p;
    auto menu = json::parse(p.b({"grub", "menu", "--json"}).out);
    ASSERT_GE(menu["entries"].size(), 2u);
    std::string id = menu["entries"][1]["children"][0]["id_path"];
    const std::vector<std::pair<std::string, std::string>> steps = {
        {"default", "0"}, {"next", "1>1"}, {"default", id}, {"next", id}, {"default", "1>0"}};
    for (const auto& [what, entry] : steps) {
        std::string tool = what == "default" ? "/usr/sbin/grub-set-default" : "/usr/sbin/grub-reboot";
        auto ra = run({"--boot-directory=" + (p.a.root / "boot").string(), entry}, {}, tool);
        EXPECT_EQ(ra.status, 0) << ra.err;
        auto rb = p.b({"grub", what, entry, "--force"});
        EXPECT_EQ(rb.status, 0) << rb.err;
        EXPECT_EQ(p.a.env(), p.b.env()) << what << " " << entry;
    }
    ASSERT_EQ(p.b({"grub", "next", "--clear"}).status, 0);
    EXPECT_EQ(p.b({"grub", "env", "get", "next_entry"}).status, 66);
}

TEST(Grub, DefaultRefusesAnEntryThatMatchesNothing) {
    Root r;
    auto before = bootsmith::test::snapshot(r.root);
    auto res = r({"grub", "default", "no such entry"});
    EXPECT_EQ(res.status, 1);
    EXPECT_NE(res.err.find("matches no entry"), std::string::npos) << res.err;
    EXPECT_EQ(bootsmith::test::tree_diff(before, bootsmith::test::snapshot(r.root)), "");
    // The Debian fixture's grub.cfg says default=0, not saved: warn that it has no effect.
    auto warn = r({"grub", "default", "1>1"});
    EXPECT_EQ(warn.status, 0);
    EXPECT_NE(warn.err.find("has no effect"), std::string::npos) << warn.err;
}

TEST(Grub, MenuOfEveryFixture) {
    Root d;
    auto j = json::parse(d({"grub", "menu", "--json"}).out);
    EXPECT_EQ(j["schema"], "bootsmith.grub-menu/1");
    EXPECT_EQ(j["entries"][0]["title"], "Debian GNU/Linux");
    EXPECT_EQ(j["entries"][1]["submenu"], true);
    EXPECT_EQ(j["default"]["selection"]["index_path"], "0");
    Root f("fedora-bls-uefi");
    auto fj = json::parse(f({"grub", "menu", "--json"}).out);
    EXPECT_EQ(fj["blscfg"], true);
    Root b("bios-mbr");
    EXPECT_EQ(b({"grub", "menu"}).status, 0);
}

TEST(Grub, ConfigEditsKeepEverythingElse) {
    Root r;
    std::string before = read_file(r.root / "etc/default/grub");
    ASSERT_EQ(r({"grub", "config", "set", "GRUB_TIMEOUT", "10"}).status, 0);
    std::string after = read_file(r.root / "etc/default/grub");
    EXPECT_NE(after.find("GRUB_TIMEOUT=10\n"), std::string::npos) << after;
    std::string expect = before;
    expect.replace(expect.find("GRUB_TIMEOUT=5\n"), 15, "GRUB_TIMEOUT=10\n");
    EXPECT_EQ(after, expect);
    EXPECT_EQ(r({"grub", "config", "get", "GRUB_TIMEOUT"}).out, "10\n");
    ASSERT_EQ(r({"grub", "cmdline", "add", "quiet", "mitigations=off"}).status, 0);
    EXPECT_EQ(r({"grub", "cmdline"}).out, "console=ttyS0,115200n8 quiet mitigations=off\n");
    ASSERT_EQ(r({"grub", "cmdline", "remove", "mitigations"}).status, 0);
    EXPECT_EQ(r({"grub", "cmdline"}).out, "console=ttyS0,115200n8 quiet\n");
    EXPECT_EQ(r({"grub", "config", "get", "GRUB_DISTRIBUTOR"}).status, 69); // computed by the shell
    auto list = json::parse(r({"grub", "config", "list", "--json"}).out);
    EXPECT_EQ(list["schema"], "bootsmith.grub-config/1");
}

TEST(Grub, HostileValuesNeverRunWhenTheFileIsSourced) {
    Root r;
    fs::path marker = r.dir / "pwned";
    const std::vector<std::string> values = {"a\"b",
                                             "it's",
                                             "$(touch " + marker.string() + ")",
                                             "`touch " + marker.string() + "`",
                                             "x; touch " + marker.string(),
                                             "back\\slash",
                                             "two\nlines",
                                             "$HOME",
                                             "${IFS}*",
                                             ""};
    for (const auto& v : values) {
        ASSERT_EQ(r({"grub", "config", "set", "GRUB_CMDLINE_LINUX_DEFAULT", v}).status, 0) << v;
        auto sh = run(
            {"-c", ". \"$1\"; printf %s \"$GRUB_CMDLINE_LINUX_DEFAULT\"", "sh", (r.root / "etc/default/grub").string()},
            {}, "/bin/sh");
        EXPECT_EQ(sh.out, v);
        EXPECT_FALSE(bootsmith::test::exists(marker)) << v;
    }
}

TEST(Grub, EveryMutationHasADryRun) {
    Root r;
    auto before = bootsmith::test::snapshot(r.root);
    for (const auto& args :
         std::vector<std::vector<std::string>> {{"grub", "env", "set", "a=1"},
                                                {"grub", "env", "unset", "a"},
                                                {"grub", "env", "create"},
                                                {"grub", "config", "set", "GRUB_TIMEOUT", "3"},
                                                {"grub", "config", "unset", "GRUB_TIMEOUT"},
                                                {"grub", "cmdline", "add", "quiet"},
                                                {"grub", "default", "0"},
                                                {"grub", "next", "0"},
                                                {"grub-editenv", "/boot/grub/grubenv", "set", "a=1"}}) {
        std::vector<std::string> a {"--dry-run"};
        a.insert(a.end(), args.begin(), args.end());
        auto res = r(a);
        EXPECT_EQ(res.status, 0) << args[1] << ": " << res.err;
    }
    EXPECT_EQ(bootsmith::test::snapshot(r.root), before);
}

TEST(Grub, StatusShowsTheSavedAndNextDefault) {
    Root r;
    auto j = json::parse(r({"status", "--json"}).out);
    EXPECT_EQ(j["grub"]["config"], "/boot/grub/grub.cfg");
    EXPECT_EQ(j["grub"]["default"]["title"], "Debian GNU/Linux");
    EXPECT_EQ(j["grub"]["default_source"], "set default");
    EXPECT_TRUE(j["grub"]["saved_entry"].is_null());
    ASSERT_EQ(r({"grub", "default", "1>2"}).status, 0);
    ASSERT_EQ(r({"grub", "next", "1>1"}).status, 0);
    j = json::parse(r({"status", "--json"}).out);
    EXPECT_EQ(j["grub"]["saved_entry"]["title"], "Debian GNU/Linux, with Linux 6.1.0-10-amd64");
    EXPECT_EQ(j["grub"]["next_entry"]["index_path"], "1>1");
    EXPECT_EQ(j["grub"]["default_source"], "next_entry"); // the Debian grub.cfg reads next_entry
    auto text = r({"status"}).out;
    EXPECT_NE(text.find("next:       \"1>1\" = Debian GNU/Linux, with Linux 6.1.0-13-amd64 (recovery mode) (once)"),
              std::string::npos)
        << text;
}

TEST(Grub, EntriesGrubCannotResolveAreStoredAsIdPathsOrRefused) {
    Root r;
    auto menu = json::parse(r({"grub", "menu", "--json"}).out);
    const auto& old_kernel = menu["entries"][1]["children"][2]; // 6.1.0-10, inside the submenu
    std::string id = old_kernel["id"], id_path = old_kernel["id_path"];
    // A bare id inside a submenu: GRUB looks ids up one level at a time and would boot entry 0.
    auto res = r({"grub", "next", id});
    ASSERT_EQ(res.status, 0) << res.err;
    EXPECT_NE(res.err.find("stored as its id path"), std::string::npos) << res.err;
    EXPECT_EQ(r({"grub", "env", "get", "next_entry"}).out, id_path + "\n");
    auto d = json::parse(r({"grub", "default", "--json"}).out);
    EXPECT_EQ(d["source"], "next_entry");
    EXPECT_EQ(d["selection"]["index_path"], "1>2");
    EXPECT_EQ(r({"grub", "default", "5"}).status, 1);             // out of range: GRUB would fall back
    EXPECT_EQ(r({"grub", "default", "no such title"}).status, 1); // matches nothing
    EXPECT_EQ(r({"grub", "default", "no such title", "--force"}).status, 0);
}

TEST(Grub, MenuNeverMarksAFallback) {
    Root f("fedora-bls-uefi"); // saved_entry names a BLS id, which is no menuentry of grub.cfg
    auto out = f({"grub", "menu"}).out;
    EXPECT_EQ(out.find("[saved]"), std::string::npos) << out;
    EXPECT_NE(out.find("matches nothing"), std::string::npos) << out;
}

TEST(Grub, NextLeavesSavedEntryAloneWhenPrevSavedEntryIsEmpty) {
    Root r;
    ASSERT_EQ(r({"grub", "env", "set", "saved_entry=0", "prev_saved_entry="}).status, 0);
    ASSERT_EQ(r({"grub", "next", "1>1"}).status, 0);
    EXPECT_EQ(r({"grub", "env", "get", "saved_entry"}).out, "0\n");
}

TEST(Grub, ACorruptBlockCanBeRecreatedWithConsent) {
    Root r;
    bootsmith::test::write_file(r.root / "boot/grub/grubenv", "garbage");
    EXPECT_EQ(r({"grub", "env", "create"}).status, 1); // not confirmed (no terminal)
    ASSERT_EQ(r({"grub", "env", "create", "--yes"}).status, 0);
    EXPECT_EQ(r.env().size(), 1024u);
    EXPECT_EQ(r({"grub", "env", "list"}).status, 0);
}

TEST(Grub, WritesOnlyWhereGrubLooks) {
    Root r;
    auto res = r({"grub", "env", "--file", "/no/such/dir/grubenv", "set", "a=1"});
    EXPECT_EQ(res.status, 66);
    EXPECT_FALSE(bootsmith::test::exists(r.root / "no"));
    auto other = r({"grub", "env", "--file", "/boot/grubenv-copy", "set", "a=1"});
    EXPECT_EQ(other.status, 0);
    EXPECT_NE(other.err.find("not where GRUB looks"), std::string::npos) << other.err;
    // A broken /etc/default/grub does not stop a grubenv change; it only loses the warning.
    bootsmith::test::write_file(r.root / "etc/default/grub", "GRUB_DEFAULT=\"unterminated\n");
    auto def = r({"grub", "default", "0"});
    EXPECT_EQ(def.status, 0) << def.err;
    EXPECT_NE(def.err.find("cannot tell what GRUB_DEFAULT is"), std::string::npos) << def.err;
}

TEST(Grub, TheLineThatDecidesIsTheOneEdited) {
    Root r;
    bootsmith::test::write_file(r.root / "etc/default/grub.d/50-timeout.cfg", "GRUB_TIMEOUT=9\n");
    auto res = r({"grub", "config", "set", "GRUB_TIMEOUT", "3"});
    ASSERT_EQ(res.status, 0) << res.err;
    EXPECT_NE(res.err.find("decided by the drop-in /etc/default/grub.d/50-timeout.cfg"), std::string::npos) << res.err;
    EXPECT_EQ(read_file(r.root / "etc/default/grub.d/50-timeout.cfg"), "GRUB_TIMEOUT=3\n");
    EXPECT_EQ(r({"grub", "config", "get", "GRUB_TIMEOUT"}).out, "3\n");
    EXPECT_NE(read_file(r.root / "etc/default/grub").find("GRUB_TIMEOUT=5\n"), std::string::npos);
}

TEST(Grub, ExternalEnvBlockVariablesAreNotEdited) {
    Root r;
    ASSERT_EQ(r({"grub", "env", "set", "env_block=2048+1"}).status, 0);
    auto before = bootsmith::test::snapshot(r.root);
    EXPECT_EQ(r({"grub", "next", "0"}).status, 1);
    EXPECT_EQ(r({"grub", "default", "0"}).status, 1); // would clear next_entry in the file only
    EXPECT_EQ(bootsmith::test::tree_diff(before, bootsmith::test::snapshot(r.root)), "");
}

// A write killed between its temporary file and the rename leaves .NAME.bootsmith-XXXXXX
// behind; the next write of NAME removes it (and only it: other targets' temporary files, other
// names, directories stay).
TEST(Grub, TheNextWriteRemovesTheTemporaryFileOfAKilledOne) {
    bootsmith::test::FixtureCopy f("debian12-uefi");
    const fs::path dir = f.root / "boot/grub";
    bootsmith::test::write_file(dir / ".grubenv.bootsmith-Ab3xYz", std::string(1024, '#'));
    bootsmith::test::write_file(dir / ".grubenv.bootsmith-Ab3xYz7", "not ours: 7 characters");
    bootsmith::test::write_file(dir / ".grub.cfg.bootsmith-Ab3xYz", "another target's");
    fs::create_directory(dir / ".grubenv.bootsmith-Dir123");
    ASSERT_EQ(f({"grub", "env", "set", "k=v"}).status, 0);
    EXPECT_FALSE(fs::exists(dir / ".grubenv.bootsmith-Ab3xYz"));
    EXPECT_TRUE(fs::exists(dir / ".grubenv.bootsmith-Ab3xYz7"));
    EXPECT_TRUE(fs::exists(dir / ".grub.cfg.bootsmith-Ab3xYz"));
    EXPECT_TRUE(fs::is_directory(dir / ".grubenv.bootsmith-Dir123"));
    EXPECT_EQ(f({"grub", "env", "get", "k"}).out, "v\n");
}
