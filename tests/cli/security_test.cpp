// Security (issue 7, point 5): hostile kernel arguments never change what /etc/default/grub
// means to the shell; no path leaves --root; a non-root user is refused before any change to
// the live system; no code path runs a shell or another program.
#include "testutil.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

using bootsmith::test::FixtureCopy;
using bootsmith::test::RunResult;
using bootsmith::test::TempDir;
namespace fs = std::filesystem;

namespace {

int g_checks = 0; // security checks passed, printed by the last test

/// A copy of a fixture root without its disk images (dev/ holds 64 MiB sparse files that
/// none of these commands reads): bootsmith run on it.
struct LightCopy {
    TempDir dir;
    fs::path root;
    explicit LightCopy(const std::string& name) : root(dir / name) {
        fs::create_directories(root / "dev");
        for (const auto& e : fs::directory_iterator(bootsmith::test::fixtures() / name))
            if (e.path().filename() != "dev")
                fs::copy(e.path(), root / e.path().filename(),
                         fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    }
    RunResult operator()(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--root", root.string()});
        return bootsmith::test::run(args);
    }
};

/// Sources `file` with /bin/sh in an empty sandbox directory (cwd) with an empty
/// environment and prints `var`. A `$(touch pwned)` that ran leaves sandbox/pwned.
std::string source_in_sandbox(const fs::path& file, const fs::path& sandbox, const std::string& var) {
    fs::create_directories(sandbox);
    fs::copy_file(file, sandbox / "default-grub", fs::copy_options::overwrite_existing);
    auto r = bootsmith::test::run({"-c",
                                   "cd \"$1\" && exec env -i /bin/sh -c '. ./default-grub; printf %s \"$" + var + "\"'",
                                   "sh", sandbox.string()},
                                  {}, "/bin/sh");
    fs::remove(sandbox / "default-grub");
    return r.out;
}

/// What a hostile argument must survive: quotes, substitutions, separators, escapes.
const std::vector<std::string> kPayloads = {
    "q=\"x\"",
    "q='x'",
    "q=$(touch pwned)",
    "q=`touch pwned`",
    "q=a;touch${IFS}pwned",
    "q=a\\b",
    "q=a\\\"b",
    "q=$HOME",
    "q=${IFS}*",
    "q=a\\",
    "q=\\$(touch${IFS}pwned)",
    "q=a\nb",
    "q=\"$(touch pwned)\"",
};

struct Case {
    std::string fixture;
    std::string key; // the /etc/default/grub key the command edits
    std::function<std::vector<std::string>(const std::string&)> args;
};

void check_payloads(const std::string& label, const Case& c) {
    for (const auto& payload : kPayloads) {
        LightCopy r(c.fixture);
        TempDir sandbox;
        const fs::path dg = r.root / "etc/default/grub";
        const std::string before_value = source_in_sandbox(dg, sandbox.path(), c.key);
        const auto before = bootsmith::test::snapshot(r.root);
        std::vector<std::string> args = {"--root", r.root.string()};
        auto a = c.args(payload);
        args.insert(args.end(), a.begin(), a.end());
        RunResult res = bootsmith::test::run(args);
        SCOPED_TRACE(label + " with " + payload);
        if (res.status == 0) {
            // Exactly the argument, or its words (kernel args and grubby take a
            // whitespace-separated list: "q=a\nb" is the two arguments "q=a" and "b").
            std::string words;
            std::istringstream in(payload);
            for (std::string w; in >> w;)
                words += (words.empty() ? "" : " ") + w;
            std::string after = source_in_sandbox(dg, sandbox.path(), c.key);
            auto with = [&](const std::string& v) { return before_value.empty() ? v : before_value + " " + v; };
            EXPECT_TRUE(after == with(payload) || after == with(words)) << after;
        } else {
            EXPECT_NE(res.status, 70) << res.err;
            EXPECT_EQ(bootsmith::test::line_count(res.err), 1u) << res.err;
            EXPECT_EQ(bootsmith::test::tree_diff(before, bootsmith::test::snapshot(r.root)), "");
        }
        EXPECT_FALSE(bootsmith::test::exists(sandbox / "pwned"));
        EXPECT_FALSE(bootsmith::test::exists(r.root / "pwned"));
        if (!::testing::Test::HasFailure()) ++g_checks;
        std::cout << "  " << label << " " << (res.status == 0 ? "kept " : "refused ") << std::quoted(payload)
                  << (res.status == 0 ? "" : ": " + res.err.substr(0, res.err.find('\n'))) << "\n";
    }
}

} // namespace

TEST(Security, GrubCmdlineAddNeverChangesTheMeaningOfDefaultGrub) {
    check_payloads("grub cmdline add", {"debian12-uefi", "GRUB_CMDLINE_LINUX", [](const std::string& p) {
                                            return std::vector<std::string> {"grub", "cmdline", "add", p};
                                        }});
}

TEST(Security, GrubConfigSetNeverChangesTheMeaningOfDefaultGrub) {
    // config set replaces the whole value: compare with the payload alone.
    for (const auto& payload : kPayloads) {
        LightCopy r("debian12-uefi");
        TempDir sandbox;
        auto res = r({"grub", "config", "set", "GRUB_CMDLINE_LINUX", payload});
        ASSERT_EQ(res.status, 0) << res.err;
        EXPECT_EQ(source_in_sandbox(r.root / "etc/default/grub", sandbox.path(), "GRUB_CMDLINE_LINUX"), payload);
        EXPECT_FALSE(bootsmith::test::exists(sandbox / "pwned")) << payload;
        if (!::testing::Test::HasFailure()) ++g_checks;
    }
}

TEST(Security, KernelArgsAllNeverChangesTheMeaningOfDefaultGrub) {
    check_payloads("kernel args --kernel ALL --add (BLS)",
                   {"fedora-bls-uefi", "GRUB_CMDLINE_LINUX", [](const std::string& p) {
                        return std::vector<std::string> {"kernel", "args", "--kernel", "ALL", "--add", p};
                    }});
    check_payloads("kernel args --kernel ALL --add (grub.cfg)",
                   {"debian12-uefi", "GRUB_CMDLINE_LINUX", [](const std::string& p) {
                        return std::vector<std::string> {"kernel", "args", "--kernel", "ALL", "--add", p};
                    }});
}

TEST(Security, GrubbyUpdateKernelArgsNeverChangesTheMeaningOfDefaultGrub) {
    check_payloads("grubby --update-kernel=ALL --args",
                   {"fedora-bls-uefi", "GRUB_CMDLINE_LINUX", [](const std::string& p) {
                        return std::vector<std::string> {"grubby", "--update-kernel=ALL", "--args=" + p};
                    }});
}

// ---------------------------------------------------------------------------------------
// No path leaves --root.

namespace {

struct Escape {
    std::string name;
    std::string fixture;
    /// Plants the symlink in `root`; `outside` is the directory beside the root.
    std::function<void(const fs::path& root, const fs::path& outside)> plant;
    std::vector<std::string> args;
};

} // namespace

TEST(Security, SymlinksAndDotDotNeverLeaveTheRoot) {
    const std::string guid = "-8be4df61-93ca-11d2-aa0d-00e098032b8c";
    const std::string vars = "sys/firmware/efi/efivars";
    auto link = [](const std::string& rel, std::function<std::string(const fs::path&)> target) {
        return [=](const fs::path& root, const fs::path& outside) {
            fs::remove_all(root / rel);
            fs::create_directories((root / rel).parent_path());
            fs::create_symlink(target(outside), root / rel);
        };
    };
    auto abs_to = [](const std::string& rel) { return [=](const fs::path& o) { return (o / rel).string(); }; };
    auto up_to = [](int depth, const std::string& rel) {
        return [=](const fs::path&) {
            std::string s;
            for (int i = 0; i < depth; ++i)
                s += "../";
            return s + "outside/" + rel;
        };
    };
    // depth: from <dir>/root/<rel's directory> up to <dir>.
    auto depth = [](const std::string& rel) { return 1 + static_cast<int>(std::count(rel.begin(), rel.end(), '/')); };
    const std::string env = "boot/grub/grubenv", dg = "etc/default/grub";
    std::vector<Escape> cases = {
        {"grubenv -> ../../../outside/grubenv",
         "debian12-uefi",
         link(env, up_to(depth(env), "grubenv")),
         {"grub", "env", "set", "a=1"}},
        {"grubenv -> <absolute host path>",
         "debian12-uefi",
         link(env, abs_to("grubenv")),
         {"grub", "env", "set", "a=1"}},
        {"grubenv read through ../ (list)",
         "debian12-uefi",
         link(env, up_to(depth(env), "grubenv")),
         {"grub", "env", "list"}},
        {"/etc/default/grub -> ../../outside",
         "debian12-uefi",
         link(dg, up_to(depth(dg), "default-grub")),
         {"grub", "config", "set", "GRUB_TIMEOUT", "3"}},
        {"/etc/default/grub -> <absolute host path>",
         "debian12-uefi",
         link(dg, abs_to("default-grub")),
         {"grub", "cmdline", "add", "quiet"}},
        {"/etc/default -> ../outside (a directory)",
         "debian12-uefi",
         link("etc/default", up_to(depth("etc/default"), "")),
         {"grub", "config", "set", "GRUB_TIMEOUT", "3"}},
        {"grub.cfg -> ../../../outside/grub.cfg (kernel args)",
         "debian12-uefi",
         link("boot/grub/grub.cfg", up_to(3, "grub.cfg")),
         {"kernel", "args", "--kernel", "ALL", "--add", "x=1"}},
        {"efivars -> ../../../../outside/efivars",
         "debian12-uefi",
         link(vars, up_to(depth(vars), "efivars")),
         {"boot", "order", "0001,0000"}},
        {"Boot0001 -> <absolute host path>",
         "debian12-uefi",
         link(vars + "/Boot0001" + guid, abs_to("efivars/Boot0001" + guid)),
         {"boot", "rename", "0001", "x"}},
        {"BootOrder -> ../../../../../outside (timeout)",
         "debian12-uefi",
         link(vars + "/BootOrder" + guid, up_to(depth(vars + "/x"), "efivars/BootOrder" + guid)),
         {"boot", "create", "--disk", "/dev/sda", "--part", "1", "--loader", "\\EFI\\x.efi", "--label", "x"}},
        {"BLS entries dir -> ../../../outside/entries",
         "fedora-bls-uefi",
         link("boot/loader/entries", up_to(3, "entries")),
         {"kernel", "args", "--kernel", "ALL", "--add", "x=1"}},
        {"backups dir -> ../../../outside/backups",
         "debian12-uefi",
         link("var/lib/bootsmith/backups", up_to(4, "backups")),
         {"grub", "env", "set", "a=1"}},
        {"backups dir -> <absolute host path>",
         "debian12-uefi",
         link("var/lib/bootsmith/backups", abs_to("backups")),
         {"boot", "timeout", "3"}},
        {"run/lock -> ../../outside/lock",
         "debian12-uefi",
         link("run/lock", up_to(2, "lock")),
         {"grub", "env", "set", "a=1"}},
        {"dev/sda -> ../../outside/disk (boot create)",
         "debian12-uefi",
         link("dev/sda", up_to(depth("dev/sda"), "disk")),
         {"boot", "create", "--disk", "/dev/sda", "--part", "1", "--loader", "\\EFI\\x.efi", "--label", "x"}},
        {"--file /../../outside/grubenv",
         "debian12-uefi",
         [](const fs::path&, const fs::path&) {},
         {"grub", "env", "--file", "/../../outside/grubenv", "set", "a=1"}},
        {"--config ../outside/grub.cfg",
         "debian12-uefi",
         [](const fs::path&, const fs::path&) {},
         {"grub", "default", "0", "--config", "/boot/../../outside/grub.cfg"}},
        {"kernel add --kernel /boot/../../outside/vmlinuz",
         "debian12-uefi",
         [](const fs::path&, const fs::path&) {},
         {"kernel", "add", "--kernel", "/boot/../../outside/vmlinuz-9.9"}},
        {"grubby -c ../outside/grub.cfg",
         "debian12-uefi",
         [](const fs::path&, const fs::path&) {},
         {"grubby", "-c", "/../outside/grub.cfg", "--update-kernel=ALL", "--args=x=1"}},
    };
    int refused = 0, inside = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        TempDir dir;
        const fs::path root = dir / "root", outside = dir / "outside";
        bootsmith::test::copy_tree(bootsmith::test::fixtures() / c.fixture, root);
        // The sentinels: files a command would write if it escaped.
        fs::create_directories(outside);
        for (const auto& [from, to] :
             std::vector<std::pair<std::string, std::string>> {{"sys/firmware/efi/efivars", "efivars"},
                                                               {"boot/grub/grubenv", "grubenv"},
                                                               {"boot/grub/grub.cfg", "grub.cfg"},
                                                               {"etc/default/grub", "default-grub"},
                                                               {"etc/default", "default"}})
            if (fs::exists(root / from)) bootsmith::test::copy_tree(root / from, outside / to);
        bootsmith::test::write_file(outside / "vmlinuz-9.9", "kernel");
        bootsmith::test::write_file(outside / "disk", std::string(1 << 20, '\0'));
        fs::create_directories(outside / "entries");
        fs::create_directories(outside / "backups");
        fs::create_directories(outside / "lock");
        bootsmith::test::write_file(outside / "sentinel", "untouched");
        c.plant(root, outside);
        const auto before = bootsmith::test::snapshot(outside);
        auto res = bootsmith::test::run([&] {
            std::vector<std::string> a = {"--root", root.string(), "--yes"};
            a.insert(a.end(), c.args.begin(), c.args.end());
            return a;
        }());
        // Nothing outside the root changed, nothing was added beside it.
        EXPECT_EQ(bootsmith::test::tree_diff(before, bootsmith::test::snapshot(outside)), "");
        std::size_t beside = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path()))
            ++beside;
        EXPECT_EQ(beside, 2u);
        if (res.status == 0) {
            ++inside; // it worked, on files inside the root (an absolute target is the root's)
        } else if (res.status == 77 || (c.args[0] == "grubby" && res.status == 1)) { // grubby's exit code
            EXPECT_TRUE(res.err.find("leaves the root") != std::string::npos) << res.err;
            ++refused;
        } else {
            // An absolute target resolved inside the root, where it does not exist.
            EXPECT_TRUE(res.status == 66 || res.status == 65) << res.status << ": " << res.err;
            ++inside;
        }
        std::size_t errors = 0;
        std::istringstream lines(res.err);
        for (std::string l; std::getline(lines, l);)
            errors += l.rfind("bootsmith: warning: ", 0) == 0 ? 0 : 1;
        EXPECT_LE(errors, 1u) << res.err;
        std::cout << "  " << c.name << ": "
                  << (res.status == 0 ? "stayed inside the root" : res.err.substr(0, res.err.find('\n'))) << "\n";
        if (!::testing::Test::HasFailure()) ++g_checks;
    }
    std::cout << "security: " << cases.size() << " escape attempts: " << refused << " refused (exit 77; grubby: 1), "
              << inside << " stayed inside the root (done there, or refused as missing); nothing outside touched\n";
}

// ---------------------------------------------------------------------------------------
// The live system: a non-root user is refused before any change.

TEST(Security, NonRootIsRefusedOnTheLiveSystemBeforeAnyChange) {
    // Only a grubenv in a sandbox the unprivileged user owns is named (--file): even a
    // broken refusal could touch nothing of this machine's boot configuration.
    TempDir sandbox;
    const bool root = ::geteuid() == 0;
    if (root && ::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "root without setpriv: cannot drop to 65534";
    ::chmod(sandbox.path().c_str(), 0777);
    const fs::path env = sandbox / "grubenv";
    std::string block = "# GRUB Environment Block\n"
                        "# WARNING: Do not edit this file by tools other than grub-editenv!!!\n";
    block.resize(1024, '#');
    bootsmith::test::write_file(env, block, 0666);
    if (root) ::chown(env.c_str(), 65534, 65534);
    const bool lock_existed = bootsmith::test::exists("/run/lock/bootsmith.lock");
    auto as_user = [&](std::vector<std::string> args) {
        if (!root) return bootsmith::test::run(args);
        args.insert(args.begin(),
                    {"--reuid=65534", "--regid=65534", "--clear-groups", bootsmith::test::binary().string()});
        return bootsmith::test::run(args, {}, "/usr/bin/setpriv");
    };
    const std::vector<std::vector<std::string>> writes = {
        {"--root", "/", "grub", "env", "--file", env.string(), "set", "x=y"},
        {"--root", "/", "grub", "env", "--file", env.string(), "unset", "x"},
        {"--root", "/", "grub-editenv", env.string(), "set", "x=y"},
        {"--root", "/", "--json", "grub", "env", "--file", env.string(), "set", "x=y"},
    };
    for (const auto& w : writes) {
        auto res = as_user(w);
        // grub-editenv keeps grub-editenv's exit code (1) and prefix.
        EXPECT_EQ(res.status, w[2] == "grub-editenv" ? 1 : 77) << res.err;
        EXPECT_EQ(bootsmith::test::line_count(res.err), 1u) << res.err;
        EXPECT_NE(res.err.find("changing the live system (--root /) needs root"), std::string::npos) << res.err;
        EXPECT_EQ(bootsmith::test::read_file(env), block);
        if (!::testing::Test::HasFailure()) ++g_checks;
    }
    // Reading and previewing stay allowed.
    EXPECT_EQ(as_user({"--root", "/", "grub", "env", "--file", env.string(), "list"}).status, 0);
    EXPECT_EQ(as_user({"--root", "/", "grub-editenv", env.string(), "list"}).status, 0);
    auto dry = as_user({"--root", "/", "--dry-run", "grub", "env", "--file", env.string(), "set", "x=y"});
    EXPECT_EQ(dry.status, 0) << dry.err;
    EXPECT_EQ(bootsmith::test::read_file(env), block);
    std::size_t left = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(sandbox.path()))
        ++left;
    EXPECT_EQ(left, 1u); // no temporary file beside it
    if (!lock_existed) {
        EXPECT_FALSE(bootsmith::test::exists("/run/lock/bootsmith.lock"));
    }
}

// ---------------------------------------------------------------------------------------
// No code path runs a shell or another program.

namespace {

/// The source with comments and string/character literals blanked out.
std::string code_only(const std::string& s) {
    std::string out(s.size(), ' ');
    enum { code, line_comment, block_comment, str, chr, raw } st = code;
    std::string raw_end;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '\n') out[i] = '\n';
        switch (st) {
        case code:
            if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
                st = line_comment;
            } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
                st = block_comment;
            } else if (c == 'R' && i + 1 < s.size() && s[i + 1] == '"') {
                std::size_t open = s.find('(', i);
                raw_end = ")" + s.substr(i + 2, open - i - 2) + "\"";
                st = raw;
                i = open;
            } else if (c == '"') {
                st = str;
            } else if (c == '\'') {
                st = chr;
            } else {
                out[i] = c;
            }
            break;
        case line_comment:
            if (c == '\n') st = code;
            break;
        case block_comment:
            if (c == '*' && i + 1 < s.size() && s[i + 1] == '/') {
                st = code;
                ++i;
            }
            break;
        case str:
        case chr:
            if (c == '\\')
                ++i;
            else if (c == (st == str ? '"' : '\''))
                st = code;
            break;
        case raw:
            if (s.compare(i, raw_end.size(), raw_end) == 0) {
                i += raw_end.size() - 1;
                st = code;
            }
            break;
        }
    }
    return out;
}

} // namespace

TEST(Security, NoCodePathRunsAShellOrAProgram) {
    // Calls that start a program or a shell. A member function of the same name
    // (ctx.system(), Context::system) is not one; std::system and ::system are.
    const std::regex call(R"(\b(system|popen|execl|execlp|execle|execv|execvp|execvpe|fexecve|posix_spawnp?|)"
                          R"(wordexp|fork|vfork|clone)\s*\()");
    // Documented exceptions: none.
    const std::set<std::string> allowed;
    const fs::path src = fs::path(BOOTSMITH_SOURCE_DIR);
    std::string found;
    int files = 0;
    for (const char* dir : {"src", "include"}) {
        for (const auto& e : fs::recursive_directory_iterator(src / dir)) {
            if (!e.is_regular_file()) continue;
            auto ext = e.path().extension();
            if (ext != ".cpp" && ext != ".hpp" && ext != ".h" && ext != ".c") continue;
            ++files;
            const std::string text = code_only(bootsmith::test::read_file(e.path()));
            for (std::sregex_iterator m(text.begin(), text.end(), call), end; m != end; ++m) {
                // What comes before the name, spaces and newlines trimmed.
                std::size_t at = static_cast<std::size_t>(m->position());
                while (at > 0 && std::isspace(static_cast<unsigned char>(text[at - 1])))
                    --at;
                std::string before = text.substr(at >= 40 ? at - 40 : 0, at >= 40 ? 40 : at);
                auto ends = [&](const std::string& t) {
                    return before.size() >= t.size() && before.compare(before.size() - t.size(), t.size(), t) == 0;
                };
                auto word_before = [&](std::size_t cut) {
                    std::string w;
                    for (std::size_t i = before.size() - cut;
                         i > 0 && (std::isalnum(static_cast<unsigned char>(before[i - 1])) || before[i - 1] == '_');
                         --i)
                        w.insert(w.begin(), before[i - 1]);
                    return w;
                };
                bool member = false;
                if (before.empty() || ends("&&") || ends("||")) {
                    member = false; // a call
                } else if (ends(".") || ends("->")) {
                    member = true; // obj.system(): ours
                } else if (ends("::")) {
                    std::string q = word_before(2); // Context::system() is ours; std:: and :: are libc's
                    member = !(q.empty() || q == "std");
                } else if (std::string("=(,;{}!?:|").find(before.back()) != std::string::npos) {
                    member = false;
                } else {
                    member = word_before(0) != "return"; // a type before the name: a declaration
                }
                // system() with no argument is Context::system(), never the C library's.
                if (m->str(1) == "system") {
                    std::size_t after = static_cast<std::size_t>(m->position() + m->length());
                    while (after < text.size() && std::isspace(static_cast<unsigned char>(text[after])))
                        ++after;
                    if (after < text.size() && text[after] == ')') member = true;
                }
                if (member) continue;
                std::string where = fs::relative(e.path(), src).string() + ":" +
                                    std::to_string(std::count(text.begin(), text.begin() + m->position(), '\n') + 1);
                if (!allowed.count(where)) found += where + ": " + m->str() + "\n";
            }
        }
    }
    EXPECT_GT(files, 40);
    EXPECT_EQ(found, "") << "a call that runs a program (allowed: none)";
    if (!::testing::Test::HasFailure()) ++g_checks;
    std::cout << "security: " << files << " source files scanned: no system/popen/exec*/posix_spawn/fork\n";
}

TEST(Security, ZSummary) {
    std::cout << "security checks passed: " << g_checks << "\n";
}
