#include "models/quantity.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

namespace aisim {
namespace {

struct UnitEntry {
  std::string_view symbol;
  Dimension dimension;
  double scale;  // SI value of one unit
};

// Base units and their aliases; prefixes are applied on top of these (see kPrefixes).
constexpr std::array<UnitEntry, 12> kBaseUnits{{
    {"s", Dimension::kTime, 1.0},
    {"B", Dimension::kBytes, 1.0},
    {"B/s", Dimension::kBandwidth, 1.0},
    {"Bps", Dimension::kBandwidth, 1.0},
    {"b/s", Dimension::kBandwidth, 1.0 / 8},  // bits per second (links are often quoted in Gb/s)
    {"bps", Dimension::kBandwidth, 1.0 / 8},
    {"FLOPS", Dimension::kFlopRate, 1.0},
    {"FLOP/s", Dimension::kFlopRate, 1.0},
    {"flop/s", Dimension::kFlopRate, 1.0},
    {"W", Dimension::kPower, 1.0},
    {"Hz", Dimension::kFrequency, 1.0},
    {"J", Dimension::kEnergy, 1.0},
}};

struct Prefix {
  std::string_view symbol;
  double scale;
};

// Decimal SI prefixes, binary IEC prefixes. "K" is accepted as kilo because datasheets use it.
constexpr std::array<Prefix, 14> kPrefixes{{
    {"Ki", 1024.0},
    {"Mi", 1024.0 * 1024},
    {"Gi", 1024.0 * 1024 * 1024},
    {"Ti", 1024.0 * 1024 * 1024 * 1024},
    {"k", 1e3},
    {"K", 1e3},
    {"M", 1e6},
    {"G", 1e9},
    {"T", 1e12},
    {"P", 1e15},
    {"m", 1e-3},
    {"u", 1e-6},
    {"\xC2\xB5", 1e-6},  // µ (micro sign, UTF-8)
    {"n", 1e-9},
}};

std::optional<std::pair<Dimension, double>> lookup_unit(std::string_view unit) {
  for (const auto& base : kBaseUnits) {
    if (unit == base.symbol) return std::pair{base.dimension, base.scale};
  }
  for (const auto& prefix : kPrefixes) {
    if (unit.size() <= prefix.symbol.size() || unit.substr(0, prefix.symbol.size()) != prefix.symbol)
      continue;
    const auto rest = unit.substr(prefix.symbol.size());
    for (const auto& base : kBaseUnits) {
      if (rest == base.symbol) return std::pair{base.dimension, base.scale * prefix.scale};
    }
  }
  if (unit == "ps") return std::pair{Dimension::kTime, 1e-12};
  if (unit == "min") return std::pair{Dimension::kTime, 60.0};
  if (unit == "h") return std::pair{Dimension::kTime, 3600.0};
  return std::nullopt;
}

}  // namespace

std::string_view base_unit(Dimension dimension) {
  switch (dimension) {
    case Dimension::kTime: return "s";
    case Dimension::kBytes: return "B";
    case Dimension::kBandwidth: return "B/s";
    case Dimension::kFlopRate: return "FLOPS";
    case Dimension::kPower: return "W";
    case Dimension::kFrequency: return "Hz";
    case Dimension::kEnergy: return "J";
  }
  return "?";
}

std::string_view example_quantity(Dimension dimension) {
  switch (dimension) {
    case Dimension::kTime: return "5 us";
    case Dimension::kBytes: return "80 GiB";
    case Dimension::kBandwidth: return "2039 GB/s";
    case Dimension::kFlopRate: return "312 TFLOPS";
    case Dimension::kPower: return "400 W";
    case Dimension::kFrequency: return "1.41 GHz";
    case Dimension::kEnergy: return "3.6 kJ";
  }
  return "?";
}

std::optional<ParsedQuantity> parse_quantity(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size() && text[begin] == ' ') ++begin;
  text.remove_prefix(begin);
  double number = 0;
  // from_chars accepts "inf"/"nan"; the finiteness check below rejects them.
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  while (!unit.empty() && unit.back() == ' ') unit.remove_suffix(1);
  if (unit.empty()) return std::nullopt;  // a string must say its unit; plain numbers are JSON numbers
  const auto found = lookup_unit(unit);
  if (!found) return std::nullopt;
  const double value = number * found->second;
  if (!std::isfinite(value)) return std::nullopt;
  return ParsedQuantity{value, found->first};
}

std::string format_quantity(double value, Dimension dimension) {
  static constexpr std::array<std::pair<double, std::string_view>, 9> kScales{{
      {1e15, "P"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"},
      {1.0, ""}, {1e-3, "m"}, {1e-6, "u"}, {1e-9, "n"}}};
  const double magnitude = std::fabs(value);
  std::string_view prefix;
  double scale = 1.0;
  if (magnitude > 0) {
    for (const auto& [s, p] : kScales) {
      if (magnitude >= s * 0.9999999) {
        scale = s;
        prefix = p;
        break;
      }
    }
    if (magnitude < 1e-9) {
      scale = 1e-9;
      prefix = "n";
    }
  }
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.4g %.*s%.*s", value / scale, static_cast<int>(prefix.size()),
                prefix.data(), static_cast<int>(base_unit(dimension).size()),
                base_unit(dimension).data());
  return buffer;
}

}  // namespace aisim
