// `bootsmith history` and `bootsmith undo` on copies of the four fixture roots: mutating
// commands are undone one by one until the root is byte-identical to the fixture again.
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

using bootsmith::test::line_count;
using bootsmith::test::read_file;
using bootsmith::test::RunResult;
using bootsmith::test::snapshot;
using bootsmith::test::tree_diff;
using bootsmith::test::write_file;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Root = bootsmith::test::FixtureCopy;
using Tree = std::map<std::string, std::string>;
using Args = std::vector<std::string>;

const std::string kBackups = "var/lib/bootsmith/backups";

/// The tree without bootsmith's own state (backups, lock) and the directories made for it.
/// `disks`: also dev/ (the disk images: tens of MiB that no command here writes; read only
/// for the final comparison).
Tree content(const fs::path& root, bool disks = false) {
    Tree t;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        std::string k = fs::relative(it->path(), root).string();
        bool own = k.starts_with("var/lib/bootsmith") || k.starts_with("run/lock") ||
                   std::string("var/lib/bootsmith").starts_with(k + "/") ||
                   std::string("run/lock").starts_with(k + "/");
        if (own || (k == "dev" && !disks)) {
            if (it->is_directory() && !it->is_symlink()) it.disable_recursion_pending();
            continue;
        }
        struct stat st {};
        ::lstat(it->path().c_str(), &st);
        std::string d = std::to_string(st.st_mode) + " " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
        if (S_ISLNK(st.st_mode))
            d += " link " + fs::read_symlink(it->path()).string();
        else if (S_ISREG(st.st_mode))
            d += " file " + read_file(it->path());
        t[k] = d;
    }
    return t;
}

void expect_one_line_error(const RunResult& r, int code, const std::string& needle) {
    EXPECT_EQ(r.status, code) << r.out << r.err;
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

json history(const Root& r) {
    auto res = r({"history", "--json"});
    EXPECT_EQ(res.status, 0) << res.err;
    return json::parse(res.out);
}

/// The mutating commands each fixture root gets (every one must change something).
std::vector<Args> commands_for(const std::string& name) {
    std::vector<Args> c {{"grub", "env", "set", "saved_entry=1", "undo_test=yes"},
                         {"grub", "config", "set", "GRUB_TIMEOUT", "17"},
                         {"kernel", "args", "--kernel", "ALL", "--add", "undo=y"},
                         {"--yes", "kernel", "default", "newest"}};
    if (name == "debian12-uefi" || name == "fedora-bls-uefi") {
        c.push_back({"--yes", "kernel", "default", "previous"});
        std::string disk = name == "debian12-uefi" ? "/dev/sda" : "/dev/vda";
        c.push_back({"boot", "create", "--disk", disk, "--part", "1", "--loader", "\\EFI\\undo\\x.efi", "--label",
                     "undo test"});
        c.push_back({"boot", "order", "0001,0000"});
        c.push_back({"boot", "delete", "0001"});
        c.push_back({"boot", "timeout", "9"});
    }
    return c;
}

const char* const kRoots[] = {"debian12-uefi", "fedora-bls-uefi", "bios-mbr", "centos7-bios"};

} // namespace

TEST(History, EmptyIsNotAnError) {
    Root r("bios-mbr");
    auto t = r({"history"});
    ASSERT_EQ(t.status, 0) << t.err;
    EXPECT_NE(t.out.find("No plans applied yet"), std::string::npos) << t.out;
    auto j = history(r);
    EXPECT_EQ(j["schema"], "bootsmith.history/1");
    EXPECT_EQ(j["plans"], json::array());
    EXPECT_EQ(j["directory"], "/var/lib/bootsmith/backups");
    // Nothing to undo: one line, exit 66, nothing written.
    auto before = snapshot(r.root);
    expect_one_line_error(r({"undo"}), 66, "nothing to undo");
    EXPECT_EQ(tree_diff(before, snapshot(r.root)), "");
}

// Every mutating command on every root, then `undo` (no ID) once per command: the root is
// byte-identical to the fixture again, and the history tells the whole story.
class UndoEveryRoot : public ::testing::TestWithParam<const char*> {};

TEST_P(UndoEveryRoot, EveryCommandUndoneOneByOne) {
    {
        const std::string name = GetParam();
        Root r(name);
        const Tree original = content(r.root, true);
        auto cmds = commands_for(name);
        std::vector<Tree> states {content(r.root)};
        for (const auto& c : cmds) {
            auto res = r(c);
            ASSERT_EQ(res.status, 0) << c[0] << " " << c[1] << ": " << res.err;
            ASSERT_NE(res.out.find("Applied:"), std::string::npos) << res.out;
            states.push_back(content(r.root));
            ASSERT_NE(tree_diff(states[states.size() - 2], states.back()), "") << c[0] << " " << c[1];
        }
        auto j = history(r);
        ASSERT_EQ(j["plans"].size(), cmds.size());
        EXPECT_EQ(j["plans"][0]["state"], "applied");
        EXPECT_EQ(j["plans"][0]["undone_by"], nullptr);
        EXPECT_EQ(j["plans"][0]["findings"], json::array());
        EXPECT_EQ(j["plans"].back()["command"].back(), cmds.front().back());

        // A dry run shows the plan and writes nothing.
        auto before = snapshot(r.root);
        auto dry = r({"--dry-run", "undo"});
        ASSERT_EQ(dry.status, 0) << dry.err;
        EXPECT_NE(dry.out.find("Plan: undo " + j["plans"][0]["id"].get<std::string>()), std::string::npos) << dry.out;
        EXPECT_NE(dry.out.find("Dry run: nothing was written."), std::string::npos);
        EXPECT_EQ(tree_diff(before, snapshot(r.root)), "");

        for (std::size_t i = cmds.size(); i-- > 0;) {
            auto res = r({"undo"});
            ASSERT_EQ(res.status, 0) << "undo of command " << i << ": " << res.err;
            EXPECT_EQ(tree_diff(states[i], content(r.root)), "") << "after undoing command " << i;
        }
        EXPECT_EQ(tree_diff(original, content(r.root, true)), "");
        expect_one_line_error(r({"undo"}), 66, "nothing to undo");

        // History: the undos newest first, each plan undone by its undo.
        j = history(r);
        ASSERT_EQ(j["plans"].size(), 2 * cmds.size());
        for (std::size_t k = 0; k < cmds.size(); ++k) {
            const auto& u = j["plans"][k];
            const auto& p = j["plans"][2 * cmds.size() - 1 - k];
            EXPECT_EQ(u["undoes"], p["id"]);
            EXPECT_EQ(p["undone_by"], u["id"]);
            EXPECT_EQ(u["undone_by"], nullptr);
            EXPECT_EQ(u["state"], "applied");
        }
        auto text = r({"history"});
        EXPECT_EQ(line_count(text.out), 2 * cmds.size()) << text.out;
        EXPECT_NE(text.out.find("undone   "), std::string::npos) << text.out;
    }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, UndoEveryRoot, ::testing::ValuesIn(kRoots), [](const auto& p) {
    std::string n = p.param;
    std::replace(n.begin(), n.end(), '-', '_');
    return n;
});

TEST(Undo, UndoOfUndoRedoes) {
    Root r("debian12-uefi");
    const Tree original = content(r.root);
    ASSERT_EQ(r({"boot", "create", "--disk", "/dev/sda", "--part", "1", "--loader", "\\EFI\\undo\\x.efi", "--label",
                 "undo test"})
                  .status,
              0);
    const Tree changed = content(r.root);
    auto plan = history(r)["plans"][0]["id"].get<std::string>();
    ASSERT_EQ(r({"undo", plan}).status, 0);
    EXPECT_EQ(tree_diff(original, content(r.root)), "");
    auto j = history(r);
    auto undo = j["plans"][0]["id"].get<std::string>();
    EXPECT_EQ(j["plans"][1]["undone_by"], undo);
    // Undoing the same plan again is refused (exit 1) and names the undo.
    auto before = snapshot(r.root);
    expect_one_line_error(r({"undo", plan}), 1, "already undone by " + undo);
    EXPECT_EQ(tree_diff(before, snapshot(r.root)), "");
    // Undoing the undo redoes the plan: it is no longer undone.
    auto redo = r({"undo", undo});
    ASSERT_EQ(redo.status, 0) << redo.err;
    EXPECT_EQ(tree_diff(changed, content(r.root)), "");
    j = history(r);
    EXPECT_EQ(j["plans"][1]["undone_by"], j["plans"][0]["id"]);
    EXPECT_EQ(j["plans"][2]["undone_by"], nullptr);
    // So plain `undo` undoes the plan again.
    ASSERT_EQ(r({"undo"}).status, 0);
    EXPECT_EQ(tree_diff(original, content(r.root)), "");
    EXPECT_EQ(history(r)["plans"][0]["undoes"], plan);
}

TEST(Undo, RefusesWhatChangedSinceUnlessForced) {
    Root r("bios-mbr");
    const Tree original = content(r.root);
    ASSERT_EQ(r({"grub", "config", "set", "GRUB_TIMEOUT", "17"}).status, 0);
    // Someone edits the file afterwards.
    std::string cfg = r.file("etc/default/grub") + "# local edit\n";
    write_file(r.root / "etc/default/grub", cfg);
    // … and its mode and owner: --force puts those back too.
    fs::permissions(r.root / "etc/default/grub", fs::perms(0600));
    if (::geteuid() == 0) {
        ASSERT_EQ(::chown((r.root / "etc/default/grub").c_str(), 4321, 8765), 0);
    }
    auto before = snapshot(r.root);
    expect_one_line_error(r({"undo"}), 1, "etc/default/grub was modified");
    expect_one_line_error(r({"--dry-run", "undo"}), 1, "--force");
    EXPECT_EQ(tree_diff(before, snapshot(r.root)), "");
    // --force --dry-run shows what would be put back; --force puts it back.
    auto dry = r({"--dry-run", "undo", "--force"});
    ASSERT_EQ(dry.status, 0) << dry.err;
    EXPECT_NE(dry.out.find("-# local edit"), std::string::npos) << dry.out;
    EXPECT_NE(dry.out.find("mode 0644, owner "), std::string::npos) << dry.out;
    EXPECT_EQ(tree_diff(before, snapshot(r.root)), "");
    auto forced = r({"undo", "--force"});
    ASSERT_EQ(forced.status, 0) << forced.err;
    EXPECT_NE(forced.err.find("put back anyway"), std::string::npos) << forced.err;
    EXPECT_EQ(tree_diff(original, content(r.root)), "");
}

TEST(Undo, RefusesAVariableChangedSince) {
    Root r("fedora-bls-uefi");
    ASSERT_EQ(r({"boot", "timeout", "9"}).status, 0);
    ASSERT_EQ(r({"efibootmgr", "-t", "4"}).status, 0) << "a change made by another tool";
    // The efibootmgr front end is bootsmith too: its plan is in the history. Undo the
    // first plan by ID: Timeout is not what it wrote any more.
    auto j = history(r);
    ASSERT_EQ(j["plans"].size(), 2u);
    auto first = j["plans"][1]["id"].get<std::string>();
    expect_one_line_error(r({"undo", first}), 1, "EFI variable Timeout was modified");
}

TEST(Undo, UnknownIdAndBadArguments) {
    Root r("centos7-bios");
    ASSERT_EQ(r({"grub", "env", "set", "a=1"}).status, 0);
    auto before = snapshot(r.root);
    expect_one_line_error(r({"undo", "20000101T000000Z"}), 66, "no plan '20000101T000000Z'");
    expect_one_line_error(r({"undo", "../../etc"}), 66, "no plan");
    expect_one_line_error(r({"--json", "undo", "nope"}), 66, "nope");
    expect_one_line_error(r({"undo", "a", "b"}), 2, "one ID");
    EXPECT_EQ(tree_diff(before, snapshot(r.root)), "");
}

TEST(History, CorruptBackupsAreListedNotFatal) {
    Root r("debian12-uefi");
    const Tree original = content(r.root);
    ASSERT_EQ(r({"grub", "env", "set", "a=1"}).status, 0);
    ASSERT_EQ(r({"grub", "env", "set", "b=2"}).status, 0);
    auto j = history(r);
    auto older = j["plans"][1]["id"].get<std::string>();
    auto newer = j["plans"][0]["id"].get<std::string>();
    fs::path backups = r.root / kBackups;
    // A directory without manifest (newest), one with garbage, and a missing saved file.
    fs::create_directories(backups / "29990101T000000Z");
    fs::create_directories(backups / "29990101T000000Z-2");
    write_file(backups / "29990101T000000Z-2/manifest.json", "{not json");
    fs::remove(backups / older / "files/boot/grub/grubenv");
    write_file(backups / "stray-file", "x");

    auto t = r({"history"});
    ASSERT_EQ(t.status, 0) << t.err;
    EXPECT_EQ(line_count(t.out), 4u) << t.out;
    EXPECT_EQ(t.out.rfind("29990101T000000Z-2", 0), 0u) << t.out;
    EXPECT_NE(t.out.find("corrupt  (manifest.json: not valid JSON)"), std::string::npos) << t.out;
    EXPECT_NE(t.out.find("manifest.json is missing"), std::string::npos) << t.out;
    EXPECT_NE(t.out.find("[damaged: files/boot/grub/grubenv is missing"), std::string::npos) << t.out;
    j = history(r);
    ASSERT_EQ(j["plans"].size(), 4u);
    EXPECT_EQ(j["plans"][0]["state"], "corrupt");
    EXPECT_EQ(j["plans"][0]["findings"][0]["code"], "backup.bad-manifest");
    EXPECT_EQ(j["plans"][1]["findings"][0]["code"], "backup.no-manifest");
    EXPECT_EQ(j["plans"][2]["undoable"], true);
    EXPECT_EQ(j["plans"][3]["undoable"], false);
    EXPECT_EQ(j["plans"][3]["findings"][0]["code"], "backup.missing-file");

    // Undo skips the backups without a manifest (with a warning) and undoes the newest plan.
    auto u = r({"undo"});
    ASSERT_EQ(u.status, 0) << u.err;
    EXPECT_NE(u.err.find("skipped backup 29990101T000000Z-2"), std::string::npos) << u.err;
    j = history(r); // the two fake backups sort newest (year 2999)
    EXPECT_EQ(j["plans"][2]["undoes"], newer);
    EXPECT_EQ(j["plans"][3]["undone_by"], j["plans"][2]["id"]);
    // The damaged one cannot be undone: exit 65 naming the missing file, nothing written.
    auto before = snapshot(r.root);
    expect_one_line_error(r({"undo"}), 65, "files/boot/grub/grubenv is missing");
    expect_one_line_error(r({"undo", "29990101T000000Z"}), 65, "manifest.json is missing");
    EXPECT_EQ(tree_diff(before, snapshot(r.root)), "");
    EXPECT_NE(tree_diff(original, content(r.root)), "");
}

TEST(Undo, JsonPlanAndCompletion) {
    Root r("fedora-bls-uefi");
    ASSERT_EQ(r({"boot", "order", "0001,0000"}).status, 0);
    auto id = history(r)["plans"][0]["id"].get<std::string>();
    auto dry = r({"--dry-run", "--json", "undo", id});
    ASSERT_EQ(dry.status, 0) << dry.err;
    auto plan = json::parse(dry.out);
    EXPECT_EQ(plan["schema"], "bootsmith.plan/1");
    EXPECT_EQ(plan["applied"], false);
    ASSERT_EQ(plan["changes"].size(), 1u);
    EXPECT_EQ(plan["changes"][0]["name"], "BootOrder");
    EXPECT_EQ(plan["changes"][0]["after"]["summary"], "0003,0001,0000");
    auto done = json::parse(r({"--json", "undo", id}).out);
    EXPECT_EQ(done["applied"], true);
    // Completion offers the IDs from history.
    auto c = bootsmith::test::run({"__complete", "--root", r.root.string(), "undo", ""});
    EXPECT_NE(c.out.find("\n" + id + "\t"), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("undo " + id), std::string::npos) << c.out;
}

// Undo recreates a removed file with its old mode, and removes a file the plan created.
TEST(Undo, CreatedAndRemovedFiles) {
    Root r("fedora-bls-uefi");
    const std::string entries = "boot/loader/entries/4a1f9c3e7b2d4e6f8a0b1c2d3e4f5a6b-";
    fs::permissions(r.root / (entries + "6.11.9-100.fc39.x86_64.conf"), fs::perms(0600));
    // Recreated with its mode and its owner (only root can give a file away).
    if (::geteuid() == 0) {
        ASSERT_EQ(::chown((r.root / (entries + "6.11.9-100.fc39.x86_64.conf")).c_str(), 1234, 5678), 0);
    }
    write_file(r.root / "boot/vmlinuz-6.12.4-200.fc39.x86_64", "kernel");
    write_file(r.root / "boot/initramfs-6.12.4-200.fc39.x86_64.img", "initrd");
    const Tree original = content(r.root);
    auto rm = r({"kernel", "remove", "6.11.9-100.fc39.x86_64"});
    ASSERT_EQ(rm.status, 0) << rm.err;
    ASSERT_FALSE(fs::exists(r.root / (entries + "6.11.9-100.fc39.x86_64.conf")));
    auto add = r({"kernel", "add", "--kernel", "/boot/vmlinuz-6.12.4-200.fc39.x86_64", "--copy-default"});
    ASSERT_EQ(add.status, 0) << add.err;
    ASSERT_TRUE(fs::exists(r.root / (entries + "6.12.4-200.fc39.x86_64.conf")));
    auto j = history(r);
    EXPECT_EQ(j["plans"][0]["changes"][0]["action"], "create");
    EXPECT_EQ(j["plans"][1]["changes"][0]["action"], "remove");
    EXPECT_EQ(j["plans"][1]["changes"][0]["mode"], "0600");
    if (::geteuid() == 0) {
        EXPECT_EQ(j["plans"][1]["changes"][0]["uid"], 1234);
    }
    auto dry = r({"--dry-run", "undo"});
    EXPECT_NE(dry.out.find("remove " + r.root.string() + "/" + entries + "6.12.4-200.fc39.x86_64.conf"),
              std::string::npos)
        << dry.out;
    ASSERT_EQ(r({"undo"}).status, 0);
    ASSERT_EQ(r({"undo"}).status, 0);
    EXPECT_EQ(tree_diff(original, content(r.root)), "");
}

// Undo writes EFI variables in crash-safe order: BootOrder stops naming an entry before the
// entry goes, and an entry comes back before BootOrder names it again.
TEST(Undo, VariablesInCrashSafeOrder) {
    Root r("debian12-uefi");
    auto order_of = [&](const std::string& id) {
        auto res = r({"--dry-run", "--json", "undo", id});
        EXPECT_EQ(res.status, 0) << res.err;
        std::vector<std::string> out;
        auto plan = json::parse(res.out);
        for (const auto& c : plan["changes"])
            out.push_back(c["action"].get<std::string>() + " " + c["name"].get<std::string>());
        return out;
    };
    ASSERT_EQ(r({"boot", "create", "--disk", "/dev/sda", "--part", "1", "--loader", "\\EFI\\undo\\x.efi", "--label",
                 "undo test"})
                  .status,
              0);
    auto created = history(r)["plans"][0]["id"].get<std::string>();
    EXPECT_EQ(order_of(created), (std::vector<std::string> {"set BootOrder", "delete Boot0003"}));
    ASSERT_EQ(r({"boot", "delete", "0001"}).status, 0);
    auto deleted = history(r)["plans"][0]["id"].get<std::string>();
    EXPECT_EQ(order_of(deleted), (std::vector<std::string> {"create Boot0001", "set BootOrder"}));
}

// A plan that never finished (state "pending") is undone as far as it got: what is already
// as it was before is left alone.
TEST(Undo, PendingPlanUndoneAsFarAsItGot) {
    Root r("fedora-bls-uefi");
    const Tree original = content(r.root);
    const std::string order = bootsmith::test::kEfivars + "BootOrder-" + bootsmith::test::kGlobalGuid;
    const std::string old_order = r.file(order);
    ASSERT_EQ(r({"boot", "create", "--disk", "/dev/vda", "--part", "1", "--loader", "\\EFI\\undo\\x.efi", "--label",
                 "undo test"})
                  .status,
              0);
    // As if the process had died after the entry and before BootOrder.
    auto id = history(r)["plans"][0]["id"].get<std::string>();
    fs::path manifest = r.root / kBackups / id / "manifest.json";
    auto m = json::parse(read_file(manifest));
    m["state"] = "pending";
    write_file(manifest, m.dump(2) + "\n", 0600);
    write_file(r.root / order, old_order);
    auto j = history(r);
    EXPECT_EQ(j["plans"][0]["state"], "pending");
    EXPECT_EQ(j["plans"][0]["findings"][0]["code"], "backup.pending");
    EXPECT_NE(r({"history"}).out.find(" pending  "), std::string::npos);
    auto u = r({"undo"});
    ASSERT_EQ(u.status, 0) << u.err;
    EXPECT_NE(u.out.find("(1 change)"), std::string::npos) << u.out;
    EXPECT_EQ(tree_diff(original, content(r.root)), "");
}
