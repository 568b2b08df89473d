// Plans: building, rendering, the dry run that writes nothing, apply with backups, and
// the lock that serialises processes.
#include "app.hpp"

#include "bootsmith/error.hpp"
#include "bootsmith/sys/lock.hpp"
#include "bootsmith/sys/plan.hpp"
#include "bootsmith/sys/system.hpp"

#include "testutil.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

using namespace bootsmith;
using bootsmith::test::code_of;
using bootsmith::test::TempDir;
using bootsmith::test::write_file;
namespace fs = std::filesystem;

namespace {

/// A small root: /etc/default/grub (0600), a grubenv-like binary file, and three variables.
void make_root(const fs::path& r) {
    write_file(r / "etc/default/grub", "GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\n", 0600);
    write_file(r / "boot/grub/grubenv", std::string("# GRUB Environment Block\n") + std::string(999, '#'));
    write_file(r / "etc/obsolete.conf", "old\n");
    write_file(r / (test::kEfivars + "BootOrder-" + test::kGlobalGuid), std::string("\x07\0\0\0\x00\x00\x01\x00", 8));
    write_file(r / (test::kEfivars + "Timeout-" + test::kGlobalGuid), std::string("\x07\0\0\0\x05\x00", 6));
}

sys::Variable var(const std::string& name, std::vector<std::uint8_t> data) {
    return sys::Variable {{name, sys::kGlobalGuid}, 7, std::move(data)};
}

/// Every kind of change at once, computed from the current state of `s`.
sys::Plan full_plan(sys::System& s) {
    const auto& root = s.root();
    sys::Plan p;
    p.title = "test plan";
    p.write_file("/etc/default/grub", root.read("/etc/default/grub"), "GRUB_DEFAULT=saved\nGRUB_TIMEOUT=5\n",
                 "default");
    p.write_file("/etc/new.conf", root.read("/etc/new.conf"), "fresh\n", "new file");
    p.remove_file("/etc/obsolete.conf", root.read("/etc/obsolete.conf"), "gone");
    std::string env = *root.read("/boot/grub/grubenv");
    std::string env2 = env;
    env2.replace(25, 13, "saved_entry=1");
    p.write_file("/boot/grub/grubenv", env, env2, "env", /*text=*/false);
    p.set_var(s.vars().get({"BootOrder", sys::kGlobalGuid}), var("BootOrder", {1, 0, 0, 0}), "0000,0001", "0001,0000");
    p.set_var(std::nullopt, var("BootNext", {1, 0}), "", "0001");
    p.delete_var(*s.vars().get({"Timeout", sys::kGlobalGuid}), "5 seconds");
    return p;
}

} // namespace

TEST(Plan, UnchangedContentIsNotAChange) {
    sys::Plan p;
    p.write_file("/a", std::string("same"), "same");
    p.remove_file("/b", std::nullopt);
    p.set_var(var("Timeout", {5, 0}), var("Timeout", {5, 0}));
    EXPECT_TRUE(p.empty());
    p.set_var(var("Timeout", {5, 0}), var("Timeout", {6, 0}));
    EXPECT_EQ(p.changes.size(), 1u);
}

TEST(Plan, RendersDiffsVariablesAndBinarySummaries) {
    TempDir t;
    make_root(t.path());
    sys::System s(t.path());
    auto plan = full_plan(s);
    std::string text = sys::render_text(plan, s);
    EXPECT_NE(text.find("Plan: test plan (7 changes)"), std::string::npos) << text;
    EXPECT_NE(text.find("-GRUB_DEFAULT=0\n+GRUB_DEFAULT=saved\n"), std::string::npos) << text;
    EXPECT_NE(text.find("--- /dev/null\n+++ b/etc/new.conf"), std::string::npos) << text;
    EXPECT_NE(text.find("remove " + t.path().string() + "/etc/obsolete.conf"), std::string::npos) << text;
    EXPECT_NE(text.find("binary file, 1024 bytes -> 1024 bytes, 13 bytes differ in 0x19-0x25"), std::string::npos)
        << text;
    EXPECT_NE(text.find("set EFI variable BootOrder"), std::string::npos);
    EXPECT_NE(text.find("before: attributes 0x00000007, 4 bytes: 0000,0001"), std::string::npos) << text;
    EXPECT_NE(text.find("after:  attributes 0x00000007, 4 bytes: 0001,0000"), std::string::npos) << text;
    EXPECT_NE(text.find("0100 0000"), std::string::npos) << text;
    EXPECT_NE(text.find("delete EFI variable Timeout"), std::string::npos);
    EXPECT_EQ(text.find('\033'), std::string::npos); // no colour unless asked

    auto j = sys::render_json(plan, s);
    EXPECT_EQ(j["schema"], "bootsmith.plan/1");
    ASSERT_EQ(j["changes"].size(), 7u);
    EXPECT_EQ(j["changes"][0]["action"], "modify");
    EXPECT_EQ(j["changes"][0]["after"]["content"], "GRUB_DEFAULT=saved\nGRUB_TIMEOUT=5\n");
    EXPECT_EQ(j["changes"][1]["action"], "create");
    EXPECT_TRUE(j["changes"][2]["after"].is_null());
    EXPECT_TRUE(j["changes"][3].contains("summary"));
    EXPECT_EQ(j["changes"][4]["after"]["data_hex"], "01000000");
    EXPECT_EQ(j["changes"][5]["action"], "create");
    EXPECT_EQ(j["changes"][6]["action"], "delete");
}

TEST(Apply, MakesEveryChangeAndBacksUpTheOldContent) {
    TempDir t;
    make_root(t.path());
    sys::System s(t.path());
    auto plan = full_plan(s);
    auto r = sys::apply(s, plan, {"bootsmith", "test"});
    EXPECT_EQ(r.applied, 7u);

    EXPECT_EQ(test::read_file(t / "etc/default/grub"), "GRUB_DEFAULT=saved\nGRUB_TIMEOUT=5\n");
    struct stat st {};
    ASSERT_EQ(::stat((t / "etc/default/grub").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u); // mode kept
    EXPECT_EQ(test::read_file(t / "etc/new.conf"), "fresh\n");
    EXPECT_FALSE(test::exists(t / "etc/obsolete.conf"));
    EXPECT_EQ(test::read_file(t / (test::kEfivars + "BootOrder-" + test::kGlobalGuid)),
              std::string("\x07\0\0\0\x01\0\0\0", 8));
    EXPECT_EQ(test::read_file(t / (test::kEfivars + "BootNext-" + test::kGlobalGuid)),
              std::string("\x07\0\0\0\x01\0", 6));
    EXPECT_FALSE(test::exists(t / (test::kEfivars + "Timeout-" + test::kGlobalGuid)));

    fs::path b = t / ("var/lib/bootsmith/backups/" + r.backup_id);
    EXPECT_EQ(r.backup_dir, "/var/lib/bootsmith/backups/" + r.backup_id);
    EXPECT_EQ(test::read_file(b / "files/etc/default/grub"), "GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\n");
    EXPECT_EQ(test::read_file(b / "files/etc/obsolete.conf"), "old\n");
    EXPECT_FALSE(test::exists(b / "files/etc/new.conf")); // did not exist before
    EXPECT_EQ(test::read_file(b / ("efivars/BootOrder-" + test::kGlobalGuid)), std::string("\x07\0\0\0\0\0\x01\0", 8));
    EXPECT_EQ(test::read_file(b / ("efivars/Timeout-" + test::kGlobalGuid)), std::string("\x07\0\0\0\x05\0", 6));
    auto m = nlohmann::json::parse(test::read_file(b / "manifest.json"));
    EXPECT_EQ(m["schema"], "bootsmith.backup/1");
    EXPECT_EQ(m["state"], "applied");
    EXPECT_EQ(m["command"][1], "test");
    ASSERT_EQ(m["changes"].size(), 7u);
    EXPECT_EQ(m["changes"][0]["mode"], "0600");
    EXPECT_EQ(m["changes"][1]["existed"], false);
    EXPECT_EQ(m["undoes"], nullptr);
    // What the plan wrote is kept too, for `bootsmith undo` to tell a later change.
    EXPECT_EQ(m["changes"][1]["written"], "written/files/etc/new.conf");
    EXPECT_EQ(test::read_file(b / "written/files/etc/new.conf"), "fresh\n");
    EXPECT_EQ(test::read_file(b / ("written/efivars/BootOrder-" + test::kGlobalGuid)),
              std::string("\x07\0\0\0\x01\0\0\0", 8));
    EXPECT_EQ(m["changes"][6]["backup"], "efivars/Timeout-" + test::kGlobalGuid);
}

TEST(Apply, TwoPlansInOneSecondGetTwoBackups) {
    TempDir t;
    make_root(t.path());
    sys::System s(t.path());
    sys::Plan p1, p2;
    p1.write_file("/etc/a", std::nullopt, "1");
    p2.write_file("/etc/b", std::nullopt, "2");
    auto r1 = sys::apply(s, p1);
    auto r2 = sys::apply(s, p2);
    EXPECT_NE(r1.backup_id, r2.backup_id);
}

TEST(Apply, RefusesWhenTheSystemChangedSinceThePlan) {
    TempDir t;
    make_root(t.path());
    sys::System s(t.path());
    auto plan = full_plan(s);
    write_file(t / "etc/default/grub", "edited by hand meanwhile\n", 0600);
    auto before = test::snapshot(t.path());
    EXPECT_EQ(code_of([&] { sys::apply(s, plan); }), Exit::temp_fail);
    EXPECT_EQ(test::snapshot(t.path()), before); // nothing written, not even a backup
}

TEST(Apply, LiveRootNeedsRoot) {
    // Run unprivileged (dropping root when the tests run as root): nothing may be written.
    int rc = test::as_unprivileged([] {
        sys::System s("/");
        sys::Plan p;
        p.write_file("/etc/bootsmith-test-never-written", std::nullopt, "x");
        return code_of([&] { sys::apply(s, p); }) == Exit::no_perm ? 0 : 1;
    });
    EXPECT_EQ(rc, 0);
    EXPECT_FALSE(test::exists("/etc/bootsmith-test-never-written"));
}

namespace {

struct Captured {
    std::ostringstream out, err;
};

int mutate(const fs::path& root, bool dry_run, bool json, Captured& c) {
    cli::Globals g;
    g.root = root.string();
    g.dry_run = dry_run;
    g.json = json;
    cli::Context ctx(g, {"bootsmith", "test"}, c.out, c.err);
    return ctx.mutate(full_plan);
}

} // namespace

TEST(DryRun, LeavesTheRootByteIdenticalAndPrintsThePlan) {
    TempDir t;
    make_root(t.path());
    auto before = test::snapshot(t.path());
    Captured c;
    EXPECT_EQ(mutate(t.path(), true, false, c), 0);
    EXPECT_EQ(test::snapshot(t.path()), before);
    EXPECT_NE(c.out.str().find("+GRUB_DEFAULT=saved"), std::string::npos) << c.out.str();
    EXPECT_NE(c.out.str().find("Dry run: nothing was written."), std::string::npos);
}

TEST(DryRun, JsonPlanAndStillNothingWritten) {
    TempDir t;
    make_root(t.path());
    auto before = test::snapshot(t.path());
    Captured c;
    EXPECT_EQ(mutate(t.path(), true, true, c), 0);
    EXPECT_EQ(test::snapshot(t.path()), before);
    auto j = nlohmann::json::parse(c.out.str());
    EXPECT_EQ(j["schema"], "bootsmith.plan/1");
    EXPECT_EQ(j["dry_run"], true);
    EXPECT_EQ(j["applied"], false);
    EXPECT_EQ(j["changes"].size(), 7u);
}

TEST(Mutate, AppliesUnderTheLock) {
    TempDir t;
    make_root(t.path());
    Captured c;
    EXPECT_EQ(mutate(t.path(), false, true, c), 0);
    auto j = nlohmann::json::parse(c.out.str());
    EXPECT_EQ(j["applied"], true);
    EXPECT_TRUE(j["backup"].get<std::string>().starts_with("/var/lib/bootsmith/backups/"));
    EXPECT_TRUE(test::exists(t / "run/lock/bootsmith.lock"));
    EXPECT_EQ(test::read_file(t / "etc/new.conf"), "fresh\n");
    // Run again: the plan is now empty.
    Captured again;
    cli::Globals g;
    g.root = t.path().string();
    cli::Context ctx(g, {}, again.out, again.err);
    EXPECT_EQ(ctx.mutate([](sys::System&) { return sys::Plan {}; }), 0);
    EXPECT_EQ(again.out.str(), "Nothing to change.\n");
}

TEST(Lock, ContentionBetweenTwoProcesses) {
    TempDir t;
    sys::Root root(t.path());
    int ready[2], release[2];
    ASSERT_EQ(::pipe(ready), 0);
    ASSERT_EQ(::pipe(release), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        int rc = 0;
        try {
            sys::Lock held(root, std::chrono::milliseconds(1000));
            char x = 'r';
            if (::write(ready[1], &x, 1) != 1) rc = 2;
            if (::read(release[0], &x, 1) != 1) rc = 3;
        } catch (...) {
            rc = 1;
        }
        ::_exit(rc);
    }
    char x;
    ASSERT_EQ(::read(ready[0], &x, 1), 1);
    EXPECT_TRUE(sys::Lock::held(root));
    try {
        sys::Lock mine(root, std::chrono::milliseconds(100));
        ADD_FAILURE() << "took a lock another process holds";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Exit::temp_fail);
        EXPECT_NE(std::string(e.what()).find("pid " + std::to_string(child)), std::string::npos) << e.what();
    }
    // Released while we wait: the waiter gets it.
    pid_t releaser = ::fork();
    if (releaser == 0) {
        ::usleep(200 * 1000);
        if (::write(release[1], "x", 1) != 1) ::_exit(1);
        ::_exit(0);
    }
    {
        sys::Lock mine(root, std::chrono::milliseconds(5000));
        EXPECT_EQ(test::read_file(t / "run/lock/bootsmith.lock"), std::to_string(::getpid()) + "\n");
    }
    int st = 0;
    ASSERT_EQ(::waitpid(child, &st, 0), child);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ASSERT_EQ(::waitpid(releaser, &st, 0), releaser);
    EXPECT_FALSE(sys::Lock::held(root));
}
