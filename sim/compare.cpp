#include "sim/compare.hpp"

#include <fmt/format.h>

#include <cmath>
#include <ostream>

#include "models/errors.hpp"

namespace aisim {

bool glob_match(const std::string& pattern, const std::string& text) {
  // Iterative wildcard matching with backtracking to the last '*'.
  size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

const ToleranceRule& Tolerances::rule_for(const std::string& pointer) const {
  for (const auto& r : rules)
    if (glob_match(r.match, pointer)) return r;
  return fallback;
}

Tolerances read_tolerances(const std::string& path) {
  DiagnosticSink sink(path);
  const auto document = read_json_file(path, sink);
  sink.throw_if_any<InputError>();
  Tolerances t;
  JsonObjectReader top(*document, "", sink);
  if (const Json* d = top.object("default", Presence::kOptional)) {
    JsonObjectReader r(*d, "/default", sink);
    t.fallback.relative = r.number_or("relative", t.fallback.relative, 0, 1e300);
    t.fallback.absolute = r.number_or("absolute", t.fallback.absolute, 0, 1e300);
    r.finish();
  }
  if (const Json* rules = top.array("rules", Presence::kOptional)) {
    for (size_t i = 0; i < rules->size(); ++i) {
      JsonObjectReader r((*rules)[i], json_pointer_child("/rules", i), sink);
      if (!r.is_object()) continue;
      ToleranceRule rule;
      rule.match = r.string("match", Presence::kRequired).value_or("");
      rule.relative = r.number_or("relative", 0, 0, 1e300);
      rule.absolute = r.number_or("absolute", 0, 0, 1e300);
      if (const Json* ignore = r.any("ignore")) {
        if (ignore->is_boolean()) rule.ignore = ignore->get<bool>();
        else sink.add(r.child("ignore"), "expected true or false, got " + ignore->dump());
      }
      r.any("why");
      r.finish();
      t.rules.push_back(rule);
    }
  }
  top.any("description");
  top.finish();
  sink.throw_if_any<InputError>();
  return t;
}

namespace {

void walk(const Json& ref, const Json& act, const std::string& pointer, const Tolerances& tol,
          std::vector<Difference>& out) {
  const ToleranceRule& rule = tol.rule_for(pointer.empty() ? "/" : pointer);
  if (rule.ignore) return;
  if (ref.is_object() && act.is_object()) {
    for (const auto& [k, v] : ref.items())
      walk(v, act.contains(k) ? act[k] : Json(), json_pointer_child(pointer, k), tol, out);
    for (const auto& [k, v] : act.items())
      if (!ref.contains(k)) walk(Json(), v, json_pointer_child(pointer, k), tol, out);
    return;
  }
  if (ref.is_array() && act.is_array()) {
    const size_t n = std::max(ref.size(), act.size());
    for (size_t i = 0; i < n; ++i)
      walk(i < ref.size() ? ref[i] : Json(), i < act.size() ? act[i] : Json(),
           json_pointer_child(pointer, i), tol, out);
    return;
  }
  if (ref.is_number() && act.is_number()) {
    const double a = ref.get<double>(), b = act.get<double>();
    const double abs_diff = std::fabs(b - a);
    const double rel = a != 0 ? abs_diff / std::fabs(a) : (abs_diff == 0 ? 0 : INFINITY);
    if (abs_diff <= std::max(rule.absolute, rule.relative * std::fabs(a))) return;
    out.push_back({pointer, ref, act, abs_diff, rel, &rule});
    return;
  }
  if (ref != act) out.push_back({pointer, ref, act, 0, 0, &rule});
}

std::string shorten(const Json& v) {
  if (v.is_null()) return "(missing)";
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  return s.size() > 24 ? s.substr(0, 21) + "..." : s;
}

}  // namespace

std::vector<Difference> compare_reports(const Json& reference, const Json& actual,
                                        const Tolerances& tolerances) {
  std::vector<Difference> out;
  walk(reference, actual, "", tolerances, out);
  return out;
}

void print_differences(const std::vector<Difference>& differences, std::ostream& out) {
  out << fmt::format("{:<72} {:>24} {:>24} {:>11} {:>11}  {}\n", "metric (JSON pointer)",
                     "reference", "new", "|diff|", "rel", "tolerance (rule)");
  for (const auto& d : differences) {
    std::string tol = "exact";
    if (d.reference.is_number() && d.actual.is_number())
      tol = fmt::format("rel {:g} abs {:g} ({})", d.rule->relative, d.rule->absolute, d.rule->match);
    out << fmt::format("{:<72} {:>24} {:>24} {:>11.3g} {:>11.3g}  {}\n", d.pointer,
                       shorten(d.reference), shorten(d.actual), d.absolute, d.relative, tol);
  }
}

}  // namespace aisim
