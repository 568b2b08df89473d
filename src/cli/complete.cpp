// bootsmith __complete: the one source of completion candidates for bash, zsh and fish.
// The shell scripts in completions/ pass the words typed so far; the answer is a directive
// line (":words", ":dirs", ":files" or ":none") followed by "candidate<TAB>description"
// lines. Keeping the logic here means completion can never drift from the command table.
#include "app.hpp"

#include "bootsmith/error.hpp"

#include <cstdlib>
#include <iostream>
#include <sstream>

namespace bootsmith::cli {

namespace {

const Command* find(const std::string& name) {
    for (const auto& c : commands())
        if (c.name == name && !c.hidden) return &c;
    return nullptr;
}

/// The option a word names ("--root", "--root=x", "-q"), when it is one that takes a value.
const po::option_description* valued_option(const po::options_description& desc, const std::string& word) {
    if (!word.starts_with("-") || word == "-" || word == "--") return nullptr;
    bool is_long = word.starts_with("--");
    std::string name = word.substr(is_long ? 2 : 1);
    name = name.substr(0, name.find('='));
    if (name.empty()) return nullptr;
    const auto* o = desc.find_nothrow(name, false, true, !is_long);
    return o != nullptr && o->semantic()->max_tokens() > 0 ? o : nullptr;
}

/// What the shell should offer for the value of an option.
std::string value_directive(const po::option_description& o) {
    if (o.long_name() == "root") return ":dirs";
    if (o.long_name() == "lock-timeout") return ":none";
    return ":files";
}

void add_options(std::vector<std::string>& out, const po::options_description& desc) {
    for (const auto& o : desc.options()) {
        std::string name = o->long_name();
        if (name.empty()) continue;
        out.push_back("--" + name + "\t" + o->description());
    }
}

} // namespace

std::vector<std::string> completion_candidates(const std::vector<std::string>& words) {
    std::vector<std::string> out {":words"};
    if (words.empty()) return out;
    const std::string& cur = words.back();

    po::options_description known = global_options();
    po::options_description verb_opts, verb_hidden;
    po::positional_options_description verb_pos;
    const Command* cmd = nullptr;
    const Verb* verb = nullptr;
    std::string root = "/";
    std::vector<std::string> positional;

    auto valued = [&](const std::string& w) {
        const auto* o = valued_option(known, w);
        return o != nullptr ? o : verb != nullptr ? valued_option(verb_opts, w) : nullptr;
    };
    bool options_ended = false; // after a bare "--" every word is an argument
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
        const std::string& w = words[i];
        if (!options_ended && w == "--") {
            options_ended = true;
            continue;
        }
        if (!options_ended && w.starts_with("-")) {
            const auto* o = valued(w);
            if (o != nullptr && w.find('=') == std::string::npos) {
                if (i + 2 == words.size()) return {value_directive(*o)}; // its value is being typed now
                if (o->long_name() == "root") root = words[i + 1];
                ++i;
            } else if (o != nullptr && o->long_name() == "root") {
                root = w.substr(w.find('=') + 1);
            }
            continue;
        }
        if (cmd == nullptr) {
            cmd = find(w);
            const char* preview = std::getenv("BOOTSMITH_PREVIEW"); // see app.cpp
            bool hidden = !cmd || (!cmd->unavailable.empty() && !(preview && std::string_view(preview) == "1"));
            if (hidden || cmd->passthrough) return {":none"};
            if (cmd->verbs.size() == 1 && cmd->verbs.front().name.empty()) verb = &cmd->verbs.front();
        } else if (verb == nullptr) {
            for (const auto& v : cmd->verbs)
                if (v.name == w) verb = &v;
            if (verb == nullptr) return {":none"};
        } else {
            positional.push_back(w);
            continue;
        }
        if (verb != nullptr && verb->options) verb->options(verb_opts, verb_hidden, verb_pos);
    }

    if (!options_ended && cur.starts_with("-")) {
        if (const auto* o = valued(cur); o != nullptr && cur.find('=') != std::string::npos)
            return {value_directive(*o)};
        add_options(out, known);
        if (verb != nullptr) add_options(out, verb_opts);
        return out;
    }
    if (cmd == nullptr) {
        for (const auto& c : commands())
            if (!c.hidden)
                out.push_back(c.name + "\t" + c.summary + (c.unavailable.empty() ? "" : " (not available yet)"));
        return out;
    }
    if (verb == nullptr) {
        for (const auto& v : cmd->verbs)
            out.push_back(v.name + "\t" + v.summary);
        return out;
    }
    if (verb->complete) {
        Globals g;
        g.root = root;
        g.quiet = true;
        std::ostringstream sink_out, sink_err;
        try {
            Context ctx(g, {}, sink_out, sink_err);
            auto cands = verb->complete(ctx, positional);
            if (!cands.empty() && cands.front().starts_with(":")) return {cands.front()}; // a directive
            for (auto& c : cands)
                out.push_back(std::move(c));
        } catch (const std::exception&) {
            // Completion must never fail loudly: an unreadable root just offers nothing.
        }
    }
    return out;
}

Command complete_command() {
    Verb v;
    v.summary = "Print completion candidates for the words typed so far (used by completions/)";
    v.run = [](Context&, const po::variables_map&) { return 0; }; // handled in run() before parsing
    Command c = make_command("__complete", "Completion helper");
    c.verbs = {v};
    c.hidden = true;
    return c;
}

} // namespace bootsmith::cli
