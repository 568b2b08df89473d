// Concurrency (issue 7, point 4): many bootsmith processes started at the same instant on
// one root. The lock serialises them: nothing is lost and every file stays valid.
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <set>
#include <stdexcept>

using bootsmith::test::FixtureCopy;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// Starts one process per command, all held at a barrier (a pipe nobody writes to) until
/// every one is forked, then released together by closing the pipe. Returns the exit codes.
std::vector<int> run_together(const std::vector<std::vector<std::string>>& commands, const fs::path& logs) {
    int barrier[2];
    if (::pipe(barrier) != 0) throw std::runtime_error("pipe");
    const std::string bin = bootsmith::test::binary().string();
    std::vector<pid_t> pids;
    for (std::size_t i = 0; i < commands.size(); ++i) {
        // Everything the child needs is made before fork (no allocation after it).
        std::vector<std::string> argv_s = {bin};
        argv_s.insert(argv_s.end(), commands[i].begin(), commands[i].end());
        std::vector<char*> argv;
        for (auto& a : argv_s)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        std::string log = (logs / ("p" + std::to_string(i))).string();
        pid_t pid = ::fork();
        if (pid < 0) throw std::runtime_error("fork");
        if (pid == 0) {
            ::close(barrier[1]);
            char c;
            while (::read(barrier[0], &c, 1) > 0) {}
            int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int null = ::open("/dev/null", O_RDONLY);
            ::dup2(null, 0);
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        pids.push_back(pid);
    }
    ::close(barrier[0]);
    ::close(barrier[1]); // go
    std::vector<int> codes;
    for (pid_t p : pids) {
        int st = 0;
        ::waitpid(p, &st, 0);
        codes.push_back(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
    return codes;
}

std::string failures(const std::vector<int>& codes, const fs::path& logs) {
    std::string out;
    for (std::size_t i = 0; i < codes.size(); ++i)
        if (codes[i] != 0)
            out += "process " + std::to_string(i) + " exited " + std::to_string(codes[i]) + ": " +
                   bootsmith::test::read_file(logs / ("p" + std::to_string(i)));
    return out;
}

} // namespace

TEST(Concurrency, FiftyGrubEnvSetsAtOnceLoseNothing) {
    FixtureCopy r("debian12-uefi");
    bootsmith::test::TempDir logs;
    std::vector<std::vector<std::string>> cmds;
    for (int n = 0; n < 50; ++n)
        cmds.push_back({"--root", r.root.string(), "--lock-timeout", "300", "-q", "grub", "env", "set",
                        "k" + std::to_string(n) + "=v" + std::to_string(n)});
    auto codes = run_together(cmds, logs.path());
    EXPECT_EQ(failures(codes, logs.path()), "");

    const std::string block = r.file("boot/grub/grubenv");
    EXPECT_EQ(block.size(), 1024u);
    EXPECT_EQ(block.rfind("# GRUB Environment Block\n", 0), 0u);
    auto j = json::parse(r({"grub", "env", "list", "--json"}).out);
    std::set<std::string> names;
    for (const auto& v : j["variables"]) {
        EXPECT_TRUE(names.insert(v["name"].get<std::string>()).second) << "duplicate " << v["name"];
        std::string name = v["name"];
        if (name[0] == 'k') {
            EXPECT_EQ(v["value"], "v" + name.substr(1));
        }
    }
    int present = 0;
    for (int n = 0; n < 50; ++n)
        present += names.count("k" + std::to_string(n)) ? 1 : 0;
    EXPECT_EQ(present, 50);
    EXPECT_TRUE(j["warnings"].empty()) << j["warnings"];
    if (::access("/usr/bin/grub-editenv", X_OK) == 0) { // GRUB's own tool reads all 50
        auto listed =
            bootsmith::test::run({(r.root / "boot/grub/grubenv").string(), "list"}, {}, "/usr/bin/grub-editenv");
        EXPECT_EQ(bootsmith::test::line_count(listed.out), names.size());
    }
    std::size_t backups = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(r.root / "var/lib/bootsmith/backups"))
        ++backups;
    EXPECT_EQ(backups, 50u); // one per applied change, none overwritten
    std::cout << "concurrency: 50 grub env set at once: " << present << "/50 names present, block " << block.size()
              << " bytes\n";
}

TEST(Concurrency, BootOrderAndBootCreateAtOnceKeepAConsistentOrder) {
    FixtureCopy r("debian12-uefi");
    bootsmith::test::TempDir logs;
    const int creates = 12, orders = 12;
    std::vector<std::vector<std::string>> cmds;
    const std::vector<std::string> common = {"--root", r.root.string(), "--lock-timeout", "300", "-q"};
    for (int n = 0; n < creates + orders; ++n) {
        std::vector<std::string> c = common;
        if (n % 2 == 0) {
            std::string i = std::to_string(n / 2);
            c.insert(c.end(), {"boot", "create", "--disk", "/dev/sda", "--part", "1", "--loader",
                               "\\EFI\\c" + i + "\\grubx64.efi", "--label", "c" + i});
        } else {
            static const char* firsts[] = {"0000", "0001", "0002"};
            c.insert(c.end(), {"boot", "order", "--first", firsts[(n / 2) % 3]});
        }
        cmds.push_back(c);
    }
    auto codes = run_together(cmds, logs.path());
    EXPECT_EQ(failures(codes, logs.path()), "");

    auto j = json::parse(r({"boot", "list", "--json"}).out);
    EXPECT_TRUE(j["problems"].empty()) << j["problems"];
    std::set<std::string> numbers, labels;
    for (const auto& e : j["entries"]) {
        numbers.insert(e["number"].get<std::string>());
        labels.insert(e["description"].get<std::string>());
    }
    std::set<std::string> in_order;
    for (const auto& n : j["boot_order"]) {
        EXPECT_TRUE(in_order.insert(n.get<std::string>()).second) << "duplicate " << n << " in BootOrder";
        EXPECT_TRUE(numbers.count(n.get<std::string>())) << "BootOrder names missing Boot" << n;
    }
    int present = 0;
    for (int i = 0; i < creates; ++i)
        present += labels.count("c" + std::to_string(i)) ? 1 : 0;
    EXPECT_EQ(present, creates);
    EXPECT_EQ(numbers.size(), 3u + creates);
    EXPECT_EQ(in_order.size(), numbers.size()); // --first keeps every entry in the order
    std::cout << "concurrency: " << creates << " boot create + " << orders << " boot order at once: " << present << "/"
              << creates << " entries present, BootOrder " << in_order.size()
              << " entries, no duplicates, none missing\n";
}
