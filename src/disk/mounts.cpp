#include "bootsmith/disk/mounts.hpp"

#include "bootsmith/error.hpp"

#include <sstream>

namespace bootsmith::disk {

namespace {

/// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
            s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
            out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

} // namespace

std::vector<Mount> parse_mountinfo(std::string_view text) {
    std::vector<Mount> out;
    std::istringstream in {std::string(text)};
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::vector<std::string> fields;
        std::string w;
        while (f >> w)
            fields.push_back(w);
        // id parent maj:min root mount-point options [optional…] - fstype source super-options
        std::size_t dash = 0;
        for (std::size_t i = 6; i < fields.size(); ++i)
            if (fields[i] == "-") {
                dash = i;
                break;
            }
        if (dash == 0 || dash + 1 >= fields.size()) continue;
        Mount m;
        m.major_minor = fields[2];
        m.mount_point = unescape(fields[4]);
        m.fs_type = fields[dash + 1];
        m.source = dash + 2 < fields.size() ? unescape(fields[dash + 2]) : "";
        out.push_back(std::move(m));
    }
    return out;
}

std::vector<Mount> read_mounts(const sys::Root& root) {
    try {
        auto text = root.read("/proc/self/mountinfo");
        return text ? parse_mountinfo(*text) : std::vector<Mount> {};
    } catch (const Error&) {
        return {};
    }
}

std::string find_case_insensitive(const sys::Root& root, const std::string& dir, std::string_view path) {
    std::string here = sys::normalise(dir);
    std::size_t i = 0;
    while (i < path.size()) {
        std::size_t j = path.find_first_of("/\\", i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view part = path.substr(i, j - i);
        i = j + 1;
        if (part.empty()) continue;
        std::string found;
        for (const auto& e : root.list(here))
            if (iequal(e.name, part)) {
                found = e.name;
                break;
            }
        if (found.empty()) return {};
        here = (here == "/" ? "" : here) + "/" + found;
    }
    return root.exists(here) ? here : std::string();
}

} // namespace bootsmith::disk
