#include "bootsmith/error.hpp"
#include "bootsmith/sys/system.hpp"
#include "bootsmith/sys/varstore.hpp"

#include "testutil.hpp"

#include <gtest/gtest.h>

#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

extern char** environ;

using namespace bootsmith;
using bootsmith::test::TempDir;
using bootsmith::test::write_file;
namespace fs = std::filesystem;

namespace {

std::string le16(std::uint16_t v) {
    return std::string {static_cast<char>(v & 0xff), static_cast<char>(v >> 8)};
}
std::string attrs(std::uint32_t a) {
    std::string s;
    for (int i = 0; i < 4; ++i)
        s += static_cast<char>((a >> (8 * i)) & 0xff);
    return s;
}

} // namespace

TEST(Guid, ParsesAndFormatsThroughLibefivar) {
    auto g = sys::Guid::parse(test::kGlobalGuid);
    ASSERT_TRUE(g);
    EXPECT_EQ(g->str(), test::kGlobalGuid);
    EXPECT_EQ(*g, sys::kGlobalGuid);
    // Mixed-endian storage: the first field is little-endian (uefi.md §1.3).
    EXPECT_EQ(g->bytes[0], 0x61);
    EXPECT_EQ(g->bytes[3], 0x8b);
    EXPECT_EQ(sys::Guid::parse("8BE4DF61-93CA-11D2-AA0D-00E098032B8C")->str(), test::kGlobalGuid);
    EXPECT_FALSE(sys::Guid::parse("8be4df61-93ca-11d2-aa0d-00e098032b8"));
    EXPECT_FALSE(sys::Guid::parse("8be4df61x93ca-11d2-aa0d-00e098032b8c"));
    EXPECT_FALSE(sys::Guid::parse("8be4df61-93ca-11d2-aa0d-00e098032b8g"));
}

TEST(VarId, SplitsOnTheLast37Characters) {
    auto id = sys::VarId::from_file_name("X-Nitro-SecurebootStatus-" + test::kGlobalGuid);
    ASSERT_TRUE(id);
    EXPECT_EQ(id->name, "X-Nitro-SecurebootStatus");
    EXPECT_EQ(id->file_name(), "X-Nitro-SecurebootStatus-" + test::kGlobalGuid);
    EXPECT_FALSE(sys::VarId::from_file_name("README"));
    EXPECT_FALSE(sys::VarId::from_file_name("this-is-a-long-readme-file-name-for-the-fixture.txt"));
    EXPECT_FALSE(sys::VarId::from_file_name("Boot0000-" + test::kGlobalGuid + "~"));
}

TEST(Variable, EfivarfsBytesRoundTrip) {
    sys::Variable v {{"Timeout", sys::kGlobalGuid}, 7, {5, 0}};
    EXPECT_EQ(v.efivarfs_bytes(), std::string("\x07\x00\x00\x00\x05\x00", 6));
    auto back = sys::Variable::from_efivarfs_bytes(v.id, v.efivarfs_bytes());
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, v);
    EXPECT_FALSE(sys::Variable::from_efivarfs_bytes(v.id, std::string("\x07\x00", 2)));
}

TEST(DirectoryStore, ListsVariablesAndReportsStrayFiles) {
    TempDir t;
    write_file(t / (test::kEfivars + "BootOrder-" + test::kGlobalGuid), attrs(7) + le16(1) + le16(0));
    write_file(t / (test::kEfivars + "Boot0001-" + test::kGlobalGuid), attrs(7) + "x");
    write_file(t / (test::kEfivars + "README"), "harmless, too short to be a variable");
    write_file(t / (test::kEfivars + "Boot0000-" + test::kGlobalGuid + "~"), "editor backup");
    write_file(t / (test::kEfivars + "Boot0004-8BE4DF61-93CA-11D2-AA0D-00E098032B8C"), attrs(7));
    sys::Root root(t.path());
    auto store = sys::make_directory_store(root);
    EXPECT_TRUE(store->available());
    EXPECT_EQ(store->backend(), "efivarfs-dir");
    auto l = store->list();
    ASSERT_EQ(l.vars.size(), 2u);
    EXPECT_EQ(l.vars[0].name, "Boot0001");
    EXPECT_EQ(l.vars[1].name, "BootOrder");
    EXPECT_EQ(l.skipped.size(), 2u); // the "~" backup and the uppercase GUID; README is silent
}

TEST(DirectoryStore, GetSetRemove) {
    TempDir t;
    write_file(t / (test::kEfivars + "BootOrder-" + test::kGlobalGuid),
               attrs(7) + le16(0) + le16(1) + le16(3) + le16(2));
    sys::Root root(t.path());
    auto store = sys::make_directory_store(root);
    sys::VarId order {"BootOrder", sys::kGlobalGuid};
    auto v = store->get(order);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->attributes, 7u);
    EXPECT_EQ(v->data.size(), 8u);
    EXPECT_FALSE(store->get({"BootNext", sys::kGlobalGuid}));

    // A shorter value replaces the whole file: no stale tail (efibootmgr's pitfall on a
    // plain directory, uefi.md §6.2).
    v->data = {2, 0, 0, 0};
    store->set(*v);
    EXPECT_EQ(test::read_file(t / (test::kEfivars + "BootOrder-" + test::kGlobalGuid)), attrs(7) + le16(2) + le16(0));

    sys::Variable next {{"BootNext", sys::kGlobalGuid}, 7, {1, 0}};
    store->set(next);
    struct stat st {};
    ASSERT_EQ(::stat((t / (test::kEfivars + "BootNext-" + test::kGlobalGuid)).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    EXPECT_EQ(*store->get(next.id), next);

    store->remove(next.id);
    EXPECT_FALSE(store->get(next.id));
    EXPECT_NO_THROW(store->remove(next.id));
}

TEST(DirectoryStore, TruncatedVariableIsBadData) {
    TempDir t;
    write_file(t / (test::kEfivars + "Timeout-" + test::kGlobalGuid), std::string("\x07\x00", 2));
    sys::Root root(t.path());
    auto store = sys::make_directory_store(root);
    try {
        (void)store->get({"Timeout", sys::kGlobalGuid});
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Exit::data);
        EXPECT_NE(std::string(e.what()).find("Timeout-" + test::kGlobalGuid), std::string::npos);
    }
}

TEST(System, FixtureRootUsesTheDirectoryBackend) {
    TempDir t;
    fs::create_directories(t / test::kEfivars);
    sys::System s(t.path());
    EXPECT_EQ(s.vars().backend(), "efivarfs-dir");
    EXPECT_TRUE(s.uefi());
    TempDir bios;
    sys::System b(bios.path());
    EXPECT_FALSE(b.uefi());
    EXPECT_FALSE(b.vars().available());
}

// The libefivar backend reads EFIVARFS_PATH when the library loads, so it is exercised in
// a child process started with that variable set (uefi.md §5.2, case C).
// Disabled: it runs only in the child that AgainstAFixtureDirectory starts.
TEST(LibefivarStore, DISABLED_ChildProcess) {
    auto store = sys::make_libefivar_store();
    ASSERT_TRUE(store->available());
    EXPECT_EQ(store->backend(), "libefivar");
    auto l = store->list();
    ASSERT_EQ(l.vars.size(), 2u);
    auto order = store->get({"BootOrder", sys::kGlobalGuid});
    ASSERT_TRUE(order);
    EXPECT_EQ(order->attributes, 7u);
    EXPECT_EQ(order->data, (std::vector<std::uint8_t> {1, 0, 0, 0}));
    EXPECT_FALSE(store->get({"BootNext", sys::kGlobalGuid}));
    store->set({{"BootNext", sys::kGlobalGuid}, 7, {1, 0}});
    store->remove({"Timeout", sys::kGlobalGuid});
}

TEST(LibefivarStore, AgainstAFixtureDirectory) {
    TempDir t;
    fs::path vars = t / "efivars";
    write_file(vars / ("BootOrder-" + test::kGlobalGuid), attrs(7) + le16(1) + le16(0));
    write_file(vars / ("Timeout-" + test::kGlobalGuid), attrs(7) + le16(5));
    std::string env1 = "EFIVARFS_PATH=" + vars.string() + "/";
    std::vector<char*> envp;
    for (char** e = environ; *e != nullptr; ++e)
        envp.push_back(*e);
    envp.push_back(env1.data());
    envp.push_back(nullptr);
    std::string self = fs::read_symlink("/proc/self/exe").string();
    std::string filter = "--gtest_filter=LibefivarStore.DISABLED_ChildProcess";
    std::string disabled = "--gtest_also_run_disabled_tests";
    char* argv[] = {self.data(), filter.data(), disabled.data(), nullptr};
    pid_t pid;
    ASSERT_EQ(posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv, envp.data()), 0);
    int st = 0;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    ASSERT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0);
    EXPECT_EQ(test::read_file(vars / ("BootNext-" + test::kGlobalGuid)), attrs(7) + le16(1));
    EXPECT_FALSE(test::exists(vars / ("Timeout-" + test::kGlobalGuid)));
}
