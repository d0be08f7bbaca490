#include "models/quantity.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

namespace aisim {
namespace {

// A scale is kept as a multiplier or a divisor so that "5 us" becomes 5 / 1e6, the double
// nearest to 5e-6, rather than 5 * 1e-6 (1e-6 is not exact in binary).
struct Scale {
  double factor;
  bool divide;
  double apply(double x) const { return divide ? x / factor : x * factor; }
  Scale then(Scale other) const {  // this unit with a prefix `other` (at most one divides)
    if (divide == other.divide) return {factor * other.factor, divide};
    return divide ? Scale{factor / other.factor, true} : Scale{other.factor / factor, true};
  }
};

struct UnitEntry {
  std::string_view symbol;
  Dimension dimension;
  Scale scale;  // SI value of one unit
};

// Base units and their aliases; prefixes are applied on top of these (see kPrefixes).
constexpr std::array<UnitEntry, 12> kBaseUnits{{
    {"s", Dimension::kTime, {1, false}},
    {"B", Dimension::kBytes, {1, false}},
    {"B/s", Dimension::kBandwidth, {1, false}},
    {"Bps", Dimension::kBandwidth, {1, false}},
    {"b/s", Dimension::kBandwidth, {8, true}},  // bits per second (links are often quoted in Gb/s)
    {"bps", Dimension::kBandwidth, {8, true}},
    {"FLOPS", Dimension::kFlopRate, {1, false}},
    {"FLOP/s", Dimension::kFlopRate, {1, false}},
    {"flop/s", Dimension::kFlopRate, {1, false}},
    {"W", Dimension::kPower, {1, false}},
    {"Hz", Dimension::kFrequency, {1, false}},
    {"J", Dimension::kEnergy, {1, false}},
}};

struct Prefix {
  std::string_view symbol;
  Scale scale;
};

// Decimal SI prefixes, binary IEC prefixes. "K" is accepted as kilo because datasheets use it.
constexpr std::array<Prefix, 14> kPrefixes{{
    {"Ki", {1024.0, false}},
    {"Mi", {1024.0 * 1024, false}},
    {"Gi", {1024.0 * 1024 * 1024, false}},
    {"Ti", {1024.0 * 1024 * 1024 * 1024, false}},
    {"k", {1e3, false}},
    {"K", {1e3, false}},
    {"M", {1e6, false}},
    {"G", {1e9, false}},
    {"T", {1e12, false}},
    {"P", {1e15, false}},
    {"m", {1e3, true}},
    {"u", {1e6, true}},
    {"\xC2\xB5", {1e6, true}},  // µ (micro sign, UTF-8)
    {"n", {1e9, true}},
}};

std::optional<std::pair<Dimension, Scale>> lookup_unit(std::string_view unit) {
  for (const auto& base : kBaseUnits) {
    if (unit == base.symbol) return std::pair{base.dimension, base.scale};
  }
  for (const auto& prefix : kPrefixes) {
    if (unit.size() <= prefix.symbol.size() ||
        unit.substr(0, prefix.symbol.size()) != prefix.symbol)
      continue;
    const auto rest = unit.substr(prefix.symbol.size());
    for (const auto& base : kBaseUnits) {
      if (rest == base.symbol) return std::pair{base.dimension, base.scale.then(prefix.scale)};
    }
  }
  if (unit == "ps") return std::pair{Dimension::kTime, Scale{1e12, true}};
  if (unit == "min") return std::pair{Dimension::kTime, Scale{60, false}};
  if (unit == "h") return std::pair{Dimension::kTime, Scale{3600, false}};
  return std::nullopt;
}

}  // namespace

std::string_view base_unit(Dimension dimension) {
  switch (dimension) {
    case Dimension::kTime:
      return "s";
    case Dimension::kBytes:
      return "B";
    case Dimension::kBandwidth:
      return "B/s";
    case Dimension::kFlopRate:
      return "FLOPS";
    case Dimension::kPower:
      return "W";
    case Dimension::kFrequency:
      return "Hz";
    case Dimension::kEnergy:
      return "J";
  }
  return "?";
}

std::string_view example_quantity(Dimension dimension) {
  switch (dimension) {
    case Dimension::kTime:
      return "5 us";
    case Dimension::kBytes:
      return "80 GiB";
    case Dimension::kBandwidth:
      return "2039 GB/s";
    case Dimension::kFlopRate:
      return "312 TFLOPS";
    case Dimension::kPower:
      return "400 W";
    case Dimension::kFrequency:
      return "1.41 GHz";
    case Dimension::kEnergy:
      return "3.6 kJ";
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
  if (unit.empty())
    return std::nullopt;  // a string must say its unit; plain numbers are JSON numbers
  const auto found = lookup_unit(unit);
  if (!found) return std::nullopt;
  const double value = found->second.apply(number);
  if (!std::isfinite(value)) return std::nullopt;
  return ParsedQuantity{value, found->first};
}

std::string format_quantity(double value, Dimension dimension) {
  static constexpr std::array<std::pair<double, std::string_view>, 9> kScales{{{1e15, "P"},
                                                                               {1e12, "T"},
                                                                               {1e9, "G"},
                                                                               {1e6, "M"},
                                                                               {1e3, "k"},
                                                                               {1.0, ""},
                                                                               {1e-3, "m"},
                                                                               {1e-6, "u"},
                                                                               {1e-9, "n"}}};
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
  std::snprintf(buffer, sizeof buffer, "%.4g %.*s%.*s", value / scale,
                static_cast<int>(prefix.size()), prefix.data(),
                static_cast<int>(base_unit(dimension).size()), base_unit(dimension).data());
  return buffer;
}

}  // namespace aisim
