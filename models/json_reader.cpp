#include "models/json_reader.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

namespace aisim {

std::string json_pointer_child(const std::string& parent, std::string_view key) {
  std::string out = parent + "/";
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string json_pointer_child(const std::string& parent, size_t index) {
  return parent + "/" + std::to_string(index);
}

static size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const auto& candidate : candidates) {
    const size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  return best_distance <= limit ? best : std::string();
}

std::optional<Json> read_json_file(const std::string& path, DiagnosticSink& sink) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    sink.add("", "cannot open file (does it exist and is it readable?)");
    return std::nullopt;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    // nlohmann reports a byte offset; turn it into line and column.
    const size_t offset = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    size_t line = 1, column = 1;
    for (size_t i = 0; i < offset; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    // Keep nlohmann's description but drop its "[json.exception.parse_error.101] parse error at
    // line L, column C: " prefix, which we restate in our own form.
    if (const auto colon = what.find(": "); colon != std::string::npos)
      what = what.substr(colon + 2);
    sink.add("", "malformed JSON at line " + std::to_string(line) + ", column " +
                     std::to_string(column) + ": " + what);
    return std::nullopt;
  }
}

std::optional<double> quantity_from_json(const Json& value, Dimension dimension, Sign sign,
                                         std::string* expected) {
  const std::string sign_word = sign == Sign::kPositive ? "positive" : "non-negative";
  *expected = "expected a " + sign_word + " quantity like \"" +
              std::string(example_quantity(dimension)) + "\" (or a number in " +
              std::string(base_unit(dimension)) + ")";
  double v = 0;
  if (value.is_number()) {
    v = value.get<double>();
  } else if (value.is_string()) {
    const auto parsed = parse_quantity(value.get_ref<const std::string&>());
    if (!parsed) return std::nullopt;
    if (parsed->dimension != dimension) {
      *expected = "expected a quantity in " + std::string(base_unit(dimension)) + " like \"" +
                  std::string(example_quantity(dimension)) + "\", but the unit is one of " +
                  std::string(base_unit(parsed->dimension));
      return std::nullopt;
    }
    v = parsed->value;
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(v)) return std::nullopt;
  if (sign == Sign::kPositive ? !(v > 0) : !(v >= 0)) return std::nullopt;
  return v;
}

JsonObjectReader::JsonObjectReader(const Json& value, std::string pointer, DiagnosticSink& sink)
    : pointer_(std::move(pointer)), sink_(sink) {
  if (value.is_object())
    object_ = &value;
  else
    sink_.add(pointer_.empty() ? "/" : pointer_, "expected an object, got " + value.dump());
}

void JsonObjectReader::error(std::string_view key, std::string message) {
  sink_.add(child(key), std::move(message));
}

bool JsonObjectReader::has(std::string_view key) {
  known_.emplace_back(key);
  return object_ && object_->contains(key);
}

const Json* JsonObjectReader::member(std::string_view key, Presence presence) {
  known_.emplace_back(key);
  if (!object_) return nullptr;
  const auto it = object_->find(key);
  if (it == object_->end()) {
    if (presence == Presence::kRequired) error(key, "missing required key");
    return nullptr;
  }
  return &*it;
}

std::optional<double> JsonObjectReader::quantity(std::string_view key, Dimension dimension,
                                                 Presence presence, Sign sign) {
  const Json* value = member(key, presence);
  if (!value) return std::nullopt;
  std::string expected;
  auto result = quantity_from_json(*value, dimension, sign, &expected);
  if (!result) error(key, expected + ", got " + value->dump());
  return result;
}

double JsonObjectReader::quantity_or(std::string_view key, Dimension dimension, double fallback,
                                     Sign sign) {
  return quantity(key, dimension, Presence::kOptional, sign).value_or(fallback);
}

std::optional<std::string> JsonObjectReader::string(std::string_view key, Presence presence) {
  const Json* value = member(key, presence);
  if (!value) return std::nullopt;
  if (!value->is_string() || value->get_ref<const std::string&>().empty()) {
    error(key, "expected a non-empty string, got " + value->dump());
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::string JsonObjectReader::string_or(std::string_view key, std::string fallback) {
  return string(key, Presence::kOptional).value_or(std::move(fallback));
}

std::optional<std::int64_t> JsonObjectReader::integer(std::string_view key, Presence presence,
                                                      std::int64_t min, std::int64_t max) {
  const Json* value = member(key, presence);
  if (!value) return std::nullopt;
  const bool integral = value->is_number_integer() ||
                        (value->is_number_float() && std::isfinite(value->get<double>()) &&
                         std::floor(value->get<double>()) == value->get<double>() &&
                         std::fabs(value->get<double>()) < 9e15);
  if (integral) {
    const double v = value->get<double>();
    if (v >= static_cast<double>(min) && v <= static_cast<double>(max))
      return value->is_number_unsigned() ? static_cast<std::int64_t>(value->get<std::uint64_t>())
                                         : value->get<std::int64_t>();
  }
  error(key, "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                 "], got " + value->dump());
  return std::nullopt;
}

std::int64_t JsonObjectReader::integer_or(std::string_view key, std::int64_t fallback,
                                          std::int64_t min, std::int64_t max) {
  return integer(key, Presence::kOptional, min, max).value_or(fallback);
}

std::optional<double> JsonObjectReader::number(std::string_view key, Presence presence, double min,
                                               double max) {
  const Json* value = member(key, presence);
  if (!value) return std::nullopt;
  if (value->is_number()) {
    const double v = value->get<double>();
    if (std::isfinite(v) && v >= min && v <= max) return v;
  }
  std::ostringstream range;
  range << "[" << min << ", " << max << "]";
  error(key, "expected a number in " + range.str() + ", got " + value->dump());
  return std::nullopt;
}

double JsonObjectReader::number_or(std::string_view key, double fallback, double min, double max) {
  return number(key, Presence::kOptional, min, max).value_or(fallback);
}

const Json* JsonObjectReader::object(std::string_view key, Presence presence) {
  const Json* value = member(key, presence);
  if (value && !value->is_object()) {
    error(key, "expected an object, got " + value->dump());
    return nullptr;
  }
  return value;
}

const Json* JsonObjectReader::array(std::string_view key, Presence presence) {
  const Json* value = member(key, presence);
  if (value && !value->is_array()) {
    error(key, "expected an array, got " + value->dump());
    return nullptr;
  }
  return value;
}

const Json* JsonObjectReader::any(std::string_view key) {
  return member(key, Presence::kOptional);
}

void JsonObjectReader::finish() {
  if (!object_) return;
  for (const auto& [key, value] : object_->items()) {
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::string message = "unknown key \"" + key + "\"";
    std::vector<std::string> unique(known_.begin(), known_.end());
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    if (const auto suggestion = closest_match(key, unique); !suggestion.empty())
      message += "; did you mean \"" + suggestion + "\"?";
    else
      message += "; known keys: " + [&] {
        std::string list;
        for (const auto& k : unique) list += (list.empty() ? "" : ", ") + k;
        return list;
      }();
    sink_.add(json_pointer_child(pointer_, key), message);
  }
}

}  // namespace aisim
