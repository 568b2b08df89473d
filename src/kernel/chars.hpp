// Byte classes and small comparison helpers shared by bls.cpp and version.cpp (internal).
// ASCII only, whatever the locale, as the tools they imitate (C locale, or their own ctype).
#pragma once

#include <string_view>

namespace bootsmith::kernel::chars {

inline bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
inline bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_alnum(char c) {
    return is_digit(c) || is_alpha(c);
}
/// Space or tab.
inline bool is_blank(char c) {
    return c == ' ' || c == '\t';
}
/// ASCII whitespace, as C's isspace() sees it in the C locale.
inline bool is_space(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/// -1, 0 or 1 like the sign of `v`.
inline int sign(long v) {
    return (v > 0) - (v < 0);
}
/// -1, 0 or 1 like C's CMP(a, b).
template <class T> int cmp(T a, T b) {
    return (a > b) - (a < b);
}

/// The part of `s` a C program would see: everything before the first NUL.
inline std::string_view c_string(std::string_view s) {
    const auto nul = s.find('\0');
    return nul == std::string_view::npos ? s : s.substr(0, nul);
}

} // namespace bootsmith::kernel::chars
