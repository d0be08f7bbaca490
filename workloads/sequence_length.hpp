// Per-iteration sequence lengths for dynamic padding: each batch is padded to the longest sample
// in it, so the length a step runs at varies from step to step. Drawn from a seeded distribution
// with a generator whose output the C++ standard fixes (mt19937_64), and sampled with our own
// arithmetic (the standard library's distributions differ between implementations), so a seed
// gives the same lengths everywhere.
#pragma once

#include <cstdint>
#include <random>

namespace aisim {

struct SequenceLengthSpec {
  enum class Kind { kFixed, kUniform, kNormal } kind = Kind::kFixed;
  int fixed = 0;                // kFixed
  int min = 1, max = 1;         // kUniform bounds; kNormal clip bounds (inclusive)
  double mean = 0, stddev = 0;  // kNormal
  int multiple_of = 1;  // pad up to a multiple (HF DataCollatorWithPadding pad_to_multiple_of)
};

class SequenceLengthSampler {
 public:
  SequenceLengthSampler(const SequenceLengthSpec& spec, std::uint64_t seed)
      : spec_(spec), rng_(seed) {}
  int next();

 private:
  double uniform01();  // [0, 1) with 53 random bits
  SequenceLengthSpec spec_;
  std::mt19937_64 rng_;
};

}  // namespace aisim
