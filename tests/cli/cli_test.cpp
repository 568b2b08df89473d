// The built binary, run on temporary copies of the fixture roots.
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <pty.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

using bootsmith::test::line_count;
using bootsmith::test::run;
using bootsmith::test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kRoots = {"debian12-uefi", "fedora-bls-uefi", "bios-mbr", "centos7-bios"};

/// A private copy of a fixture root (tests never touch build/fixtures itself).
struct FixtureCopy {
    TempDir dir;
    fs::path root;
    explicit FixtureCopy(const std::string& name) : root(dir / name) {
        bootsmith::test::copy_tree(bootsmith::test::fixtures() / name, root);
    }
};

void expect_one_line_error(const bootsmith::test::RunResult& r, int status, const std::string& needle) {
    EXPECT_EQ(r.status, status) << r.err;
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_TRUE(r.err.starts_with("bootsmith: error: ")) << r.err;
}

/// Runs the binary with stdout and stderr on a pseudo-terminal; returns what it printed.
std::string run_on_tty(const std::vector<std::string>& args, const std::vector<std::string>& extra_env) {
    int master = -1, slave = -1;
    if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) return "<no pty>";
    std::vector<std::string> env {"NO_COLOR=", "TERM=xterm"};
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    pid_t pid = -1;
    try {
        pid =
            bootsmith::test::spawn(bootsmith::test::binary().string(), args, env, [&](posix_spawn_file_actions_t* fa) {
                posix_spawn_file_actions_adddup2(fa, slave, 1);
                posix_spawn_file_actions_adddup2(fa, slave, 2);
                posix_spawn_file_actions_addclose(fa, master);
            });
    } catch (const std::exception&) {}
    ::close(slave);
    std::string out;
    if (pid > 0) {
        char buf[4096];
        for (;;) {
            ssize_t n = ::read(master, buf, sizeof buf);
            if (n > 0)
                out.append(buf, static_cast<std::size_t>(n));
            else if (n < 0 && errno == EINTR)
                continue;
            else
                break; // EIO once the child has closed the terminal
        }
        int st;
        ::waitpid(pid, &st, 0);
    }
    ::close(master);
    return out;
}

} // namespace

TEST(Cli, Version) {
    auto r = run({"--version"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "bootsmith 0.1.0\n");
}

TEST(Cli, HelpAtEveryLevel) {
    for (const auto& args : std::vector<std::vector<std::string>> {{"--help"},
                                                                   {"-h"},
                                                                   {"status", "--help"},
                                                                   {"--help", "status"},
                                                                   {"boot", "-h"},
                                                                   {"grub", "--help"},
                                                                   {"kernel", "-h"},
                                                                   {"disk", "-h"}}) {
        auto r = run(args);
        EXPECT_EQ(r.status, 0) << args[0];
        EXPECT_TRUE(r.out.starts_with("Usage: bootsmith")) << r.out;
        EXPECT_EQ(r.err, "");
    }
    auto top = run({"--help"});
    for (const char* cmd : {"status", "boot", "grub", "kernel", "disk"})
        EXPECT_NE(top.out.find(cmd), std::string::npos);
    EXPECT_EQ(top.out.find("__complete"), std::string::npos);
}

TEST(Cli, UsageErrorsAreOneLineWithAHintAndExit2) {
    expect_one_line_error(run({}), 2, "no command given");
    expect_one_line_error(run({"--frobnicate", "status"}), 2, "unknown option '--frobnicate' (try 'bootsmith --help')");
    expect_one_line_error(run({"status", "--frobnicate"}), 2,
                          "unknown option '--frobnicate' (try 'bootsmith status --help')");
    expect_one_line_error(run({"status", "extra"}), 2, "too many arguments");
    expect_one_line_error(run({"frob"}), 2, "unknown command 'frob'");
    expect_one_line_error(run({"--root"}), 2, "--root");
    expect_one_line_error(run({"--lock-timeout", "-5", "status"}), 2, "--lock-timeout");
    expect_one_line_error(run({"--lock-timeout", "abc", "status"}), 2, "lock-timeout");
}

TEST(Cli, BadRootIsANamedError) {
    TempDir t;
    bootsmith::test::write_file(t / "file", "x");
    expect_one_line_error(run({"--root", (t / "missing").string(), "status"}), 66, (t / "missing").string());
    expect_one_line_error(run({"--root", (t / "file").string(), "status"}), 2, "not a directory");
}

TEST(Cli, JsonErrorsAlsoGoToStdout) {
    TempDir t;
    auto r = run({"--json", "--root", (t / "missing").string(), "status"});
    EXPECT_EQ(r.status, 66);
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["schema"], "bootsmith.error/1");
    EXPECT_EQ(j["error"]["exit_code"], 66);
    EXPECT_EQ(j["error"]["kind"], "no_input");
    auto u = run({"status", "--json", "--frob"});
    EXPECT_EQ(u.status, 2);
    EXPECT_EQ(nlohmann::json::parse(u.out)["error"]["kind"], "usage");
}

TEST(Cli, StatusJsonOnEveryFixture) {
    for (const auto& name : kRoots) {
        FixtureCopy f(name);
        auto before = bootsmith::test::snapshot(f.root);
        auto r = run({"--root", f.root.string(), "status", "--json"});
        ASSERT_EQ(r.status, 0) << name << r.err;
        EXPECT_EQ(r.err, "") << name;
        auto j = nlohmann::json::parse(r.out);
        EXPECT_EQ(j["schema"], "bootsmith.status/1");
        EXPECT_EQ(j["root"], f.root.string());
        EXPECT_TRUE(j["problems"].empty()) << name << r.out;
        EXPECT_EQ(bootsmith::test::snapshot(f.root), before) << "status wrote into " << name;
    }
}

TEST(Cli, StatusFactsOfTheDebianFixture) {
    FixtureCopy f("debian12-uefi");
    auto j = nlohmann::json::parse(run({"--root", f.root.string(), "--json", "status"}).out);
    EXPECT_EQ(j["os"]["id"], "debian");
    EXPECT_EQ(j["firmware"]["mode"], "uefi");
    EXPECT_EQ(j["firmware"]["platform_size"], 64);
    EXPECT_EQ(j["efi"]["available"], true);
    EXPECT_EQ(j["efi"]["backend"], "efivarfs-dir");
    EXPECT_EQ(j["efi"]["boot_entries"], nlohmann::json({"Boot0000", "Boot0001", "Boot0002"}));
    EXPECT_EQ(j["efi"]["boot_current"], "0000");
    EXPECT_EQ(j["efi"]["boot_current_description"], "debian");
    EXPECT_EQ(j["efi"]["boot_order"], nlohmann::json({"0000", "0001", "0002"}));
    EXPECT_TRUE(j["efi"]["boot_next"].is_null());
    EXPECT_EQ(j["boot_loader"]["detected"][0], "grub");
    EXPECT_EQ(j["esp"]["mount_point"], "/boot/efi");
    EXPECT_EQ(j["kernels"]["count"], 2);

    auto text = run({"--root", f.root.string(), "status"});
    EXPECT_EQ(text.status, 0);
    EXPECT_NE(text.out.find("UEFI (64-bit)"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("3 boot entries"), std::string::npos) << text.out;
}

TEST(Cli, StatusFactsOfTheFedoraFixture) {
    FixtureCopy f("fedora-bls-uefi");
    auto j = nlohmann::json::parse(run({"--root", f.root.string(), "--json", "status"}).out);
    EXPECT_EQ(j["firmware"]["mode"], "uefi");
    EXPECT_EQ(j["efi"]["boot_entries"].size(), 3u);
    std::vector<std::string> detected = j["boot_loader"]["detected"];
    EXPECT_NE(std::find(detected.begin(), detected.end(), "bls"), detected.end());
    EXPECT_EQ(j["kernels"]["count"], 3); // two kernels and the rescue image
}

TEST(Cli, StatusFactsOfTheBiosFixture) {
    FixtureCopy f("bios-mbr");
    auto j = nlohmann::json::parse(run({"--root", f.root.string(), "--json", "status"}).out);
    EXPECT_EQ(j["firmware"]["mode"], "bios");
    EXPECT_EQ(j["efi"]["available"], false);
    EXPECT_EQ(j["kernels"]["count"], 1);
    auto text = run({"--root", f.root.string(), "status"});
    EXPECT_NE(text.out.find("BIOS"), std::string::npos);
}

TEST(Cli, StatusFactsOfTheCentos7Fixture) {
    FixtureCopy f("centos7-bios");
    auto j = nlohmann::json::parse(run({"--root", f.root.string(), "--json", "status"}).out);
    EXPECT_EQ(j["os"]["name"], "CentOS Linux 7 (Core)");
    EXPECT_EQ(j["os"]["id"], "centos");
    EXPECT_EQ(j["firmware"]["mode"], "bios");
    EXPECT_EQ(j["efi"]["available"], false);
    EXPECT_EQ(j["kernels"]["count"], 3); // two kernels and the rescue image
    std::vector<std::string> detected = j["boot_loader"]["detected"];
    EXPECT_EQ(detected, std::vector<std::string>({"grub"})); // grub.cfg only: no BLS entries
    // grubenv's saved_entry is a title (grub2-set-default); it names the newest kernel, which
    // grubby put on top of the menu.
    const std::string newest = "CentOS Linux (3.10.0-1160.119.1.el7.x86_64) 7 (Core)";
    EXPECT_EQ(j["grub"]["config"], "/boot/grub2/grub.cfg");
    EXPECT_EQ(j["grub"]["default_source"], "saved_entry");
    EXPECT_EQ(j["grub"]["default"]["value"], newest);
    EXPECT_EQ(j["grub"]["default"]["title"], newest);
    EXPECT_EQ(j["grub"]["default"]["index_path"], "0");
    auto text = run({"--root", f.root.string(), "status"});
    EXPECT_NE(text.out.find("BIOS"), std::string::npos);
}

TEST(Cli, GlobalOptionsWorkBeforeAndAfterTheCommand) {
    FixtureCopy f("debian12-uefi");
    auto a = run({"--root", f.root.string(), "--json", "status"});
    auto b = run({"status", "--json", "--root", f.root.string()});
    EXPECT_EQ(a.status, 0);
    EXPECT_EQ(a.out, b.out);
    auto q = run({"-q", "--root", f.root.string(), "status"});
    EXPECT_EQ(q.status, 0);
    EXPECT_EQ(q.out, "");
}

TEST(Cli, StatusSurvivesAStrayFileInEfivars) {
    FixtureCopy f("debian12-uefi");
    bootsmith::test::write_file(f.root / "sys/firmware/efi/efivars/this-is-a-long-readme-file-name-for-the-fixture.txt",
                                "x");
    auto r = run({"--root", f.root.string(), "--json", "status"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["efi"]["boot_entries"].size(), 3u); // one bad file does not hide the rest
    EXPECT_EQ(j["efi"]["problems"].size(), 1u);
}

TEST(Cli, ColourOnlyOnATerminalAndNeverWithNoColor) {
    FixtureCopy f("debian12-uefi");
    std::string coloured = run_on_tty({"--root", f.root.string(), "status"}, {});
    EXPECT_NE(coloured.find("\033["), std::string::npos) << coloured;
    std::string plain = run_on_tty({"--root", f.root.string(), "status"}, {"NO_COLOR=1"});
    EXPECT_EQ(plain.find("\033["), std::string::npos) << plain;
    EXPECT_NE(plain.find("Firmware:"), std::string::npos) << plain;
    auto piped = run({"--root", f.root.string(), "status"});
    EXPECT_EQ(piped.out.find("\033["), std::string::npos);
}

TEST(Cli, CompletionEngine) {
    auto r = run({"__complete", "--", ""});
    EXPECT_EQ(r.status, 0);
    EXPECT_TRUE(r.out.starts_with(":words\n"));
    EXPECT_NE(r.out.find("status\t"), std::string::npos);
    EXPECT_EQ(r.out.find("__complete"), std::string::npos);
    EXPECT_EQ(run({"__complete", "--", "--root", ""}).out, ":dirs\n");
    EXPECT_NE(run({"__complete", "--", "status", "--"}).out.find("--json\t"), std::string::npos);
    auto disk = run({"__complete", "--", "disk", ""}).out;
    for (const char* verb : {"list\t", "esp\t", "mbr\t"})
        EXPECT_NE(disk.find(verb), std::string::npos) << disk;
}

TEST(Cli, EveryCommandIsListedOnceInHelp) {
    auto r = run({"--help"});
    for (const char* cmd : {"status", "boot", "efibootmgr"}) {
        std::size_t first = r.out.find("\n  " + std::string(cmd) + " ");
        ASSERT_NE(first, std::string::npos) << cmd;
        EXPECT_EQ(r.out.find("\n  " + std::string(cmd) + " ", first + 1), std::string::npos) << cmd << " twice";
    }
}

TEST(Cli, LibefivarBackendIsRefusedForAnotherRoot) {
    FixtureCopy f("debian12-uefi");
    auto r = run({"--root", f.root.string(), "status"}, {"BOOTSMITH_EFIVARS=libefivar", "EFIVARFS_PATH="});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("this machine's firmware variables"), std::string::npos) << r.err;
}
