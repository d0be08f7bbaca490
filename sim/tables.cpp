#include "sim/tables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <stdexcept>

namespace aisim {
namespace {

// The paper's claims (Pawar & Deobhankar 2026, Tables 3 and 4; DESIGN.md section 1), shown beside
// aisim's figures and never used to compute them. "base" is Linux 6.1's CFS with PyTorch's
// caching allocator, "proposed" the paper's accelerator-aware scheduler with its tensor-aware
// memory manager: aisim's cfs+caching and accel-aware+tensor-aware policy pairs.
struct PaperTable3 {
  const char* family;
  const char* column;
  double gpu_utilization_pct, context_switch_latency_us, memory_reuse_pct, training_time_s;
};
constexpr PaperTable3 kPaperTable3[] = {
    {"ResNet-50", "base", 85, 6.8, 71, 152}, {"ResNet-50", "proposed", 92, 4.3, 89, 125},
    {"BERT", "base", 84, 6.1, 72, 210},      {"BERT", "proposed", 94, 4.5, 88, 180},
    {"GPT-2", "base", 88, 5.2, 75, 272},     {"GPT-2", "proposed", 96, 3.9, 91, 245},
};
struct PaperTable4 {
  const char* column;
  double gpu_utilization_lo_pct, gpu_utilization_hi_pct, memory_reuse_pct, power_w;
};
constexpr PaperTable4 kPaperTable4[] = {{"base", 55, 92, 73, 520}, {"proposed", 90, 96, 89, 446}};

std::string model_family(const std::string& model) {
  if (model.rfind("resnet50", 0) == 0) return "ResNet-50";
  if (model.rfind("bert", 0) == 0) return "BERT";
  if (model.rfind("gpt2", 0) == 0) return "GPT-2";
  return model;
}

// Which of the paper's columns a policy pair corresponds to, or "" for neither.
std::string paper_column(const Json& policies) {
  const auto s = policies.value("scheduler", ""), m = policies.value("memory", "");
  if (s == "cfs" && m == "caching") return "base";
  if (s == "accel-aware" && m == "tensor-aware") return "proposed";
  return "";
}

double number_at(const Json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0;
}

// (proposed - baseline) / baseline in %, signed (DESIGN.md section 4); null without a baseline.
Json change_pct(double proposed, double baseline) {
  if (baseline == 0) return nullptr;
  return 100.0 * (proposed - baseline) / baseline;
}

}  // namespace

Json table3_rows(const std::vector<PointReport>& points, const std::string& baseline_policy_set) {
  Json rows = Json::array();
  for (const auto& p : points) {
    if (p.report.is_null()) {
      rows.push_back({{"job_set", p.job_set}, {"policy_set", p.policy_set}, {"error", p.error}});
      continue;
    }
    const Json& r = p.report;
    const Json& policies = r["config"]["policies"];
    for (size_t k = 0; k < r["jobs"].size(); ++k) {
      const Json& job = r["jobs"][k];
      if (r["config"]["jobs"][k].value("cotenant", false)) continue;
      const std::string device = job["device"].get<std::string>();
      // A reference, not a copy: a device carries its utilization series (issue 8's memory).
      static const Json kNoDevice = Json::object();
      const Json* found = &kNoDevice;
      for (const auto& d : r["devices"])
        if (d["name"] == device) found = &d;
      const Json& dev = *found;
      const std::string family = model_family(job["model"].get<std::string>());
      const std::string column = paper_column(policies);
      Json paper = nullptr;
      for (const auto& f : kPaperTable3)
        if (family == f.family && column == f.column)
          paper = {{"column", column},
                   {"gpu_utilization_pct", f.gpu_utilization_pct},
                   {"context_switch_latency_us", f.context_switch_latency_us},
                   {"memory_reuse_pct", f.memory_reuse_pct},
                   {"training_time_s", f.training_time_s}};
      Json row{
          {"job_set", p.job_set},
          {"policy_set", p.policy_set},
          {"scheduler", policies["scheduler"]},
          {"memory", policies["memory"]},
          {"job", job["name"]},
          {"model", job["model"]},
          {"model_family", family},
          {"device", device},
          {"batch_size", job["batch_size"]},
          {"gpu_utilization_pct", number_at(dev, "utilization_pct")},
          {"gpu_utilization_range_pct",
           dev.contains("utilization_range_pct") ? dev["utilization_range_pct"] : Json()},
          {"context_switch_latency_us", r["host"]["context_switch_latency_us"]["mean"]},
          {"context_switch_latency_p99_us", r["host"]["context_switch_latency_us"]["p99"]},
          {"memory_reuse_pct", r["memory"]["memory_reuse_pct"]},
          {"training_time_s", job["training_time_s"]},
          {"training_time_extrapolated", job["measured_iterations"].get<std::int64_t>() <
                                             job["iterations_per_epoch"].get<std::int64_t>()},
          {"measured_iterations", job["measured_iterations"]},
          {"throughput_samples_per_s", job["throughput_samples_per_s"]},
          {"cpu_utilization_pct", r["host"]["cpu_utilization_pct"]},
          {"device_memory_peak_reserved_mb",
           dev.contains("memory") ? number_at(dev["memory"], "peak_reserved_bytes") / 1e6 : 0.0},
          {"power_w", r["node"]["power_w"]},
          {"energy_j_per_epoch", job["energy_j_per_epoch"]},
          {"paper", paper},
          {"improvement_pct", nullptr}};
      rows.push_back(row);
    }
  }
  // Improvements against the baseline policy set's row of the same job.
  for (auto& row : rows) {
    if (row.contains("error") || row["policy_set"] == baseline_policy_set) continue;
    for (const auto& base : rows) {
      if (base.contains("error") || base["policy_set"] != baseline_policy_set ||
          base["job"] != row["job"] || base["job_set"] != row["job_set"])
        continue;
      Json imp;
      for (const char* key :
           {"gpu_utilization_pct", "context_switch_latency_us", "memory_reuse_pct",
            "training_time_s", "throughput_samples_per_s", "power_w"})
        imp[key] = change_pct(number_at(row, key), number_at(base, key));
      row["improvement_pct"] = imp;
    }
  }
  return rows;
}

Json table4_rows(const Json& table3, const std::string& baseline_policy_set) {
  std::vector<std::string> sets;
  for (const auto& row : table3)
    if (std::find(sets.begin(), sets.end(), row["policy_set"]) == sets.end())
      sets.push_back(row["policy_set"].get<std::string>());
  Json rows = Json::array();
  for (const auto& set : sets) {
    double lo = 100, hi = 0, reuse = 0, power = 0;
    int n = 0;
    bool any_range = false;
    Json policies;
    for (const auto& row : table3) {
      if (row["policy_set"] != set || row.contains("error")) continue;
      const Json& range = row["gpu_utilization_range_pct"];
      if (range.is_array()) {
        lo = std::min(lo, range[0].get<double>());
        hi = std::max(hi, range[1].get<double>());
        any_range = true;
      }
      reuse += row["memory_reuse_pct"].get<double>();
      power += row["power_w"].get<double>();
      policies = {{"scheduler", row["scheduler"]}, {"memory", row["memory"]}};
      ++n;
    }
    if (n == 0) continue;
    Json paper = nullptr;
    const std::string column = paper_column(policies);
    for (const auto& f : kPaperTable4)
      if (column == f.column)
        paper = {
            {"column", column},
            {"gpu_utilization_range_pct", {f.gpu_utilization_lo_pct, f.gpu_utilization_hi_pct}},
            {"memory_reuse_pct", f.memory_reuse_pct},
            {"power_w", f.power_w}};
    rows.push_back({{"policy_set", set},
                    {"scheduler", policies["scheduler"]},
                    {"memory", policies["memory"]},
                    {"rows", n},
                    {"gpu_utilization_range_pct", any_range ? Json{lo, hi} : Json()},
                    {"memory_reuse_pct", reuse / n},
                    {"power_w", power / n},
                    {"paper", paper},
                    {"improvement_pct", nullptr}});
  }
  for (auto& row : rows) {
    if (row["policy_set"] == baseline_policy_set) continue;
    for (const auto& base : rows)
      if (base["policy_set"] == baseline_policy_set)
        row["improvement_pct"] = {
            {"memory_reuse_pct", change_pct(row["memory_reuse_pct"].get<double>(),
                                            base["memory_reuse_pct"].get<double>())},
            {"power_w", change_pct(row["power_w"].get<double>(), base["power_w"].get<double>())}};
  }
  return rows;
}

namespace {

void flatten(const Json& value, const std::string& prefix, std::vector<std::string>& keys,
             std::vector<std::string>& cells) {
  if (value.is_object()) {
    for (const auto& [k, v] : value.items())
      flatten(v, prefix.empty() ? k : prefix + "." + k, keys, cells);
    return;
  }
  keys.push_back(prefix);
  if (value.is_null())
    cells.emplace_back();
  else if (value.is_string())
    cells.push_back(value.get<std::string>());
  else if (value.is_array() && value.size() == 2 && value[0].is_number())
    cells.push_back(fmt::format("{}-{}", value[0].get<double>(), value[1].get<double>()));
  else
    cells.push_back(value.dump());
}

}  // namespace

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char ch : s) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return quoted + "\"";
}

std::string rows_to_csv(const Json& rows) {
  // The union of the rows' flattened keys, in first-appearance order, so that rows with null
  // sub-objects (no paper figure, the baseline's improvements) still line up.
  std::vector<std::string> header;
  std::vector<std::vector<std::pair<std::string, std::string>>> flat;
  for (const auto& row : rows) {
    std::vector<std::string> keys, cells;
    flatten(row, "", keys, cells);
    flat.emplace_back();
    for (size_t i = 0; i < keys.size(); ++i) {
      if (std::find(header.begin(), header.end(), keys[i]) == header.end())
        header.push_back(keys[i]);
      flat.back().emplace_back(keys[i], cells[i]);
    }
  }
  // A key that is a prefix of others ("paper" when null in one row, an object in another) is
  // dropped in favour of its members.
  std::erase_if(header, [&](const std::string& k) {
    return std::any_of(header.begin(), header.end(),
                       [&](const std::string& o) { return o.rfind(k + ".", 0) == 0; });
  });
  // Appending piecewise rather than `(i ? "," : "") + cell`, which GCC 12 warns about falsely
  // (-Wrestrict).
  std::string out;
  for (size_t i = 0; i < header.size(); ++i) {
    if (i) out += ',';
    out += csv_cell(header[i]);
  }
  out += "\n";
  for (const auto& cells : flat) {
    for (size_t i = 0; i < header.size(); ++i) {
      std::string cell;
      for (const auto& [k, v] : cells)
        if (k == header[i]) cell = v;
      if (i) out += ',';
      out += csv_cell(cell);
    }
    out += "\n";
  }
  return out;
}

void write_table_csvs(const Json& report, const std::string& directory) {
  for (const char* table : {"table3", "table4"}) {
    const auto path = (std::filesystem::path(directory) / (std::string(table) + ".csv")).string();
    std::ofstream out(path);
    out << rows_to_csv(report[table]);
    if (!out) throw std::runtime_error("cannot write " + path);
  }
}

namespace {

std::string with_paper(const Json& row, const char* key, const char* format) {
  const std::string ours = fmt::format(fmt::runtime(format), row[key].get<double>());
  if (!row["paper"].is_object()) return ours;
  return ours + " (" + fmt::format(fmt::runtime(format), row["paper"][key].get<double>()) + ")";
}

std::string range_text(const Json& range) {
  if (!range.is_array()) return "-";
  return fmt::format("{:.0f}-{:.0f}", range[0].get<double>(), range[1].get<double>());
}

std::string improvement(const Json& row, const char* key) {
  if (!row["improvement_pct"].is_object() || row["improvement_pct"][key].is_null()) return "";
  return fmt::format(" {:+.1f}%", row["improvement_pct"][key].get<double>());
}

}  // namespace

void print_tables(const Json& report, std::ostream& out) {
  out << "Table 3: per model and policy set; the paper's figure in brackets "
         "(base = cfs+caching, proposed = accel-aware+tensor-aware), change against the "
         "baseline policy set after it\n";
  out << fmt::format("{:<10} {:<10} {:<26} {:>22} {:>22} {:>22} {:>26} {:>18}\n", "model",
                     "policies", "scheduler+memory", "GPU util %", "ctx switch us",
                     "memory reuse %", "training time s/epoch", "samples/s");
  for (const auto& row : report["table3"]) {
    if (row.contains("error")) {
      out << fmt::format("{:<10} {:<10} failed: {}\n", row["job_set"].get<std::string>(),
                         row["policy_set"].get<std::string>(), row["error"].get<std::string>());
      continue;
    }
    out << fmt::format(
        "{:<10} {:<10} {:<26} {:>22} {:>22} {:>22} {:>26} {:>18}\n",
        row["model_family"].get<std::string>(), row["policy_set"].get<std::string>(),
        row["scheduler"].get<std::string>() + "+" + row["memory"].get<std::string>(),
        with_paper(row, "gpu_utilization_pct", "{:.1f}") + improvement(row, "gpu_utilization_pct"),
        with_paper(row, "context_switch_latency_us", "{:.1f}") +
            improvement(row, "context_switch_latency_us"),
        with_paper(row, "memory_reuse_pct", "{:.1f}") + improvement(row, "memory_reuse_pct"),
        with_paper(row, "training_time_s", "{:.1f}") + improvement(row, "training_time_s") +
            (row["training_time_extrapolated"].get<bool>() ? "*" : ""),
        fmt::format("{:.1f}", row["throughput_samples_per_s"].get<double>()) +
            improvement(row, "throughput_samples_per_s"));
  }
  out << "* extrapolated from the measured iterations (report.json "
         "jobs[].training_time_method)\n\n";
  out << "Table 4: per policy set, over the models above; the paper's figure in brackets\n";
  out << fmt::format("{:<10} {:<26} {:>22} {:>22} {:>22}\n", "policies", "scheduler+memory",
                     "GPU util range %", "memory reuse %", "node power W");
  for (const auto& row : report["table4"]) {
    const bool paper = row["paper"].is_object();
    out << fmt::format(
        "{:<10} {:<26} {:>22} {:>22} {:>22}\n", row["policy_set"].get<std::string>(),
        row["scheduler"].get<std::string>() + "+" + row["memory"].get<std::string>(),
        range_text(row["gpu_utilization_range_pct"]) +
            (paper ? " (" + range_text(row["paper"]["gpu_utilization_range_pct"]) + ")" : ""),
        with_paper(row, "memory_reuse_pct", "{:.1f}") + improvement(row, "memory_reuse_pct"),
        with_paper(row, "power_w", "{:.0f}") + improvement(row, "power_w"));
  }
}

}  // namespace aisim
