// A typed reader over one JSON object: required / optional / defaulted fields, every problem
// recorded in a DiagnosticSink with its JSON pointer (never thrown one at a time), and unknown
// keys reported with the closest known key as a suggestion. Used for configs and traces.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "models/errors.hpp"
#include "models/quantity.hpp"

namespace aisim {

using Json = nlohmann::json;

// "/a/b" + "c" with RFC 6901 escaping of "~" and "/".
std::string json_pointer_child(const std::string& parent, std::string_view key);
std::string json_pointer_child(const std::string& parent, size_t index);
// Closest candidate by edit distance, or "" if none is close enough to be a plausible typo.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);
// Parses a JSON file; missing file or malformed JSON (with line and column) go to the sink.
std::optional<Json> read_json_file(const std::string& path, DiagnosticSink& sink);

enum class Presence { kRequired, kOptional };
enum class Sign { kPositive, kNonNegative };

class JsonObjectReader {
 public:
  // Records "expected an object" if `value` is not one; getters then return nothing.
  JsonObjectReader(const Json& value, std::string pointer, DiagnosticSink& sink);

  bool is_object() const { return object_ != nullptr; }
  const std::string& pointer() const { return pointer_; }
  std::string child(std::string_view key) const { return json_pointer_child(pointer_, key); }
  bool has(std::string_view key);  // marks the key as known

  std::optional<double> quantity(std::string_view key, Dimension dimension, Presence presence,
                                 Sign sign = Sign::kPositive);
  double quantity_or(std::string_view key, Dimension dimension, double fallback,
                     Sign sign = Sign::kPositive);
  std::optional<std::string> string(std::string_view key, Presence presence);
  std::string string_or(std::string_view key, std::string fallback);
  std::optional<std::int64_t> integer(std::string_view key, Presence presence, std::int64_t min,
                                      std::int64_t max);
  std::int64_t integer_or(std::string_view key, std::int64_t fallback, std::int64_t min,
                          std::int64_t max);
  std::optional<double> number(std::string_view key, Presence presence, double min, double max);
  double number_or(std::string_view key, double fallback, double min, double max);
  // Returns the member if present and of the right JSON type (else records the problem).
  const Json* object(std::string_view key, Presence presence);
  const Json* array(std::string_view key, Presence presence);
  // Any JSON value, unchecked (free-form fields such as "source").
  const Json* any(std::string_view key);

  // Reports every key no getter asked for, with a suggestion. Call once, after all getters.
  void finish();

 private:
  const Json* member(std::string_view key, Presence presence);
  void error(std::string_view key, std::string message);

  const Json* object_ = nullptr;
  std::string pointer_;
  DiagnosticSink& sink_;
  std::vector<std::string> known_;
};

// Parses one JSON value as a quantity of `dimension`: a plain number in SI base units or a string
// with a unit. On failure returns nullopt and sets `expected` to the message's "expected ..." part.
std::optional<double> quantity_from_json(const Json& value, Dimension dimension, Sign sign,
                                         std::string* expected);

}  // namespace aisim
