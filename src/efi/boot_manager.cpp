#include "bootsmith/efi/boot_manager.hpp"

#include "bootsmith/disk/partition_table.hpp"
#include "bootsmith/error.hpp"
#include "bootsmith/text.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

namespace bootsmith::efi {

namespace {

bool hex_digit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool upper_hex_digit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/// efibootmgr's notion of a boot entry name: "Boot" and four hex digits, anything after.
bool looks_like_entry(std::string_view n) {
    return n.size() >= 8 && n.compare(0, 4, "Boot") == 0 && hex_digit(n[4]) && hex_digit(n[5]) && hex_digit(n[6]) &&
           hex_digit(n[7]);
}

bool spec_entry(std::string_view n) {
    return n.size() == 8 && n.compare(0, 4, "Boot") == 0 && upper_hex_digit(n[4]) && upper_hex_digit(n[5]) &&
           upper_hex_digit(n[6]) && upper_hex_digit(n[7]);
}

std::uint16_t hex4(std::string_view s) {
    return static_cast<std::uint16_t>(std::stoul(std::string(s), nullptr, 16));
}

std::optional<std::uint16_t> u16_of(const sys::Variable& v, std::vector<std::string>& problems) {
    if (v.data.size() != 2) {
        problems.push_back(v.id.name + ": " + std::to_string(v.data.size()) + " bytes, expected 2");
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(v.data[0] | (v.data[1] << 8));
}

Bytes order_bytes(const std::vector<std::uint16_t>& order) {
    Bytes b;
    for (auto n : order) {
        b.push_back(static_cast<std::uint8_t>(n & 0xff));
        b.push_back(static_cast<std::uint8_t>(n >> 8));
    }
    return b;
}

std::string in_quotes(const std::string& raw) {
    std::string s = printable(raw);
    return "\"" + s + "\"";
}

/// An order without `drop`, keeping everything else in place.
std::vector<std::uint16_t> without(const std::vector<std::uint16_t>& order, const std::set<std::uint16_t>& drop) {
    std::vector<std::uint16_t> out;
    for (auto n : order)
        if (!drop.count(n)) out.push_back(n);
    return out;
}

const BootEntry& require_parsed(const BootEntry& e) {
    if (!e.option) throw Error(Exit::data, e.name + ": corrupt load option (" + e.corrupt + "); refusing to edit it");
    return e;
}

Json u16_json(const std::optional<std::uint16_t>& v) {
    return v ? Json(number_text(*v)) : Json(nullptr);
}

} // namespace

// ---------------------------------------------------------------------------------------
// Numbers

std::optional<std::uint16_t> parse_number(std::string_view text) {
    if (text.size() > 4 && text.compare(0, 4, "Boot") == 0) text.remove_prefix(4);
    if (text.empty() || text.size() > 4) return std::nullopt;
    for (char c : text)
        if (!hex_digit(c)) return std::nullopt;
    return hex4(text);
}

std::string number_text(std::uint16_t n) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04X", n);
    return buf;
}

std::string order_text(const std::vector<std::uint16_t>& order) {
    std::string out;
    for (auto n : order)
        out += (out.empty() ? "" : ",") + number_text(n);
    return out;
}

// ---------------------------------------------------------------------------------------
// Model

std::uint16_t BootEntry::loose_number() const {
    return hex4(std::string_view(name).substr(4, 4));
}

const BootEntry* BootState::find(std::uint16_t number) const {
    for (const auto& e : entries)
        if (e.number == number) return &e;
    return nullptr;
}

const BootEntry* BootState::find_name(std::string_view name) const {
    for (const auto& e : entries)
        if (e.name == name) return &e;
    return nullptr;
}

bool BootState::number_taken(std::uint16_t n) const {
    for (const auto& e : entries)
        if (e.name.size() == 8 && e.loose_number() == n) return true;
    return false;
}

bool BootState::in_order(std::uint16_t n) const {
    return order && std::find(order->begin(), order->end(), n) != order->end();
}

std::vector<const BootEntry*> BootState::listing() const {
    std::vector<const BootEntry*> out;
    std::set<const BootEntry*> seen;
    if (order)
        for (auto n : *order)
            if (const auto* e = find(n); e != nullptr && seen.insert(e).second) out.push_back(e);
    for (const auto& e : entries)
        if (!seen.count(&e)) out.push_back(&e);
    return out;
}

const BootEntry& BootState::resolve(std::string_view arg) const {
    if (const auto* e = find_name(arg)) return *e;
    if (auto n = parse_number(arg)) {
        if (const auto* e = find(*n)) return *e;
        throw Error(Exit::no_input, "Boot" + number_text(*n) + ": no such boot entry");
    }
    throw Error(Exit::usage, "'" + printable(arg) + "' is not a boot entry number (XXXX) or variable name",
                "see 'bootsmith boot list'");
}

void BootState::require_readable() const {
    if (!unreadable.empty())
        throw Error(unreadable.front().code(), std::string(unreadable.front().what()) + "; nothing written",
                    "repair or remove the variable file first");
}

BootState load_boot_state(const sys::VarStore& store) {
    BootState s;
    if (!store.available()) return s;
    auto listing = store.list();
    s.problems = listing.skipped;
    s.variables = listing.vars.size();
    for (const auto& skipped : listing.skipped)
        for (const char* n : {"BootOrder-", "BootNext-", "BootCurrent-", "Timeout-"})
            if (skipped.rfind(std::string(n) + sys::kGlobalGuid.str() + ":", 0) == 0)
                s.unreadable.emplace_back(Exit::data, store.location() + "/" + skipped);
    auto get = [&](const sys::VarId& id) -> std::optional<sys::Variable> {
        try {
            return store.get(id);
        } catch (const Error& e) {
            s.problems.emplace_back(e.what());
            s.unreadable.push_back(e);
            return std::nullopt;
        }
    };
    for (const auto& id : listing.vars) {
        if (id.guid != sys::kGlobalGuid) continue;
        if (id.name == "BootCurrent" || id.name == "BootNext" || id.name == "Timeout" || id.name == "BootOrder") {
            auto v = get(id);
            if (!v) continue;
            if (id.name == "BootOrder") {
                s.order_var = v;
                // An odd length is damage; like firmware (and efibootmgr) read the whole u16s.
                if (v->data.size() % 2 != 0)
                    s.problems.push_back("BootOrder: " + std::to_string(v->data.size()) +
                                         " bytes, an odd length: the last byte is ignored");
                s.order = u16_list(v->data);
            } else if (id.name == "BootCurrent") {
                s.current_var = v;
                s.current = u16_of(*v, s.problems);
            } else if (id.name == "BootNext") {
                s.next_var = v;
                s.next = u16_of(*v, s.problems);
            } else {
                s.timeout_var = v;
                s.timeout = u16_of(*v, s.problems);
            }
            continue;
        }
        if (!looks_like_entry(id.name)) continue;
        BootEntry e;
        e.name = id.name;
        if (spec_entry(id.name)) e.number = hex4(std::string_view(id.name).substr(4));
        try {
            auto v = store.get(id);
            if (!v) continue; // vanished between list and read
            e.var = std::move(*v);
            auto parsed = parse_load_option(e.var.data);
            e.option = std::move(parsed.option);
            e.corrupt = std::move(parsed.error);
        } catch (const Error& err) {
            e.var.id = id;
            e.corrupt = err.what();
        }
        s.entries.push_back(std::move(e));
    }
    std::sort(s.entries.begin(), s.entries.end(),
              [](const BootEntry& a, const BootEntry& b) { return a.name < b.name; });
    return s;
}

std::string summarize(const sys::Variable& v) {
    const auto& n = v.id.name;
    if (n == "BootOrder") {
        return order_text(u16_list(v.data)) + (v.data.size() % 2 != 0 ? " (odd length: last byte ignored)" : "");
    }
    if (n == "BootNext" || n == "BootCurrent" || n == "Timeout") {
        if (v.data.size() != 2) return "corrupt (" + std::to_string(v.data.size()) + " bytes)";
        auto value = static_cast<std::uint16_t>(v.data[0] | (v.data[1] << 8));
        return n == "Timeout" ? std::to_string(value) + " seconds" : number_text(value);
    }
    if (looks_like_entry(n)) {
        auto p = parse_load_option(v.data);
        if (!p.option) return "corrupt: " + p.error;
        std::string out = std::string(p.option->active() ? "* " : "  ") + in_quotes(p.option->description) + " " +
                          describe_device_path(p.option->path).text;
        if (!p.option->optional_data.empty()) {
            auto t = optional_data_text(p.option->optional_data);
            out += t.text ? " data " + in_quotes(*t.text) : " data " + hex(p.option->optional_data);
        }
        return out;
    }
    return {};
}

Json entry_json(const BootState& s, const BootEntry& e) {
    Json j;
    j["name"] = e.name;
    j["number"] = e.number ? Json(number_text(*e.number)) : Json(nullptr);
    j["compliant"] = e.compliant();
    j["in_boot_order"] = e.number ? s.in_order(*e.number) : false;
    j["boot_current"] = e.number && s.current == e.number;
    j["boot_next"] = e.number && s.next == e.number;
    if (e.option) {
        const auto& o = *e.option;
        std::uint32_t cat = o.attributes & load_attr::category_mask;
        j["attributes"] = {{"raw", o.attributes},
                           {"active", o.active()},
                           {"hidden", (o.attributes & load_attr::hidden) != 0},
                           {"force_reconnect", (o.attributes & load_attr::force_reconnect) != 0},
                           {"category", cat == 0                         ? "boot"
                                        : cat == load_attr::category_app ? "app"
                                                                         : hex_u32(cat)}};
        j["description"] = o.description;
        auto dp = describe_device_path(o.path);
        Json hd = nullptr;
        if (dp.hard_drive) {
            const auto& h = *dp.hard_drive;
            hd = {{"partition", h.partition},
                  {"format", h.format_name()},
                  {"signature_type", h.signature_type == 2   ? "GUID"
                                     : h.signature_type == 1 ? "MBR"
                                                             : "none"},
                  {"signature", h.signature},
                  {"start", h.start},
                  {"size", h.size}};
        }
        j["device_path"] = {{"text", dp.text},
                            {"hex", hex(o.path)},
                            {"hard_drive", hd},
                            {"file", dp.file ? Json(*dp.file) : Json(nullptr)}};
        auto t = optional_data_text(o.optional_data);
        j["optional_data"] = {{"size", o.optional_data.size()},
                              {"hex", hex(o.optional_data)},
                              {"text", t.text ? Json(*t.text) : Json(nullptr)},
                              {"encoding", t.encoding.empty() ? Json(nullptr) : Json(t.encoding)}};
        j["corrupt"] = nullptr;
    } else {
        j["attributes"] = nullptr;
        j["description"] = nullptr;
        j["device_path"] = nullptr;
        j["optional_data"] = nullptr;
        j["corrupt"] = e.corrupt;
    }
    j["variable"] = {{"attributes", e.var.attributes}, {"size", e.var.data.size()}, {"data_hex", hex(e.var.data)}};
    return j;
}

Json list_json(const BootState& s, const sys::VarStore& store) {
    Json j;
    j["schema"] = "bootsmith.boot-list/1";
    j["backend"] = std::string(store.backend());
    j["location"] = store.location();
    j["available"] = store.available();
    j["boot_current"] = u16_json(s.current);
    j["boot_next"] = u16_json(s.next);
    j["timeout"] = s.timeout ? Json(*s.timeout) : Json(nullptr);
    if (s.order) {
        Json o = Json::array();
        for (auto n : *s.order)
            o.push_back(number_text(n));
        j["boot_order"] = o;
    } else {
        j["boot_order"] = nullptr;
    }
    Json entries = Json::array();
    for (const auto* e : s.listing())
        entries.push_back(entry_json(s, *e));
    j["entries"] = entries;
    j["problems"] = s.problems;
    return j;
}

// ---------------------------------------------------------------------------------------
// Variable builders

sys::Variable u16_variable(const std::string& name, std::uint16_t value, const std::optional<sys::Variable>& old) {
    sys::Variable v {{name, sys::kGlobalGuid}, old ? old->attributes : sys::attr::nv_bs_rt, {}};
    v.data = {static_cast<std::uint8_t>(value & 0xff), static_cast<std::uint8_t>(value >> 8)};
    return v;
}

sys::Variable order_variable(const std::vector<std::uint16_t>& order, const std::optional<sys::Variable>& old) {
    return sys::Variable {
        {"BootOrder", sys::kGlobalGuid}, old ? old->attributes : sys::attr::nv_bs_rt, order_bytes(order)};
}

void set_boot_order(sys::Plan& p, const BootState& s, const std::vector<std::uint16_t>& order,
                    const std::string& reason) {
    if (order.empty() && s.order_var) {
        // An empty BootOrder is no BootOrder (efivarfs deletes a zero-length write).
        p.delete_var(*s.order_var, summarize(*s.order_var), reason);
        return;
    }
    if (order.empty()) return;
    auto v = order_variable(order, s.order_var);
    p.set_var(s.order_var, v, s.order_var ? summarize(*s.order_var) : "", summarize(v), reason);
}

std::vector<std::uint16_t> u16_list(const std::vector<std::uint8_t>& data) {
    std::vector<std::uint16_t> out;
    for (std::size_t i = 0; i + 1 < data.size(); i += 2)
        out.push_back(static_cast<std::uint16_t>(data[i] | (data[i + 1] << 8)));
    return out;
}

sys::Variable with_active(const BootEntry& e, bool active) {
    sys::Variable v = e.var;
    if (v.data.size() >= 4) {
        if (active)
            v.data[0] |= static_cast<std::uint8_t>(load_attr::active);
        else
            v.data[0] &= static_cast<std::uint8_t>(~load_attr::active);
    }
    return v;
}

// ---------------------------------------------------------------------------------------
// Edits

std::string normalise_loader(const std::string& path, std::vector<std::string>& notes) {
    if (path.empty()) throw Error(Exit::usage, "--loader: empty path");
    std::string p = path;
    if (p.find('/') != std::string::npos) {
        std::replace(p.begin(), p.end(), '/', '\\');
        notes.push_back("loader path " + path + " converted to " + (p.front() == '\\' ? p : "\\" + p) +
                        " (UEFI paths use backslashes)");
    }
    if (p.front() != '\\') p.insert(p.begin(), '\\');
    std::string component;
    for (std::size_t i = 1; i <= p.size(); ++i) {
        if (i == p.size() || p[i] == '\\') {
            if (component == "..")
                throw Error(Exit::usage, "--loader " + path + ": '..' is not allowed in a UEFI path");
            if (component.empty() && i != p.size())
                throw Error(Exit::usage, "--loader " + path + ": empty path component");
            component.clear();
        } else {
            component += p[i];
        }
    }
    if (p.back() == '\\') throw Error(Exit::usage, "--loader " + path + ": names a directory, not a file");
    std::u32string cps;
    if (!decode_utf8(p, cps)) throw Error(Exit::usage, "--loader: not valid UTF-8");
    for (char32_t c : cps)
        if (c > 0xffff || c < 0x20) throw Error(Exit::usage, "--loader " + printable(path) + ": character not allowed");
    return p;
}

HardDrive hard_drive_for(const sys::Root& root, const std::string& device, std::uint32_t part) {
    auto table = disk::read_partition_table(root, device);
    const auto* p = table.find(part);
    if (p == nullptr)
        throw Error(Exit::no_input, root.display(device) + ": no partition " + std::to_string(part) + " (" +
                                        table.type + " table with " + std::to_string(table.partitions.size()) +
                                        " partitions)");
    HardDrive hd;
    hd.partition = part;
    hd.start = p->start * 512 / table.sector_size;
    hd.size = p->size * 512 / table.sector_size;
    if (table.type == "gpt") {
        hd.format = 2;
        hd.signature_type = 2;
        hd.signature = p->partuuid;
        if (hd.signature.empty()) throw Error(Exit::data, root.display(device) + ": partition has no PARTUUID");
    } else if (table.type == "dos") {
        if (table.id.empty())
            throw Error(Exit::data, root.display(device) + ": the MBR disk signature is 0",
                        "firmware cannot tell such disks apart; give the disk a signature first");
        hd.format = 1;
        hd.signature_type = 1;
        hd.signature = "0x" + table.id;
    } else {
        throw Error(Exit::data, root.display(device) + ": " + table.type + " partition table; UEFI needs GPT or MBR");
    }
    return hd;
}

std::uint16_t first_free_number(const BootState& s) {
    for (std::uint32_t n = 0; n <= 0xffff; ++n)
        if (!s.number_taken(static_cast<std::uint16_t>(n))) return static_cast<std::uint16_t>(n);
    throw Error(Exit::unavailable, "all 65536 Boot#### numbers are taken");
}

namespace {

/// Where --position puts a new entry in a BootOrder of `size` entries.
std::size_t order_position(const std::string& position, std::size_t size) {
    if (position == "first") return 0;
    if (position == "last") return size;
    char* end = nullptr;
    unsigned long v = std::strtoul(position.c_str(), &end, 10);
    if (position.empty() || *end != '\0' || position[0] == '-')
        throw Error(Exit::usage, "--position " + position + ": expected first, last or a position 0, 1, …");
    return std::min<std::size_t>(v, size);
}

} // namespace

sys::Plan plan_create(const BootState& s, const CreateSpec& spec, std::uint16_t& number) {
    if (auto why = check_description(spec.label); !why.empty()) throw Error(Exit::usage, "--label " + why);
    sys::Plan p;
    LoadOption opt;
    opt.attributes = spec.inactive ? 0 : load_attr::active;
    opt.description = spec.label;
    opt.path = make_hd_file_path(spec.hd, spec.loader);
    opt.optional_data = spec.optional_data;

    // The entry a `create` interrupted between its two writes left behind: this very entry,
    // written, but not yet in BootOrder. Running the command again finishes that work (puts it
    // in BootOrder) instead of refusing it as a duplicate or making a second copy.
    const auto bytes = opt.serialize();
    if (!spec.allow_duplicate && spec.add_to_order)
        for (const auto& e : s.entries)
            if (e.number && !s.in_order(*e.number) && (!spec.number || *spec.number == *e.number) &&
                e.var.attributes == sys::attr::nv_bs_rt && e.var.data == bytes) {
                number = *e.number;
                sys::Plan adopt;
                std::vector<std::uint16_t> order = s.order.value_or(std::vector<std::uint16_t> {});
                order.insert(order.begin() + static_cast<std::ptrdiff_t>(order_position(spec.position, order.size())),
                             number);
                set_boot_order(adopt, s, order, "BootOrder names the entry an interrupted create left out of it");
                adopt.title = "create Boot" + number_text(number) + " \"" + spec.label + "\"";
                adopt.notes.push_back(e.name +
                                      " is this entry, left out of BootOrder (an interrupted create?): adding it");
                return adopt;
            }
    if (!spec.allow_duplicate)
        for (const auto& e : s.entries)
            if (e.option && e.option->path == opt.path)
                throw Error(Exit::refused,
                            e.name + " already boots " + describe_device_path(opt.path).text + " (\"" +
                                printable(e.option->description) + "\")",
                            "use --allow-duplicate to add another entry for it");
    for (const auto& e : s.entries)
        if (e.option && e.option->description == spec.label)
            p.notes.push_back(e.name + " has the same label \"" + printable(spec.label) + "\"");

    number = spec.number ? *spec.number : first_free_number(s);
    if (spec.number && s.number_taken(number))
        throw Error(Exit::refused, "Boot" + number_text(number) + " already exists");
    sys::Variable var {{"Boot" + number_text(number), sys::kGlobalGuid}, sys::attr::nv_bs_rt, bytes};
    p.set_var(std::nullopt, var, "", summarize(var), "new boot entry");

    if (spec.add_to_order) {
        std::vector<std::uint16_t> order = s.order.value_or(std::vector<std::uint16_t> {});
        std::size_t at = order_position(spec.position, order.size());
        order.erase(std::remove(order.begin(), order.end(), number), order.end()); // a stale copy
        at = std::min(at, order.size());
        order.insert(order.begin() + static_cast<std::ptrdiff_t>(at), number);
        set_boot_order(p, s, order, "BootOrder names the new entry (written after it)");
    }
    p.title = "create Boot" + number_text(number) + " \"" + spec.label + "\"";
    return p;
}

sys::Plan plan_delete(const BootState& s, const std::vector<const BootEntry*>& entries, bool force,
                      bool loose_numbers) {
    sys::Plan p;
    std::set<std::uint16_t> numbers;
    std::string names;
    for (const auto* e : entries) {
        if (e->number && s.current == e->number && !force)
            throw Error(Exit::refused, e->name + " is BootCurrent, the entry this system booted from",
                        "use --force to delete it anyway");
        if (e->number)
            numbers.insert(*e->number);
        else if (loose_numbers)
            numbers.insert(e->loose_number());
        names += (names.empty() ? "" : " ") + e->name;
    }
    p.title = "delete " + names;
    if (s.next && numbers.count(*s.next) && s.next_var)
        p.delete_var(*s.next_var, summarize(*s.next_var), "BootNext named a deleted entry");
    if (s.order) {
        auto order = without(*s.order, numbers);
        if (order.size() != s.order->size())
            set_boot_order(p, s, order, "removed from BootOrder before the variable goes");
    }
    for (const auto* e : entries)
        p.delete_var(e->var, summarize(e->var), "the boot entry");
    return p;
}

sys::Plan plan_set_active(const BootState&, const std::vector<const BootEntry*>& entries, bool active) {
    sys::Plan p;
    std::string names;
    for (const auto* e : entries) {
        require_parsed(*e);
        auto v = with_active(*e, active);
        p.set_var(e->var, v, summarize(e->var), summarize(v),
                  active ? "set LOAD_OPTION_ACTIVE" : "clear LOAD_OPTION_ACTIVE");
        names += (names.empty() ? "" : " ") + e->name;
    }
    p.title = std::string(active ? "enable " : "disable ") + names;
    return p;
}

sys::Plan plan_rename(const BootState&, const BootEntry& e, const std::string& label) {
    require_parsed(e);
    if (auto why = check_description(label); !why.empty()) throw Error(Exit::usage, "label " + why);
    LoadOption o = *e.option;
    o.description = label;
    sys::Variable v = e.var;
    v.data = o.serialize();
    sys::Plan p;
    p.title = "rename " + e.name + " to \"" + label + "\"";
    p.set_var(e.var, v, summarize(e.var), summarize(v), "new description; device path and optional data unchanged");
    return p;
}

sys::Plan plan_set_data(const BootState&, const BootEntry& e, const Bytes& data) {
    require_parsed(e);
    // Keep every byte before the optional data exactly as it is.
    std::size_t keep = e.var.data.size() - e.option->optional_data.size();
    sys::Variable v = e.var;
    v.data.assign(e.var.data.begin(), e.var.data.begin() + static_cast<std::ptrdiff_t>(keep));
    v.data.insert(v.data.end(), data.begin(), data.end());
    sys::Plan p;
    p.title = "set optional data of " + e.name;
    p.set_var(e.var, v, summarize(e.var), summarize(v), "optional data; description and device path unchanged");
    return p;
}

sys::Plan plan_order(const BootState& s, const std::vector<std::uint16_t>& order) {
    std::set<std::uint16_t> seen;
    for (auto n : order) {
        if (!seen.insert(n).second)
            throw Error(Exit::usage, "Boot" + number_text(n) + " appears twice in the new BootOrder");
        if (s.find(n) == nullptr)
            throw Error(Exit::no_input, "Boot" + number_text(n) + ": no such boot entry", "see 'bootsmith boot list'");
    }
    if (order.empty()) throw Error(Exit::usage, "an empty BootOrder is not allowed", "give at least one entry");
    sys::Plan p;
    p.title = "set BootOrder " + order_text(order);
    set_boot_order(p, s, order, "");
    return p;
}

sys::Plan plan_order_first(const BootState& s, std::uint16_t number) {
    if (s.find(number) == nullptr) throw Error(Exit::no_input, "Boot" + number_text(number) + ": no such boot entry");
    auto order = without(s.order.value_or(std::vector<std::uint16_t> {}), {number});
    order.insert(order.begin(), number);
    sys::Plan p;
    p.title = "put Boot" + number_text(number) + " first in BootOrder";
    set_boot_order(p, s, order, "");
    return p;
}

sys::Plan plan_remove_stale(const BootState& s) {
    sys::Plan p;
    p.title = "remove stale numbers from BootOrder";
    if (!s.order) return p;
    std::set<std::uint16_t> stale;
    for (auto n : *s.order)
        if (s.find(n) == nullptr) stale.insert(n);
    if (!stale.empty()) set_boot_order(p, s, without(*s.order, stale), "numbers without a Boot#### variable");
    return p;
}

sys::Plan plan_next(const BootState& s, std::optional<std::uint16_t> number) {
    sys::Plan p;
    if (!number) {
        p.title = "clear BootNext";
        if (s.next_var) p.delete_var(*s.next_var, summarize(*s.next_var));
        return p;
    }
    if (s.find(*number) == nullptr)
        throw Error(Exit::no_input, "Boot" + number_text(*number) + ": no such boot entry",
                    "see 'bootsmith boot list'");
    p.title = "set BootNext " + number_text(*number);
    auto v = u16_variable("BootNext", *number, s.next_var);
    p.set_var(s.next_var, v, s.next_var ? summarize(*s.next_var) : "", summarize(v), "boot this entry once, next time");
    return p;
}

sys::Plan plan_timeout(const BootState& s, std::optional<std::uint16_t> seconds) {
    sys::Plan p;
    if (!seconds) {
        p.title = "clear Timeout";
        if (s.timeout_var) p.delete_var(*s.timeout_var, summarize(*s.timeout_var));
        return p;
    }
    p.title = "set Timeout " + std::to_string(*seconds);
    auto v = u16_variable("Timeout", *seconds, s.timeout_var);
    p.set_var(s.timeout_var, v, s.timeout_var ? summarize(*s.timeout_var) : "", summarize(v));
    if (*seconds == 0xffff) p.notes.push_back("Timeout 65535 makes the firmware wait for a key press forever");
    return p;
}

sys::Plan plan_dedupe(const BootState& s) {
    sys::Plan p;
    p.title = "remove duplicate boot entries";
    std::vector<const BootEntry*> kept;
    std::vector<const BootEntry*> drop;
    std::vector<std::uint16_t> order = s.order.value_or(std::vector<std::uint16_t> {});
    for (const auto* e : s.listing()) {
        if (!e->option || !e->compliant()) continue;
        auto same = std::find_if(kept.begin(), kept.end(), [&](const BootEntry* k) {
            return k->option->path == e->option->path && k->option->optional_data == e->option->optional_data;
        });
        if (same == kept.end()) {
            kept.push_back(e);
            continue;
        }
        if (s.current == e->number) {
            // Keep the entry the system booted from; the earlier twin goes, and BootCurrent
            // takes its place in BootOrder.
            const BootEntry* twin = *same;
            drop.push_back(twin);
            *same = e;
            order.erase(std::remove(order.begin(), order.end(), *e->number), order.end());
            if (auto it = std::find(order.begin(), order.end(), *twin->number); it != order.end()) *it = *e->number;
        } else {
            drop.push_back(e);
        }
    }
    if (drop.empty()) return p;
    std::set<std::uint16_t> numbers;
    for (const auto* e : drop)
        numbers.insert(*e->number);
    if (s.next && numbers.count(*s.next) && s.next_var)
        p.delete_var(*s.next_var, summarize(*s.next_var), "BootNext named a removed duplicate");
    if (s.order) set_boot_order(p, s, without(order, numbers), "duplicates leave BootOrder first");
    for (const auto* e : drop)
        p.delete_var(e->var, summarize(e->var), "duplicate of an earlier entry");
    return p;
}

// ---------------------------------------------------------------------------------------
// Backup and restore

void plan_variables(sys::Plan& p, const std::vector<VarTarget>& targets) {
    auto add = [&](const VarTarget& t) {
        if (t.wanted)
            p.set_var(t.current, *t.wanted, t.current ? summarize(*t.current) : "", summarize(*t.wanted), t.reason);
        else if (t.current)
            p.delete_var(*t.current, summarize(*t.current), t.reason);
    };
    for (const auto& t : targets) // entries that must exist before anything names them
        if (looks_like_entry(t.id.name) && t.wanted) add(t);
    for (const auto& t : targets) // BootOrder, BootNext, Timeout, anything else
        if (!looks_like_entry(t.id.name)) add(t);
    for (const auto& t : targets) // entries nothing names any more
        if (looks_like_entry(t.id.name) && !t.wanted) add(t);
}

Json make_backup(const BootState& s) {
    Json j;
    j["schema"] = "bootsmith.efi-backup/1";
    Json vars = Json::array();
    auto add = [&](const sys::Variable& v) {
        vars.push_back(
            {{"name", v.id.name}, {"guid", v.id.guid.str()}, {"attributes", v.attributes}, {"data_hex", hex(v.data)}});
    };
    for (const auto& e : s.entries)
        add(e.var);
    for (const auto* v : {&s.order_var, &s.next_var, &s.timeout_var})
        if (*v) add(**v);
    j["variables"] = vars;
    return j;
}

sys::Plan plan_restore(const BootState& s, const Json& backup, const std::string& source) {
    auto bad = [&](const std::string& why) { return Error(Exit::data, source + ": " + why); };
    auto text_field = [](const Json& j, const char* key) -> std::optional<std::string> {
        if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return std::nullopt;
        return j[key].get<std::string>();
    };
    if (text_field(backup, "schema") != std::optional<std::string>("bootsmith.efi-backup/1"))
        throw bad("not a bootsmith EFI backup (schema bootsmith.efi-backup/1)");
    if (!backup.contains("variables") || !backup["variables"].is_array()) throw bad("no \"variables\" list");
    std::vector<sys::Variable> entries;
    std::optional<sys::Variable> order, next, timeout;
    std::vector<std::string> notes;
    std::set<std::string> skipped; // corrupt in the backup: neither restored nor removed
    for (const auto& item : backup["variables"]) {
        if (!item.is_object() || !item.contains("name") || !item["name"].is_string() || !item.contains("data_hex") ||
            !item["data_hex"].is_string() || !item.contains("attributes") || !item["attributes"].is_number_unsigned())
            throw bad("a variable lacks name, attributes or data_hex");
        sys::Variable v;
        v.id.name = item["name"].get<std::string>();
        if (item.contains("guid") && !item["guid"].is_string()) throw bad(v.id.name + ": guid is not a string");
        auto guid = sys::Guid::parse(text_field(item, "guid").value_or(sys::kGlobalGuid.str()));
        if (!guid || *guid != sys::kGlobalGuid) throw bad(v.id.name + ": not an EFI global variable");
        v.id.guid = *guid;
        auto attrs = item["attributes"].get<std::uint64_t>();
        if (attrs > 0xffffffffu) throw bad(v.id.name + ": attributes out of range");
        v.attributes = static_cast<std::uint32_t>(attrs);
        std::string raw;
        if (!unhex(item["data_hex"].get<std::string>(), raw)) throw bad(v.id.name + ": data_hex is not hex");
        v.data.assign(raw.begin(), raw.end());
        const auto& n = v.id.name;
        if (n == "BootOrder") {
            if (v.data.size() % 2 != 0) throw bad("BootOrder has an odd length");
            order = v;
        } else if (n == "BootNext" || n == "Timeout") {
            if (v.data.size() != 2) throw bad(n + " is not 2 bytes");
            (n == "BootNext" ? next : timeout) = v;
        } else if (looks_like_entry(n)) {
            auto parsed = parse_load_option(v.data);
            if (!parsed.option) {
                notes.push_back(n + " in the backup is corrupt (" + parsed.error + "): not restored, left as it is");
                skipped.insert(n);
                continue;
            }
            entries.push_back(v);
        } else {
            throw bad(n + ": not a boot variable");
        }
    }

    sys::Plan p;
    p.title = "restore boot variables from " + source;
    p.notes = notes;
    std::vector<VarTarget> targets;
    std::set<std::string> restored = skipped;
    for (const auto& v : entries) {
        restored.insert(v.id.name);
        const auto* old = s.find_name(v.id.name);
        targets.push_back({v.id, old ? std::optional(old->var) : std::nullopt, v, "from the backup"});
    }
    auto put = [&](const char* name, const std::optional<sys::Variable>& cur,
                   const std::optional<sys::Variable>& want) {
        targets.push_back(
            {sys::VarId {name, sys::kGlobalGuid}, cur, want, want ? "from the backup" : "absent from the backup"});
    };
    put("BootOrder", s.order_var, order);
    put("BootNext", s.next_var, next);
    put("Timeout", s.timeout_var, timeout);
    for (const auto& e : s.entries)
        if (!restored.count(e.name)) targets.push_back({e.var.id, e.var, std::nullopt, "absent from the backup"});
    plan_variables(p, targets);
    return p;
}

} // namespace bootsmith::efi
