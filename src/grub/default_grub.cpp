// /etc/default/grub and its drop-ins: a lossless POSIX sh tokenizer, an evaluator that claims a
// value only where it agrees with /bin/sh, and an editor that rewrites one value span.
//
// The file is parsed into a small syntax tree (lists, and-or lists, pipelines, simple and
// compound commands, words made of literal, parameter and "dynamic" parts) with the byte
// span of every word. Words are read by a port of dash's readtoken1()/parsesub() and the
// grammar follows dash's parser, so a file parses here exactly when `sh -n` accepts it
// (checked on thousands of mutated files by the unit tests). Nothing is executed. A second pass walks the tree in
// execution order and tracks what sh would know: each variable's value or why it is unknown, functions, and the
// commands after which nothing can be claimed any more (`.`, `eval`, `exit`, …).
//
// Modes: an assignment runs unconditionally at the top level (top), may or may not run
// (cond: inside if/while/for/case, after && or ||, a prefix of a command), runs only when a
// function is called (func), or never touches this shell (sub: subshells, pipelines,
// background jobs). Only `top` assignments are rewritten by the editor.
#include "bootsmith/grub/default_grub.hpp"

#include "bootsmith/error.hpp"
#include "bootsmith/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <set>
#include <utility>

namespace bootsmith::grub {
namespace {

constexpr std::size_t kMaxFileSize = 1u << 20; // a real /etc/default/grub is a few KiB
constexpr int kMaxDepth = 200;                 // nesting of compound commands and expansions
constexpr std::size_t npos = std::string::npos;

bool name_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool name_char(char c) {
    return name_start(c) || (c >= '0' && c <= '9');
}
bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

bool valid_name(std::string_view s) {
    if (s.empty() || !name_start(s[0])) return false;
    return std::all_of(s.begin(), s.end(), name_char);
}

/// 1-based line numbers of byte offsets.
class Lines {
public:
    explicit Lines(std::string_view t) {
        starts_.push_back(0);
        for (std::size_t i = 0; i < t.size(); ++i)
            if (t[i] == '\n') starts_.push_back(i + 1);
    }
    std::size_t line(std::size_t pos) const {
        return static_cast<std::size_t>(std::upper_bound(starts_.begin(), starts_.end(), pos) - starts_.begin());
    }
    std::size_t start_of(std::size_t pos) const { return starts_[line(pos) - 1]; }

private:
    std::vector<std::size_t> starts_;
};

// ------------------------------------------------------------------------------------------
// Syntax tree
// ------------------------------------------------------------------------------------------

/// What expanding a word may do to the shell besides producing text (assignments by
/// ${X=…} and $((X=…)) are listed in Word::touched).
enum class Effect : std::uint8_t {
    none,
    may_stop ///< may end the shell (`${X?}`, a bad substitution, an arithmetic error)
};

struct Part {
    enum class Kind : std::uint8_t { lit, param, dyn };
    Kind kind = Kind::lit;
    bool quoted = false; ///< lit: the characters were quoted or escaped
    std::string text;    ///< lit: the characters; param: the name; dyn: why it needs a shell
};

struct Word {
    std::size_t begin = 0, end = 0;
    std::vector<Part> parts;
    bool has_quoting = false; ///< any ', ", \ in it (then it is never a reserved word)
    bool assignment = false;  ///< NAME=… with an unquoted NAME
    std::string name;
    std::size_t value_begin = 0; ///< byte offset after '='
    std::size_t value_part = 0;  ///< index of the first part of the value
    bool io_number = false;      ///< digits directly before < or >
    Effect effect = Effect::none;
    std::string effect_what;
    std::size_t effect_pos = 0;
    std::vector<std::string> touched; ///< variables the expansion assigns (${X=…}, $((X=…)))

    void lit(char c, bool quoted) {
        if (parts.size() <= value_part || parts.back().kind != Part::Kind::lit || parts.back().quoted != quoted)
            parts.push_back({Part::Kind::lit, quoted, {}});
        parts.back().text += c;
    }
    void lit(std::string_view s, bool quoted) {
        for (char c : s)
            lit(c, quoted);
    }
    void add(Part::Kind k, std::string text) { parts.push_back({k, false, std::move(text)}); }
    void note(Effect e, std::string what, std::size_t pos) {
        if (e > effect) {
            effect = e;
            effect_what = std::move(what);
            effect_pos = pos;
        }
    }
    /// The text when the word is only literal characters (quoted or not).
    std::optional<std::string> literal() const {
        std::string s;
        for (const auto& p : parts) {
            if (p.kind != Part::Kind::lit) return std::nullopt;
            s += p.text;
        }
        return s;
    }
    /// Unquoted literal text: a candidate reserved word or command name.
    bool plain() const {
        if (has_quoting) return false;
        return std::all_of(parts.begin(), parts.end(), [](const Part& p) { return p.kind == Part::Kind::lit; });
    }
    /// plain() and spelling `kw` (compared part by part: the parser asks this of every word).
    bool is(std::string_view kw) const {
        if (!plain()) return false;
        std::size_t at = 0;
        for (const auto& p : parts) {
            if (kw.substr(at, p.text.size()) != p.text) return false;
            at += p.text.size();
        }
        return at == kw.size();
    }
};

struct Node {
    enum class Kind : std::uint8_t {
        list,
        and_or,
        pipeline,
        simple,
        if_,
        loop,
        for_,
        case_,
        brace,
        subshell,
        function
    };
    struct Sep {
        char type = 0; ///< ';', '&', '\n', or 0 (none)
        std::size_t begin = 0, end = 0;
    };
    Kind kind = Kind::list;
    std::size_t begin = 0, end = 0;
    std::string label; ///< if/while/until/for/case/function name
    std::vector<std::unique_ptr<Node>> kids;
    std::vector<Sep> seps;         ///< list: the separator after each kid
    bool bang = false;             ///< pipeline: `!`
    std::vector<Word> words;       ///< simple: its words; for: the list; case: the subject
    std::vector<Word> other_words; ///< redirection targets, case patterns
    bool redirected = false;
    Word heredoc_word; ///< effects of the expansions in its here-documents
};

// ------------------------------------------------------------------------------------------
// Parser (tokenizer included: tokens depend on the grammar position only for reserved words)
// ------------------------------------------------------------------------------------------

class Parser {
public:
    Parser(const std::string& text, const std::string& path, const Lines& lines)
        : t_(text), n_(text.size()), path_(path), lines_(lines) {}

    std::unique_ptr<Node> program() {
        auto root = list();
        const Tok& tk = peek();
        if (tk.type != Tok::eof) fail(tk.begin, "syntax error: unexpected " + describe(tk));
        return root;
    }

private:
    struct Tok {
        enum Type : std::uint8_t { word, op, newline, eof } type = eof;
        std::string text; ///< op: the operator
        Word w;
        std::size_t begin = 0, end = 0;
    };
    struct Heredoc {
        std::string delim;
        bool quoted = false;
        bool strip_tabs = false;
        Node* node = nullptr;
    };
    struct Depth {
        Depth(Parser& p, std::size_t pos) : p_(p) {
            if (++p_.depth_ > kMaxDepth) p_.fail(pos, "nested more than " + std::to_string(kMaxDepth) + " levels deep");
        }
        ~Depth() { --p_.depth_; }
        Depth(const Depth&) = delete;
        Depth& operator=(const Depth&) = delete;
        Parser& p_;
    };

    [[noreturn]] void fail(std::size_t pos, const std::string& msg) const {
        throw Error(Exit::data, path_ + ":" + std::to_string(line_base_ + lines_.line(pos) - 1) + ": " + msg);
    }

    static std::string describe(const Tok& tk) {
        switch (tk.type) {
        case Tok::eof: return "end of file";
        case Tok::newline: return "newline";
        case Tok::op: return "`" + tk.text + "'";
        case Tok::word: break;
        }
        auto lit = tk.w.literal();
        return "`" + printable(lit ? *lit : std::string("word")) + "'";
    }

    // --- characters -------------------------------------------------------------------------

    /// Backslash-newline is removed everywhere except in '…', comments and here-documents.
    void skip_bnl() {
        while (pos_ + 1 < n_ && t_[pos_] == '\\' && t_[pos_ + 1] == '\n')
            pos_ += 2;
    }
    bool at_end() const { return pos_ >= n_; }

    // --- tokens -----------------------------------------------------------------------------

    Tok& peek() {
        if (!peeked_) {
            Tok tk = lex();
            peeked_ = std::move(tk);
        }
        return *peeked_;
    }
    Tok next() {
        peek();
        Tok tk = std::move(*peeked_);
        peeked_.reset();
        return tk;
    }
    bool peek_op(std::string_view op) {
        const Tok& tk = peek();
        return tk.type == Tok::op && tk.text == op;
    }
    bool peek_kw(std::string_view kw) {
        const Tok& tk = peek();
        return tk.type == Tok::word && tk.w.is(kw);
    }
    void skip_newlines() {
        while (peek().type == Tok::newline)
            next();
    }

    Tok lex() {
        for (;;) {
            skip_bnl();
            while (!at_end() && is_blank(t_[pos_])) {
                ++pos_;
                skip_bnl();
            }
            Tok tk;
            tk.begin = tk.end = pos_;
            if (at_end()) return tk;
            char c = t_[pos_];
            if (c == '#') {
                while (!at_end() && t_[pos_] != '\n')
                    ++pos_;
                continue;
            }
            if (c == '\n') {
                tk.type = Tok::newline;
                tk.end = ++pos_;
                read_heredocs();
                return tk;
            }
            if (c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' || c == ')') return lex_op();
            tk.type = Tok::word;
            tk.w = lex_word();
            tk.begin = tk.w.begin;
            tk.end = tk.w.end;
            return tk;
        }
    }

    Tok lex_op() {
        Tok tk;
        tk.type = Tok::op;
        tk.begin = pos_;
        char c = t_[pos_++];
        auto next_is = [this](char d) {
            skip_bnl();
            if (!at_end() && t_[pos_] == d) {
                ++pos_;
                return true;
            }
            return false;
        };
        tk.text = std::string(1, c);
        switch (c) {
        case ';':
            if (next_is(';')) tk.text = ";;";
            break;
        case '&':
            if (next_is('&')) tk.text = "&&";
            break;
        case '|':
            if (next_is('|')) tk.text = "||";
            break;
        case '<':
            if (next_is('<'))
                tk.text = next_is('-') ? "<<-" : "<<";
            else if (next_is('&'))
                tk.text = "<&";
            else if (next_is('>'))
                tk.text = "<>";
            break;
        case '>':
            if (next_is('>'))
                tk.text = ">>";
            else if (next_is('&'))
                tk.text = ">&";
            else if (next_is('|'))
                tk.text = ">|";
            break;
        default: break;
        }
        tk.end = pos_;
        return tk;
    }

    static bool is_redirect_op(const std::string& op) {
        return op == "<" || op == ">" || op == ">>" || op == "<<" || op == "<<-" || op == "<&" || op == ">&" ||
               op == "<>" || op == ">|";
    }

    // --- words: a port of dash's readtoken1() and parsesub() --------------------------------
    //
    // A word is read by a small machine with a stack of syntaxes (unquoted, "…", '…',
    // arithmetic), exactly as dash reads it, so that every word ends where dash ends it.
    // Characters outside any ${…}/$((…)) become the word's parts; what is inside them only
    // makes the part dynamic (and may have effects: ${X=…} assigns, ${X?} and bad
    // substitutions end the shell).

    enum class Syn : std::uint8_t { base, dq, sq, ari };
    enum class Cls : std::uint8_t { nl, word, back, squote, dquote, endquote, var, endvar, lp, rp, bquote, spcl };
    struct SynEntry {
        Syn syntax = Syn::base;
        bool dblquote = false;
        int varnest = 0, dqvarnest = 0, parenlevel = 0;
        bool innerdq = false;
        int varpushed = 0;
        std::size_t quote_open = 0;
    };
    struct Machine {
        std::vector<SynEntry> stack;
        const Heredoc* heredoc = nullptr; ///< reading a here-document body (dash: eofmark != NULL)
        int depth = 0;                    ///< open ${…}/$((…)) around the current character
        std::vector<std::size_t> opens;   ///< where each open one started
        SynEntry& top() { return stack.back(); }
    };

    static Cls cls(Syn syn, char c) {
        switch (syn) {
        case Syn::base:
            switch (c) {
            case '\n': return Cls::nl;
            case '\\': return Cls::back;
            case '\'': return Cls::squote;
            case '"': return Cls::dquote;
            case '`': return Cls::bquote;
            case '$': return Cls::var;
            case '}': return Cls::endvar;
            case '<':
            case '>':
            case '(':
            case ')':
            case ';':
            case '&':
            case '|':
            case ' ':
            case '\t': return Cls::spcl;
            default: return Cls::word;
            }
        case Syn::dq:
            switch (c) {
            case '\n': return Cls::nl;
            case '\\': return Cls::back;
            case '"': return Cls::endquote;
            case '`': return Cls::bquote;
            case '$': return Cls::var;
            case '}': return Cls::endvar;
            default: return Cls::word;
            }
        case Syn::sq:
            if (c == '\n') return Cls::nl;
            return c == '\'' ? Cls::endquote : Cls::word;
        case Syn::ari:
            switch (c) {
            case '\n': return Cls::nl;
            case '\\': return Cls::back;
            case '`': return Cls::bquote;
            case '$': return Cls::var;
            case '}': return Cls::endvar;
            case '(': return Cls::lp;
            case ')': return Cls::rp;
            default: return Cls::word;
            }
        }
        return Cls::word;
    }
    static bool is_special(int c) {
        return c >= 0 && (std::string_view("#?$!-*@").find(static_cast<char>(c)) != npos || (c >= '0' && c <= '9'));
    }

    /// pgetc_eatbnl(): the next character after any backslash-newlines, or -1 at the end.
    int rd() {
        skip_bnl();
        last_ = pos_;
        if (at_end()) return -1;
        return static_cast<unsigned char>(t_[pos_++]);
    }
    void unrd() { pos_ = last_; } ///< pungetc()

    void emit(Word& w, Machine& m, char c, bool escaped) {
        if (m.depth == 0) w.lit(c, escaped || m.top().syntax != Syn::base);
    }

    Word lex_word() {
        Word w;
        w.begin = pos_;
        std::size_t content_end = pos_;
        // NAME= at the start makes an assignment word.
        std::string name;
        for (;;) {
            skip_bnl();
            if (at_end() || !name_char(t_[pos_]) || (name.empty() && !name_start(t_[pos_]))) break;
            name += t_[pos_];
            w.lit(t_[pos_], false);
            content_end = ++pos_;
        }
        if (!name.empty() && !at_end() && t_[pos_] == '=') {
            w.assignment = true;
            w.name = name;
            w.lit('=', false);
            w.value_begin = content_end = ++pos_;
            w.value_part = w.parts.size();
        }
        Machine m;
        m.stack.push_back(SynEntry {});
        content_end = std::max(content_end, run(w, m, content_end));
        w.end = content_end;
        if (!w.assignment && !w.has_quoting && !at_end() && (t_[pos_] == '<' || t_[pos_] == '>')) {
            auto s = w.literal();
            w.io_number = s && s->size() == 1 && (*s)[0] >= '0' && (*s)[0] <= '9';
        }
        return w;
    }

    /// Runs the machine until the word ends; returns the end of its last character.
    std::size_t run(Word& w, Machine& m, std::size_t content_end) {
        for (;;) {
            SynEntry& s = m.top();
            if (s.syntax != Syn::sq) skip_bnl();
            if (at_end()) break;
            char c = t_[pos_];
            switch (cls(s.syntax, c)) {
            case Cls::nl:
                if (s.syntax == Syn::base && s.varnest == 0) goto endword;
                emit(w, m, c, false);
                ++pos_;
                if (m.heredoc != nullptr && at_delimiter(*m.heredoc)) goto endword;
                break;
            case Cls::word:
                emit(w, m, c, false);
                ++pos_;
                break;
            case Cls::back: {
                ++pos_;
                w.has_quoting = true;
                if (at_end()) { // dash keeps a backslash at the very end
                    emit(w, m, '\\', true);
                    break;
                }
                char d = t_[pos_++];
                if (s.dblquote && d != '\\' && d != '`' && d != '$' && (d != '"' || (m.heredoc && s.varnest == 0)) &&
                    (d != '}' || s.varnest == 0))
                    emit(w, m, '\\', true);
                emit(w, m, d, true);
                break;
            }
            case Cls::squote:
                s.syntax = Syn::sq;
                s.quote_open = pos_++;
                w.has_quoting = true;
                if (m.depth == 0) w.parts.push_back({Part::Kind::lit, true, {}}); // A='' is quoted
                break;
            case Cls::dquote:
                s.syntax = Syn::dq;
                s.dblquote = true;
                s.quote_open = pos_++;
                w.has_quoting = true;
                if (m.depth == 0) w.parts.push_back({Part::Kind::lit, true, {}});
                if (s.varnest) s.innerdq = !s.innerdq;
                break;
            case Cls::endquote:
                if (m.heredoc && s.varnest == 0) {
                    emit(w, m, c, false);
                    ++pos_;
                    break;
                }
                if (s.dqvarnest == 0) {
                    s.syntax = Syn::base;
                    s.dblquote = false;
                }
                if (c == '"' && s.varnest) s.innerdq = !s.innerdq;
                ++pos_;
                break;
            case Cls::var:
                if (eofmark_) {
                    emit(w, m, c, false);
                    ++pos_;
                } else {
                    parsesub(w, m);
                }
                break;
            case Cls::endvar:
                if (!s.innerdq && s.varnest > 0) {
                    ++pos_;
                    if (--s.varnest == 0 && s.varpushed)
                        m.stack.pop_back();
                    else if (s.dqvarnest > 0)
                        --s.dqvarnest;
                    --m.depth;
                    m.opens.pop_back();
                } else {
                    emit(w, m, c, false);
                    ++pos_;
                }
                break;
            case Cls::lp:
                ++s.parenlevel;
                ++pos_;
                break;
            case Cls::rp:
                ++pos_;
                if (s.parenlevel > 0) {
                    --s.parenlevel;
                } else if (rd() == ')') { // $((…)) ends; a lone ) is kept ("don't 2nd guess")
                    m.stack.pop_back();
                    --m.depth;
                    arithmetic_done(w, m.opens.back());
                    m.opens.pop_back();
                } else {
                    unrd();
                }
                break;
            case Cls::bquote:
                if (eofmark_) {
                    emit(w, m, c, false);
                    ++pos_;
                } else {
                    backtick(w, m.top().dblquote, m.depth == 0);
                }
                break;
            case Cls::spcl:
                if (s.varnest == 0) goto endword;
                emit(w, m, c, false);
                ++pos_;
                break;
            }
            content_end = pos_;
        }
    endword:
        const SynEntry& s = m.top();
        if (s.syntax == Syn::ari) fail(m.opens.back(), "unterminated arithmetic expansion ($(( without )))");
        if (s.syntax != Syn::base && !m.heredoc)
            fail(s.quote_open,
                 s.syntax == Syn::sq ? "unterminated single quote (')" : "unterminated double quote (\")");
        if (s.varnest != 0) fail(m.opens.back(), "unterminated parameter expansion (${ without })");
        return content_end;
    }

    /// After "$((…))": an arithmetic error ends the shell; x=, x+=, x++ assign.
    void arithmetic_done(Word& w, std::size_t at) {
        std::string text = t_.substr(at, pos_ - at);
        w.note(Effect::may_stop, "arithmetic expansion $((…))", at);
        bool assigns = text.find("++") != npos || text.find("--") != npos;
        for (std::size_t i = 3; i + 2 < text.size(); ++i)
            if (text[i] == '=' && std::string_view("=!<>").find(text[i - 1]) == npos && text[i + 1] != '=')
                assigns = true;
        if (assigns)
            for (std::size_t i = 3; i < text.size();) {
                if (name_start(text[i])) {
                    std::size_t j = i;
                    while (j < text.size() && name_char(text[j]))
                        ++j;
                    w.touched.push_back(text.substr(i, j - i));
                    i = j;
                } else {
                    ++i;
                }
            }
    }

    /// parsesub(): pos_ at '$'.
    void parsesub(Word& w, Machine& m) {
        enum {
            vsnormal = 1,
            vsminus,
            vsplus,
            vsquestion,
            vsassign,
            vstrimright,
            vstrimrightmax,
            vstrimleft,
            vstrimleftmax,
            vslength,
            vsnul = 0x10
        };
        static constexpr std::string_view types = "}-+?=";
        std::size_t at = pos_++;
        bool outer = m.depth == 0;
        int c = rd();
        if (c < 0 || (c != '(' && c != '{' && !name_start(static_cast<char>(c)) && !is_special(c))) {
            // dash reads $'…' and $"…" as a $ and a quoted string; bash (Fedora's sh) does not.
            if ((c == '\'' || c == '"') && m.top().syntax == Syn::base && outer)
                w.add(Part::Kind::dyn, std::string("$") + static_cast<char>(c) + "…" + static_cast<char>(c) +
                                           " quoting (dash and bash differ)");
            else
                emit(w, m, '$', false);
            if (c >= 0) unrd();
            return;
        }
        if (c == '(') {
            if (rd() == '(') { // $((
                m.stack.push_back(SynEntry {Syn::ari, true});
                ++m.depth;
                m.opens.push_back(at);
                if (outer) w.add(Part::Kind::dyn, "arithmetic expansion $((…))");
            } else {
                unrd();
                command_substitution(w, at, outer);
            }
            return;
        }
        Syn newsyn = m.top().syntax;
        int subtype = vsnormal;
        std::string name;
        bool named = false;
        if (c == '{') {
            c = rd();
            subtype = 0;
        }
    varname:
        if (c >= 0 && name_start(static_cast<char>(c))) {
            name.clear();
            do {
                name += static_cast<char>(c);
                c = rd();
            } while (c >= 0 && name_char(static_cast<char>(c)));
            named = true;
        } else if (c >= '0' && c <= '9') {
            do
                c = rd();
            while (subtype != vsnormal && c >= '0' && c <= '9');
        } else if (c != '}') {
            int cc = c;
            c = rd();
            if (!subtype && cc == '#') {
                subtype = vslength;
                if (c == '_' || (c >= 0 && std::isalnum(c))) goto varname;
                cc = c;
                c = rd();
                if (cc == '}' || c != '}') {
                    unrd();
                    subtype = 0;
                    c = cc;
                    cc = '#';
                }
            }
            if (!is_special(cc)) {
                if (subtype == vslength) subtype = 0;
                goto badsub;
            }
        } else {
            goto badsub;
        }
        if (subtype == 0) {
            int cc = c;
            switch (c) {
            case ':':
                subtype = vsnul;
                c = rd();
                [[fallthrough]];
            default: {
                std::size_t p = c >= 0 ? types.find(static_cast<char>(c)) : npos;
                if (p == npos) break;
                subtype |= static_cast<int>(p) + vsnormal;
                break;
            }
            case '%':
            case '#':
                subtype = c == '#' ? vstrimleft : vstrimright;
                c = rd();
                if (c == cc)
                    ++subtype;
                else
                    unrd();
                newsyn = Syn::base;
                break;
            }
        } else {
            if (subtype == vslength && c != '}') subtype = 0;
        badsub:
            unrd();
        }
        if (subtype == vsnormal) {
            if (outer) {
                if (named)
                    w.add(Part::Kind::param, name);
                else
                    w.add(Part::Kind::dyn, std::string(std::isdigit(static_cast<unsigned char>(t_[at + 1])) != 0
                                                           ? "positional parameter "
                                                           : "special parameter ") +
                                               printable(t_.substr(at, pos_ - at)));
            }
            return;
        }
        // A ${…} with a word: its text is read by the machine up to the matching }.
        int base = subtype & ~vsnul;
        bool bad = subtype == 0 || base == vsnormal || base > vslength;
        if (bad) w.note(Effect::may_stop, "bad substitution for dash", at);
        if (named && base == vsassign) w.touched.push_back(name);
        if (base == vsquestion) w.note(Effect::may_stop, "${…?…} may end the shell", at);
        if (outer) w.add(Part::Kind::dyn, "parameter expansion ${…}");
        if (newsyn == Syn::ari) newsyn = Syn::dq;
        if ((newsyn != m.top().syntax || m.top().innerdq)) {
            SynEntry e;
            e.syntax = newsyn;
            e.varpushed = 1;
            e.dblquote = newsyn != Syn::base;
            m.stack.push_back(e);
        }
        ++m.top().varnest;
        if (m.top().dblquote) ++m.top().dqvarnest;
        ++m.depth;
        m.opens.push_back(at);
        if (m.depth > kMaxDepth) fail(at, "nested more than " + std::to_string(kMaxDepth) + " levels deep");
    }

    /// `…`: read the way dash reads it (\$ \` \\ and, inside "…", \" lose their backslash),
    /// then parsed as commands; a list is read and anything after it ignored, as dash does.
    void backtick(Word& w, bool dblquote, bool outer) {
        std::size_t open = pos_++;
        std::string inner;
        for (;;) {
            int c = rd();
            if (c < 0) fail(open, "unterminated command substitution (`)");
            if (c == '`') break;
            if (c == '\\') {
                int d = rd();
                if (d < 0) fail(open, "unterminated command substitution (`)");
                if (d != '\\' && d != '`' && d != '$' && (!dblquote || d != '"')) inner += '\\';
                inner += static_cast<char>(d);
                continue;
            }
            inner += static_cast<char>(c);
        }
        Depth d(*this, open);
        Lines lines(inner);
        Parser sub(inner, path_, lines);
        sub.line_base_ = line_base_ + lines_.line(open) - 1;
        sub.depth_ = depth_;
        sub.list();
        if (outer) w.add(Part::Kind::dyn, "command substitution `…`");
    }

    /// $(…): pos_ after "(". The content is parsed (to find its end the way sh does) and
    /// dropped: a command substitution runs in a subshell.
    void command_substitution(Word& w, std::size_t at, bool outer) {
        Depth d(*this, at);
        auto saved = std::move(peeked_);
        peeked_.reset();
        auto saved_pending = std::move(pending_);
        pending_.clear();
        auto body = list();
        const Tok& tk = peek();
        if (tk.type == Tok::eof) fail(at, "unterminated command substitution ($( without ))");
        if (!(tk.type == Tok::op && tk.text == ")"))
            fail(tk.begin, "syntax error: unexpected " + describe(tk) + " in command substitution");
        next();
        peeked_ = std::move(saved);
        pending_ = std::move(saved_pending);
        if (outer) w.add(Part::Kind::dyn, "command substitution $(…)");
    }

    /// Here-document bodies, after the newline that ends their command. A quoted delimiter
    /// ends the body at the first line equal to it; an unquoted one makes the body subject to
    /// expansions, read like "…" by the machine, which looks for the delimiter at the start
    /// of each line it reads itself (a $(…) may run past it, as in dash).
    void read_heredocs() {
        auto pending = std::move(pending_);
        pending_.clear();
        for (const auto& h : pending) {
            if (h.quoted) {
                while (!at_end() && !at_delimiter(h)) {
                    std::size_t eol = t_.find('\n', pos_);
                    pos_ = eol == npos ? n_ : eol + 1;
                }
                continue;
            }
            Machine m;
            m.heredoc = &h;
            m.stack.push_back(SynEntry {Syn::dq, true});
            Word& scratch = h.node->heredoc_word;
            if (!at_delimiter(h)) run(scratch, m, pos_);
            scratch.parts.clear();
        }
    }

    /// dash's checkend(): is the line at pos_ the delimiter? If so, it is consumed.
    bool at_delimiter(const Heredoc& h) {
        std::size_t p = pos_;
        if (h.strip_tabs)
            while (p < n_ && t_[p] == '\t')
                ++p;
        if (t_.compare(p, h.delim.size(), h.delim) != 0) return false;
        p += h.delim.size();
        if (p < n_ && t_[p] != '\n') return false;
        pos_ = p < n_ ? p + 1 : p;
        return true;
    }

    // --- grammar ----------------------------------------------------------------------------

    std::unique_ptr<Node> make(Node::Kind k, std::size_t begin) {
        auto node = std::make_unique<Node>();
        node->kind = k;
        node->begin = node->end = begin;
        return node;
    }

    static bool terminator_keyword(const Tok& tk) {
        if (tk.type != Tok::word || !tk.w.plain()) return false;
        auto s = tk.w.literal();
        return *s == "then" || *s == "elif" || *s == "else" || *s == "fi" || *s == "do" || *s == "done" ||
               *s == "esac" || *s == "}";
    }

    std::unique_ptr<Node> list() {
        Depth d(*this, pos_);
        skip_newlines();
        auto node = make(Node::Kind::list, peek().begin);
        for (;;) {
            const Tok& tk = peek();
            if (tk.type == Tok::eof) break;
            if (tk.type == Tok::op && (tk.text == ")" || tk.text == ";;")) break;
            if (terminator_keyword(tk)) break;
            node->kids.push_back(and_or());
            node->end = node->kids.back()->end;
            Node::Sep sep;
            const Tok& s = peek();
            if (s.type == Tok::op && (s.text == ";" || s.text == "&")) {
                sep = {s.text[0], s.begin, s.end};
                next();
            } else if (s.type == Tok::newline) {
                sep = {'\n', s.begin, s.end};
            }
            node->seps.push_back(sep);
            if (sep.type == 0) break;
            skip_newlines();
        }
        return node;
    }

    void require(const Node& body, std::size_t at, const std::string& what) {
        if (body.kids.empty()) {
            const Tok& tk = peek();
            fail(tk.type == Tok::eof ? at : tk.begin,
                 "syntax error: empty command list in " + what + " (unexpected " + describe(tk) + ")");
        }
    }

    void expect(std::string_view kw, std::size_t open, const std::string& what) {
        const Tok& tk = peek();
        if (tk.type == Tok::word && tk.w.is(kw)) {
            next();
            return;
        }
        if (tk.type == Tok::eof) fail(open, "unterminated " + what + " (no `" + std::string(kw) + "')");
        fail(tk.begin,
             "syntax error: unexpected " + describe(tk) + " in " + what + " (expected `" + std::string(kw) + "')");
    }

    std::unique_ptr<Node> and_or() {
        auto node = make(Node::Kind::and_or, peek().begin);
        node->kids.push_back(pipeline());
        while (peek_op("&&") || peek_op("||")) {
            next();
            skip_newlines();
            node->kids.push_back(pipeline());
        }
        node->end = node->kids.back()->end;
        return node;
    }

    std::unique_ptr<Node> pipeline() {
        auto node = make(Node::Kind::pipeline, peek().begin);
        if (peek_kw("!")) {
            next();
            node->bang = true;
        }
        node->kids.push_back(command());
        while (peek_op("|")) {
            next();
            skip_newlines();
            node->kids.push_back(command());
        }
        node->end = node->kids.back()->end;
        return node;
    }

    std::unique_ptr<Node> command() {
        Depth d(*this, peek().begin);
        const Tok& tk = peek();
        std::unique_ptr<Node> node;
        if (tk.type == Tok::op && tk.text == "(") {
            node = subshell();
        } else if (tk.type == Tok::word && tk.w.plain()) {
            std::string s = *tk.w.literal();
            if (s == "{")
                node = brace();
            else if (s == "if")
                node = if_clause();
            else if (s == "while" || s == "until")
                node = loop();
            else if (s == "for")
                node = for_clause();
            else if (s == "case")
                node = case_clause();
            else if (terminator_keyword(tk) || s == "!" || s == "in")
                fail(tk.begin, "syntax error: unexpected " + describe(tk));
        }
        if (node) {
            for (;;) {
                const Tok& r = peek();
                if (r.type == Tok::word && r.w.io_number) {
                    next();
                    redirect(*node);
                } else if (r.type == Tok::op && is_redirect_op(r.text)) {
                    redirect(*node);
                } else {
                    break;
                }
            }
            return node;
        }
        if (tk.type == Tok::word || (tk.type == Tok::op && is_redirect_op(tk.text))) return simple();
        fail(tk.begin, "syntax error: unexpected " + describe(tk));
    }

    void redirect(Node& node) {
        Tok op = next();
        eofmark_ = op.text == "<<" || op.text == "<<-"; // dash reads the delimiter with $ and ` literal
        const Tok& tw = peek();
        eofmark_ = false;
        if (tw.type != Tok::word || tw.w.io_number)
            fail(tw.begin, "syntax error: redirection " + op.text + " without a target");
        Word w = next().w;
        node.redirected = true;
        node.end = w.end;
        if (op.text == "<<" || op.text == "<<-") {
            Heredoc h; // read with $ and ` literal, so the word is all literal characters
            h.delim = w.literal().value_or(std::string());
            h.quoted = w.has_quoting;
            h.strip_tabs = op.text == "<<-";
            h.node = &node;
            pending_.push_back(std::move(h));
        }
        node.other_words.push_back(std::move(w));
    }

    std::unique_ptr<Node> simple() {
        auto node = make(Node::Kind::simple, peek().begin);
        for (;;) {
            const Tok& tk = peek();
            if (tk.type == Tok::word) {
                if (tk.w.io_number) {
                    next();
                    redirect(*node);
                    continue;
                }
                Word w = next().w;
                node->end = w.end;
                node->words.push_back(std::move(w));
                const Word& first = node->words.front();
                // dash: one word (not an assignment, no redirection) and `(' is a function
                // definition, whatever the word; its name is judged after the `)'.
                if (node->words.size() == 1 && !node->redirected && !first.assignment && peek_op("(")) {
                    auto name = first.literal();
                    static const std::set<std::string, std::less<>> special = {
                        "break",    ":",      ".",   "continue", "eval",  "exec", "exit", "export",
                        "readonly", "return", "set", "shift",    "times", "trap", "unset"};
                    next();
                    if (!peek_op(")")) fail(peek().begin, "syntax error: expected `)' after `('");
                    if (!first.plain() || !name || !valid_name(*name) || special.count(*name) != 0)
                        fail(first.begin, "syntax error: bad function name `" + printable(name.value_or("…")) + "'");
                    return function_body(std::move(node), *name);
                }
                continue;
            }
            if (tk.type == Tok::op && is_redirect_op(tk.text)) {
                redirect(*node);
                continue;
            }
            break;
        }
        return node;
    }

    std::unique_ptr<Node> function_body(std::unique_ptr<Node> head, const std::string& name) {
        std::size_t open = head->begin;
        next(); // ")"
        skip_newlines();
        auto node = make(Node::Kind::function, open);
        node->label = name;
        auto body = command(); // dash takes any command as a function body
        node->end = body->end;
        node->kids.push_back(std::move(body));
        return node;
    }

    std::unique_ptr<Node> subshell() {
        std::size_t open = next().begin;
        auto node = make(Node::Kind::subshell, open);
        auto body = list();
        require(*body, open, "( … )");
        const Tok& tk = peek();
        if (tk.type == Tok::eof) fail(open, "unterminated subshell `(' (no `)')");
        if (!(tk.type == Tok::op && tk.text == ")")) fail(tk.begin, "syntax error: unexpected " + describe(tk));
        node->end = next().end;
        node->kids.push_back(std::move(body));
        return node;
    }

    std::unique_ptr<Node> brace() {
        std::size_t open = next().begin;
        auto node = make(Node::Kind::brace, open);
        auto body = list();
        require(*body, open, "{ … }");
        expect("}", open, "`{' group");
        node->kids.push_back(std::move(body));
        return node;
    }

    std::unique_ptr<Node> if_clause() {
        std::size_t open = next().begin;
        auto node = make(Node::Kind::if_, open);
        node->label = "if";
        for (;;) {
            auto cond = list();
            require(*cond, open, "`if'");
            expect("then", open, "`if'");
            auto body = list();
            require(*body, open, "`if'");
            node->kids.push_back(std::move(cond));
            node->kids.push_back(std::move(body));
            if (peek_kw("elif")) {
                next();
                continue;
            }
            break;
        }
        if (peek_kw("else")) {
            next();
            auto body = list();
            require(*body, open, "`if'");
            node->kids.push_back(std::move(body));
        }
        expect("fi", open, "`if'");
        return node;
    }

    std::unique_ptr<Node> loop() {
        Tok kw = next();
        std::size_t open = kw.begin;
        auto node = make(Node::Kind::loop, open);
        node->label = *kw.w.literal();
        auto cond = list();
        require(*cond, open, "`" + node->label + "'");
        expect("do", open, "`" + node->label + "'");
        auto body = list();
        require(*body, open, "`" + node->label + "'");
        expect("done", open, "`" + node->label + "'");
        node->kids.push_back(std::move(cond));
        node->kids.push_back(std::move(body));
        return node;
    }

    std::unique_ptr<Node> for_clause() {
        std::size_t open = next().begin;
        auto node = make(Node::Kind::for_, open);
        const Tok& tn = peek();
        if (tn.type != Tok::word || !tn.w.plain() || !valid_name(*tn.w.literal()))
            fail(tn.begin, "syntax error: bad variable name in `for'");
        node->label = *next().w.literal();
        skip_newlines();
        if (peek_kw("in")) {
            next();
            while (peek().type == Tok::word)
                node->words.push_back(next().w);
            if (peek_op(";") || peek().type == Tok::newline)
                next();
            else if (peek().type == Tok::eof)
                fail(open, "unterminated `for' (no `do')");
            else
                fail(peek().begin, "syntax error: unexpected " + describe(peek()) + " in `for'");
        } else if (peek_op(";")) {
            next();
        }
        skip_newlines();
        expect("do", open, "`for'");
        auto body = list();
        require(*body, open, "`for'");
        expect("done", open, "`for'");
        node->kids.push_back(std::move(body));
        return node;
    }

    std::unique_ptr<Node> case_clause() {
        std::size_t open = next().begin;
        auto node = make(Node::Kind::case_, open);
        node->label = "case";
        const Tok& ts = peek();
        if (ts.type != Tok::word) fail(ts.type == Tok::eof ? open : ts.begin, "syntax error: `case' without a word");
        node->words.push_back(next().w);
        skip_newlines();
        expect("in", open, "`case'");
        skip_newlines();
        for (;;) {
            if (peek_kw("esac")) {
                next();
                break;
            }
            if (peek().type == Tok::eof) fail(open, "unterminated `case' (no `esac')");
            if (peek_op("(")) next();
            for (;;) { // dash takes any token as a pattern here, even `<'
                const Tok& tp = peek();
                if (tp.type == Tok::eof) fail(open, "unterminated `case' (no `esac')");
                Tok pat = next();
                if (pat.type == Tok::word) node->other_words.push_back(std::move(pat.w));
                if (!peek_op("|")) break;
                next();
            }
            if (!peek_op(")")) fail(peek().begin, "syntax error: unexpected " + describe(peek()) + " in `case'");
            next();
            node->kids.push_back(list());
            if (peek_op(";;")) {
                next();
                skip_newlines();
                continue;
            }
            if (peek_kw("esac")) {
                next();
                break;
            }
            if (peek().type == Tok::eof) fail(open, "unterminated `case' (no `esac')");
            fail(peek().begin, "syntax error: unexpected " + describe(peek()) + " in `case'");
        }
        return node;
    }

    const std::string& t_;
    std::size_t n_;
    const std::string& path_;
    const Lines& lines_;
    std::size_t pos_ = 0, last_ = 0;
    bool eofmark_ = false;
    std::size_t line_base_ = 1; ///< line of the text's first line (inside `…`)
    int depth_ = 0;
    std::optional<Tok> peeked_;
    std::vector<Heredoc> pending_;
};

// ------------------------------------------------------------------------------------------
// Evaluation
// ------------------------------------------------------------------------------------------

enum class Mode : std::uint8_t { top, cond, func, sub };

struct Ctx {
    Mode mode = Mode::top;
    std::string why; ///< for non-top modes: "inside `if' (line 3)"
};

/// Mode of something nested in `outer`: a subshell stays a subshell, a function body stays
/// a function body, anything conditional stays conditional.
Ctx nest(const Ctx& outer, Mode m, std::string why) {
    if (outer.mode == Mode::sub) return outer;
    if (m == Mode::sub) return {Mode::sub, std::move(why)};
    if (outer.mode == Mode::func) return outer;
    if (m == Mode::func) return {Mode::func, std::move(why)};
    if (outer.mode == Mode::cond) return outer;
    return {m, std::move(why)};
}

struct VarInfo {
    std::optional<std::string> value;
    std::string reason;
    std::uint64_t gen = 0; ///< when it was set; older than State::opaque_gen means "unknown"
};

/// What the shell knows while sourcing files in order.
struct State {
    std::map<std::string, VarInfo, std::less<>> vars;
    std::uint64_t clock = 1;
    std::uint64_t opaque_gen = 0; ///< a command that may assign anything ran at this time
    std::string opaque_reason;
    std::string stop_reason; ///< later assignments may never run
    bool allexport = false;  ///< `set -a`
    std::set<std::string, std::less<>> functions;
    std::set<std::string, std::less<>> exported;

    /// A variable's value, or nullopt and why.
    VarInfo get(std::string_view name) const {
        auto it = vars.find(name);
        if (it != vars.end()) {
            if (it->second.gen < opaque_gen) return {std::nullopt, opaque_reason};
            return it->second;
        }
        if (opaque_gen > 0) return {std::nullopt, opaque_reason};
        return unset_default(name);
    }
    static VarInfo unset_default(std::string_view name) {
        static const std::set<std::string, std::less<>> presets = {
            "GRUB_DEVICE",           "GRUB_DEVICE_UUID", "GRUB_DEVICE_PARTUUID",   "GRUB_DEVICE_BOOT",
            "GRUB_DEVICE_BOOT_UUID", "GRUB_FS",          "GRUB_DISABLE_OS_PROBER", "GRUB_EARLY_INITRD_LINUX_STOCK"};
        if (presets.count(name) != 0)
            return {std::nullopt, "$" + std::string(name) + " is set by grub-mkconfig before it reads the file"};
        if (name.substr(0, 5) == "GRUB_") return {std::string(), {}};
        return {std::nullopt, "$" + std::string(name) + " comes from the environment"};
    }
    void set(const std::string& name, std::optional<std::string> value, std::string reason) {
        vars[name] = {std::move(value), std::move(reason), ++clock};
    }

    /// The state the next file starts from: variables, exports and `set -a` carry over;
    /// functions and "may have stopped" do not (see GrubDefaults::load).
    State carry() const {
        State s = *this;
        s.stop_reason.clear();
        s.functions.clear();
        return s;
    }
};

State state_from(const ShellVars& before) {
    State s;
    for (const auto& [k, v] : before)
        s.vars[k] = {v, v ? std::string() : std::string("computed by the shell in an earlier file"), 1};
    return s;
}

ShellVars materialize(const State& s) {
    ShellVars out;
    for (const auto& [k, v] : s.vars)
        out[k] = s.get(k).value;
    return out;
}

struct CmdRec {
    std::size_t begin = 0, end = 0;
    std::vector<std::pair<std::size_t, std::size_t>> words; ///< spans of all words, in order
    bool has_export = false;                                ///< words[0] is `export`
    bool alone = false;                                     ///< the whole and-or list, not backgrounded
    Node::Sep sep;                                          ///< the separator after it
};
struct AssignMeta {
    Mode mode = Mode::top;
    std::size_t cmd = 0;  ///< index into Analysis::cmds
    std::size_t word = 0; ///< index into CmdRec::words
};
struct Touch {
    std::string name;
    std::size_t pos = 0;
    Mode mode = Mode::top;
    std::string what;
};
struct StopRec {
    std::size_t pos = 0;
    Mode mode = Mode::top;
    std::string what;
};

struct Analysis {
    std::vector<Assignment> assignments;
    std::vector<AssignMeta> meta;
    std::vector<CmdRec> cmds;
    std::vector<Touch> touches;
    std::vector<StopRec> stops;
    std::vector<StopRec> opaques;
    std::set<std::string, std::less<>> referenced; ///< names expanded as $NAME / ${NAME}
    State state;
};

std::string quote_cmd(std::string_view s) {
    return "`" + printable(s.substr(0, 40)) + "'";
}

class Evaluator {
public:
    Evaluator(const std::string& text, const Lines& lines, Analysis& a) : t_(text), lines_(lines), a_(a) {}

    void run(const Node& root) { list(root, Ctx {}); }

private:
    std::string line(std::size_t pos) const { return std::to_string(lines_.line(pos)); }
    static bool effective(const Ctx& c) { return c.mode == Mode::top || c.mode == Mode::cond; }
    State& st() { return a_.state; }

    // --- events -------------------------------------------------------------------------------

    void touch(const std::string& name, std::size_t pos, const std::string& what, const Ctx& c) {
        if (!effective(c)) return;
        st().set(name, std::nullopt, "changed by " + what + " on line " + line(pos));
        a_.touches.push_back({name, pos, c.mode, what});
    }
    /// A command that may assign any variable (`.`, eval, a function call, …).
    void opaque(std::size_t pos, const std::string& what, const Ctx& c) {
        if (!effective(c)) return;
        st().opaque_gen = ++st().clock;
        st().opaque_reason = "may be changed by line " + line(pos) + " (" + what + ")";
        a_.opaques.push_back({pos, c.mode, what});
    }
    /// A command after which the rest of the file may not run (exit, return, a fatal
    /// expansion error, …).
    void stop(std::size_t pos, const std::string& what, const Ctx& c) {
        if (!effective(c)) return;
        if (st().stop_reason.empty())
            st().stop_reason = "line " + line(pos) + " (" + what + ") may end the shell before it";
        a_.stops.push_back({pos, c.mode, what});
    }
    void word_effects(const Word& w, const Ctx& c) {
        for (const auto& name : w.touched)
            touch(name, w.begin, "an expansion", c);
        if (w.effect == Effect::may_stop) stop(w.effect_pos, w.effect_what, c);
    }

    // --- values -------------------------------------------------------------------------------

    /// What sh makes of the value of an assignment word (no field splitting, no globbing).
    VarInfo value_of(const Word& w, bool export_arg) {
        std::string out;
        bool at_start = true, after_colon = false;
        for (std::size_t i = w.value_part; i < w.parts.size(); ++i) {
            const Part& p = w.parts[i];
            switch (p.kind) {
            case Part::Kind::lit:
                for (char ch : p.text) {
                    if (!p.quoted && ch == '~' && (at_start || after_colon))
                        return {std::nullopt, "tilde expansion (~)"};
                    if (!p.quoted && ch == '{' && export_arg)
                        return {std::nullopt, "brace expansion in an `export' argument (bash expands it)"};
                    out += ch;
                    after_colon = !p.quoted && ch == ':';
                    at_start = false;
                }
                break;
            case Part::Kind::param: {
                a_.referenced.insert(p.text);
                VarInfo v = st().get(p.text);
                if (!v.value) {
                    std::string why = "depends on $" + p.text;
                    if (v.reason.rfind("depends on", 0) != 0 && !v.reason.empty()) why += " (" + v.reason + ")";
                    return {std::nullopt, why};
                }
                out += *v.value;
                at_start = after_colon = false;
                break;
            }
            case Part::Kind::dyn: return {std::nullopt, p.text};
            }
        }
        return {out, {}};
    }

    void record(const Word& w, const Ctx& c, VarInfo v, bool exported, std::size_t cmd, std::size_t word) {
        Assignment as;
        as.key = w.name;
        as.line = lines_.line(w.begin);
        as.begin = w.begin;
        as.value_begin = w.value_begin;
        as.value_end = std::max(w.end, w.value_begin);
        as.raw = t_.substr(as.value_begin, as.value_end - as.value_begin);
        as.top_level = c.mode == Mode::top;
        as.exported = exported || st().allexport;
        if (c.mode != Mode::top) {
            as.dynamic_reason = c.why;
        } else if (!st().stop_reason.empty()) {
            as.dynamic_reason = st().stop_reason;
        } else {
            as.value = std::move(v.value);
            as.dynamic_reason = std::move(v.reason);
        }
        a_.assignments.push_back(std::move(as));
        a_.meta.push_back({c.mode, cmd, word});
    }

    /// The variable after an assignment in mode `c`.
    void assign(const Assignment& as, const Ctx& c) {
        if (c.mode == Mode::top)
            st().set(as.key, as.value, as.dynamic_reason);
        else if (c.mode == Mode::cond)
            st().set(as.key, std::nullopt, "assigned " + c.why);
    }

    // --- walking ------------------------------------------------------------------------------

    void list(const Node& n, const Ctx& c) {
        for (std::size_t i = 0; i < n.kids.size(); ++i) {
            const Node::Sep sep = i < n.seps.size() ? n.seps[i] : Node::Sep {};
            if (sep.type == '&')
                and_or(*n.kids[i], nest(c, Mode::sub, "in a background job (line " + line(n.kids[i]->begin) + ")"), sep,
                       false);
            else
                and_or(*n.kids[i], c, sep, true);
        }
    }

    void and_or(const Node& n, const Ctx& c, const Node::Sep& sep, bool foreground) {
        for (std::size_t i = 0; i < n.kids.size(); ++i) {
            const Node& p = *n.kids[i];
            bool alone = foreground && n.kids.size() == 1 && p.kids.size() == 1 && !p.bang;
            Ctx pc = i == 0 ? c : nest(c, Mode::cond, "after && or || (line " + line(p.begin) + ")");
            if (p.kids.size() > 1) pc = nest(pc, Mode::sub, "in a pipeline (line " + line(p.begin) + ")");
            for (const auto& cmd : p.kids)
                command(*cmd, pc, alone, sep);
        }
    }

    void command(const Node& n, const Ctx& c, bool alone, const Node::Sep& sep) {
        for (const auto& w : n.other_words)
            word_effects(w, c);
        word_effects(n.heredoc_word, c);
        std::string at = " (line " + line(n.begin) + ")";
        switch (n.kind) {
        case Node::Kind::simple: simple(n, c, alone, sep); return;
        case Node::Kind::subshell: list(*n.kids[0], nest(c, Mode::sub, "in a subshell" + at)); return;
        case Node::Kind::brace:
            list(*n.kids[0], n.redirected ? nest(c, Mode::cond, "in a redirected { … }" + at) : c);
            return;
        case Node::Kind::if_:
        case Node::Kind::loop:
            for (const auto& k : n.kids)
                list(*k, nest(c, Mode::cond, "inside `" + n.label + "'" + at));
            return;
        case Node::Kind::for_: {
            Ctx inner = nest(c, Mode::cond, "inside `for'" + at);
            for (const auto& w : n.words)
                word_effects(w, c);
            touch(n.label, n.begin, "`for'", c);
            list(*n.kids[0], inner);
            return;
        }
        case Node::Kind::case_: {
            Ctx inner = nest(c, Mode::cond, "inside `case'" + at);
            for (const auto& w : n.words)
                word_effects(w, c);
            for (const auto& w : n.other_words)
                word_effects(w, inner);
            for (const auto& k : n.kids)
                list(*k, inner);
            return;
        }
        case Node::Kind::function:
            if (effective(c)) st().functions.insert(n.label);
            list_or_command(*n.kids[0], nest(c, Mode::func, "inside function `" + n.label + "'" + at));
            return;
        case Node::Kind::list:
        case Node::Kind::and_or:
        case Node::Kind::pipeline: return;
        }
    }

    void list_or_command(const Node& n, const Ctx& c) { command(n, c, false, Node::Sep {}); }

    void simple(const Node& n, const Ctx& c, bool alone, const Node::Sep& sep) {
        CmdRec rec;
        rec.begin = n.begin;
        rec.end = n.end;
        rec.alone = alone;
        rec.sep = sep;
        for (const auto& w : n.words)
            rec.words.emplace_back(w.begin, w.end);
        std::size_t ci = a_.cmds.size();
        std::size_t first = 0;
        while (first < n.words.size() && n.words[first].assignment)
            ++first;
        rec.has_export = first == 0 && !n.words.empty() && n.words[0].is("export");
        a_.cmds.push_back(std::move(rec));

        if (first == n.words.size()) { // only assignments (and maybe redirections)
            Ctx ac = n.redirected ? nest(c, Mode::cond, "with a redirection (line " + line(n.begin) + ")") : c;
            for (std::size_t i = 0; i < n.words.size(); ++i) {
                VarInfo v = value_of(n.words[i], false);
                record(n.words[i], ac, std::move(v), false, ci, i);
                word_effects(n.words[i], c);
                assign(a_.assignments.back(), ac);
            }
            return;
        }

        const Word& cw = n.words[first];
        auto lit = cw.literal();
        std::string name = cw.plain() && lit ? *lit : std::string();
        Ctx pc =
            nest(c, Mode::cond, "before the command " + quote_cmd(lit ? *lit : "…") + " (line " + line(cw.begin) + ")");
        for (std::size_t i = 0; i < first; ++i) {
            VarInfo v = value_of(n.words[i], false);
            record(n.words[i], pc, std::move(v), false, ci, i);
            word_effects(n.words[i], c);
            assign(a_.assignments.back(), pc);
        }
        if (name == "export" || name == "readonly" || name == "local" || name == "declare" || name == "typeset") {
            declaration(n, first, name, first > 0 || n.redirected ? pc : c, ci);
            return;
        }
        for (std::size_t i = first; i < n.words.size(); ++i)
            word_effects(n.words[i], c);
        classify(n, first, name, c);
    }

    /// export/readonly/local/declare/typeset NAME[=VALUE]…: every value is expanded before
    /// any is assigned (`export A=1 B=$A` gives B the old A).
    void declaration(const Node& n, std::size_t first, const std::string& name, const Ctx& c, std::size_t ci) {
        std::size_t pos = n.words[first].begin;
        bool is_export = name == "export";
        Ctx dc = is_export ? c : nest(c, Mode::cond, "declared with `" + name + "' (line " + line(pos) + ")");
        std::vector<VarInfo> values(n.words.size());
        for (std::size_t i = first + 1; i < n.words.size(); ++i) { // expansions first, in order
            if (n.words[i].assignment) values[i] = value_of(n.words[i], true);
            word_effects(n.words[i], c);
        }
        bool options_done = false;
        for (std::size_t i = first + 1; i < n.words.size(); ++i) {
            const Word& w = n.words[i];
            if (w.assignment) {
                options_done = true;
                record(w, dc, std::move(values[i]), is_export, ci, i);
                assign(a_.assignments.back(), dc);
                if (is_export && effective(c)) st().exported.insert(w.name);
                continue;
            }
            auto lit = w.literal();
            if (!lit) {
                opaque(w.begin, "`" + name + "' of a computed name", c);
                stop(w.begin, "`" + name + "' of a computed name", c);
                continue;
            }
            if (!options_done && *lit == "--") {
                options_done = true;
                continue;
            }
            if (!options_done && !lit->empty() && (*lit)[0] == '-') {
                if (!(is_export && *lit == "-p")) opaque(w.begin, "`" + name + " " + printable(*lit) + "'", c);
                continue;
            }
            options_done = true;
            if (!valid_name(*lit)) {
                stop(w.begin, "`" + name + "' of an invalid name fails", c);
                continue;
            }
            if (is_export) {
                if (effective(c)) st().exported.insert(*lit);
            } else {
                touch(*lit, w.begin, "`" + name + "'", c);
            }
        }
        if (!is_export) stop(pos, "`" + name + "'", c); // later assignments to a readonly variable fail
    }

    /// Everything else: what a command may do to the shell's variables.
    void classify(const Node& n, std::size_t first, const std::string& name, const Ctx& c) {
        std::size_t pos = n.words[first].begin;
        auto arg = [&](std::size_t i) -> std::optional<std::string> {
            return first + i < n.words.size() ? n.words[first + i].literal() : std::nullopt;
        };
        static const std::set<std::string, std::less<>> harmless = {
            ":",    "true", "false", "echo",  "test", "[",     "pwd", "cd",     "umask", "ulimit",
            "wait", "type", "hash",  "times", "jobs", "sleep", "cat", "printf", "fg",    "bg"};
        static const std::set<std::string, std::less<>> assigns_named = {"unset", "read", "getopts"};
        static const std::set<std::string, std::less<>> assigns_any = {".",       "source",    "eval",  "trap",   "let",
                                                                       "mapfile", "readarray", "shopt", "unalias"};
        static const std::set<std::string, std::less<>> stoppers = {"exit", "return", "exec",   "break",  "continue",
                                                                    "kill", "newgrp", "logout", "suspend"};
        static const std::set<std::string, std::less<>> anything = {"alias", "command", "builtin", "enable"};
        if (name.empty()) {
            opaque(pos, "a computed command", c);
            stop(pos, "a computed command", c);
            return;
        }
        if (st().functions.count(name) != 0) {
            opaque(pos, "calls the function " + quote_cmd(name), c);
            stop(pos, "calls the function " + quote_cmd(name), c);
            return;
        }
        if (name == "printf") {
            if (arg(1) == std::string("-v")) {
                auto v = arg(2);
                if (v && valid_name(*v))
                    touch(*v, pos, "`printf -v'", c);
                else
                    opaque(pos, "`printf -v'", c);
            }
            return;
        }
        if (harmless.count(name) != 0) return;
        if (assigns_named.count(name) != 0) {
            bool all_named = true;
            for (std::size_t i = 1; first + i < n.words.size(); ++i) {
                auto a = arg(i);
                if (a && valid_name(*a))
                    touch(*a, pos, quote_cmd(name), c);
                else if (!(a && !a->empty() && (*a)[0] == '-'))
                    all_named = false;
            }
            if (name == "getopts" || !all_named) opaque(pos, quote_cmd(name), c);
            return;
        }
        if (name == "set") { // options and positional parameters: no variable, but -e/-u may end the file
            for (std::size_t i = 1; first + i < n.words.size(); ++i) {
                auto a = arg(i);
                if (!a) continue;
                if ((a->size() > 1 && (*a)[0] == '-' && (*a)[1] != '-' && a->find('a') != npos) ||
                    (*a == "-o" && arg(i + 1) == std::string("allexport")))
                    if (effective(c)) st().allexport = true;
            }
            stop(pos, quote_cmd(name), c);
            return;
        }
        if (assigns_any.count(name) != 0) {
            opaque(pos, quote_cmd(name), c);
            return;
        }
        if (anything.count(name) != 0) opaque(pos, quote_cmd(name), c);
        if (stoppers.count(name) != 0 || anything.count(name) != 0) {
            stop(pos, quote_cmd(name), c);
            return;
        }
        // Any other name runs a program, which cannot change this shell's variables.
    }

    const std::string& t_;
    const Lines& lines_;
    Analysis& a_;
};

Analysis analyze(const std::string& text, const std::string& path, State before) {
    if (text.size() > kMaxFileSize)
        throw Error(Exit::data, path + ": too large for a shell configuration file (" + std::to_string(text.size()) +
                                    " bytes, limit " + std::to_string(kMaxFileSize) + ")");
    Lines lines(text);
    if (auto nul = text.find('\0'); nul != npos)
        throw Error(Exit::data, path + ":" + std::to_string(lines.line(nul)) + ": NUL byte in a shell file");
    Parser parser(text, path, lines);
    auto root = parser.program();
    Analysis a;
    a.state = std::move(before);
    Evaluator(text, lines, a).run(*root);
    for (auto& as : a.assignments)
        if (a.state.exported.count(as.key) != 0) as.exported = true;
    return a;
}

// ------------------------------------------------------------------------------------------
// Editing
// ------------------------------------------------------------------------------------------

bool safe_bare(std::string_view v) {
    return std::all_of(v.begin(), v.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               std::string_view("_@%+=:,./-").find(c) != npos;
    });
}

std::string double_quoted(std::string_view v) {
    std::string out = "\"";
    for (char c : v) {
        if (c == '\\' || c == '"' || c == '$' || c == '`') out += '\\';
        out += c;
    }
    return out + "\"";
}

enum class Style : std::uint8_t { bare, single, dbl };

Style style_of(std::string_view raw) {
    if (raw.find_first_of("'\"") == npos) return Style::bare;
    if (raw.size() >= 2 && raw.front() == '\'' && raw.back() == '\'' && raw.find('\'', 1) == raw.size() - 1)
        return Style::single;
    return Style::dbl;
}

std::string render(std::string_view value, Style style) {
    if (style == Style::bare && safe_bare(value)) return std::string(value);
    if (style == Style::single && value.find('\'') == npos) return "'" + std::string(value) + "'";
    return double_quoted(value);
}

std::string where(const std::string& path, std::size_t line) {
    return path + ":" + std::to_string(line) + ": ";
}

/// Checks an edited text: it parses, and every assignment that was not edited is still there
/// with the same key, raw value and mode, in order.
bool same_elsewhere(const Analysis& before, const Analysis& after, const std::set<std::size_t>& edited_before,
                    std::size_t added_after) {
    std::vector<std::tuple<std::string, std::string, Mode>> a, b;
    for (std::size_t i = 0; i < before.assignments.size(); ++i)
        if (edited_before.count(i) == 0)
            a.emplace_back(before.assignments[i].key, before.assignments[i].raw, before.meta[i].mode);
    for (std::size_t i = 0; i < after.assignments.size(); ++i)
        if (i != added_after) b.emplace_back(after.assignments[i].key, after.assignments[i].raw, after.meta[i].mode);
    return a == b;
}

// ------------------------------------------------------------------------------------------
// Kernel command lines
// ------------------------------------------------------------------------------------------

bool kspace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/// Spans of the arguments, split the way the kernel's next_arg() does: blanks outside
/// double quotes separate; quotes toggle and stay in the text.
std::vector<std::pair<std::size_t, std::size_t>> arg_spans(std::string_view s) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && kspace(s[i]))
            ++i;
        if (i >= s.size()) break;
        std::size_t b = i;
        bool q = false;
        while (i < s.size() && (q || !kspace(s[i]))) {
            if (s[i] == '"') q = !q;
            ++i;
        }
        out.emplace_back(b, i);
    }
    return out;
}

std::string unquoted(std::string_view a) {
    std::string s;
    for (char c : a)
        if (c != '"') s += c;
    return s;
}
std::string key_of(std::string_view a) {
    std::string s = unquoted(a);
    return s.substr(0, s.find('='));
}

void check_arg(const std::string& a) {
    if (a.empty()) throw Error(Exit::usage, "empty kernel argument");
    auto spans = arg_spans(a);
    if (spans.size() != 1 || spans[0].first != 0 || spans[0].second != a.size())
        throw Error(Exit::usage, "kernel argument '" + printable(a) + "' has blanks outside double quotes");
    if (std::count(a.begin(), a.end(), '"') % 2 != 0)
        throw Error(Exit::usage, "kernel argument '" + printable(a) + "' has an unbalanced double quote");
    if (key_of(a).empty()) throw Error(Exit::usage, "kernel argument '" + printable(a) + "' has no name");
}

/// Whether `a` without its double quotes — up to its first '=' when `key_only` (key_of) — is
/// `want`, compared without building the string: the command-line edits test every argument.
bool unquoted_is(std::string_view a, std::string_view want, bool key_only) {
    std::size_t j = 0;
    for (char c : a) {
        if (c == '"') continue;
        if (key_only && c == '=') break;
        if (j == want.size() || want[j] != c) return false;
        ++j;
    }
    return j == want.size();
}

/// The text without the arguments whose span index `drop` marks, in one pass. Each dropped
/// argument goes with the blanks after it, or, when no kept argument follows it, with the blanks
/// before it (back to the last kept one), so a line never gains or loses a separator between
/// the arguments it keeps; text that is left all blank becomes empty.
std::string drop_args(std::string_view s, const std::vector<std::pair<std::size_t, std::size_t>>& spans,
                      const std::vector<bool>& drop) {
    std::size_t last_kept = spans.size();
    for (std::size_t k = 0; k < spans.size(); ++k)
        if (!drop[k]) last_kept = k;
    std::string out;
    out.reserve(s.size());
    if (last_kept == spans.size()) { // nothing kept: only blanks are left
        out.append(s.substr(0, spans.empty() ? s.size() : spans.front().first));
        if (!spans.empty()) out.append(s.substr(spans.back().second));
    } else {
        out.append(s.substr(0, spans.front().first));
        for (std::size_t k = 0; k < last_kept; ++k)
            if (!drop[k]) out.append(s.substr(spans[k].first, spans[k + 1].first - spans[k].first));
        out.append(s.substr(spans[last_kept].first, spans[last_kept].second - spans[last_kept].first));
        out.append(s.substr(spans.back().second));
    }
    if (std::all_of(out.begin(), out.end(), kspace)) return {};
    return out;
}

} // namespace

// ------------------------------------------------------------------------------------------
// DefaultGrubFile
// ------------------------------------------------------------------------------------------

struct DefaultGrubFile::Plain {
    Analysis a;
};

DefaultGrubFile DefaultGrubFile::parse(std::string text, std::string path, const ShellVars& before) {
    DefaultGrubFile f;
    f.text_ = std::move(text);
    f.path_ = std::move(path);
    Analysis a = analyze(f.text_, f.path_, state_from(before));
    f.after_ = materialize(a.state);
    if (before.empty()) { // state_from({}) is the empty shell: this reading is plain()
        f.assignments_ = a.assignments;
        f.plain_ = std::make_shared<const Plain>(Plain {std::move(a)});
    } else {
        f.assignments_ = std::move(a.assignments);
    }
    return f;
}

const DefaultGrubFile::Plain& DefaultGrubFile::plain() const {
    if (!plain_) plain_ = std::make_shared<const Plain>(Plain {analyze(text_, path_, State {})});
    return *plain_;
}

const Assignment* DefaultGrubFile::deciding(std::string_view key) const {
    for (auto it = assignments_.rbegin(); it != assignments_.rend(); ++it)
        if (it->key == key && it->top_level) return &*it;
    return nullptr;
}

std::string DefaultGrubFile::with_value(std::string_view key, std::string_view value) const {
    std::string k(key);
    if (!valid_name(key)) throw Error(Exit::usage, path_ + ": '" + printable(key) + "' is not a shell variable name");
    if (value.find('\0') != npos)
        throw Error(Exit::usage, path_ + ": " + k + ": a value with a NUL byte cannot be written to a shell file");
    const Analysis& a = plain().a;

    // The last thing in the file that may change the key (subshells never do).
    std::optional<std::size_t> last_assign;
    std::size_t last_pos = 0;
    for (std::size_t i = 0; i < a.assignments.size(); ++i)
        if (a.assignments[i].key == key && a.meta[i].mode != Mode::sub) {
            last_assign = i;
            last_pos = a.assignments[i].begin;
        }
    for (const auto& tch : a.touches)
        if (tch.name == key && tch.mode != Mode::sub && (!last_assign || tch.pos > last_pos))
            throw Error(Exit::refused, where(path_, Lines(text_).line(tch.pos)) + k +
                                           " is computed by the shell (changed by " + tch.what +
                                           "); refusing to rewrite it");

    if (last_assign)
        for (const auto& o : a.opaques)
            if (o.pos > last_pos)
                throw Error(Exit::refused, where(path_, assignments_[*last_assign].line) + k +
                                               " is computed by the shell (line " +
                                               std::to_string(Lines(text_).line(o.pos)) +
                                               " may change it afterwards: " + o.what + "); refusing to rewrite it");

    std::string out;
    std::optional<std::size_t> edited;
    if (last_assign) {
        const Assignment& as = assignments_[*last_assign];
        if (!as.top_level || !as.value)
            throw Error(Exit::refused, where(path_, as.line) + k + " is computed by the shell (" +
                                           (as.dynamic_reason.empty() ? "dynamic" : as.dynamic_reason) +
                                           "); refusing to rewrite it");
        std::string v = render(value, style_of(as.raw));
        out = text_.substr(0, as.value_begin) + v + text_.substr(as.value_end);
        edited = *last_assign;
    } else {
        for (const auto& s : a.stops)
            if (s.mode != Mode::sub && s.mode != Mode::func)
                throw Error(Exit::refused, where(path_, Lines(text_).line(s.pos)) + "cannot add " + k + ": " + s.what +
                                               " may end the file before a new last line runs");
        out = text_;
        if (!out.empty() && out.back() != '\n') out += '\n';
        out += k + "=" + double_quoted(value) + "\n";
    }

    // Proof by re-reading: the key now has exactly `value`, nothing else moved.
    bool ok = false;
    try {
        Analysis b = analyze(out, path_, State {});
        std::size_t idx = b.assignments.size();
        for (std::size_t i = 0; i < b.assignments.size(); ++i)
            if (b.assignments[i].key == key && b.meta[i].mode != Mode::sub) idx = i;
        std::set<std::size_t> ed;
        if (edited) ed.insert(*edited);
        ok = idx < b.assignments.size() && b.assignments[idx].top_level && b.assignments[idx].value == value &&
             same_elsewhere(a, b, ed, idx);
    } catch (const Error&) {
        ok = false;
    }
    if (!ok)
        throw Error(Exit::refused, where(path_, edited ? assignments_[*edited].line : Lines(text_).line(text_.size())) +
                                       "cannot write " + k + " here without changing how the rest of the file reads");
    return out;
}

std::string DefaultGrubFile::without(std::string_view key) const {
    // Assignments in subshells never take effect and stay; any other one must be top-level.
    const Analysis& a = plain().a;
    std::set<std::size_t> idx;
    for (std::size_t i = 0; i < a.assignments.size(); ++i) {
        if (a.assignments[i].key != key || a.meta[i].mode == Mode::sub) continue;
        if (a.meta[i].mode != Mode::top)
            throw Error(Exit::refused, where(path_, a.assignments[i].line) + std::string(key) + " is assigned " +
                                           a.assignments[i].dynamic_reason + "; refusing to remove it");
        idx.insert(i);
    }
    if (idx.empty()) return text_;
    Lines lines(text_);
    // Per command: which of its words go.
    std::map<std::size_t, std::set<std::size_t>> by_cmd;
    for (std::size_t i : idx)
        by_cmd[a.meta[i].cmd].insert(a.meta[i].word);
    std::vector<std::pair<std::size_t, std::size_t>> cuts;
    for (const auto& [ci, gone] : by_cmd) {
        const CmdRec& cmd = a.cmds[ci];
        std::size_t lo = cmd.has_export ? 1 : 0;
        std::size_t line_no = lines.line(cmd.begin);
        if (cmd.words.size() - lo > gone.size()) { // other words stay: cut these and their blanks
            std::size_t last_kept = lo;
            for (std::size_t w = 0; w < cmd.words.size(); ++w)
                if (gone.count(w) == 0) last_kept = w;
            for (std::size_t w : gone) {
                if (w + 1 < cmd.words.size())
                    cuts.emplace_back(cmd.words[w].first, cmd.words[w + 1].first);
                else
                    cuts.emplace_back(cmd.words[last_kept].second, cmd.words[w].second);
            }
            continue;
        }
        if (!cmd.alone)
            throw Error(Exit::refused, where(path_, line_no) + std::string(key) +
                                           " is part of a longer command; refusing to remove it");
        // The whole command goes; the whole line when nothing else is on it.
        std::size_t b = cmd.begin, e = cmd.sep.type == ';' ? cmd.sep.end : cmd.end;
        std::size_t ls = lines.start_of(b);
        bool blank_before = std::all_of(text_.begin() + static_cast<std::ptrdiff_t>(ls),
                                        text_.begin() + static_cast<std::ptrdiff_t>(b), is_blank);
        std::size_t j = e;
        while (j < text_.size() && is_blank(text_[j]))
            ++j;
        if (j < text_.size() && text_[j] == '#')
            while (j < text_.size() && text_[j] != '\n')
                ++j;
        if (blank_before && (j == text_.size() || text_[j] == '\n')) {
            cuts.emplace_back(ls, j < text_.size() ? j + 1 : j);
        } else if (cmd.sep.type == ';') {
            std::size_t k = e;
            while (k < text_.size() && is_blank(text_[k]))
                ++k;
            cuts.emplace_back(b, k);
        } else {
            std::size_t p = b;
            while (p > ls && is_blank(text_[p - 1]))
                --p;
            if (p > ls && text_[p - 1] == ';' && !(p - 1 > ls && text_[p - 2] == ';'))
                cuts.emplace_back(p - 1, e);
            else
                cuts.emplace_back(b, e);
        }
    }
    std::sort(cuts.begin(), cuts.end());
    std::string out;
    std::size_t at = 0;
    for (const auto& [b, e] : cuts) {
        if (b > at) out += text_.substr(at, b - at);
        at = std::max(at, e);
    }
    out += text_.substr(std::min(at, text_.size()));

    bool ok = false;
    try {
        Analysis b = analyze(out, path_, State {});
        bool gone = std::none_of(b.assignments.begin(), b.assignments.end(),
                                 [&](const Assignment& x) { return x.key == key && x.top_level; });
        ok = gone && same_elsewhere(a, b, idx, b.assignments.size());
    } catch (const Error&) {
        ok = false;
    }
    if (!ok)
        throw Error(Exit::refused, where(path_, a.assignments[*idx.begin()].line) + "cannot remove " +
                                       std::string(key) + " without changing how the rest of the file reads");
    return out;
}

// ------------------------------------------------------------------------------------------
// GrubDefaults
// ------------------------------------------------------------------------------------------

GrubDefaults GrubDefaults::load(const sys::Root& root) {
    GrubDefaults g;
    auto main_text = root.read(kPath, kMaxFileSize);
    g.files_.push_back(DefaultGrubFile::parse(main_text.value_or(std::string()), root.display(kPath)));
    State st = g.files_.back().plain().a.state;
    for (const auto& e : root.list(kDropInDir)) {
        const std::string& name = e.name;
        if (name.size() <= 4 || name[0] == '.' || name.compare(name.size() - 4, 4, ".cfg") != 0) continue;
        if (e.type != sys::FileInfo::Type::regular && e.type != sys::FileInfo::Type::symlink) continue;
        std::string sys_path = std::string(kDropInDir) + "/" + name;
        auto text = root.read(sys_path, kMaxFileSize);
        if (!text) continue; // a dangling symlink: `[ -e ]` is false, grub-mkconfig skips it
        std::string display = root.display(sys_path);
        Analysis a = analyze(*text, display, st.carry());
        // Names this file expands that an earlier file may have changed behind our back
        // (after `.`, `eval`, …) are passed on as unknown.
        ShellVars before = g.files_.back().vars_after();
        if (st.opaque_gen > 0)
            for (const auto& ref : a.referenced)
                if (before.find(ref) == before.end()) before[ref] = std::nullopt;
        g.files_.push_back(DefaultGrubFile::parse(std::move(*text), display, before));
        st = std::move(a.state);
    }
    return g;
}

std::string GrubDefaults::system_path(std::size_t i) const {
    if (i == 0) return kPath;
    const std::string& p = files_[i].path();
    return std::string(kDropInDir) + "/" + p.substr(p.rfind('/') + 1);
}

std::vector<Setting> GrubDefaults::settings() const {
    std::vector<Setting> out;
    if (files_.empty()) return out;
    std::vector<Analysis> an;
    State st;
    for (const auto& f : files_) {
        an.push_back(analyze(f.text(), f.path(), st.carry()));
        st = an.back().state;
    }
    auto sys_path = [&](std::size_t i) { return system_path(i); };
    auto assigns = [&](std::size_t i, const std::string& key) {
        for (std::size_t j = 0; j < an[i].assignments.size(); ++j)
            if (an[i].assignments[j].key == key && an[i].meta[j].mode != Mode::sub) return true;
        return false;
    };
    std::vector<std::string> order;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < an.size(); ++i)
        for (std::size_t j = 0; j < an[i].assignments.size(); ++j)
            if (an[i].meta[j].mode != Mode::sub && seen.insert(an[i].assignments[j].key).second)
                order.push_back(an[i].assignments[j].key);
    for (const auto& key : order) {
        Setting s;
        s.key = key;
        if (st.vars.count(key) == 0 && st.opaque_gen == 0) continue; // only in a function never called
        VarInfo v = st.get(key);
        s.value = v.value;
        s.reason = s.value ? std::string() : v.reason;
        for (std::size_t i = 0; i < an.size(); ++i)
            for (std::size_t j = 0; j < an[i].assignments.size(); ++j) {
                const Assignment& as = an[i].assignments[j];
                if (as.key != key || an[i].meta[j].mode == Mode::sub) continue;
                s.file = sys_path(i);
                s.line = as.line;
                s.exported = s.exported || as.exported;
            }
        s.exported = s.exported || st.exported.count(key) != 0;
        if (assigns(0, key))
            for (std::size_t i = 1; i < an.size(); ++i)
                if (assigns(i, key)) s.overridden_in.push_back(sys_path(i));
        out.push_back(std::move(s));
    }
    return out;
}

std::optional<Setting> GrubDefaults::get(std::string_view key) const {
    for (auto& s : settings())
        if (s.key == key) return s;
    return std::nullopt;
}

// ------------------------------------------------------------------------------------------
// Kernel command lines
// ------------------------------------------------------------------------------------------

std::vector<std::string> cmdline_split(std::string_view line) {
    std::vector<std::string> out;
    for (const auto& [b, e] : arg_spans(line))
        out.emplace_back(line.substr(b, e - b));
    return out;
}

std::string cmdline_add(std::string_view current, const std::vector<std::string>& args) {
    std::string s(current);
    for (const auto& arg : args) {
        check_arg(arg);
        const std::string key = key_of(arg);
        const auto spans = arg_spans(s);
        std::vector<bool> drop(spans.size(), false);
        std::optional<std::size_t> first;
        for (std::size_t k = 0; k < spans.size(); ++k)
            if (unquoted_is(std::string_view(s).substr(spans[k].first, spans[k].second - spans[k].first), key, true)) {
                if (first)
                    drop[k] = true;
                else
                    first = k;
            }
        if (!first) {
            if (!s.empty() && !kspace(s.back())) s += ' ';
            s += arg;
            continue;
        }
        // The later duplicates go, the first is replaced: dropping them changes nothing before
        // the first one's end, so its span stays valid.
        const auto [b, e] = spans[*first];
        s = drop_args(s, spans, drop);
        s = s.substr(0, b) + arg + s.substr(e);
    }
    return s;
}

std::string cmdline_remove(std::string_view current, const std::vector<std::string>& args) {
    std::string s(current);
    for (const auto& arg : args) {
        check_arg(arg);
        const bool exact = unquoted(arg).find('=') != npos;
        const std::string want = exact ? unquoted(arg) : key_of(arg);
        // Removing an argument with its blanks never changes how the others split, so every
        // match is found on one split and all go in one pass (not one split per match, which
        // made a line of many matches quadratic).
        const auto spans = arg_spans(s);
        std::vector<bool> drop(spans.size(), false);
        bool any = false;
        for (std::size_t k = 0; k < spans.size(); ++k) {
            drop[k] =
                unquoted_is(std::string_view(s).substr(spans[k].first, spans[k].second - spans[k].first), want, !exact);
            any = any || drop[k];
        }
        if (any) s = drop_args(s, spans, drop);
    }
    return s;
}

} // namespace bootsmith::grub
