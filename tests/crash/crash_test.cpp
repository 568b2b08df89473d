// Crash consistency (issue 7, point 1): every mutating command on every fixture root where
// it applies, killed (SIGKILL) at every operation of the seam and made to fail (EIO) at
// every operation, through bootsmith-faulty (tests/support/fault_main.cpp).
//
// For one command: an uncrashed run on a copy gives the operation count N and the result
// tree NEW; the root as it was is OLD. Then for k = 1..N, on a fresh copy of OLD:
//   kill:k — the process dies before operation k; then
//     * every path of OLD ∪ NEW is byte-equal (content, mode, type) to its OLD or its NEW
//       version: never torn, never missing (a path present in both is present);
//     * nothing else appeared except the backups, the lock file and temporary files of the
//       seam (".NAME.bootsmith-XXXXXX", which a kill before the rename leaves behind);
//     * BootOrder (and BootNext) never name a missing Boot#### (unless OLD already did);
//     * every grubenv is a 1024-byte block starting with "# GRUB Environment Block\n";
//     * when anything changed, the old bytes of every changed file and variable are in a
//       backup (var/lib/bootsmith/backups/*/files|efivars) next to a manifest.json naming
//       the created ones;
//     * bootsmith (the shipped binary) run again with the same arguments completes, and
//       ends at NEW (compared as above, backups/lock/temporary files left out).
//   fail:k — operation k fails with EIO: a non-zero exit and one error line naming a file
//     inside the root; the same invariants, and no temporary file left; the rerun as above.
//
// How a rerun is judged depends on the command (Rerun below): an idempotent command must end
// at NEW from any crash point; a consuming one (boot create, deletes, kernel add/remove) must
// end at NEW too, except that after a crash that left the root already at NEW it may refuse
// with one error line (exit 1, 2 or 66: "already boots"/"matches no entry"); a creating one
// (efibootmgr -c, grubby --add-kernel, which make another copy each time as the real tools
// do) must complete with the invariants holding, and end at NEW exactly when the crash came
// before any change.
//
// Each test prints "crash points: tried T, passed P" and "fail points: tried T, passed P".
// CRASH_STRIDE=S / FAIL_STRIDE=S (environment) try every S-th kill / fail point only; the
// build's defaults (tests/CMakeLists.txt): every kill point and every 3rd fail point (the
// sanitizer build: every 8th and 24th).
#include "testutil.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace bootsmith::test;

namespace {

constexpr std::uintmax_t kLarge = 1u << 20; // disk images: hard-linked, compared by size and inode
const std::string kBackups = "var/lib/bootsmith/backups";
const std::string kLockFile = "run/lock/bootsmith.lock";

fs::path faulty() {
    return BOOTSMITH_FAULTY;
}

// ---------------------------------------------------------------------------------------
// Trees

struct Node {
    char type = '?'; // f d l
    unsigned mode = 0;
    std::string data; // content, link target, or "large SIZE" (disk images)
    ino_t ino = 0;    // not compared: lets a snapshot reuse the content of an unchanged link
    bool operator==(const Node& o) const { return type == o.type && mode == o.mode && data == o.data; }
};
using Tree = std::map<std::string, Node>;

bool is_temp_name(const std::string& rel) {
    // Root::replace's temporary file: ".<name>.bootsmith-XXXXXX" (mkostemp).
    std::string name = fs::path(rel).filename().native();
    auto at = name.rfind(".bootsmith-");
    return name.size() > 1 && name[0] == '.' && at != std::string::npos && at > 1 &&
           name.size() - at == std::string(".bootsmith-XXXXXX").size();
}

bool under(const std::string& rel, const std::string& dir) {
    return rel == dir || rel.starts_with(dir + "/");
}

/// Left out of the old/new comparison: backups (checked on their own), the lock file, the
/// directories bootsmith makes for its own state, and temporary files.
bool ignored(const std::string& rel) {
    static const std::set<std::string> state_dirs = {"run", "run/lock", "var", "var/lib", "var/lib/bootsmith"};
    return under(rel, kBackups) || rel == kLockFile || state_dirs.count(rel) || is_temp_name(rel);
}

/// Every path below `root`. A regular file that is still the same inode as in `base` (a hard
/// link of the tree the trial was cloned from, which nothing may write in place) is not read
/// again: most of a root is such links, so a snapshot costs little more than the lstat calls.
Tree snap(const fs::path& root, const Tree* base = nullptr) {
    Tree t;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        std::string rel = it->path().lexically_relative(root).native();
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) != 0) throw std::runtime_error("lstat " + it->path().native());
        Node n;
        n.mode = st.st_mode & 07777;
        n.ino = st.st_ino;
        if (S_ISDIR(st.st_mode)) {
            n.type = 'd';
        } else if (S_ISLNK(st.st_mode)) {
            n.type = 'l';
            n.data = fs::read_symlink(it->path()).native();
        } else if (S_ISREG(st.st_mode)) {
            n.type = 'f';
            const Node* same = nullptr;
            if (base != nullptr)
                if (auto b = base->find(rel); b != base->end() && b->second.ino == st.st_ino) same = &b->second;
            if (same != nullptr)
                n.data = same->data;
            else if (static_cast<std::uintmax_t>(st.st_size) > kLarge)
                n.data = "large " + std::to_string(st.st_size);
            else
                n.data = read_file(it->path());
        }
        t.emplace(std::move(rel), std::move(n));
    }
    return t;
}

/// A copy of a tree whose regular files are hard links of the originals: bootsmith never
/// writes a file in place (it renames a new one over it), so the originals stay as they
/// were — which the test checks after every command (an in-place write would show there).
void link_tree(const fs::path& from, const fs::path& to) {
    fs::create_directories(to);
    fs::permissions(to, fs::status(from).permissions());
    for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator(); ++it) {
        fs::path dst = to / it->path().lexically_relative(from);
        auto st = it->symlink_status();
        if (fs::is_symlink(st)) {
            fs::copy_symlink(it->path(), dst);
        } else if (fs::is_directory(st)) {
            fs::create_directory(dst);
            fs::permissions(dst, st.permissions());
        } else {
            fs::create_hard_link(it->path(), dst);
        }
    }
}

/// cp -a --sparse=always: the fixture's 64 MiB disk images are mostly holes.
void copy_tree_sparse(const fs::path& from, const fs::path& to) {
    fs::create_directories(to);
    for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator(); ++it) {
        fs::path dst = to / it->path().lexically_relative(from);
        auto st = it->symlink_status();
        if (fs::is_symlink(st)) {
            fs::copy_symlink(it->path(), dst);
        } else if (fs::is_directory(st)) {
            fs::create_directory(dst);
            fs::permissions(dst, st.permissions());
        } else if (fs::file_size(it->path()) <= kLarge) {
            fs::copy_file(it->path(), dst);
        } else {
            std::ifstream in(it->path(), std::ios::binary);
            std::ofstream out(dst, std::ios::binary);
            std::string block(1 << 16, '\0');
            const std::string zero(block.size(), '\0');
            while (in.read(block.data(), static_cast<std::streamsize>(block.size())) || in.gcount() > 0) {
                auto n = static_cast<std::size_t>(in.gcount());
                if (n == block.size() && block == zero)
                    out.seekp(static_cast<std::streamoff>(n), std::ios::cur);
                else
                    out.write(block.data(), static_cast<std::streamsize>(n));
            }
            out.close();
            fs::resize_file(dst, fs::file_size(it->path()));
            fs::permissions(dst, st.permissions());
        }
    }
}

std::string show(const std::optional<Node>& n) {
    if (!n) return "(absent)";
    std::string d = n->data.size() > 60 ? n->data.substr(0, 60) + "…" : n->data;
    for (auto& c : d)
        if (c == '\n') c = '|';
    return std::string(1, n->type) + " " + std::to_string(n->mode) + " " + std::to_string(n->data.size()) + "B [" + d +
           "]";
}

std::optional<Node> at(const Tree& t, const std::string& rel) {
    auto it = t.find(rel);
    if (it == t.end()) return std::nullopt;
    return it->second;
}

/// Differences between two trees, ignored paths left out ("" when equal).
std::string differences(const Tree& a, const Tree& b) {
    std::ostringstream out;
    std::set<std::string> paths;
    for (const auto& [p, n] : a)
        if (!ignored(p)) paths.insert(p);
    for (const auto& [p, n] : b)
        if (!ignored(p)) paths.insert(p);
    for (const auto& p : paths)
        if (at(a, p) != at(b, p)) out << "  " << p << ": " << show(at(a, p)) << " vs " << show(at(b, p)) << "\n";
    return out.str();
}

// ---------------------------------------------------------------------------------------
// Invariants

/// The u16 numbers a BootOrder/BootNext variable file names (after the 4-byte attributes).
std::vector<unsigned> numbers(const std::string& bytes) {
    std::vector<unsigned> out;
    for (std::size_t i = 4; i + 1 < bytes.size(); i += 2)
        out.push_back(static_cast<unsigned char>(bytes[i]) |
                      static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8);
    return out;
}

/// BootOrder/BootNext naming a missing Boot####, one line each.
std::string dangling(const Tree& t) {
    std::string out;
    for (const char* name : {"BootOrder", "BootNext"}) {
        auto v = at(t, kEfivars + name + "-" + kGlobalGuid);
        if (!v) continue;
        for (unsigned n : numbers(v->data)) {
            char buf[16];
            std::snprintf(buf, sizeof buf, "Boot%04X", n);
            if (!at(t, kEfivars + buf + "-" + kGlobalGuid))
                out += std::string("  ") + name + " names missing " + buf + "\n";
        }
    }
    return out;
}

std::string bad_grubenvs(const Tree& t) {
    static const std::string header = "# GRUB Environment Block\n";
    std::string out;
    for (const auto& [p, n] : t) {
        if (ignored(p) || fs::path(p).filename() != "grubenv" || n.type != 'f') continue;
        if (n.data.size() != 1024 || !n.data.starts_with(header))
            out += "  " + p + ": not a 1024-byte environment block (" + std::to_string(n.data.size()) + " bytes)\n";
    }
    return out;
}

/// What a crashed (or failed) run left, judged against OLD and NEW. "" when all holds.
std::string check_state(const Tree& old, const Tree& now, const Tree& cur, bool temps_allowed,
                        const std::string& old_dangling) {
    std::ostringstream out;
    std::set<std::string> paths;
    for (const auto& [p, n] : old)
        if (!ignored(p)) paths.insert(p);
    for (const auto& [p, n] : now)
        if (!ignored(p)) paths.insert(p);
    std::vector<std::string> changed;
    for (const auto& p : paths) {
        auto c = at(cur, p), o = at(old, p), n = at(now, p);
        if (c != o && c != n)
            out << "  " << p << ": neither old nor new: " << show(c) << " (old " << show(o) << ", new " << show(n)
                << ")\n";
        if (c != o) changed.push_back(p);
    }
    for (const auto& [p, n] : cur) {
        if (paths.count(p) || (ignored(p) && !is_temp_name(p))) continue;
        if (is_temp_name(p) && temps_allowed) continue;
        out << "  " << p << ": unexpected " << show(n) << "\n";
    }
    if (std::string d = dangling(cur); !d.empty() && d != old_dangling) out << d;
    out << bad_grubenvs(cur);
    // The backup of the old content exists for everything already changed.
    for (const auto& p : changed) {
        auto o = at(old, p), c = at(cur, p);
        if ((o && o->type != 'f') || (c && c->type == 'd')) continue; // directories: nothing to save
        bool found = false;
        bool var = p.starts_with(kEfivars);
        for (const auto& [b, n] : cur) {
            if (!under(b, kBackups) || n.type != 'f') continue;
            std::string rest = b.substr(kBackups.size() + 1); // "<id>/files/…", "<id>/manifest.json"
            auto slash = rest.find('/');
            if (slash == std::string::npos) continue;
            std::string id = rest.substr(0, slash), in = rest.substr(slash + 1);
            if (!at(cur, kBackups + "/" + id + "/manifest.json")) continue;
            if (o) {
                bool place = var ? in == "efivars/" + fs::path(p).filename().native() : in.starts_with("files/");
                found = place && n.data == o->data;
            } else {
                // A created file or variable: the manifest names it (path, or variable name).
                std::string name = fs::path(p).filename().native();
                if (var) name = "\"" + name.substr(0, name.size() - 37) + "\"";
                found = in == "manifest.json" && n.data.find(name) != std::string::npos;
            }
            if (found) break;
        }
        if (!found) out << "  " << p << ": changed, but no backup of its old content\n";
    }
    return out.str();
}

// ---------------------------------------------------------------------------------------
// Cases

enum class Rerun {
    same,     ///< idempotent: from any crash point the rerun ends at NEW
    creates,  ///< makes something new each run: completes; ends at NEW when nothing had changed
    consumes, ///< refuses a second time: ends at NEW, or (root already at NEW) exits 1/66
};

struct Case {
    std::string root;
    std::vector<std::string> args;
    Rerun rerun = Rerun::same;
    std::vector<std::vector<std::string>> setup; ///< bootsmith commands run on the copy first
    std::map<std::string, std::string> files;    ///< files written into the copy first
};

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& a : v)
        s += (s.empty() ? "" : " ") + a;
    return s;
}

std::vector<Case> cases_for(const std::string& root, const fs::path& outside) {
    std::vector<Case> out;
    auto add = [&](std::vector<std::string> args, Rerun r = Rerun::same,
                   std::vector<std::vector<std::string>> setup = {}, std::map<std::string, std::string> files = {}) {
        out.push_back(Case {root, std::move(args), r, std::move(setup), std::move(files)});
    };
    const bool uefi = root == "debian12-uefi" || root == "fedora-bls-uefi";
    const bool debian = root == "debian12-uefi" || root == "bios-mbr";
    const std::string grubdir = debian ? "/boot/grub" : "/boot/grub2";
    const std::string backup = (outside / "boot-vars.json").native();

    if (uefi) {
        const std::string disk = root == "debian12-uefi" ? "/dev/sda" : "/dev/vda";
        const std::string loader =
            root == "debian12-uefi" ? "\\EFI\\debian\\grubx64.efi" : "\\EFI\\fedora\\grubx64.efi";
        const std::string shim = root == "debian12-uefi" ? "\\EFI\\debian\\shimx64.efi" : "\\EFI\\fedora\\shimx64.efi";
        const std::string other = root == "debian12-uefi" ? "0002" : "0000";     // not BootCurrent
        const std::string label = root == "debian12-uefi" ? "debian" : "Fedora"; // the shim entry's
        const std::vector<std::string> dup = {"boot",     "create", "--allow-duplicate", "--disk", disk, "--part", "1",
                                              "--loader", shim,     "--label",           label};
        add({"boot", "create", "--disk", disk, "--part", "1", "--loader", loader, "--label", "crash test"},
            Rerun::consumes);
        add({"boot", "create", "--disk", disk, "--part", "1", "--loader", loader, "--label", "crash test", "--position",
             "first"},
            Rerun::consumes);
        add({"boot", "delete", other}, Rerun::consumes);
        add({"boot", "enable", other}, Rerun::same, {{"boot", "disable", other}});
        add({"boot", "disable", "0001"});
        add({"boot", "rename", "0001", "Renamed entry"});
        add({"boot", "set-data", "0001", "--text", "crash"});
        add({"boot", "order", "0001," + other});
        add({"boot", "order", "--first", other});
        add({"boot", "next", "0001"});
        add({"boot", "next", "--clear"}, Rerun::same, {{"boot", "next", "0001"}});
        add({"boot", "timeout", "9"});
        add({"boot", "timeout", "--clear"});
        add({"boot", "dedupe"}, Rerun::same, {dup});
        add({"boot", "restore", backup}, Rerun::same,
            {{"boot", "backup", backup},
             {"boot", "delete", other},
             {"boot", "timeout", "7"},
             {"boot", "next", "0001"}});
        add({"efibootmgr", "-o", "0001," + other});
        add({"efibootmgr", "-b", "0001", "-A"});
        add({"efibootmgr", "-b", other, "-B"}, Rerun::consumes);
        add({"efibootmgr", "-n", "0001"});
        add({"efibootmgr", "-N"}, Rerun::consumes, {{"boot", "next", "0001"}});
        add({"efibootmgr", "-t", "3"});
        add({"efibootmgr", "-T"}, Rerun::consumes);
        add({"efibootmgr", "-O"}, Rerun::consumes);
        add({"efibootmgr", "-D"}, Rerun::same, {{"efibootmgr", "-o", "0001," + other + ",0001"}}); // duplicate numbers
        add({"efibootmgr", "-b", "0001", "-a", "-o", "0001", "-t", "4"});
        add({"efibootmgr", "-c", "-d", disk, "-p", "1", "-L", "crash test", "-l", loader}, Rerun::creates);
    }

    // GRUB's files (every root).
    const std::string env = grubdir + "/grubenv";
    add({"grub", "env", "set", "crash=1", "menu_auto_hide=0"});
    add({"grub", "env", "unset", "crash_a"}, Rerun::same, {{"grub", "env", "set", "crash_a=1", "crash_b=2"}});
    add({"grub", "env", "create", "--yes"}, Rerun::same, {{"grub", "env", "set", "crash_a=1"}});
    add({"grub", "config", "set", "GRUB_TIMEOUT", "3"});
    add({"grub", "config", "unset", "GRUB_TIMEOUT"});
    add({"grub", "cmdline", "add", "console=ttyS1,115200"});
    add({"grub", "cmdline", "remove", "--default", "quiet"});
    add({"grub", "cmdline", "add", "--default", "splash"});
    add({"grub", "default", "1", "--force"});
    add({"grub", "next", "1", "--force"});
    add({"grub", "next", "--clear"}, Rerun::same, {{"grub", "next", "1", "--force"}});
    add({"grub-editenv", env, "set", "crash=2"});
    add({"grub-editenv", env, "unset", "crash_a"}, Rerun::same, {{"grub", "env", "set", "crash_a=1"}});
    add({"grub-editenv", env, "create"}, Rerun::same, {{"grub", "env", "set", "crash_a=1"}});

    // Kernels.
    std::string older, newk, newinitrd;
    if (root == "debian12-uefi") {
        older = "6.1.0-10-amd64";
        newk = "/boot/vmlinuz-6.1.0-18-amd64";
        newinitrd = "/boot/initrd.img-6.1.0-18-amd64";
    } else if (root == "bios-mbr") {
        older = "";
        newk = "/boot/vmlinuz-6.1.0-18-amd64";
        newinitrd = "/boot/initrd.img-6.1.0-18-amd64";
    } else if (root == "fedora-bls-uefi") {
        older = "6.11.9-100.fc39.x86_64";
        newk = "/boot/vmlinuz-6.12.4-200.fc39.x86_64";
        newinitrd = "/boot/initramfs-6.12.4-200.fc39.x86_64.img";
    } else {
        older = "3.10.0-1160.el7.x86_64";
        newk = "/boot/vmlinuz-3.10.0-1160.120.1.el7.x86_64";
        newinitrd = "/boot/initramfs-3.10.0-1160.120.1.el7.x86_64.img";
    }
    std::map<std::string, std::string> kfiles = {{newk.substr(1), "kernel"}, {newinitrd.substr(1), "initrd"}};
    if (!older.empty()) {
        add({"--yes", "kernel", "default", older});
        add({"kernel", "next", older});
        add({"kernel", "remove", older}, Rerun::consumes);
    }
    add({"kernel", "next", "--clear"}, Rerun::same, {{"kernel", "next", "0"}});
    add({"kernel", "args", "--kernel", "ALL", "--add", "console=ttyS1 crash=1", "--remove", "quiet"});
    add({"kernel", "args", "--kernel", "DEFAULT", "--add", "crash=2"});
    // On BLS an identical entry is left alone (a rerun finishes an interrupted add); on
    // grub.cfg systems every add inserts another menuentry (with an id of its own).
    const Rerun add_rerun = root == "fedora-bls-uefi" ? Rerun::same : Rerun::creates;
    add({"kernel", "add", "--kernel", newk, "--copy-default"}, add_rerun, {}, kfiles);
    add({"--yes", "kernel", "add", "--kernel", newk, "--copy-default", "--make-default"}, add_rerun, {}, kfiles);

    // grubby (Fedora's on BLS, C grubby's on grub.cfg).
    if (root == "fedora-bls-uefi" || root == "centos7-bios") {
        add({"grubby", "--update-kernel=ALL", "--args=crash=1", "--remove-args=quiet"});
        add({"grubby", "--set-default=/boot/vmlinuz-" + older});
        add({"grubby", "--remove-kernel=/boot/vmlinuz-" + older}, Rerun::consumes);
        add({"grubby", "--add-kernel=" + newk, "--initrd=" + newinitrd, "--title=crash test", "--copy-default"},
            Rerun::creates, {}, kfiles);
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// Running

struct Tally {
    int tried = 0, passed = 0;
};

int stride(const char* name, int fallback) {
    const char* s = std::getenv(name);
    int n = s != nullptr ? std::atoi(s) : fallback;
    return n > 0 ? n : 1;
}

/// `bootsmith --root ROOT ARGS…` (or bootsmith-faulty with BOOTSMITH_FAULT=fault), output
/// into files of `io`; waits for it (ctest's timeout guards against a hang).
RunResult bootsmith(const fs::path& io, const fs::path& root, std::vector<std::string> args,
                    const std::string& fault = {}) {
    args.insert(args.begin(), {"--root", root.native()});
    const fs::path out = io / "out", err = io / "err";
    pid_t pid = spawn(fault.empty() ? binary().native() : faulty().native(), args, {"BOOTSMITH_FAULT=" + fault},
                      [&](posix_spawn_file_actions_t* fa) {
                          posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
                          posix_spawn_file_actions_addopen(fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
                          posix_spawn_file_actions_addopen(fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
                      });
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    RunResult r;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
}

/// Operations of an uncrashed run, from BOOTSMITH_FAULT=trace ("op K STEP PATH" lines).
std::vector<std::string> traced_ops(const std::string& err) {
    std::vector<std::string> ops;
    std::istringstream in(err);
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with("bootsmith-faulty: op ")) ops.push_back(line.substr(21));
    return ops;
}

std::vector<std::string> error_lines(const std::string& err) {
    std::vector<std::string> out;
    std::istringstream in(err);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty() && !line.starts_with("bootsmith: warning:") && !line.starts_with("bootsmith-faulty:"))
            out.push_back(line);
    return out;
}

class CrashConsistency : public ::testing::TestWithParam<std::string> {};

TEST_P(CrashConsistency, EveryCommandEveryStep) {
    const std::string root = GetParam();
    const auto started = std::chrono::steady_clock::now();
    const int step = stride("CRASH_STRIDE", CRASH_STRIDE_DEFAULT),
              fail_step = stride("FAIL_STRIDE", FAIL_STRIDE_DEFAULT);
    // The trees live on tmpfs when there is one: a SIGKILL leaves the page cache as it is, so
    // the disk adds nothing to what is tested, only fsync time.
    if (::access("/dev/shm", W_OK) == 0) ::setenv("TMPDIR", "/dev/shm", 1);
    TempDir work;
    const fs::path pristine = work / "pristine";
    copy_tree_sparse(fixtures() / root, pristine);
    const Tree pristine_tree = snap(pristine);

    Tally crash, fail;
    int commands = 0;
    for (const Case& c : cases_for(root, work.path())) {
        SCOPED_TRACE(root + ": bootsmith " + joined(c.args));
        // OLD: the fixture plus the case's own set-up.
        const fs::path old_dir = work / "old";
        fs::remove_all(old_dir);
        link_tree(pristine, old_dir);
        for (const auto& [rel, content] : c.files)
            write_file(old_dir / rel, content);
        for (const auto& s : c.setup) {
            auto r = bootsmith(work.path(), old_dir, s);
            ASSERT_EQ(r.status, 0) << "set-up " << joined(s) << ": " << r.err;
        }
        fs::remove_all(old_dir / "var/lib/bootsmith");
        fs::remove_all(old_dir / "run");
        const Tree old = snap(old_dir);
        const std::string old_dangling = dangling(old);

        // NEW, and the operations that lead there.
        const fs::path trial = work / "trial";
        fs::remove_all(trial);
        link_tree(old_dir, trial);
        auto first = bootsmith(work.path(), trial, c.args, "trace");
        ASSERT_EQ(first.status, 0) << first.err;
        const auto ops = traced_ops(first.err);
        const Tree now = snap(trial, &old);
        ASSERT_FALSE(ops.empty()) << "the command changed nothing";
        ASSERT_NE(differences(old, now), "") << "the command changed nothing";
        ASSERT_EQ(check_state(old, now, now, false, old_dangling), "");
        ++commands;

        for (std::size_t k = 1; k <= ops.size(); ++k) {
            for (bool kill : {true, false}) {
                if ((k - 1) % static_cast<std::size_t>(kill ? step : fail_step) != 0) continue;
                Tally& t = kill ? crash : fail;
                ++t.tried;
                std::string where = std::string(kill ? "kill:" : "fail:") + std::to_string(k) + " (" + ops[k - 1] + ")";
                const bool passthrough =
                    c.args[0] == "efibootmgr" || c.args[0] == "grubby" || c.args[0] == "grub-editenv";
                fs::remove_all(trial);
                link_tree(old_dir, trial);
                auto r = bootsmith(work.path(), trial, c.args, (kill ? "kill:" : "fail:") + std::to_string(k));
                std::string problems;
                if (kill && r.status != 128 + SIGKILL)
                    problems +=
                        "  not killed at the operation (exit " + std::to_string(r.status) + "): " + r.err + "\n";
                if (!kill) {
                    auto lines = error_lines(r.err);
                    bool names_file = std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
                        return l.find(trial.native() + "/") != std::string::npos;
                    });
                    // bootsmith's own commands: one line. The passthroughs keep their tool's layout.
                    if (r.status == 0 || !names_file || (!passthrough && lines.size() != 1))
                        problems += "  fail: exit " + std::to_string(r.status) + ", stderr: " + r.err + "\n";
                }
                const Tree cur = snap(trial, &old);
                problems += check_state(old, now, cur, kill, old_dangling);
                bool untouched = differences(old, cur).empty();
                bool done = differences(now, cur).empty();

                auto again = bootsmith(work.path(), trial, c.args);
                const Tree after = snap(trial, &old);
                std::string left = differences(now, after);
                // bootsmith refuses with one error line (exit 1, 2 for a selector that matches
                // nothing, 66); the passthroughs as their tools do (efibootmgr -N on no
                // BootNext: exit 10; -O on no BootOrder: 1).
                bool refused = passthrough ? again.status != 0
                                           : (again.status == 1 || again.status == 2 || again.status == 66) &&
                                                 error_lines(again.err).size() == 1;
                if (again.status == 0) {
                    if ((c.rerun != Rerun::creates || untouched) && !left.empty())
                        problems += "  the rerun did not end at the new state:\n" + left;
                } else if (!(c.rerun == Rerun::consumes && done && refused)) {
                    problems += "  the rerun failed (exit " + std::to_string(again.status) + "): " + again.err + "\n";
                }
                if (again.status != 0 && !left.empty()) problems += "  the refused rerun changed things:\n" + left;
                problems += dangling(after) != old_dangling ? dangling(after) : "";
                problems += bad_grubenvs(after);

                if (problems.empty())
                    ++t.passed;
                else
                    ADD_FAILURE() << where << ":\n" << problems;
            }
        }
        // Nothing was written in place: the hard-linked originals are intact.
        ASSERT_EQ(differences(old, snap(old_dir)), "") << "a file was written in place";
    }
    EXPECT_EQ(differences(pristine_tree, snap(pristine)), "") << "a file was written in place";
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << root << ": " << commands << " commands"
              << " (kill: 1 operation in " << step << "; fail: 1 operation in " << fail_step << ")\n"
              << root << ": crash points: tried " << crash.tried << ", passed " << crash.passed << "\n"
              << root << ": fail points: tried " << fail.tried << ", passed " << fail.passed << "\n"
              << root << ": " << secs << " s\n";
    EXPECT_EQ(crash.passed, crash.tried);
    EXPECT_EQ(fail.passed, fail.tried);
}

INSTANTIATE_TEST_SUITE_P(Roots, CrashConsistency,
                         ::testing::Values("debian12-uefi", "fedora-bls-uefi", "bios-mbr", "centos7-bios"),
                         [](const auto& param_info) {
                             std::string n = param_info.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

} // namespace
