#include "bootsmith/error.hpp"
#include "bootsmith/sys/root.hpp"

#include "testutil.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <iterator>

using namespace bootsmith;
using bootsmith::test::code_of;
using bootsmith::test::TempDir;
using bootsmith::test::write_file;
namespace fs = std::filesystem;

namespace {} // namespace

TEST(Normalise, CollapsesSlashesAndDots) {
    EXPECT_EQ(sys::normalise("boot//grub/./grubenv/"), "/boot/grub/grubenv");
    EXPECT_EQ(sys::normalise(""), "/");
    EXPECT_EQ(sys::normalise("/a/../b"), "/a/../b"); // '..' is left for resolve() to judge
}

TEST(Normalise, IsNormalIsWhatNormaliseKeeps) {
    // Every path made of these pieces: is_normal says yes exactly when normalise keeps it.
    const char* pieces[] = {"/", "a", ".", "..", ".a", "a.", "/."};
    int normal = 0, total = 0;
    std::vector<std::string> paths = {""};
    for (int len = 0; len < 5; ++len) {
        std::vector<std::string> longer;
        for (const auto& p : paths)
            for (const char* piece : pieces)
                longer.push_back(p + piece);
        for (const auto& p : longer) {
            ++total;
            const bool kept = sys::normalise(p) == p;
            EXPECT_EQ(sys::is_normal(p), kept) << "'" << p << "'";
            normal += kept;
        }
        paths = std::move(longer);
    }
    EXPECT_GT(normal, 100);
    EXPECT_GT(total - normal, 100);
    EXPECT_TRUE(sys::is_normal("/boot/.hidden/x..y"));
    EXPECT_FALSE(sys::is_normal("/boot/./x"));
}

TEST(Root, RejectsMissingOrNonDirectoryRoot) {
    TempDir t;
    write_file(t / "file", "x");
    EXPECT_EQ(code_of([&] { sys::Root r(t / "missing"); }), Exit::no_input);
    EXPECT_EQ(code_of([&] { sys::Root r(t / "file"); }), Exit::usage);
}

TEST(Root, ResolvesInsideTheRoot) {
    TempDir t;
    write_file(t / "etc/default/grub", "GRUB_TIMEOUT=5\n");
    sys::Root r(t.path());
    auto host = fs::canonical(t.path());
    EXPECT_EQ(r.resolve("/etc/default/grub"), host / "etc/default/grub");
    EXPECT_EQ(r.resolve("etc/default/grub"), host / "etc/default/grub");
    EXPECT_EQ(r.resolve("/etc/default/../default/grub"), host / "etc/default/grub");
    EXPECT_EQ(r.resolve("/not/there/yet"), host / "not/there/yet"); // missing parts are fine
    EXPECT_FALSE(r.is_live());
}

TEST(Root, RefusesDotDotAboveTheRoot) {
    TempDir t;
    fs::create_directories(t / "etc");
    sys::Root r(t.path());
    EXPECT_EQ(code_of([&] { r.resolve("/../etc/passwd"); }), Exit::no_perm);
    EXPECT_EQ(code_of([&] { r.resolve("/etc/../../outside"); }), Exit::no_perm);
    EXPECT_EQ(code_of([&] { (void)r.read("/etc/../../../etc/passwd"); }), Exit::no_perm);
    // '..' after a missing component is refused outright (the kernel would say ENOENT).
    EXPECT_EQ(code_of([&] { r.resolve("/missing/../../x"); }), Exit::data);
    EXPECT_EQ(code_of([&] { r.resolve("/missing/../etc"); }), Exit::data);
}

TEST(Root, AbsoluteSymlinkIsTakenRelativeToTheRoot) {
    TempDir t;
    write_file(t / "boot/grub2/grubenv", "env");
    fs::create_symlink("/boot/grub2", t / "boot/grub");
    sys::Root r(t.path());
    EXPECT_EQ(r.resolve("/boot/grub/grubenv"), fs::canonical(t.path()) / "boot/grub2/grubenv");
    EXPECT_EQ(*r.read("/boot/grub/grubenv"), "env");
}

TEST(Root, RefusesSymlinkThatClimbsOut) {
    TempDir t;
    fs::create_directories(t / "root/etc");
    write_file(t / "secret", "outside");
    fs::create_symlink("../../secret", t / "root/etc/escape");
    fs::create_symlink("../../../../../../../..", t / "root/etc/up");
    sys::Root r(t / "root");
    EXPECT_EQ(code_of([&] { (void)r.read("/etc/escape"); }), Exit::no_perm);
    EXPECT_EQ(code_of([&] { (void)r.read("/etc/up/etc/passwd"); }), Exit::no_perm);
    // Writing through it is refused just the same, and nothing lands outside.
    EXPECT_EQ(code_of([&] { r.replace("/etc/escape", "x"); }), Exit::no_perm);
    EXPECT_EQ(test::read_file(t / "secret"), "outside");
}

TEST(Root, SymlinkLoopIsAnError) {
    TempDir t;
    fs::create_directories(t / "etc");
    fs::create_symlink("b", t / "etc/a");
    fs::create_symlink("a", t / "etc/b");
    sys::Root r(t.path());
    EXPECT_EQ(code_of([&] { (void)r.read("/etc/a"); }), Exit::data);
}

TEST(Root, ReadMissingDirectoryFifoAndTooLarge) {
    TempDir t;
    fs::create_directories(t / "boot/grub/grubenv"); // a directory where a file should be
    ASSERT_EQ(::mkfifo((t / "fifo").c_str(), 0644), 0);
    write_file(t / "big", std::string(2000, 'x'));
    sys::Root r(t.path());
    EXPECT_FALSE(r.read("/nothing").has_value());
    EXPECT_EQ(code_of([&] { (void)r.read_required("/nothing"); }), Exit::no_input);
    EXPECT_EQ(code_of([&] { (void)r.read("/boot/grub/grubenv"); }), Exit::data);
    EXPECT_EQ(code_of([&] { (void)r.read("/fifo"); }), Exit::data); // and no hang
    EXPECT_EQ(code_of([&] { (void)r.read("/big", 1000); }), Exit::data);
    EXPECT_EQ(r.read("/big")->size(), 2000u);
}

TEST(Root, ErrorMessageNamesTheFile) {
    TempDir t;
    fs::create_directories(t / "boot/grub/grubenv");
    sys::Root r(t.path());
    try {
        (void)r.read("/boot/grub/grubenv");
        FAIL() << "no error";
    } catch (const Error& e) {
        std::string m = e.what();
        EXPECT_NE(m.find(t.path().string() + "/boot/grub/grubenv"), std::string::npos) << m;
        EXPECT_EQ(m.find('\n'), std::string::npos);
    }
}

TEST(Root, PermissionDeniedIsNoPerm) {
    TempDir t;
    ::chmod(t.path().c_str(), 0755);
    write_file(t / "locked", "x", 0000);
    int rc = test::as_unprivileged([&] {
        sys::Root r(t.path());
        return code_of([&] { (void)r.read("/locked"); }) == Exit::no_perm ? 0 : 1;
    });
    EXPECT_EQ(rc, 0);
}

TEST(Root, ListIsSortedAndEmptyForMissing) {
    TempDir t;
    write_file(t / "d/b", "");
    write_file(t / "d/a", "");
    fs::create_directories(t / "d/c");
    sys::Root r(t.path());
    auto l = r.list("/d");
    ASSERT_EQ(l.size(), 3u);
    EXPECT_EQ(l[0].name, "a");
    EXPECT_EQ(l[2].name, "c");
    EXPECT_EQ(l[2].type, sys::FileInfo::Type::directory);
    EXPECT_TRUE(r.list("/missing").empty());
}

TEST(Root, ReplaceCreatesWithModeAndParents) {
    TempDir t;
    sys::Root r(t.path());
    r.replace("/var/lib/x/new.conf", "hello\n", sys::WriteOptions {0640});
    EXPECT_EQ(test::read_file(t / "var/lib/x/new.conf"), "hello\n");
    struct stat st {};
    ASSERT_EQ(::stat((t / "var/lib/x/new.conf").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST(Root, ReplaceKeepsModeOwnerAndLeavesNoTemporaryFile) {
    TempDir t;
    write_file(t / "etc/default/grub", "old\n", 0600);
    if (::geteuid() == 0) {
        ASSERT_EQ(::chown((t / "etc/default/grub").c_str(), 1234, 5678), 0);
    }
    sys::Root r(t.path());
    r.replace("/etc/default/grub", "new content\n");
    EXPECT_EQ(test::read_file(t / "etc/default/grub"), "new content\n");
    struct stat st {};
    ASSERT_EQ(::stat((t / "etc/default/grub").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    if (::geteuid() == 0) {
        EXPECT_EQ(st.st_uid, 1234u);
        EXPECT_EQ(st.st_gid, 5678u);
    }
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(t / "etc/default"))
        ++entries;
    EXPECT_EQ(entries, 1u);
}

TEST(Root, ReplaceIsARenameNotAnInPlaceWrite) {
    TempDir t;
    write_file(t / "f", "old");
    struct stat before {
    }, after {};
    ASSERT_EQ(::stat((t / "f").c_str(), &before), 0);
    sys::Root r(t.path());
    r.replace("/f", "new");
    ASSERT_EQ(::stat((t / "f").c_str(), &after), 0);
    EXPECT_NE(before.st_ino, after.st_ino); // a reader holding the old file still sees it whole
}

TEST(Root, ReplaceFollowsASymlinkAndReplacesItsTarget) {
    TempDir t;
    write_file(t / "boot/grub2/grubenv", "old");
    fs::create_directories(t / "boot/grub");
    fs::create_symlink("../grub2/grubenv", t / "boot/grub/grubenv");
    sys::Root r(t.path());
    r.replace("/boot/grub/grubenv", "new");
    EXPECT_TRUE(fs::is_symlink(t / "boot/grub/grubenv"));
    EXPECT_EQ(test::read_file(t / "boot/grub2/grubenv"), "new");
}

TEST(Root, ReplaceRefusesNonRegularTarget) {
    TempDir t;
    fs::create_directories(t / "boot/grub/grubenv");
    sys::Root r(t.path());
    EXPECT_EQ(code_of([&] { r.replace("/boot/grub/grubenv", "x"); }), Exit::data);
}

TEST(Root, RemoveAndCreateDir) {
    TempDir t;
    write_file(t / "a/b", "x");
    sys::Root r(t.path());
    r.remove("/a/b");
    EXPECT_FALSE(test::exists(t / "a/b"));
    EXPECT_NO_THROW(r.remove("/a/b")); // already gone
    EXPECT_EQ(code_of([&] { r.remove("/a"); }), Exit::data);
    EXPECT_TRUE(r.create_dir("/x/y"));
    EXPECT_FALSE(r.create_dir("/x/y"));
}

TEST(Root, OpHookSeesEveryMutatingStep) {
    static std::vector<std::string> ops;
    ops.clear();
    TempDir t;
    write_file(t / "f", "old");
    sys::Root r(t.path());
    sys::Root::set_op_hook([](std::string_view op, std::string_view) {
        ops.emplace_back(op);
        return 0;
    });
    r.replace("/f", "new");
    sys::Root::set_op_hook(nullptr);
    std::vector<std::string> want {"create-temp", "write", "fsync", "rename", "fsync-dir"};
    EXPECT_EQ(ops, want);
}

TEST(Root, OpHookCanFailAStep) {
    // A hook that answers EIO makes the step fail as the system call would: one error naming
    // the file, the old content intact, no temporary file left behind.
    static std::string fail_at;
    TempDir t;
    write_file(t / "f", "old");
    sys::Root r(t.path());
    sys::Root::set_op_hook([](std::string_view op, std::string_view) { return op == fail_at ? EIO : 0; });
    for (std::string step : {"create-temp", "write", "fsync", "rename"}) {
        fail_at = step;
        try {
            r.replace("/f", "new");
            ADD_FAILURE() << step << ": no error";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Exit::io) << step;
            EXPECT_NE(std::string(e.what()).find(r.display("/f") + ": " + step), std::string::npos) << e.what();
        }
        EXPECT_EQ(test::read_file(t / "f"), "old") << step;
        EXPECT_EQ(std::distance(fs::directory_iterator(t.path()), fs::directory_iterator()), 1) << step;
    }
    fail_at = "unlink";
    EXPECT_EQ(code_of([&] { r.remove("/f"); }), Exit::io);
    EXPECT_TRUE(test::exists(t / "f"));
    sys::Root::set_op_hook(nullptr);
}

TEST(Root, DisplayJoinsGivenRoot) {
    TempDir t;
    sys::Root r(t.path().string() + "///");
    EXPECT_EQ(r.display("etc//x"), t.path().string() + "/etc/x");
    sys::Root live("/");
    EXPECT_TRUE(live.is_live());
    EXPECT_EQ(live.display("etc/x"), "/etc/x");
}
