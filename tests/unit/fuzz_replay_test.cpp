// Every fuzz seed (fuzz/corpus/<target>/) and every input a fuzzer once crashed on
// (fuzz/regressions/<target>/) through the fuzz entry functions, in the normal and the
// sanitizer build: a bootsmith::Error is a refusal; anything else fails.
#include "fuzz.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace bootsmith;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> target_names() {
    std::vector<std::string> names;
    for (const auto& t : fuzz::targets())
        names.emplace_back(t.name);
    return names;
}

std::vector<fs::path> inputs(const fs::path& dir) {
    std::vector<fs::path> files;
    if (fs::is_directory(dir))
        for (const auto& e : fs::directory_iterator(dir))
            if (e.is_regular_file() && e.path().extension() != ".md") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

class FuzzReplay : public testing::TestWithParam<std::string> {};

TEST_P(FuzzReplay, SeedsAndRegressions) {
    const auto& all = fuzz::targets();
    auto t = std::find_if(all.begin(), all.end(), [&](const fuzz::Target& x) { return x.name == GetParam(); });
    ASSERT_NE(t, all.end());
    const fs::path root = FUZZ_DIR;
    std::vector<fs::path> files = inputs(root / "corpus" / GetParam());
    EXPECT_FALSE(files.empty()) << "no seeds in fuzz/corpus/" << GetParam();
    for (const auto& f : inputs(root / "regressions" / GetParam()))
        files.push_back(f);
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        try {
            t->run(fuzz::Input(data.data(), data.size()));
        } catch (const Error&) {
        } catch (const std::exception& e) {
            ADD_FAILURE() << f << ": " << e.what();
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, testing::ValuesIn(target_names()),
                         [](const testing::TestParamInfo<std::string>& i) { return i.param; });

} // namespace
