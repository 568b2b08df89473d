// grub.cfg: a reader of the GRUB script language that builds the menu without executing
// anything, and GRUB's own resolution of `default`.
//
// How faithful it is, and to what (GRUB 2.06, grub-core/script/{yylex.l,parser.y,lexer.c},
// normal/{main.c,menu.c}, commands/menuentry.c, lib/arg.c; checked against grub-script-check
// 2.06 in tests/unit/grub_menu_test.cpp):
//
// * Input. GRUB reads grub.cfg line by line (grub_file_getline): a NUL ends the line's text,
//   carriage returns are dropped, and every line gets a '\n'. We prepare the text the same way
//   and then lex it as one stream. The flex lexer works on one line at a time, joining the next
//   line only for an open quote or a backslash-newline; with flex's longest-match rules that is
//   the same as lexing the stream, with two consequences kept here: a `#` where a word may start
//   always comments out the rest of the line (flex counts the `$` trailing context, so the
//   comment wins every tie), and a quote or a backslash-newline left open at the end of the file
//   is an error.
// * Grammar. A recursive-descent recogniser of exactly parser.y's language: commands need a
//   delimiter after them (`}` of a block excepted, not of a function), blocks and loop bodies
//   need at least one command, keywords are plain arguments after the command word, and
//   `&& || | & ;; < > [[ ]] case esac select` exist as tokens but in no rule. Bison gives up when
//   its stack reaches YYMAXDEPTH (10000) states ("memory exhausted"); we count the states the
//   LALR parser would hold and give up at the same point, so very deep nesting or a command
//   with ~10000 arguments is refused exactly as GRUB refuses it. This also bounds our recursion.
// * Errors. GRUB parses one "chunk" at a time (a line, or several while a construct is open);
//   a syntax error drops the whole chunk and GRUB carries on with the next line. We do the
//   same: nothing a failed chunk defined reaches the menu, and parsing resumes after the line
//   of the offending token.
// * Words. Quotes and escapes are removed the way GRUB's lexer does; variable references
//   (`$x`, `${x}`) are kept as written, since nothing is executed.
// * Limits (hostile input): a file over 32 MiB is not parsed; at most 1000 syntax errors are
//   listed (then one line counting the rest); the menu model stops at 50,000 entries or 16 MiB
//   of entry paths. These three add a "line N: limit: …" diagnostic although GRUB would not
//   call them syntax errors; nothing a real grub.cfg does comes near them.
// * `default` is resolved as a 64-bit GRUB does (x86_64-efi): grub_strtoul's unsigned long is
//   cast to int, so 4294967297 selects entry 1; a 32-bit GRUB (i386-pc) refuses numbers over
//   2^32-1 and boots entry 0.
#include "bootsmith/grub/menu.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bootsmith::grub {
namespace {

using u32 = std::uint32_t;

constexpr std::size_t kMaxInputBytes = std::size_t {32} << 20;
constexpr std::size_t kBisonMaxDepth = 10000; // YYMAXDEPTH: the parser stack may hold 9999 states
constexpr std::size_t kMaxDiagnostics = 1000;
// The menu model's size is bounded too: paths repeat their ancestors' ids, so a hostile file
// could otherwise make the model quadratically larger than itself.
constexpr std::size_t kMaxEntries = 50000;
constexpr std::size_t kMaxPathBytes = std::size_t {16} << 20; // index_path + id_path, whole menu

// ---------------------------------------------------------------------------------------
// Lexer (grub-core/script/yylex.l)

enum class T : std::uint8_t {
    Eof,
    Newline,
    Semi,
    Semi2,
    Pipe,
    Or,
    Amp,
    And,
    Lt,
    Gt,
    LBrace,
    RBrace,
    LBrackets,
    RBrackets,
    // keywords, in this order (is_keyword relies on it)
    Case,
    Do,
    Done,
    Elif,
    Else,
    Esac,
    Fi,
    For,
    If,
    In,
    Select,
    Then,
    Until,
    While,
    Function,
    Name,
    Word,
    Bad,
};

struct Keyword {
    std::string_view text;
    T kind;
};
constexpr std::array<Keyword, 15> kKeywords {{{"case", T::Case},
                                              {"do", T::Do},
                                              {"done", T::Done},
                                              {"elif", T::Elif},
                                              {"else", T::Else},
                                              {"esac", T::Esac},
                                              {"fi", T::Fi},
                                              {"for", T::For},
                                              {"if", T::If},
                                              {"in", T::In},
                                              {"select", T::Select},
                                              {"then", T::Then},
                                              {"until", T::Until},
                                              {"while", T::While},
                                              {"function", T::Function}}};

bool is_keyword(T k) {
    return k >= T::Case && k <= T::Function;
}
bool is_word(T k) {
    return k == T::Name || k == T::Word;
}
bool is_argument(T k) {
    return is_word(k) || is_keyword(k);
} // parser.y `argument`
bool starts_command(T k) {
    return is_word(k) || k == T::If || k == T::For || k == T::While || k == T::Until;
}

struct Token {
    T kind = T::Eof;
    u32 begin = 0, end = 0;        ///< byte range in the prepared text
    u32 line = 1;                  ///< line of the first character
    u32 last_line = 1;             ///< line of the position `end` (a token may span lines)
    const char* problem = nullptr; ///< T::Bad: what is wrong
};

bool is_name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_name_char(char c) {
    return is_name_start(c) || is_digit(c);
}
bool is_special_var(char c) {
    return c == '?' || c == '#' || c == '*' || c == '@';
}

// yylex.l CHAR: anything but {}|&$;<> blank newline quotes backslash.
constexpr std::array<bool, 256> make_plain_table() {
    std::array<bool, 256> t {};
    for (std::size_t i = 0; i < t.size(); ++i)
        t[i] = true;
    for (unsigned char c : std::string_view("{}|&$;<> \t\n'\"\\"))
        t[c] = false;
    return t;
}
constexpr std::array<bool, 256> kPlain = make_plain_table();
bool is_plain(char c) {
    return kPlain[static_cast<unsigned char>(c)];
}

/// Whether a word holds quotes, escapes or variables (else its text is its value).
bool needs_evaluation(std::string_view w) {
    for (char c : w)
        if (c == '\\' || c == '\'' || c == '"' || c == '$') return true;
    return false;
}

/// Length of the variable reference at s[i] == '$' (`$name`, `${name}`, `$12`, `${12}`, `$?`,
/// `${?}`, … — yylex.l VARIABLE, also what the VAR state accepts inside "…"); 0 when none.
std::size_t var_length(std::string_view s, std::size_t i) {
    std::size_t j = i + 1;
    if (j >= s.size()) return 0;
    auto run = [&](std::size_t k) {
        if (is_special_var(s[k])) return k + 1;
        if (is_digit(s[k])) {
            while (k < s.size() && is_digit(s[k]))
                ++k;
            return k;
        }
        if (is_name_start(s[k])) {
            while (k < s.size() && is_name_char(s[k]))
                ++k;
            return k;
        }
        return std::size_t {0};
    };
    if (s[j] != '{') {
        std::size_t k = run(j);
        return k ? k - i : 0;
    }
    if (j + 1 >= s.size()) return 0;
    std::size_t k = run(j + 1);
    if (!k || k >= s.size() || s[k] != '}') return 0;
    return k + 1 - i;
}

class Lexer {
public:
    explicit Lexer(std::string_view text) : s_(text) {}

    Token next();
    /// After a syntax error at `t`: continue with the line after the one `t` ends on (GRUB
    /// drops the rest of the chunk it was reading).
    void resume_after(const Token& t);
    u32 last_line() const { return line_ > 1 ? line_ - 1 : 1; }

private:
    Token word(Token t);
    Token bad(Token t, std::size_t end, const char* problem);

    std::string_view s_;
    std::size_t pos_ = 0;
    u32 line_ = 1;
};

Token Lexer::next() {
    for (;;) {
        if (pos_ >= s_.size()) {
            Token t;
            t.begin = t.end = static_cast<u32>(s_.size());
            t.line = t.last_line = last_line();
            return t;
        }
        char c = s_[pos_];
        if (c == ' ' || c == '\t') {
            ++pos_;
        } else if (c == '#') {
            std::size_t nl = s_.find('\n', pos_);
            pos_ = nl == std::string_view::npos ? s_.size() : nl;
        } else {
            break;
        }
    }
    Token t;
    t.begin = static_cast<u32>(pos_);
    t.line = t.last_line = line_;
    const char c = s_[pos_];
    const char c2 = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
    auto op = [&](T kind, std::size_t len) {
        pos_ += len;
        t.kind = kind;
        t.end = static_cast<u32>(pos_);
        return t;
    };
    switch (c) {
    case '\n':
        op(T::Newline, 1);
        t.last_line = ++line_;
        return t;
    case '|': return c2 == '|' ? op(T::Or, 2) : op(T::Pipe, 1);
    case '&': return c2 == '&' ? op(T::And, 2) : op(T::Amp, 1);
    case ';': return c2 == ';' ? op(T::Semi2, 2) : op(T::Semi, 1);
    case '<': return op(T::Lt, 1);
    case '>': return op(T::Gt, 1);
    case '{': return op(T::LBrace, 1);
    case '}': return op(T::RBrace, 1);
    default: return word(t);
    }
}

Token Lexer::bad(Token t, std::size_t end, const char* problem) {
    line_ += static_cast<u32>(std::count(s_.begin() + pos_, s_.begin() + end, '\n'));
    pos_ = end;
    t.kind = T::Bad;
    t.end = static_cast<u32>(end);
    t.last_line = line_;
    t.problem = problem;
    return t;
}

// WORD = (CHAR | "…" | '…' | \x | VARIABLE | $"…")+, longest match. Each piece is determined by
// its first character, so scanning piece by piece gives flex's longest match.
Token Lexer::word(Token t) {
    const std::size_t n = s_.size();
    std::size_t q = pos_;
    const char* dq_var_problem = nullptr;
    bool multiline = false; // the word holds a newline (quoted, or a backslash-newline)
    bool name = is_name_start(s_[q]);
    auto unterminated = [&](std::size_t quote, const char* problem) {
        t.line += static_cast<u32>(std::count(s_.begin() + pos_, s_.begin() + quote, '\n'));
        return bad(t, n, problem);
    };
    while (q < n) {
        const char c = s_[q];
        if (is_plain(c)) {
            name = name && is_name_char(c);
            ++q;
            continue;
        }
        if (c == '\\') {
            if (q + 1 >= n) break;
            q += 2;
        } else if (c == '\'') {
            std::size_t close = s_.find('\'', q + 1);
            if (close == std::string_view::npos)
                return unterminated(q, "unterminated single quote: the file ends inside it");
            q = close + 1;
        } else if (c == '"' || (c == '$' && q + 1 < n && s_[q + 1] == '"')) {
            const bool gettext = c == '$';
            std::size_t r = q + (gettext ? 2 : 1);
            for (;;) {
                if (r >= n) return unterminated(q, "unterminated double quote: the file ends inside it");
                const char d = s_[r];
                if (d == '\\') {
                    r += 2;
                    continue;
                }
                if (d == '"') break;
                if (d == '$' && !gettext && !dq_var_problem && var_length(s_, r) == 0)
                    dq_var_problem = "`$` inside double quotes is not followed by a variable name";
                ++r;
            }
            if (r >= n) return unterminated(q, "unterminated double quote: the file ends inside it");
            q = r + 1;
        } else if (c == '$') {
            std::size_t v = var_length(s_, q);
            if (!v) break;
            q += v;
            name = false;
            continue;
        } else {
            break;
        }
        name = false; // a quote or a backslash: a WORD, and maybe one holding newlines
        multiline = true;
    }
    if (q == pos_) // only a `$` that starts no variable gets here (yylex.l's `.` rule)
        return bad(t, pos_ + 1, "`$` is not followed by a variable name");
    if (q > n) q = n;
    if (dq_var_problem) return bad(t, q, dq_var_problem);
    if (q == n) // the word swallowed the final newline: a backslash-newline with no line after it
        return bad(t, q, "backslash-newline at the end of the file");
    const std::string_view w = s_.substr(pos_, q - pos_);
    if (multiline) line_ += static_cast<u32>(std::count(w.begin(), w.end(), '\n'));
    pos_ = q;
    t.end = static_cast<u32>(q);
    t.last_line = line_;
    t.kind = name ? T::Name : T::Word;
    if (name && w.size() >= 2 && w.size() <= 8 && w[0] >= 'c' && w[0] <= 'w') {
        for (const auto& k : kKeywords)
            if (k.text.size() == w.size() && k.text[0] == w[0] && k.text == w) t.kind = k.kind;
    } else if (w.size() == 2 && (w == "[[" || w == "]]")) {
        t.kind = w[0] == '[' ? T::LBrackets : T::RBrackets;
    }
    return t;
}

void Lexer::resume_after(const Token& t) {
    if (t.kind == T::Newline) return; // already at the start of the next line
    if (t.end >= s_.size()) {
        pos_ = s_.size();
        return;
    }
    pos_ = t.end;
    line_ = t.last_line;
    std::size_t nl = s_.find('\n', pos_);
    if (nl == std::string_view::npos) {
        pos_ = s_.size();
    } else {
        pos_ = nl + 1;
        ++line_;
    }
}

// ---------------------------------------------------------------------------------------
// Words: quote removal as GRUB's SPLIT/DQUOTE/SQUOTE/VAR lexer states do it.

struct Word {
    std::string value;
    bool quoted = false;  ///< some part was quoted ("" stays an argument, unlike an empty word)
    std::string_view var; ///< the name, when the word is one variable reference (`$x`, "${x}")
};

std::string_view single_var(std::string_view raw) {
    if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') raw = raw.substr(1, raw.size() - 2);
    if (raw.empty() || raw[0] != '$' || var_length(raw, 0) != raw.size()) return {};
    std::string_view name = raw.substr(1);
    if (!name.empty() && name.front() == '{') name = name.substr(1, name.size() - 2);
    return name;
}

Word evaluate(std::string_view raw) {
    Word w;
    if (!needs_evaluation(raw)) {
        w.value.assign(raw);
        return w;
    }
    w.var = single_var(raw);
    std::string& out = w.value;
    out.reserve(raw.size());
    const std::size_t n = raw.size();
    std::size_t i = 0;
    while (i < n) {
        const char c = raw[i];
        if (c == '\\') {
            if (i + 1 < n && raw[i + 1] != '\n') out += raw[i + 1];
            i += 2;
        } else if (c == '\'') {
            std::size_t close = raw.find('\'', i + 1);
            if (close == std::string_view::npos) close = n;
            out.append(raw.substr(i + 1, close - i - 1));
            w.quoted = true;
            i = close + 1;
        } else if (c == '"' || (c == '$' && i + 1 < n && raw[i + 1] == '"')) {
            const bool gettext = c == '$';
            w.quoted = true;
            i += gettext ? 2 : 1;
            while (i < n && raw[i] != '"') {
                const char d = raw[i];
                if (d == '\\' && i + 1 < n) {
                    const char e = raw[i + 1];
                    if (e == '\n') {
                        // backslash-newline: nothing
                    } else if (e == '"' || e == '\\') {
                        if (gettext && e == '\\') out += '\\';
                        out += e;
                    } else if (e == '$' && !gettext) {
                        out += '$';
                    } else {
                        out += '\\';
                        out += e;
                    }
                    i += 2;
                } else if (d == '$' && !gettext) {
                    std::size_t v = std::max<std::size_t>(var_length(raw, i), 1);
                    out.append(raw.substr(i, v)); // a reference, kept as written
                    i += v;
                } else {
                    out += d;
                    ++i;
                }
            }
            ++i; // the closing quote
        } else if (c == '$') {
            std::size_t v = std::max<std::size_t>(var_length(raw, i), 1);
            out.append(raw.substr(i, v));
            i += v;
        } else {
            std::size_t j = i + 1;
            while (j < n && raw[j] != '\\' && raw[j] != '\'' && raw[j] != '"' && raw[j] != '$')
                ++j;
            out.append(raw.substr(i, j - i));
            i = j;
        }
    }
    return w;
}

std::string escape_id(std::string_view id) {
    std::string out;
    out.reserve(id.size());
    for (char c : id) {
        if (c == '>') out += '>';
        out += c;
    }
    return out;
}

std::string printable_token(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 40)) {
        if (c == '\n')
            out += "\\n";
        else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            out += '?';
        else
            out += c;
    }
    if (s.size() > 40) out += "…";
    return out;
}

/// grub_file_getline for every line: the text up to a NUL, without carriage returns, and a
/// newline after each line (also the last).
std::string prepare(std::string_view in) {
    std::string out;
    out.reserve(in.size() + 1);
    std::size_t i = 0;
    while (i < in.size()) {
        std::size_t nl = in.find('\n', i);
        std::size_t end = nl == std::string_view::npos ? in.size() : nl;
        std::string_view line = in.substr(i, end - i);
        if (std::size_t z = line.find('\0'); z != std::string_view::npos) line = line.substr(0, z);
        if (line.find('\r') == std::string_view::npos) {
            out.append(line);
        } else {
            for (char c : line)
                if (c != '\r') out += c;
        }
        out += '\n';
        i = end + 1;
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// Parser (grub-core/script/parser.y) and the menu it finds.

enum class Role : std::uint8_t {
    TopLevel,      ///< the script itself: `set default=…` counts
    Nested,        ///< inside if/while/for/function or a block
    NextEntryElse, ///< the else branch of 00_header's `if [ "${next_entry}" ]`: its default counts
    TitleFix,      ///< 10_linux's `if [ "x$default" = 'OLD' ]; then default='NEW'; fi`
};

struct Ctx {
    std::vector<MenuEntry>* list = nullptr; ///< where menuentry/submenu add entries (nullptr: nowhere)
    const MenuEntry* parent = nullptr;      ///< the submenu owning `list`
    MenuEntry* entry = nullptr;             ///< the menuentry whose body this is
    bool conditional = false;
    Role role = Role::Nested;
    const std::string* title_fix_old = nullptr;

    Ctx nested() const {
        Ctx c = *this;
        c.conditional = true;
        c.role = Role::Nested;
        c.title_fix_old = nullptr;
        return c;
    }
};

class Parser {
public:
    Parser(std::string_view text, Menu& menu) : lex_(text), text_(text), menu_(menu) {}
    void run();

private:
    std::string_view text(const Token& t) const { return text_.substr(t.begin, t.end - t.begin); }
    void advance() { tok_ = lex_.next(); }

    bool fail(const Token& at, u32 line, std::string message);
    bool unexpected(std::string_view expected);
    bool touch(std::size_t states);

    bool statement();
    bool command(std::size_t base, const Ctx& ctx);
    bool simple_command(std::size_t base, const Ctx& ctx);
    bool block(std::size_t base, const Ctx& ctx);
    bool commands(std::size_t base, const Ctx& ctx, bool& delimited);
    bool if_command(std::size_t base, const Ctx& ctx);
    bool for_command(std::size_t base, const Ctx& ctx);
    bool while_command(std::size_t base, const Ctx& ctx);
    bool function_definition(std::size_t base);

    void act(const Ctx& ctx, std::size_t mark, bool has_block, Ctx& body);
    void add_entry(const Ctx& ctx, std::size_t mark, bool has_block, bool submenu, Ctx& body);
    void set_default(const Ctx& ctx, std::string value);
    void limit(u32 line, std::string message);

    void checkpoint();
    void rollback();

    Lexer lex_;
    std::string_view text_;
    Menu& menu_;
    Token tok_;

    // The error that ended the current chunk.
    Token error_token_;
    u32 error_line_ = 0;
    std::string error_message_;
    std::size_t suppressed_ = 0;
    u32 first_suppressed_line_ = 0;

    std::vector<Token> words_;                      ///< words of the commands being parsed (a stack)
    std::vector<std::pair<const char*, u32>> open_; ///< constructs not closed yet
    std::vector<std::string>* capture_ = nullptr;   ///< the first command of a top-level `if`

    std::size_t entry_count_ = 0, path_bytes_ = 0;
    bool limited_ = false;

    struct Checkpoint {
        std::size_t entries = 0;
        std::optional<std::string> default_value;
        bool from_saved = false, next_entry = false, blscfg = false;
    } checkpoint_;
};

void Parser::checkpoint() {
    checkpoint_.entries = menu_.entries.size();
    checkpoint_.default_value = menu_.default_value;
    checkpoint_.from_saved = menu_.default_from_saved_entry;
    checkpoint_.next_entry = menu_.uses_next_entry;
    checkpoint_.blscfg = menu_.blscfg;
}

void Parser::rollback() {
    menu_.entries.erase(menu_.entries.begin() + static_cast<std::ptrdiff_t>(checkpoint_.entries), menu_.entries.end());
    menu_.default_value = checkpoint_.default_value;
    menu_.default_from_saved_entry = checkpoint_.from_saved;
    menu_.uses_next_entry = checkpoint_.next_entry;
    menu_.blscfg = checkpoint_.blscfg;
}

bool Parser::fail(const Token& at, u32 line, std::string message) {
    error_token_ = at;
    error_line_ = line;
    error_message_ = std::move(message);
    return false;
}

bool Parser::unexpected(std::string_view expected) {
    const Token& t = tok_;
    auto what = [&](const char* m) { return fail(t, t.line, m); };
    switch (t.kind) {
    case T::Bad: return what(t.problem);
    case T::Eof:
        if (!open_.empty())
            return fail(t, open_.back().second,
                        std::string("`") + open_.back().first + "` is not closed before the end of the file");
        return fail(t, t.line, "unexpected end of file, expected " + std::string(expected));
    case T::And: return what("`&&` does not exist in GRUB script (use nested `if`)");
    case T::Or: return what("`||` does not exist in GRUB script (use `if … else`)");
    case T::Pipe: return what("`|`: pipes do not exist in GRUB script");
    case T::Amp: return what("`&`: background jobs do not exist in GRUB script");
    case T::Semi2: return what("`;;` does not exist in GRUB script");
    case T::Lt:
    case T::Gt:
        return fail(t, t.line,
                    "unquoted `" + std::string(text(t)) +
                        "`: redirections do not exist in GRUB script (quote it, e.g. \"a>b\")");
    case T::LBrackets:
    case T::RBrackets: return what("`[[ … ]]` does not exist in GRUB script (use `[ … ]`)");
    case T::Case:
    case T::Esac: return what("`case … esac` does not exist in GRUB script");
    case T::Select: return what("`select` does not exist in GRUB script");
    case T::Newline: return fail(t, t.line, "unexpected end of line, expected " + std::string(expected));
    default: return fail(t, t.line, "unexpected `" + printable_token(text(t)) + "`, expected " + std::string(expected));
    }
}

// One more state on bison's stack: stack size `states` must stay below YYMAXDEPTH.
bool Parser::touch(std::size_t states) {
    if (states < kBisonMaxDepth) return true;
    return fail(tok_, tok_.line, "nested too deeply: GRUB's parser runs out of stack here (\"memory exhausted\")");
}

void Parser::limit(u32 line, std::string message) {
    if (limited_) return;
    limited_ = true;
    menu_.diagnostics.push_back("line " + std::to_string(line) + ": limit: " + message);
}

void Parser::run() {
    advance();
    checkpoint();
    while (tok_.kind != T::Eof) {
        if (tok_.kind == T::Newline) { // end of a chunk (a line at the top level)
            advance();
            checkpoint();
            continue;
        }
        // script: script statement delimiter newlines0
        bool ok = statement();
        if (ok) {
            if (tok_.kind == T::Semi) {
                advance();
            } else if (tok_.kind != T::Newline) {
                ok = unexpected("`;` or a newline");
            }
        }
        if (ok) continue;

        // GRUB drops the chunk and goes on with the next line.
        if (menu_.diagnostics.size() < kMaxDiagnostics + (limited_ ? 1 : 0)) {
            menu_.diagnostics.push_back("line " + std::to_string(error_line_) + ": " + error_message_);
        } else if (suppressed_++ == 0) {
            first_suppressed_line_ = error_line_;
        }
        rollback();
        lex_.resume_after(error_token_);
        open_.clear();
        words_.clear();
        capture_ = nullptr;
        advance();
        checkpoint();
    }
    if (suppressed_)
        menu_.diagnostics.push_back("line " + std::to_string(first_suppressed_line_) + ": " +
                                    std::to_string(suppressed_) + " more syntax errors from here on are not listed");
}

// statement: command | function. The stack holds $@1 script above state 0: base 3.
bool Parser::statement() {
    if (tok_.kind == T::Function) return function_definition(3);
    if (!starts_command(tok_.kind)) return unexpected("a command");
    const Ctx top {&menu_.entries, nullptr, nullptr, false, Role::TopLevel, nullptr};
    return command(3, top);
}

bool Parser::command(std::size_t base, const Ctx& ctx) {
    switch (tok_.kind) {
    case T::Name:
    case T::Word: return simple_command(base, ctx);
    case T::If: return if_command(base, ctx);
    case T::For: return for_command(base, ctx);
    case T::While:
    case T::Until: return while_command(base, ctx);
    default: return unexpected("a command");
    }
}

// grubcmd: word arguments0 block0 (arguments1 is right-recursive: every argument stays on the
// stack until the list ends).
bool Parser::simple_command(std::size_t base, const Ctx& ctx) {
    const std::size_t mark = words_.size();
    words_.push_back(tok_);
    if (!touch(base + 1)) return false;
    advance();
    std::size_t n = 0;
    while (is_argument(tok_.kind)) {
        if (!touch(base + 2 + n)) return false;
        words_.push_back(tok_);
        advance();
        ++n;
    }
    if (!touch(base + 2 + n)) return false; // empty arguments0
    const bool has_block = tok_.kind == T::LBrace;
    Ctx body;
    act(ctx, mark, has_block, body);
    words_.resize(mark);
    if (has_block) return block(base + 2, body);
    return touch(base + 3); // empty block0
}

// block: "{" $@ commands1 delimiters0 "}"; `base` is the stack size before "{".
bool Parser::block(std::size_t base, const Ctx& ctx) {
    open_.emplace_back("{", tok_.line);
    if (!touch(base + 1)) return false;
    advance();
    if (!touch(base + 2)) return false;
    bool delimited = false;
    if (!commands(base + 2, ctx, delimited)) return false;
    if (!delimited && !touch(base + 4)) return false; // empty delimiters0
    if (tok_.kind != T::RBrace) return unexpected("`}`, `;` or a newline");
    if (!touch(base + 5)) return false;
    advance();
    open_.pop_back();
    return true;
}

// commands1 [delimiters1]: newlines, then commands separated by `;`/newlines. `base` is the
// stack size before commands1. On return `delimited` tells whether the list ended with a
// delimiter (the stack then holds commands1 delimiters1, else just commands1).
bool Parser::commands(std::size_t base, const Ctx& ctx, bool& delimited) {
    if (!touch(base + 1)) return false; // newlines0
    while (tok_.kind == T::Newline) {
        if (!touch(base + 2)) return false;
        advance();
    }
    if (!starts_command(tok_.kind)) return unexpected("a command");
    if (!command(base + 1, ctx)) return false;
    for (;;) {
        if (tok_.kind != T::Semi && tok_.kind != T::Newline) {
            delimited = false;
            return true;
        }
        if (!touch(base + 2)) return false;
        advance();
        while (tok_.kind == T::Newline) {
            if (!touch(base + 3)) return false;
            advance();
        }
        if (!starts_command(tok_.kind)) {
            delimited = true;
            return true;
        }
        if (!command(base + 2, ctx)) return false;
    }
}

// ifcmd: "if" $@ ifclause "fi"; ifclause: commands1 delimiters1 "then" commands1 delimiters1
// [("else" commands1 delimiters1) | ("elif" ifclause)].
bool Parser::if_command(std::size_t base, const Ctx& ctx) {
    open_.emplace_back("if", tok_.line);
    if (!touch(base + 1)) return false;
    advance();
    if (!touch(base + 2)) return false;

    // 00_header's next_entry block and 10_linux's title correction, at the top level only.
    std::vector<std::string> condition;
    const u32 condition_begin = tok_.begin;
    if (ctx.role == Role::TopLevel) capture_ = &condition;

    const Ctx inner = ctx.nested();
    std::size_t clause = base + 2;
    bool first = true;
    for (;;) {
        bool delimited = false;
        if (!commands(clause, inner, delimited)) return false;
        capture_ = nullptr;
        if (!delimited) return unexpected("`;` or a newline before `then`");
        if (tok_.kind != T::Then) return unexpected("`then`");

        Ctx then_ctx = inner, else_ctx = inner;
        std::string fix_old;
        if (first && ctx.role == Role::TopLevel) {
            const std::string_view cond = text_.substr(condition_begin, tok_.begin - condition_begin);
            if (cond.find("next_entry") != std::string_view::npos) {
                menu_.uses_next_entry = true;
                else_ctx.role = Role::NextEntryElse;
            }
            if (condition.size() == 5 && condition[0] == "[" && condition[1] == "x$default" && condition[2] == "=" &&
                condition[4] == "]") {
                fix_old = condition[3];
                then_ctx.role = Role::TitleFix;
                then_ctx.title_fix_old = &fix_old;
            }
        }
        first = false;

        if (!touch(clause + 3)) return false;
        advance();
        if (!commands(clause + 3, then_ctx, delimited)) return false;
        if (!delimited) return unexpected("`;` or a newline before `fi`");
        if (tok_.kind == T::Else) {
            if (!touch(clause + 6)) return false;
            advance();
            if (!commands(clause + 6, else_ctx, delimited)) return false;
            if (!delimited) return unexpected("`;` or a newline before `fi`");
            break;
        }
        if (tok_.kind != T::Elif) break;
        if (!touch(clause + 6)) return false;
        advance();
        clause += 6;
    }
    if (tok_.kind != T::Fi) return unexpected("`fi`");
    if (!touch(base + 4)) return false;
    advance();
    open_.pop_back();
    return true;
}

// forcmd: "for" "name" $@ "in" arguments0 delimiters1 "do" commands1 delimiters1 "done"
bool Parser::for_command(std::size_t base, const Ctx& ctx) {
    open_.emplace_back("for", tok_.line);
    if (!touch(base + 1)) return false;
    advance();
    if (tok_.kind != T::Name) return unexpected("a variable name after `for`");
    if (!touch(base + 2)) return false;
    advance();
    if (!touch(base + 3)) return false;
    if (tok_.kind != T::In) return unexpected("`in`");
    if (!touch(base + 4)) return false;
    advance();
    std::size_t n = 0;
    while (is_argument(tok_.kind)) {
        if (!touch(base + 5 + n)) return false;
        advance();
        ++n;
    }
    if (!touch(base + 5 + n)) return false;
    if (tok_.kind != T::Semi && tok_.kind != T::Newline) return unexpected("`;` or a newline before `do`");
    if (!touch(base + 6)) return false;
    advance();
    while (tok_.kind == T::Newline) {
        if (!touch(base + 7)) return false;
        advance();
    }
    if (tok_.kind != T::Do) return unexpected("`do`");
    if (!touch(base + 7)) return false;
    advance();
    bool delimited = false;
    if (!commands(base + 7, ctx.nested(), delimited)) return false;
    if (!delimited) return unexpected("`;` or a newline before `done`");
    if (tok_.kind != T::Done) return unexpected("`done`");
    if (!touch(base + 10)) return false;
    advance();
    open_.pop_back();
    return true;
}

// whilecmd/untilcmd: "while" $@ commands1 delimiters1 "do" commands1 delimiters1 "done"
bool Parser::while_command(std::size_t base, const Ctx& ctx) {
    open_.emplace_back(tok_.kind == T::While ? "while" : "until", tok_.line);
    if (!touch(base + 1)) return false;
    advance();
    if (!touch(base + 2)) return false;
    const Ctx inner = ctx.nested();
    bool delimited = false;
    if (!commands(base + 2, inner, delimited)) return false;
    if (!delimited) return unexpected("`;` or a newline before `do`");
    if (tok_.kind != T::Do) return unexpected("`do`");
    if (!touch(base + 5)) return false;
    advance();
    if (!commands(base + 5, inner, delimited)) return false;
    if (!delimited) return unexpected("`;` or a newline before `done`");
    if (tok_.kind != T::Done) return unexpected("`done`");
    if (!touch(base + 8)) return false;
    advance();
    open_.pop_back();
    return true;
}

// function: "function" "name" $@ delimiters0 "{" commands1 delimiters1 "}" — unlike a block,
// the last command needs its `;` or newline.
bool Parser::function_definition(std::size_t base) {
    open_.emplace_back("function", tok_.line);
    if (!touch(base + 1)) return false;
    advance();
    if (tok_.kind != T::Name) return unexpected("a function name");
    if (!touch(base + 2)) return false;
    advance();
    if (!touch(base + 3)) return false;
    if (tok_.kind == T::Semi || tok_.kind == T::Newline) {
        if (!touch(base + 4)) return false;
        advance();
        while (tok_.kind == T::Newline) {
            if (!touch(base + 5)) return false;
            advance();
        }
    } else if (!touch(base + 4)) {
        return false;
    }
    if (tok_.kind != T::LBrace) return unexpected("`{`");
    open_.back().first = "{";
    open_.back().second = tok_.line;
    if (!touch(base + 5)) return false;
    advance();
    // Entries defined in a function appear when (and where) it is called: conditional.
    const Ctx body {&menu_.entries, nullptr, nullptr, true, Role::Nested, nullptr};
    bool delimited = false;
    if (!commands(base + 5, body, delimited)) return false;
    if (!delimited) return unexpected("`;` or a newline before `}` (a function's last command needs one)");
    if (tok_.kind != T::RBrace) return unexpected("`}`");
    if (!touch(base + 8)) return false;
    advance();
    open_.pop_back();
    return true;
}

// ---------------------------------------------------------------------------------------
// What commands mean for the menu.

bool starts_with(std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
}

void Parser::set_default(const Ctx& ctx, std::string value) {
    if (ctx.role == Role::Nested) return;
    if (ctx.role == Role::TitleFix && (!menu_.default_value || *menu_.default_value != *ctx.title_fix_old)) return;
    menu_.default_from_saved_entry = value == "${saved_entry}" || value == "$saved_entry";
    menu_.default_value = std::move(value);
}

void Parser::act(const Ctx& ctx, std::size_t mark, bool has_block, Ctx& body) {
    body = ctx.nested();
    body.list = nullptr;
    body.parent = nullptr;
    body.entry = nullptr;
    const std::size_t argc = words_.size() - mark - 1;
    // The command's name: its text, unless quotes or escapes make evaluation necessary.
    const std::string_view raw = text(words_[mark]);
    const bool plain = !needs_evaluation(raw);
    const std::string evaluated = plain ? std::string() : evaluate(raw).value;
    const std::string_view cmd = plain ? raw : std::string_view(evaluated);
    auto arg = [&](std::size_t i) { return evaluate(text(words_[mark + 1 + i])); };

    if (capture_) { // the first command of a top-level `if` condition
        capture_->emplace_back(cmd);
        for (std::size_t i = 0; i < argc && i < 8; ++i)
            capture_->push_back(arg(i).value);
        capture_ = nullptr;
    }
    switch (cmd.empty() ? '\0' : cmd[0]) {
    case 'm': // menuentry
    case 's': // submenu, set
    case 'l': // linux…
    case 'i': // initrd…
    case 'b': // blscfg
    case 'd': // default=…
    case 'u': // unset
        break;
    default: return;
    }

    if (cmd == "menuentry" || cmd == "submenu") {
        if (ctx.list) add_entry(ctx, mark, has_block, cmd == "submenu", body);
    } else if (cmd == "linux" || cmd == "linuxefi" || cmd == "linux16") {
        if (ctx.entry && !ctx.entry->linux && argc >= 1) {
            ctx.entry->linux = arg(0).value;
            std::string args;
            bool any = false;
            for (std::size_t i = 1; i < argc; ++i) {
                Word w = arg(i);
                if (w.value.empty() && !w.quoted) continue; // a lone backslash-newline is no argument
                if (any) args += ' ';
                args += w.value;
                any = true;
            }
            ctx.entry->linux_args = std::move(args);
        }
    } else if (cmd == "initrd" || cmd == "initrdefi" || cmd == "initrd16") {
        if (ctx.entry && ctx.entry->initrd.empty())
            for (std::size_t i = 0; i < argc; ++i) {
                Word w = arg(i);
                if (!w.value.empty() || w.quoted) ctx.entry->initrd.push_back(std::move(w.value));
            }
    } else if (cmd == "blscfg") {
        menu_.blscfg = true;
    } else if (ctx.role != Role::Nested) {
        if (cmd == "set" && argc >= 1) {
            Word a = arg(0);
            if (starts_with(a.value, "default=")) set_default(ctx, a.value.substr(8));
        } else if (starts_with(cmd, "default=")) {
            set_default(ctx, std::string(cmd.substr(8)));
        } else if (cmd == "unset" && ctx.role == Role::TopLevel) {
            for (std::size_t i = 0; i < argc; ++i)
                if (arg(i).value == "default") {
                    menu_.default_value.reset();
                    menu_.default_from_saved_entry = false;
                }
        }
    }
}

// menuentry/submenu TITLE … — options as lib/arg.c parses them for a GRUB_COMMAND_ACCEPT_DASH
// command (commands/menuentry.c): anywhere, `--opt value` or `--opt=value`, unknown `--x` and
// `-x` are plain arguments, `--` ends the options. A command GRUB would refuse adds nothing.
void Parser::add_entry(const Ctx& ctx, std::size_t mark, bool has_block, bool submenu, Ctx& body) {
    const std::size_t argc = words_.size() - mark - 1;
    std::vector<std::string> args;
    args.reserve(argc);
    for (std::size_t i = 0; i < argc; ++i) {
        Word w = evaluate(text(words_[mark + 1 + i]));
        args.push_back(w.var == "menuentry_id_option" ? std::string("--id") : std::move(w.value));
    }
    std::vector<std::string> positional, classes;
    std::optional<std::string> id, users;
    bool unrestricted = false, source = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.size() < 2 || a[0] != '-') {
            positional.push_back(a);
            continue;
        }
        if (a[1] != '-') { // short options: only -h/-u (help, usage) exist, and they fail
            if (a.find_first_not_of("hu", 1) != std::string::npos)
                positional.push_back(a);
            else
                return;
            continue;
        }
        if (a.size() == 2) { // "--"
            positional.insert(positional.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
            break;
        }
        const std::size_t eq = a.find('=');
        const std::string_view opt = std::string_view(a).substr(2, eq == std::string::npos ? a.npos : eq - 2);
        const bool takes_value = opt == "class" || opt == "users" || opt == "hotkey" || opt == "source" || opt == "id";
        if (opt == "help" || opt == "usage") return;
        if (!takes_value && opt != "unrestricted") {
            positional.push_back(a);
            continue;
        }
        std::optional<std::string> value;
        if (eq != std::string::npos) {
            value = a.substr(eq + 1);
        } else if (takes_value) {
            if (i + 1 >= args.size()) return; // GRUB would take the block as the value
            if (!args[i + 1].empty() && args[i + 1][0] == '-') return;
            value = args[++i];
        }
        if (opt == "unrestricted") {
            if (value) return; // "a value was assigned to the argument"
            unrestricted = true;
        } else if (opt == "class") {
            classes.push_back(*value);
        } else if (opt == "users") {
            users = *value;
        } else if (opt == "id") {
            id = *value;
        } else if (opt == "source") {
            source = true;
        }
    }
    if (positional.empty() || has_block == source) return; // no title; no or two definitions

    const std::string& title = positional.front();
    const std::string& the_id = id ? *id : title;
    const std::string index = std::to_string(ctx.list->size());
    const std::size_t id_bytes =
        the_id.size() + static_cast<std::size_t>(std::count(the_id.begin(), the_id.end(), '>'));
    const std::size_t bytes =
        (ctx.parent ? ctx.parent->index_path.size() + ctx.parent->id_path.size() + 2 : 0) + index.size() + id_bytes;
    if (entry_count_ >= kMaxEntries || path_bytes_ + bytes > kMaxPathBytes) {
        limit(words_[mark].line, "the menu is too large to model (more than " + std::to_string(kMaxEntries) +
                                     " entries, or more than 16 MiB of entry paths); later entries are left out");
        return;
    }
    ++entry_count_;
    path_bytes_ += bytes;

    MenuEntry e;
    e.title = title;
    e.id = the_id;
    e.submenu = submenu;
    e.classes = std::move(classes);
    e.users = std::move(users);
    e.unrestricted = unrestricted;
    if (ctx.parent) {
        e.index_path.reserve(ctx.parent->index_path.size() + 1 + index.size());
        e.index_path.append(ctx.parent->index_path).append(1, '>');
        e.id_path.reserve(ctx.parent->id_path.size() + 1 + id_bytes);
        e.id_path.append(ctx.parent->id_path).append(1, '>');
    }
    e.index_path.append(index);
    e.id_path.append(escape_id(e.id));
    e.line = words_[mark].line;
    e.conditional = ctx.conditional;
    ctx.list->push_back(std::move(e));
    MenuEntry& added = ctx.list->back();
    if (submenu) {
        body.list = &added.children;
        body.parent = &added;
    } else {
        body.entry = &added;
    }
    body.conditional = ctx.conditional;
}

// ---------------------------------------------------------------------------------------
// default (grub-core/normal/menu.c)

bool grub_isspace(char c) {
    return c == '\n' || c == '\r' || c == ' ' || c == '\t';
}

/// grub_strtoul(val, 0, 0) as get_entry_number uses it (64-bit GRUB: unsigned long is 64
/// bits, the result is then cast to int). nullopt for GRUB_ERR_BAD_NUMBER; -1 for overflow.
std::optional<long long> grub_strtoul(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && grub_isspace(s[i]))
        ++i;
    unsigned base = 10;
    if (i < s.size() && s[i] == '0' && i + 1 < s.size()) {
        if (s[i + 1] == 'x') {
            base = 16;
            i += 2;
        } else if (s[i + 1] >= '0' && s[i + 1] <= '7') {
            base = 8;
        }
    }
    std::uint64_t num = 0;
    bool found = false;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        unsigned digit;
        if (c >= '0' && c <= '9')
            digit = static_cast<unsigned>(c - '0');
        else if (c >= 'a' && c <= 'z')
            digit = static_cast<unsigned>(c - 'a') + 10;
        else if (c >= 'A' && c <= 'Z')
            digit = static_cast<unsigned>(c - 'A') + 10;
        else
            break;
        if (digit >= base) break;
        found = true;
        if (num > (~std::uint64_t {0} - digit) / base) return -1; // "overflow is detected"
        num = num * base + digit;
    }
    if (!found) return std::nullopt;
    return static_cast<long long>(static_cast<std::int32_t>(static_cast<std::uint32_t>(num)));
}

char at(std::string_view s, std::size_t i) {
    return i < s.size() ? s[i] : '\0';
}

/// menu.c menuentry_eq: does the first '>'-component of `spec` (">>" a literal '>') equal `id`?
bool menuentry_eq(std::string_view id, std::string_view spec) {
    std::size_t a = 0, b = 0;
    for (;;) {
        if (at(spec, b) == '>' && at(spec, b + 1) != '>') return a >= id.size();
        if (at(spec, b) == '>') ++b;
        if (at(id, a) != at(spec, b)) return false;
        if (a >= id.size()) return b >= spec.size();
        ++a;
        ++b;
    }
}

/// get_entry_number: the index `val` selects among `level`, or -1.
long long entry_number(const std::vector<MenuEntry>& level, std::string_view val) {
    std::optional<long long> n = grub_strtoul(val);
    if (n) return *n;
    for (std::size_t i = 0; i < level.size(); ++i)
        if (menuentry_eq(level[i].title, val) || menuentry_eq(level[i].id, val)) return static_cast<long long>(i);
    return -1;
}

/// The part of a default after its first unescaped '>' (grub_menu_execute_entry), if any.
std::optional<std::string_view> after_first_component(std::string_view def) {
    for (std::size_t i = 0; i < def.size(); ++i) {
        if (def[i] == '>' && i + 1 < def.size() && def[i + 1] == '>') {
            ++i;
            continue;
        }
        if (def[i] == '>') {
            if (i + 1 < def.size()) return def.substr(i + 1);
            return std::nullopt;
        }
    }
    return std::nullopt;
}

std::vector<std::string> split_path(std::string_view s) {
    std::vector<std::string> parts(1);
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '>' && i + 1 < s.size() && s[i + 1] == '>') {
            parts.back() += '>';
            ++i;
        } else if (s[i] == '>') {
            parts.emplace_back();
        } else {
            parts.back() += s[i];
        }
    }
    return parts;
}

bool all_digits(std::string_view s) {
    return !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), is_digit);
}

} // namespace

Menu parse_menu(std::string_view text) {
    Menu menu;
    if (text.size() > kMaxInputBytes) {
        menu.diagnostics.push_back("line 1: limit: the file is " + std::to_string(text.size()) +
                                   " bytes, more than the 32 MiB a grub.cfg may have here; not parsed");
        return menu;
    }
    // Most files need no preparation: no NUL, no carriage return, a final newline.
    if (!text.empty() && text.back() == '\n' && text.find('\0') == std::string_view::npos &&
        text.find('\r') == std::string_view::npos) {
        Parser(text, menu).run();
    } else {
        const std::string prepared = prepare(text);
        Parser(prepared, menu).run();
    }
    return menu;
}

Selection resolve_default(const Menu& menu, std::string_view value) {
    Selection sel;
    const std::vector<MenuEntry>* level = &menu.entries;
    std::optional<std::string_view> def = value;
    while (!level->empty()) {
        long long n = def ? entry_number(*level, *def) : -1;
        if (n < 0 || n >= static_cast<long long>(level->size())) {
            if (def) sel.fell_back = true; // nothing matched: the first entry
            n = 0;
        }
        const MenuEntry& e = (*level)[static_cast<std::size_t>(n)];
        sel.entry = &e;
        if (!sel.index_path.empty()) sel.index_path += '>';
        sel.index_path += std::to_string(n);
        if (!e.submenu) break;
        // Entering a submenu: default becomes what follows the first '>' (or is unset).
        def = def ? after_first_component(*def) : std::nullopt;
        level = &e.children;
    }
    return sel;
}

const MenuEntry* find_entry(const Menu& menu, std::string_view entry) {
    if (entry.empty()) return nullptr;
    // 1. A path from the top: each component an index, an id or a title (">>" is a literal '>').
    {
        const std::vector<MenuEntry>* level = &menu.entries;
        const MenuEntry* found = nullptr;
        for (const std::string& part : split_path(entry)) {
            if (!level) {
                found = nullptr;
                break;
            }
            const MenuEntry* next = nullptr;
            if (all_digits(part)) {
                std::size_t i = std::stoul(part);
                if (i < level->size()) next = &(*level)[i];
            } else {
                for (const MenuEntry& e : *level)
                    if (e.id == part) {
                        next = &e;
                        break;
                    }
                if (!next)
                    for (const MenuEntry& e : *level)
                        if (e.title == part) {
                            next = &e;
                            break;
                        }
            }
            found = next;
            if (!found) break;
            level = found->submenu ? &found->children : nullptr;
        }
        if (found) return found;
    }
    // 2. An id, then a title, anywhere in the menu (first in menu order), written as is or
    //    with ">>" for '>'.
    std::vector<std::string_view> candidates {entry};
    const std::vector<std::string> unescaped = split_path(entry);
    std::string joined;
    if (unescaped.size() == 1 && unescaped[0] != entry) {
        joined = unescaped[0];
        candidates.push_back(joined);
    }
    for (int pass = 0; pass < 2; ++pass) {
        std::vector<const std::vector<MenuEntry>*> stack {&menu.entries};
        std::vector<std::size_t> pos {0};
        while (!stack.empty()) {
            if (pos.back() >= stack.back()->size()) {
                stack.pop_back();
                pos.pop_back();
                continue;
            }
            const MenuEntry& e = (*stack.back())[pos.back()++];
            const std::string& key = pass == 0 ? e.id : e.title;
            for (std::string_view c : candidates)
                if (key == c) return &e;
            if (!e.children.empty()) {
                stack.push_back(&e.children);
                pos.push_back(0);
            }
        }
    }
    return nullptr;
}

DefaultChoice effective_default(const Menu& menu, const std::optional<std::string>& saved_entry,
                                const std::optional<std::string>& next_entry) {
    DefaultChoice c;
    if (menu.uses_next_entry && next_entry && !next_entry->empty()) {
        c.value = next_entry;
        c.source = "next_entry";
    } else if (menu.default_from_saved_entry) {
        c.value = saved_entry;
        c.source = "saved_entry";
    } else if (menu.default_value) {
        c.value = menu.default_value;
        c.source = "set default";
    } else {
        c.source = "first entry";
    }
    c.selection = resolve_default(menu, c.value.value_or("0"));
    if (!c.value) c.selection.fell_back = false; // no value: entry 0 is GRUB's rule, not a fallback
    return c;
}

std::string default_grubcfg_path(const sys::Root& root) {
    // Anything there counts: a directory where grub.cfg should be is an error when it is
    // read, not a missing file (which would send `grub menu` to the wrong message).
    for (const char* p : {"/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"})
        if (root.exists(p)) return p;
    return {};
}

} // namespace bootsmith::grub
