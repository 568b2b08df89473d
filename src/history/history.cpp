#include "bootsmith/history/history.hpp"

#include "bootsmith/efi/boot_manager.hpp"
#include "bootsmith/error.hpp"
#include "bootsmith/text.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <tuple>

namespace bootsmith::history {

namespace {

/// Sort key of a backup id: "20261125T141611Z-3" → ("20261125T141611Z", 3).
std::tuple<std::string, long, std::string> id_key(const std::string& id) {
    auto dash = id.find('-');
    if (dash == std::string::npos) return {id, 1, id};
    std::string rest = id.substr(dash + 1);
    bool digits = !rest.empty() && rest.size() < 9 &&
                  std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; });
    return {id.substr(0, dash), digits ? std::stol(rest) : 0, id};
}

/// A path the manifest names inside its backup directory: relative, under files/, efivars/
/// or written/, no "..".
bool safe_relative(const std::string& rel) {
    if (!(rel.starts_with("files/") || rel.starts_with("efivars/") || rel.starts_with("written/"))) return false;
    std::istringstream in(rel);
    std::string part;
    while (std::getline(in, part, '/'))
        if (part == ".." || part == ".") return false;
    return true;
}

/// An owner or group id: a whole number below 2^32 - 1 ((uid_t) -1 means "none" to chown).
std::optional<std::uint32_t> id_of(const Json& j, const char* key) {
    if (!j.contains(key) || !j[key].is_number_unsigned()) return std::nullopt;
    const auto v = j[key].get<std::uint64_t>();
    if (v >= 0xFFFFFFFFu) return std::nullopt;
    return static_cast<std::uint32_t>(v);
}

std::optional<std::string> text_of(const Json& j, const char* key) {
    if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return std::nullopt;
    return j[key].get<std::string>();
}

std::optional<mode_t> parse_mode(const std::string& s) {
    if (s.empty() || s.size() > 5) return std::nullopt;
    unsigned m = 0;
    for (char c : s) {
        if (c < '0' || c > '7') return std::nullopt;
        m = m * 8 + static_cast<unsigned>(c - '0');
    }
    return static_cast<mode_t>(m & 07777);
}

void error(Entry& e, const std::string& code, const std::string& message) {
    e.findings.push_back({"error", code, message});
}

/// Fills `e` from its manifest; a malformed one leaves a finding (and state "corrupt" when
/// nothing usable is left).
void read_manifest(const sys::Root& root, Entry& e) {
    const std::string path = e.dir + "/manifest.json";
    std::optional<std::string> text;
    try {
        if (!root.lstat(path)) {
            e.state = "corrupt";
            error(e, "backup.no-manifest", "manifest.json is missing (the plan never started: nothing was changed)");
            return;
        }
        text = root.read(path, 16u << 20);
    } catch (const Error& err) {
        e.state = "corrupt";
        error(e, "backup.bad-manifest", std::string("manifest.json: ") + err.what());
        return;
    }
    Json m = Json::parse(text.value_or(""), nullptr, false);
    auto bad = [&](const std::string& why) {
        e.state = "corrupt";
        e.items.clear();
        error(e, "backup.bad-manifest", "manifest.json: " + why);
    };
    if (m.is_discarded() || !m.is_object()) return bad("not valid JSON");
    if (text_of(m, "schema") != std::optional<std::string>("bootsmith.backup/1"))
        return bad("not a bootsmith backup manifest (schema bootsmith.backup/1)");
    e.created = text_of(m, "created").value_or("");
    e.title = text_of(m, "title").value_or("");
    e.undoes = text_of(m, "undoes").value_or("");
    if (m.contains("command") && m["command"].is_array())
        for (const auto& a : m["command"])
            if (a.is_string()) e.command.push_back(a.get<std::string>());
    auto state = text_of(m, "state").value_or("");
    if (state != "applied" && state != "pending") return bad("unknown state '" + printable(state) + "'");
    e.state = state;
    if (!m.contains("changes") || !m["changes"].is_array()) return bad("no \"changes\" list");
    for (const auto& c : m["changes"]) {
        Item it;
        auto kind = text_of(c, "kind");
        auto action = text_of(c, "action");
        if (!kind || !action || !c.contains("existed") || !c["existed"].is_boolean())
            return bad("a change lacks kind, action or existed");
        it.kind = *kind;
        it.action = *action;
        it.existed = c["existed"].get<bool>();
        if (it.kind == "file") {
            auto p = text_of(c, "path");
            if (!p || !p->starts_with("/") || *p != sys::normalise(*p))
                return bad("a file change without an absolute path");
            if (it.action != "create" && it.action != "modify" && it.action != "remove")
                return bad(*p + ": unknown action '" + printable(it.action) + "'");
            it.path = *p;
            if (auto mode = text_of(c, "mode")) it.mode = parse_mode(*mode);
            it.uid = id_of(c, "uid");
            it.gid = id_of(c, "gid");
        } else if (it.kind == "efivar") {
            auto name = text_of(c, "name");
            auto guid = sys::Guid::parse(text_of(c, "guid").value_or(""));
            if (!name || name->empty() || name->find('/') != std::string::npos || !guid)
                return bad("a variable change without a name or GUID");
            if (it.action != "create" && it.action != "set" && it.action != "delete")
                return bad(*name + ": unknown action '" + printable(it.action) + "'");
            it.var = sys::VarId {*name, *guid};
        } else {
            return bad("unknown kind of change '" + printable(it.kind) + "'");
        }
        for (auto [key, field] : {std::pair {"backup", &it.backup}, std::pair {"written", &it.written}}) {
            if (!c.contains(key) || c[key].is_null()) continue;
            auto rel = text_of(c, key);
            if (!rel || !safe_relative(*rel)) return bad(it.label() + ": bad \"" + key + "\" path");
            *field = *rel;
        }
        if (it.existed && it.backup.empty()) return bad(it.label() + ": existed, but its old content is not saved");
        e.items.push_back(std::move(it));
    }
    // Every saved file must be there.
    bool unchecked = false;
    for (const auto& it : e.items) {
        for (const auto* rel : {&it.backup, &it.written}) {
            if (rel->empty()) continue;
            std::optional<sys::FileInfo> info;
            try {
                info = root.lstat(e.dir + "/" + *rel);
            } catch (const Error&) {}
            if (!info || info->type != sys::FileInfo::Type::regular)
                error(e, "backup.missing-file", *rel + " is missing (" + it.label() + " cannot be restored)");
        }
        if (it.written.empty() && it.action != "remove" && it.action != "delete") unchecked = true;
    }
    if (e.state == "pending")
        e.findings.push_back({"warning", "backup.pending",
                              "the plan did not finish (interrupted or failed): some of its changes may not be made"});
    if (unchecked)
        e.findings.push_back({"warning", "backup.unchecked",
                              "the written content is not recorded (an older bootsmith): undo cannot tell a later "
                              "change and needs --force"});
}

std::string first_error(const Entry& e) {
    for (const auto& f : e.findings)
        if (f.severity == "error") return f.message;
    return "unusable";
}

std::string status_word(const Entry& e) {
    if (e.state == "applied" && !e.undone_by.empty()) return "undone";
    return e.state;
}

} // namespace

std::string Item::label() const {
    return kind == "file" ? path : var.name;
}

std::string Item::sigil() const {
    if (action == "create") return "+";
    if (action == "remove" || action == "delete") return "-";
    return "~";
}

bool Entry::usable() const {
    return has_manifest() &&
           std::none_of(findings.begin(), findings.end(), [](const Finding& f) { return f.severity == "error"; });
}

std::vector<Entry> load(const sys::Root& root) {
    std::vector<Entry> out;
    for (const auto& d : root.list(sys::kBackupsDir)) {
        if (d.type != sys::FileInfo::Type::directory) continue;
        Entry e;
        e.id = d.name;
        e.dir = std::string(sys::kBackupsDir) + "/" + d.name;
        read_manifest(root, e);
        out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return id_key(a.id) > id_key(b.id); });
    // Newest first, so an undo's own state is known before the plan it undid: a plan is
    // undone when an applied undo of it is itself not undone.
    for (std::size_t i = 0; i < out.size(); ++i)
        for (std::size_t k = 0; k < i; ++k) {
            const Entry& u = out[k];
            if (u.state == "applied" && u.undoes == out[i].id && u.undone_by.empty()) {
                out[i].undone_by = u.id;
                break;
            }
        }
    return out;
}

std::string to_text(const std::vector<Entry>& history) {
    std::size_t width = 0;
    for (const auto& e : history)
        width = std::max(width, e.id.size());
    std::ostringstream o;
    for (const auto& e : history) {
        std::string id = e.id;
        id.resize(width, ' ');
        std::string when = e.created.empty() ? "-" : e.created;
        when.resize(std::max<std::size_t>(20, when.size()), ' ');
        std::string word = status_word(e);
        word.resize(7, ' ');
        o << id << "  " << when << "  " << word << "  ";
        if (!e.has_manifest()) {
            o << "(" << first_error(e) << ")\n";
            continue;
        }
        o << (e.title.empty() ? "(no title)" : e.title);
        if (!e.items.empty()) {
            o << " —";
            for (const auto& it : e.items)
                o << " " << it.sigil() << it.label();
        }
        if (!e.undone_by.empty()) o << " [undone by " << e.undone_by << "]";
        for (const auto& f : e.findings)
            if (f.severity == "error") o << " [damaged: " << f.message << "]";
        o << "\n";
    }
    return o.str();
}

Json to_json(const std::vector<Entry>& history, const sys::System& sys) {
    Json j;
    j["schema"] = "bootsmith.history/1";
    j["root"] = sys.root().given().native();
    j["directory"] = sys::kBackupsDir;
    auto& plans = j["plans"] = Json::array();
    auto or_null = [](const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); };
    for (const auto& e : history) {
        Json p;
        p["id"] = e.id;
        p["directory"] = e.dir;
        p["created"] = or_null(e.created);
        p["title"] = or_null(e.title);
        p["command"] = e.command;
        p["state"] = e.state;
        p["undoable"] = e.usable();
        p["undoes"] = or_null(e.undoes);
        p["undone_by"] = or_null(e.undone_by);
        auto& changes = p["changes"] = Json::array();
        for (const auto& it : e.items) {
            Json c;
            c["kind"] = it.kind;
            c["action"] = it.action;
            c["path"] = it.kind == "file" ? Json(it.path) : Json(nullptr);
            c["name"] = it.kind == "efivar" ? Json(it.var.name) : Json(nullptr);
            c["guid"] = it.kind == "efivar" ? Json(it.var.guid.str()) : Json(nullptr);
            c["existed"] = it.existed;
            c["backup"] = or_null(it.backup);
            c["written"] = or_null(it.written);
            c["mode"] = it.mode ? Json(mode_string(*it.mode)) : Json(nullptr);
            c["uid"] = it.uid ? Json(*it.uid) : Json(nullptr);
            c["gid"] = it.gid ? Json(*it.gid) : Json(nullptr);
            changes.push_back(std::move(c));
        }
        auto& findings = p["findings"] = Json::array();
        for (const auto& f : e.findings)
            findings.push_back({{"severity", f.severity}, {"code", f.code}, {"message", f.message}});
        plans.push_back(std::move(p));
    }
    return j;
}

const Entry& pick(const std::vector<Entry>& history, const std::string& id, bool force,
                  std::vector<std::string>& notes) {
    const std::string where = std::string(sys::kBackupsDir);
    if (!id.empty()) {
        auto it = std::find_if(history.begin(), history.end(), [&](const Entry& e) { return e.id == id; });
        if (it == history.end())
            throw Error(Exit::no_input, "no plan '" + printable(id) + "' in the history (" + where + ")",
                        "see 'bootsmith history'");
        if (!it->usable()) throw Error(Exit::data, it->id + ": cannot undo: " + first_error(*it));
        if (!it->undone_by.empty() && !force)
            throw Error(Exit::refused, it->id + ": already undone by " + it->undone_by,
                        "'bootsmith undo " + it->undone_by + "' redoes it; --force undoes it again");
        return *it;
    }
    for (const auto& e : history) {
        if (!e.has_manifest()) {
            notes.push_back("skipped backup " + e.id + ": " + first_error(e));
            continue;
        }
        if (!e.undoes.empty() || !e.undone_by.empty()) continue;
        if (!e.usable())
            throw Error(Exit::data, e.id + ": cannot undo the newest plan: " + first_error(e),
                        "name an older plan's ID to skip it (see 'bootsmith history')");
        return e;
    }
    throw Error(Exit::no_input,
                history.empty() ? "nothing to undo: no plans applied yet (nothing in " + where + ")"
                                : "nothing to undo: every plan in the history is undone already",
                "see 'bootsmith history'");
}

sys::Plan plan_undo(sys::System& sys, const Entry& e, bool force) {
    const sys::Root& root = sys.root();
    auto saved = [&](const std::string& rel) {
        auto content = root.read(e.dir + "/" + rel);
        if (!content) throw Error(Exit::data, root.display(e.dir + "/" + rel) + ": missing from the backup");
        return *content;
    };
    // One target per object: the old content from its first change, what was written last.
    struct Target {
        const Item* first;
        const Item* last;
    };
    std::vector<Target> targets;
    std::map<std::string, std::size_t> seen;
    for (const auto& it : e.items) {
        std::string key = it.kind + ":" + (it.kind == "file" ? it.path : it.var.file_name());
        auto [pos, fresh] = seen.emplace(key, targets.size());
        if (fresh)
            targets.push_back({&it, &it});
        else
            targets[pos->second].last = &it;
    }

    sys::Plan p;
    p.title = "undo " + e.id + (e.title.empty() ? "" : " (" + e.title + ")");
    p.undoes = e.id;
    std::vector<std::string> changed;
    // What happened to an object since: nullopt when it is what the plan wrote.
    auto describe = [](const std::string& what, bool now_exists, bool wrote_exists, bool recorded) {
        if (!recorded) return what + " (cannot tell: what the plan wrote is not recorded)";
        if (!now_exists) return what + " was removed";
        if (!wrote_exists) return what + " was created again";
        return what + " was modified";
    };

    // Files, last change first.
    for (auto t = targets.rbegin(); t != targets.rend(); ++t) {
        const Item& first = *t->first;
        const Item& last = *t->last;
        if (first.kind != "file") continue;
        auto now = root.read(first.path);
        std::optional<std::string> old = first.existed ? std::optional(saved(first.backup)) : std::nullopt;
        if (now == old) continue; // already as it was
        bool recorded = last.action == "remove" || !last.written.empty();
        std::optional<std::string> wrote = last.action == "remove" ? std::nullopt
                                           : recorded              ? std::optional(saved(last.written))
                                                                   : std::nullopt;
        if (!recorded || now != wrote)
            changed.push_back(describe(root.display(first.path), now.has_value(), wrote.has_value(), recorded));
        // The mode and owner it had, too (when the backup recorded them).
        std::optional<sys::FileAttrs> attrs;
        if (first.mode && first.uid && first.gid) attrs = sys::FileAttrs {*first.mode, *first.uid, *first.gid};
        if (old)
            p.write_file(first.path, now, *old,
                         now ? "back to its content before " + e.id : "removed by " + e.id + ": recreated", true,
                         first.mode.value_or(0644), attrs);
        else
            p.remove_file(first.path, now, "created by " + e.id);
    }

    // EFI variables, in crash-safe order.
    std::vector<efi::VarTarget> vars;
    for (auto t = targets.rbegin(); t != targets.rend(); ++t) {
        const Item& first = *t->first;
        const Item& last = *t->last;
        if (first.kind != "efivar") continue;
        auto as_var = [&](const std::string& rel) {
            auto v = sys::Variable::from_efivarfs_bytes(first.var, saved(rel));
            if (!v) throw Error(Exit::data, root.display(e.dir + "/" + rel) + ": not an EFI variable");
            return *v;
        };
        auto now = sys.vars().get(first.var);
        std::optional<sys::Variable> old = first.existed ? std::optional(as_var(first.backup)) : std::nullopt;
        if (now == old) continue;
        bool recorded = last.action == "delete" || !last.written.empty();
        std::optional<sys::Variable> wrote = last.action == "delete" ? std::nullopt
                                             : recorded              ? std::optional(as_var(last.written))
                                                                     : std::nullopt;
        if (!recorded || now != wrote)
            changed.push_back(describe("EFI variable " + first.var.name, now.has_value(), wrote.has_value(), recorded));
        vars.push_back({first.var, now, old,
                        old ? (now ? "back to its value before " + e.id : "deleted by " + e.id + ": recreated")
                            : "created by " + e.id});
    }
    efi::plan_variables(p, vars);

    if (!changed.empty()) {
        std::string list;
        for (const auto& c : changed)
            list += (list.empty() ? "" : ", ") + c;
        if (!force)
            throw Error(Exit::refused, "changed since " + e.id + " was applied: " + list + "; nothing written",
                        "pass --force to put back the old content anyway ('--force --dry-run' shows it)");
        p.notes.push_back("changed since " + e.id + " was applied, put back anyway (--force): " + list);
    }
    if (e.state == "pending") p.notes.push_back(e.id + " did not finish: only the changes it made are undone");
    return p;
}

} // namespace bootsmith::history
