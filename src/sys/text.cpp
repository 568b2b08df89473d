#include "bootsmith/text.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace bootsmith {

namespace {
constexpr char kDigits[] = "0123456789abcdef";

int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// Length of the UTF-8 sequence starting at s[i], or 0 if it is malformed.
std::size_t utf8_len(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) return 1;
    std::size_t n;
    std::uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
        n = 2;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3;
        cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4;
        cp = c & 0x07;
    } else
        return 0;
    if (i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((b(i + k) & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (b(i + k) & 0x3f);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0; // overlong
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}
} // namespace

std::string hex(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += kDigits[c >> 4];
        out += kDigits[c & 15];
    }
    return out;
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
    return hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

bool unhex(std::string_view text, std::string& out) {
    if (text.size() % 2 != 0) return false;
    out.clear();
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        int hi = nibble(text[i]), lo = nibble(text[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out += static_cast<char>(hi << 4 | lo);
    }
    return true;
}

bool is_utf8(std::string_view s) {
    // ASCII runs (nearly every byte of a config file) are checked eight bytes at a time.
    std::size_t i = 0;
    for (;;) {
        while (i + 8 <= s.size()) {
            std::uint64_t w;
            std::memcpy(&w, s.data() + i, 8);
            if ((w & 0x8080808080808080ull) != 0) break;
            i += 8;
        }
        if (i == s.size()) return true;
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        break;
    }
    for (; i < s.size();) {
        std::size_t n = utf8_len(s, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

bool decode_utf8(std::string_view s, std::u32string& out) {
    out.clear();
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = utf8_len(s, i);
        if (n == 0) return false;
        auto b = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k])); };
        char32_t cp = n == 1   ? b(0)
                      : n == 2 ? ((b(0) & 0x1f) << 6) | (b(1) & 0x3f)
                      : n == 3 ? ((b(0) & 0x0f) << 12) | ((b(1) & 0x3f) << 6) | (b(2) & 0x3f)
                               : ((b(0) & 0x07) << 18) | ((b(1) & 0x3f) << 12) | ((b(2) & 0x3f) << 6) | (b(3) & 0x3f);
        out.push_back(cp);
        i += n;
    }
    return true;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

std::string hex_u32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

std::string mode_string(unsigned mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", mode & 07777u);
    return buf;
}

std::string printable(std::string_view s) {
    std::string out;
    append_printable(out, s);
    return out;
}

namespace {

/// Whether `s` is printable ASCII only (0x20…0x7e), eight bytes at a time: every title, path
/// and argument of a 500-entry listing goes through here. A word holds a byte below 0x20 iff
/// (x - 0x20…20) & ~x & 0x80…80 is non-zero, and a byte of 0x7f or more iff (x + 0x01…01 | x)
/// & 0x80…80 is (a carry between bytes needs a byte 0xff, which the second test sees anyway).
bool plain_ascii(std::string_view s) {
    constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t x;
        std::memcpy(&x, s.data() + i, 8);
        if ((((x - ones * 0x20) & ~x) | (x + ones) | x) & highs) return false;
    }
    for (; i < s.size(); ++i)
        if (const auto c = static_cast<unsigned char>(s[i]); c < 0x20 || c >= 0x7f) return false;
    return true;
}

} // namespace

void append_printable(std::string& out, std::string_view s) {
    if (plain_ascii(s)) { // nothing to escape
        out.append(s);
        return;
    }
    out.reserve(out.size() + s.size());
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = utf8_len(s, i);
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (n == 0 || c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += kDigits[c >> 4];
            out += kDigits[c & 15];
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
}

} // namespace bootsmith
