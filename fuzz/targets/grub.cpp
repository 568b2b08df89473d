// GRUB's files: grubenv, /etc/default/grub, grub.cfg (src/grub/).
#include "../fuzz.hpp"
#include "bootsmith/grub/default_grub.hpp"
#include "bootsmith/grub/grubenv.hpp"
#include "bootsmith/grub/menu.hpp"

#include <algorithm>

namespace bootsmith::fuzz {

void grubenv(Input in) {
    grub::EnvBlock block = grub::EnvBlock::parse(std::string(as_text(in)), "grubenv");
    check(block.bytes() == as_text(in), "a parsed block keeps its bytes");
    std::vector<grub::EnvVar> vars = block.list();
    // (The first 8 and the last: `get` walks the whole block, and a check of every variable
    // would make a many-line input quadratic — a tenth of the executions per second.)
    for (std::size_t i = 0; i < vars.size(); ++i)
        if (i < 8 || i + 1 == vars.size()) check(block.get(vars[i].name).has_value(), "a listed variable can be read");
    (void)block.external_block();
    const std::size_t size = block.bytes().size();
    // Edits keep the size, or refuse and leave the block as it was.
    grub::EnvBlock edited = block;
    // set replaces the first line of a name before the padding (grub-editenv), get reads the
    // last one anywhere (GRUB): they agree for a name a clean block (no line without '=', which
    // swallows the next lines in GRUB's reading) does not have yet.
    const bool clean = block.warnings().empty();
    const auto lines = std::count_if(vars.begin(), vars.end(), [](const auto& v) { return v.name == "saved_entry"; });
    try {
        edited.set("saved_entry", "1>2\\x\ny");
        if (lines == 0 && clean) check(edited.get("saved_entry") == "1>2\\x\ny", "set then get");
    } catch (const Error&) {
        check(edited.bytes() == block.bytes(), "a refused set changes nothing");
    }
    check(edited.bytes().size() == size, "set keeps the size");
    if (!vars.empty()) {
        edited.unset(vars.front().name);
        check(edited.bytes().size() == size, "unset keeps the size");
        refusal_ok([&] { edited.set_all({{vars.front().name, "v"}, {"next_entry", ""}}); });
        check(edited.bytes().size() == size, "set_all keeps the size");
        // What bootsmith wrote reads back as a block.
        (void)grub::EnvBlock::parse(edited.bytes(), "grubenv").list();
    }
    (void)edited.free_space();
}

void default_grub(Input in) {
    std::string text(as_text(in));
    grub::ShellVars before = {{"GRUB_DISTRIBUTOR", "Debian"}, {"X", std::nullopt}};
    grub::DefaultGrubFile f = grub::DefaultGrubFile::parse(text, "/etc/default/grub", before);
    check(f.text() == text, "the file's bytes are kept");
    for (const auto& a : f.assignments()) {
        check(a.value_begin <= a.value_end && a.value_end <= text.size(), "value span inside the text");
        check(text.substr(a.value_begin, a.value_end - a.value_begin) == a.raw, "raw is the value as written");
    }
    const std::string key = f.assignments().empty() ? "GRUB_TIMEOUT" : f.assignments().back().key;
    for (std::string_view value : {std::string_view("quiet splash"), std::string_view("a'b\"c$d`e\\f\ng")}) {
        std::string edited;
        try {
            edited = f.with_value(key, value);
        } catch (const Error&) {
            continue; // refused: the deciding assignment cannot be rewritten safely
        }
        // sh sourcing the result yields exactly `value`: bootsmith's own reading must agree.
        grub::DefaultGrubFile g = grub::DefaultGrubFile::parse(edited, "/etc/default/grub", before);
        const grub::Assignment* a = g.deciding(key);
        check(a != nullptr, "an edited key is assigned");
        if (a->value) check(*a->value == value, "with_value: the edited file yields the value");
    }
    std::string removed;
    bool refused = false;
    try {
        removed = f.without(key);
    } catch (const Error&) {
        refused = true;
    }
    if (!refused) {
        grub::DefaultGrubFile g = grub::DefaultGrubFile::parse(removed, "/etc/default/grub", before);
        check(g.deciding(key) == nullptr, "without: no top-level assignment is left");
    }

    // The kernel command line helpers on the text as a value.
    std::vector<std::string> args = grub::cmdline_split(text);
    (void)grub::cmdline_add(text, {"console=ttyS0,115200", "quiet"});
    if (!args.empty()) (void)grub::cmdline_remove(text, {args.front()});
}

void grub_cfg(Input in) {
    std::string_view text = as_text(in);
    grub::Menu menu = grub::parse_menu(text);
    for (std::string_view v : {"0", "1>0", "${saved_entry}", "saved", "x>>y"})
        (void)grub::resolve_default(menu, v);
    grub::DefaultChoice d = grub::effective_default(menu, std::string("1"), std::nullopt);
    if (!menu.entries.empty()) {
        check(d.selection.entry != nullptr, "a non-empty menu always selects an entry");
        const grub::MenuEntry& first = menu.entries.front();
        (void)grub::find_entry(menu, first.title);
        (void)grub::find_entry(menu, first.id_path);
        check(grub::resolve_default(menu, first.index_path).entry != nullptr, "an index path resolves");
        if (!first.children.empty()) (void)grub::find_entry(menu, first.children.back().index_path);
    }
    // The value of `set default` resolved as GRUB resolves it.
    if (menu.default_value) (void)grub::resolve_default(menu, *menu.default_value);
}

} // namespace bootsmith::fuzz
