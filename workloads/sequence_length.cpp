#include "workloads/sequence_length.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace aisim {

double SequenceLengthSampler::uniform01() {
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

int SequenceLengthSampler::next() {
  double length = spec_.fixed;
  switch (spec_.kind) {
    case SequenceLengthSpec::Kind::kFixed:
      break;
    case SequenceLengthSpec::Kind::kUniform: {
      const auto span = static_cast<double>(spec_.max - spec_.min + 1);
      length = spec_.min + std::floor(uniform01() * span);
      break;
    }
    case SequenceLengthSpec::Kind::kNormal: {
      // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1].
      const double u1 = 1.0 - uniform01(), u2 = uniform01();
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
      length = std::round(spec_.mean + spec_.stddev * z);
      length = std::clamp(length, static_cast<double>(spec_.min), static_cast<double>(spec_.max));
      break;
    }
  }
  const int m = std::max(1, spec_.multiple_of);
  return static_cast<int>((static_cast<std::int64_t>(length) + m - 1) / m * m);
}

}  // namespace aisim
