// Physical quantities with units, parsed from one table: "312 TFLOPS", "2039 GB/s", "400 W",
// "5 us", "80 GiB". Plain JSON numbers are taken as SI base units (FLOP/s, B/s, W, s, B).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aisim {

enum class Dimension { kTime, kBytes, kBandwidth, kFlopRate, kPower, kFrequency, kEnergy };

// The unit an SI value of this dimension is expressed in ("s", "B", "B/s", ...).
std::string_view base_unit(Dimension dimension);
// A valid example for error messages ("312 TFLOPS").
std::string_view example_quantity(Dimension dimension);

struct ParsedQuantity {
  double value = 0;  // in SI base units of `dimension`
  Dimension dimension = Dimension::kTime;
};

// Parses "<number> <unit>" (space optional). Returns nullopt for anything else: no number, an
// unknown unit, trailing garbage, or a value that is not finite ("nan s", "inf W", "1e999 B").
std::optional<ParsedQuantity> parse_quantity(std::string_view text);

// Formats an SI value with a readable prefix ("2.039 TB/s", "5 us").
std::string format_quantity(double value, Dimension dimension);

}  // namespace aisim
