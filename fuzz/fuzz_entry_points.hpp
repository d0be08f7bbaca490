// The bodies of the fuzz targets, shared by the libFuzzer programs (fuzz/*_fuzzer.cpp, built with
// clang by `make fuzz`) and by the regression test that replays every saved finding
// (tests/fuzz_regression_test.cpp, built with the normal toolchain). Each must return normally on
// any input: bad input is rejected with a typed error, never a crash, hang or abort.
#pragma once

#include <cstddef>
#include <cstdint>

namespace aisim::fuzz {

void quantity_one(const std::uint8_t* data, std::size_t size);
void config_one(const std::uint8_t* data, std::size_t size);
void trace_one(const std::uint8_t* data, std::size_t size);
// A recorded trace (Kineto, PyTorch ET, Chakra, detected from the content) through the importers.
void import_one(const std::uint8_t* data, std::size_t size);

}  // namespace aisim::fuzz
