// `aisim compare REFERENCE NEW`: regression tests on metric outputs. Every leaf of two reports is
// compared, numbers within per-metric tolerances (the first matching rule of a tolerances file),
// everything else exactly; keys present on one side only are differences too.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "models/json_reader.hpp"

namespace aisim {

struct ToleranceRule {
  std::string match;  // glob over the JSON pointer: '*' matches any run of characters
  double relative = 0, absolute = 0;
  bool ignore = false;
};

struct Tolerances {
  ToleranceRule fallback{"*", 1e-9, 1e-12, false};
  std::vector<ToleranceRule> rules;
  const ToleranceRule& rule_for(const std::string& pointer) const;
};

// Reads a tolerances file ({"default": {"relative", "absolute"}, "rules": [{"match", "relative",
// "absolute", "ignore"}]}); throws InputError naming the file and JSON path.
Tolerances read_tolerances(const std::string& path);

struct Difference {
  std::string pointer;
  Json reference, actual;  // null where the key is missing on that side
  double absolute = 0, relative = 0;  // for numbers
  const ToleranceRule* rule = nullptr;
};

std::vector<Difference> compare_reports(const Json& reference, const Json& actual,
                                        const Tolerances& tolerances);

// The differences as an aligned table (pointer, reference, new, |diff|, rel, tolerance).
void print_differences(const std::vector<Difference>& differences, std::ostream& out);

bool glob_match(const std::string& pattern, const std::string& text);

}  // namespace aisim
