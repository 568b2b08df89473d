// Unified diff of two texts, for showing file changes in a plan.
#pragma once

#include <string>
#include <string_view>

namespace bootsmith::sys {

/// `diff -u`-style output (headers "--- a/<path>" / "+++ b/<path>", /dev/null for a side
/// that does not exist, 3 lines of context, "\ No newline at end of file" markers).
/// Empty when the texts are equal. `patch -p1` applies it.
std::string unified_diff(std::string_view path, const std::string* before, const std::string* after, int context = 3);

} // namespace bootsmith::sys
