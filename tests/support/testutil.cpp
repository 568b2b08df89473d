#include "testutil.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace bootsmith::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr && *base ? base : "/tmp") + "/bootsmith-test-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    // Tests may leave read-only directories behind; make them writable first.
    for (auto it = fs::recursive_directory_iterator(path_, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0755);
    ::chmod(path_.c_str(), 0755);
    fs::remove_all(path_, ec);
}

void write_file(const fs::path& p, const std::string& content, mode_t mode) {
    fs::create_directories(p.parent_path());
    {
        std::ofstream f(p, std::ios::binary | std::ios::trunc);
        if (!f) throw std::runtime_error("cannot write " + p.string());
        f << content;
    }
    ::chmod(p.c_str(), mode);
}

std::string read_file(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f) throw std::runtime_error("cannot read " + p.string());
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

bool exists(const fs::path& p) {
    struct stat st {};
    return ::lstat(p.c_str(), &st) == 0;
}

std::map<std::string, std::string> snapshot(const fs::path& dir) {
    std::map<std::string, std::string> out;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
        struct stat st {};
        ::lstat(it->path().c_str(), &st);
        std::ostringstream d;
        d << std::oct << (st.st_mode & 07777) << std::dec << " " << st.st_uid << ":" << st.st_gid << " ";
        if (S_ISLNK(st.st_mode))
            d << "link " << fs::read_symlink(it->path()).string();
        else if (S_ISDIR(st.st_mode))
            d << "dir";
        else if (S_ISREG(st.st_mode))
            d << "file " << read_file(it->path());
        else
            d << "other";
        out[fs::relative(it->path(), dir).string()] = d.str();
    }
    return out;
}

std::string tree_diff(const std::map<std::string, std::string>& before,
                      const std::map<std::string, std::string>& after) {
    auto ignored = [](const std::string& k) { return k == "run" || k == "run/lock" || k == "run/lock/bootsmith.lock"; };
    std::string out;
    for (const auto& [k, v] : before) {
        if (ignored(k)) continue;
        auto it = after.find(k);
        if (it == after.end())
            out += "removed: " + k + "\n";
        else if (it->second != v)
            out += "changed: " + k + "\n";
    }
    for (const auto& [k, v] : after)
        if (!ignored(k) && !before.count(k)) out += "added: " + k + "\n";
    return out;
}

void copy_tree(const fs::path& from, const fs::path& to) {
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
}

fs::path binary() {
    return BOOTSMITH_BINARY;
}
fs::path fixtures() {
    return FIXTURES_DIR;
}

Exit code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    return Exit::ok;
}

std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
    std::vector<std::string> out;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string entry(*e);
        std::string name = entry.substr(0, entry.find('='));
        bool overridden = false;
        for (const auto& x : extra)
            overridden |= x.substr(0, x.find('=')) == name;
        if (!overridden) out.push_back(entry);
    }
    for (const auto& x : extra)
        if (x.back() != '=') out.push_back(x);
    return out;
}

pid_t spawn(const std::string& program, const std::vector<std::string>& args, const std::vector<std::string>& env,
            const std::function<void(posix_spawn_file_actions_t*)>& redirect) {
    std::vector<std::string> argv_s {program};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s = environment_with(env);
    std::vector<char*> envp;
    for (auto& e : env_s)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    redirect(&fa);
    pid_t pid = -1;
    int rc = program.find('/') == std::string::npos
                 ? posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), envp.data())
                 : posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
    return pid;
}

RunResult run(const std::vector<std::string>& args, const std::vector<std::string>& env, const std::string& program) {
    TempDir io;
    const fs::path out_path = io / "out", err_path = io / "err";
    pid_t pid = spawn(program.empty() ? binary().string() : program, args, env, [&](posix_spawn_file_actions_t* fa) {
        posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addopen(fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    });

    RunResult r;
    int st = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
        pid_t w = ::waitpid(pid, &st, WNOHANG);
        if (w == pid) break;
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &st, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = read_file(out_path);
    r.err = read_file(err_path);
    return r;
}

int as_unprivileged(const std::function<int()>& f) {
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int rc = 100;
        if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0))
            ::_exit(101);
        try {
            rc = f();
        } catch (...) {
            rc = 102;
        }
        ::_exit(rc);
    }
    int st = 0;
    ::waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

std::size_t line_count(const std::string& s) {
    std::size_t n = 0;
    for (char c : s)
        n += c == '\n';
    if (!s.empty() && s.back() != '\n') ++n;
    return n;
}

} // namespace bootsmith::test
