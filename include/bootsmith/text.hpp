// Small byte/text helpers shared by every module: hex, UTF-8 validity, JSON-safe text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bootsmith {

/// Lowercase hex of bytes, no separators: "07000000".
std::string hex(std::string_view bytes);
std::string hex(const std::vector<std::uint8_t>& bytes);

/// Parses hex digits (either case, even count, no separators); false on anything else.
bool unhex(std::string_view text, std::string& out);

/// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF).
bool is_utf8(std::string_view s);

/// Decodes UTF-8 into code points; false when it is not well-formed.
bool decode_utf8(std::string_view s, std::u32string& out);

/// Appends the UTF-8 encoding of a code point.
void append_utf8(std::string& out, char32_t cp);

/// "0x%08x"-style fixed-width hex of an integer.
std::string hex_u32(std::uint32_t v);

/// Octal file mode as "0644".
std::string mode_string(unsigned mode);

/// The text with control characters and invalid UTF-8 shown as \xNN, for one-line messages.
std::string printable(std::string_view s);
/// printable(s), appended to `out` (no temporary string).
void append_printable(std::string& out, std::string_view s);

} // namespace bootsmith
