// Replays every saved fuzzing finding (tests/data/bad/fuzz/<target>/*) through the fuzz target's
// body: each once crashed, hung or aborted; now each must be rejected cleanly.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/fuzz_entry_points.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

namespace fs = std::filesystem;

size_t replay(const std::string& target, void (*one)(const std::uint8_t*, std::size_t)) {
  const fs::path dir = fs::path(AISIM_TEST_DATA_DIR) / "bad" / "fuzz" / target;
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().filename() == "README.md") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().string());
    one(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    ++count;
  }
  return count;
}

TEST(FuzzRegression, Quantity) {
  EXPECT_GT(replay("quantity", fuzz::quantity_one), 0u);
}
TEST(FuzzRegression, Config) {
  EXPECT_GT(replay("config", fuzz::config_one), 0u);
}
TEST(FuzzRegression, Trace) {
  EXPECT_GT(replay("trace", fuzz::trace_one), 0u);
}
TEST(FuzzRegression, Import) {
  EXPECT_GT(replay("import", fuzz::import_one), 0u);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
