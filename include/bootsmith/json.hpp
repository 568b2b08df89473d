// JSON output helpers: one ordered JSON type and one way to serialise it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace bootsmith {

using Json = nlohmann::ordered_json;

/// Serialises for output. Invalid UTF-8 in strings becomes U+FFFD instead of throwing;
/// producers put raw bytes in *_hex fields, so nothing is lost.
inline std::string to_text(const Json& j, bool pretty = true) {
    return j.dump(pretty ? 2 : -1, ' ', false, Json::error_handler_t::replace);
}

} // namespace bootsmith
