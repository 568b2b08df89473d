#include "bootsmith/sys/plan.hpp"

#include "bootsmith/error.hpp"
#include "bootsmith/json.hpp"
#include "bootsmith/sys/diff.hpp"
#include "bootsmith/sys/system.hpp"
#include "bootsmith/text.hpp"

#include <unistd.h>

#include <ctime>
#include <sstream>

namespace bootsmith::sys {

namespace {

constexpr const char* kBackups = kBackupsDir;

std::string var_bytes(const Variable& v) {
    return v.efivarfs_bytes();
}

std::string action_of(const FileChange& c) {
    if (!c.after) return "remove";
    return c.before ? "modify" : "create";
}

std::string action_of(const VarChange& c) {
    if (!c.after) return "delete";
    return c.before ? "set" : "create";
}

/// Hex dump in groups of two bytes, 16 bytes a line, indented.
std::string hexdump(const std::vector<std::uint8_t>& d, const std::string& indent, std::size_t limit = 512) {
    std::string out;
    std::size_t n = d.size() < limit ? d.size() : limit;
    for (std::size_t i = 0; i < n; i += 16) {
        out += indent;
        for (std::size_t k = i; k < i + 16 && k < n; ++k) {
            if (k > i && (k - i) % 2 == 0) out += ' ';
            out += hex(std::string_view(reinterpret_cast<const char*>(&d[k]), 1));
        }
        out += '\n';
    }
    if (n < d.size()) out += indent + "… " + std::to_string(d.size() - n) + " more bytes (--json shows all)\n";
    return out;
}

std::string binary_summary(const FileChange& c) {
    std::ostringstream s;
    s << "binary file, ";
    s << (c.before ? std::to_string(c.before->size()) + " bytes" : std::string("absent"));
    s << " -> ";
    s << (c.after ? std::to_string(c.after->size()) + " bytes" : std::string("absent"));
    if (c.before && c.after) {
        const std::string& a = *c.before;
        const std::string& b = *c.after;
        std::size_t common = a.size() < b.size() ? a.size() : b.size();
        std::size_t diff = 0, first = std::string::npos, last = 0;
        for (std::size_t i = 0; i < common; ++i)
            if (a[i] != b[i]) {
                ++diff;
                if (first == std::string::npos) first = i;
                last = i;
            }
        if (first != std::string::npos) {
            char buf[80];
            std::snprintf(buf, sizeof buf, ", %zu bytes differ in 0x%zx-0x%zx", diff, first, last);
            s << buf;
        }
    }
    return s.str();
}

struct Palette {
    bool on;
    std::string red() const { return on ? "\033[31m" : ""; }
    std::string green() const { return on ? "\033[32m" : ""; }
    std::string cyan() const { return on ? "\033[36m" : ""; }
    std::string bold() const { return on ? "\033[1m" : ""; }
    std::string reset() const { return on ? "\033[0m" : ""; }
};

std::string colour_diff(const std::string& diff, const Palette& p) {
    if (!p.on) return diff;
    std::string out;
    std::istringstream in(diff);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("---", 0) == 0 || line.rfind("+++", 0) == 0)
            out += p.bold() + line + p.reset();
        else if (line.rfind("@@", 0) == 0)
            out += p.cyan() + line + p.reset();
        else if (!line.empty() && line[0] == '-')
            out += p.red() + line + p.reset();
        else if (!line.empty() && line[0] == '+')
            out += p.green() + line + p.reset();
        else
            out += line;
        out += '\n';
    }
    return out;
}

nlohmann::ordered_json file_side(const std::optional<std::string>& content, bool text, bool with_content) {
    if (!content) return nullptr;
    nlohmann::ordered_json j;
    j["size"] = content->size();
    if (with_content) {
        if (text && is_utf8(*content))
            j["content"] = *content;
        else
            j["content_hex"] = hex(*content);
    }
    return j;
}

nlohmann::ordered_json var_side(const std::optional<Variable>& v, const std::string& summary) {
    if (!v) return nullptr;
    nlohmann::ordered_json j;
    j["attributes"] = v->attributes;
    j["size"] = v->data.size();
    j["data_hex"] = hex(v->data);
    if (!summary.empty()) j["summary"] = summary;
    return j;
}

/// "20261125T141611Z" (compact, for directory names) or ISO 8601 "2026-11-25T14:16:11Z".
std::string utc_stamp(std::time_t t, bool compact) {
    std::tm tm {};
    gmtime_r(&t, &tm);
    char buf[64];
    if (compact)
        std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    else
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

bool same(const std::optional<Variable>& a, const std::optional<Variable>& b) {
    if (a.has_value() != b.has_value()) return false;
    return !a || (a->attributes == b->attributes && a->data == b->data);
}

} // namespace

// ---------------------------------------------------------------------------------------
// Building

void Plan::write_file(std::string path, std::optional<std::string> before, std::string after, std::string reason,
                      bool text, mode_t new_mode, std::optional<FileAttrs> attrs) {
    if (before && *before == after) return;
    changes.emplace_back(
        FileChange {normalise(path), std::move(before), std::move(after), new_mode, text, std::move(reason), attrs});
}

void Plan::remove_file(std::string path, std::optional<std::string> before, std::string reason, bool text) {
    if (!before) return;
    changes.emplace_back(
        FileChange {normalise(path), std::move(before), std::nullopt, 0644, text, std::move(reason), std::nullopt});
}

void Plan::set_var(std::optional<Variable> before, Variable after, std::string before_summary,
                   std::string after_summary, std::string reason) {
    if (before && before->attributes == after.attributes && before->data == after.data) return;
    VarId id = after.id;
    changes.emplace_back(VarChange {std::move(id), std::move(before), std::move(after), std::move(before_summary),
                                    std::move(after_summary), std::move(reason)});
}

void Plan::delete_var(Variable before, std::string before_summary, std::string reason) {
    VarId id = before.id;
    changes.emplace_back(
        VarChange {std::move(id), std::move(before), std::nullopt, std::move(before_summary), {}, std::move(reason)});
}

// ---------------------------------------------------------------------------------------
// Rendering

std::string render_text(const Plan& plan, const System& sys, const RenderOptions& opts) {
    Palette p {opts.color};
    std::ostringstream out;
    out << p.bold() << "Plan: " << plan.title << p.reset() << " (" << plan.changes.size()
        << (plan.changes.size() == 1 ? " change" : " changes") << ")\n";
    std::size_t i = 0;
    for (const auto& change : plan.changes) {
        ++i;
        out << "[" << i << "/" << plan.changes.size() << "] ";
        if (const auto* f = std::get_if<FileChange>(&change)) {
            out << action_of(*f) << " " << sys.root().display(f->path);
            if (f->after) {
                auto info = f->before && !f->attrs ? sys.root().stat(f->path) : std::nullopt;
                out << " (" << f->after->size() << " bytes, mode "
                    << mode_string(f->attrs ? f->attrs->mode
                                   : info   ? info->mode
                                            : f->new_mode);
                if (f->attrs) out << ", owner " << f->attrs->uid << ":" << f->attrs->gid;
                out << ")";
            }
            if (!f->reason.empty()) out << " — " << f->reason;
            out << "\n";
            if (f->text && (!f->before || is_utf8(*f->before)) && (!f->after || is_utf8(*f->after))) {
                const std::string* a = f->before ? &*f->before : nullptr;
                const std::string* b = f->after ? &*f->after : nullptr;
                out << colour_diff(unified_diff(f->path, a, b), p);
            } else {
                out << "      " << binary_summary(*f) << "\n";
            }
        } else {
            const auto& v = std::get<VarChange>(change);
            out << action_of(v) << " EFI variable " << v.id.name << " (" << v.id.guid.str() << ")";
            if (!v.reason.empty()) out << " — " << v.reason;
            out << "\n";
            auto side = [&](const char* label, const std::optional<Variable>& var, const std::string& summary,
                            const std::string& colour) {
                out << "      " << colour << label;
                if (!var) {
                    out << "(absent)" << p.reset() << "\n";
                    return;
                }
                out << "attributes " << hex_u32(var->attributes) << ", " << var->data.size() << " bytes";
                if (!summary.empty()) out << ": " << summary;
                out << p.reset() << "\n" << hexdump(var->data, "        ");
            };
            side("before: ", v.before, v.before_summary, p.red());
            side("after:  ", v.after, v.after_summary, p.green());
        }
    }
    for (const auto& n : plan.notes)
        out << "note: " << n << "\n";
    return out.str();
}

nlohmann::ordered_json render_json(const Plan& plan, const System& sys) {
    nlohmann::ordered_json j;
    j["schema"] = "bootsmith.plan/1";
    j["title"] = plan.title;
    j["root"] = sys.root().given().native();
    auto& arr = j["changes"] = nlohmann::ordered_json::array();
    for (const auto& change : plan.changes) {
        nlohmann::ordered_json c;
        if (const auto* f = std::get_if<FileChange>(&change)) {
            c["kind"] = "file";
            c["action"] = action_of(*f);
            c["path"] = f->path;
            c["reason"] = f->reason;
            c["text"] = f->text;
            c["before"] = file_side(f->before, f->text, false);
            c["after"] = file_side(f->after, f->text, true);
            if (f->after && f->attrs) {
                c["after"]["mode"] = mode_string(f->attrs->mode);
                c["after"]["uid"] = f->attrs->uid;
                c["after"]["gid"] = f->attrs->gid;
            }
            if (f->text && (!f->before || is_utf8(*f->before)) && (!f->after || is_utf8(*f->after)))
                c["diff"] = unified_diff(f->path, f->before ? &*f->before : nullptr, f->after ? &*f->after : nullptr);
            else
                c["summary"] = binary_summary(*f);
        } else {
            const auto& v = std::get<VarChange>(change);
            c["kind"] = "efivar";
            c["action"] = action_of(v);
            c["name"] = v.id.name;
            c["guid"] = v.id.guid.str();
            c["reason"] = v.reason;
            c["before"] = var_side(v.before, v.before_summary);
            c["after"] = var_side(v.after, v.after_summary);
        }
        arr.push_back(std::move(c));
    }
    j["notes"] = plan.notes;
    return j;
}

// ---------------------------------------------------------------------------------------
// Applying

ApplyResult apply(System& sys, const Plan& plan, const std::vector<std::string>& argv) {
    const Root& root = sys.root();
    if (sys.is_live() && ::geteuid() != 0)
        throw Error(Exit::no_perm, "changing the live system (--root /) needs root",
                    "run as root, or preview with --dry-run");

    // 1. Nothing may have changed since the plan was computed.
    for (const auto& change : plan.changes) {
        if (const auto* f = std::get_if<FileChange>(&change)) {
            if (root.read(f->path) != f->before)
                throw Error(Exit::temp_fail,
                            root.display(f->path) + ": changed since the plan was made; nothing written",
                            "run the command again");
        } else {
            const auto& v = std::get<VarChange>(change);
            if (!same(sys.vars().get(v.id), v.before))
                throw Error(Exit::temp_fail,
                            "EFI variable " + v.id.name + ": changed since the plan was made; nothing written",
                            "run the command again");
        }
    }

    // 2. Back up the old content of everything the plan touches.
    ApplyResult result;
    std::time_t now = std::time(nullptr);
    std::string base = utc_stamp(now, true);
    for (int n = 1;; ++n) {
        result.backup_id = n == 1 ? base : base + "-" + std::to_string(n);
        result.backup_dir = std::string(kBackups) + "/" + result.backup_id;
        if (root.create_dir(result.backup_dir, 0700)) break;
        if (n > 1000) throw Error(Exit::io, root.display(result.backup_dir) + ": cannot create a backup directory");
    }

    nlohmann::ordered_json manifest;
    manifest["schema"] = "bootsmith.backup/1";
    manifest["id"] = result.backup_id;
    manifest["created"] = utc_stamp(now, false);
    manifest["command"] = argv;
    manifest["title"] = plan.title;
    manifest["undoes"] = plan.undoes.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(plan.undoes);
    manifest["state"] = "pending";
    auto& items = manifest["changes"] = nlohmann::ordered_json::array();
    for (const auto& change : plan.changes) {
        nlohmann::ordered_json item;
        if (const auto* f = std::get_if<FileChange>(&change)) {
            item["kind"] = "file";
            item["action"] = action_of(*f);
            item["path"] = f->path;
            item["existed"] = f->before.has_value();
            if (f->before) {
                auto info = root.stat(f->path);
                std::string saved = "files" + f->path;
                root.replace(result.backup_dir + "/" + saved, *f->before, WriteOptions {0600});
                item["backup"] = saved;
                if (info) {
                    item["mode"] = mode_string(info->mode);
                    item["uid"] = info->uid;
                    item["gid"] = info->gid;
                }
            }
            if (f->after) {
                std::string written = "written/files" + f->path;
                root.replace(result.backup_dir + "/" + written, *f->after, WriteOptions {0600});
                item["written"] = written;
            }
        } else {
            const auto& v = std::get<VarChange>(change);
            item["kind"] = "efivar";
            item["action"] = action_of(v);
            item["name"] = v.id.name;
            item["guid"] = v.id.guid.str();
            item["existed"] = v.before.has_value();
            if (v.before) {
                std::string saved = "efivars/" + v.id.file_name();
                root.replace(result.backup_dir + "/" + saved, var_bytes(*v.before), WriteOptions {0600});
                item["backup"] = saved;
            }
            if (v.after) {
                std::string written = "written/efivars/" + v.id.file_name();
                root.replace(result.backup_dir + "/" + written, var_bytes(*v.after), WriteOptions {0600});
                item["written"] = written;
            }
        }
        items.push_back(std::move(item));
    }
    const std::string manifest_path = result.backup_dir + "/manifest.json";
    root.replace(manifest_path, to_text(manifest) + "\n", WriteOptions {0600});

    // 3. Apply, in the producer's order, each change atomically; read each one back.
    for (const auto& change : plan.changes) {
        if (const auto* f = std::get_if<FileChange>(&change)) {
            if (f->after) {
                WriteOptions w {f->new_mode};
                if (f->attrs) {
                    w.mode = f->attrs->mode;
                    w.uid = f->attrs->uid;
                    w.gid = f->attrs->gid;
                }
                root.replace(f->path, *f->after, w);
            } else {
                root.remove(f->path);
            }
            if (root.read(f->path) != f->after)
                throw Error(Exit::io, root.display(f->path) + ": reads back differently from what was written");
        } else {
            const auto& v = std::get<VarChange>(change);
            if (v.after)
                sys.vars().set(*v.after);
            else
                sys.vars().remove(v.id);
            if (!same(sys.vars().get(v.id), v.after))
                throw Error(Exit::io,
                            "EFI variable " + v.id.name +
                                ": reads back differently from what was written (the firmware refused or altered it)");
        }
        ++result.applied;
    }

    manifest["state"] = "applied";
    root.replace(manifest_path, to_text(manifest) + "\n", WriteOptions {0600});
    return result;
}

} // namespace bootsmith::sys
