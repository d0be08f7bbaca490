// libFuzzer target: see fuzz/fuzz_entry_points.hpp and docs/robustness.md.
#include "fuzz/fuzz_entry_points.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  aisim::fuzz::import_one(data, size);
  return 0;
}
