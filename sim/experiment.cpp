#include "sim/experiment.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "models/errors.hpp"
#include "sim/child_process.hpp"
#include "sim/report.hpp"
#include "sim/simulation.hpp"
#include "sim/tables.hpp"

namespace aisim {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<ConfigOverride> parse_overrides(const std::vector<std::string>& texts) {
  std::vector<ConfigOverride> out;
  for (const auto& t : texts) out.push_back(parse_override(t));
  return out;
}

int run_single_point(const Config& config, const ExperimentPoint& point, const RunRequest& request,
                     const std::string& output_dir, std::ostream& out) {
  const auto traces = load_workloads(config);
  const auto start = Clock::now();
  SimulationOptions options;
  options.simgrid_cfg = request.simgrid_cfg;
  options.timeline_path = request.timeline_path;
  Json report = run_simulation(config, traces, options);
  const double wall_s = seconds_since(start);
  report["kind"] = "simulation";
  report["point"] = {{"job_set", point.job_set}, {"policy_set", point.policy_set}};
  // The report is moved, not copied, into the table's input: a long run's utilization series
  // would otherwise be held twice (peak memory growing with the run; docs/performance.md).
  std::vector<PointReport> points;
  points.push_back({point.job_set, point.policy_set, std::move(report), ""});
  Json table3 = table3_rows(points, config.policy_sets.front().name);
  report = std::move(points.front().report);
  report["table3"] = std::move(table3);
  report["table4"] = table4_rows(report["table3"], config.policy_sets.front().name);
  const std::string path = write_report(report, output_dir);
  write_table_csvs(report, output_dir);
  if (!request.quiet) {
    print_summary(report, wall_s, out);
    out << "report: " << path << "\n";
    if (!request.timeline_path.empty()) out << "timeline: " << request.timeline_path << "\n";
  }
  return 0;
}

std::vector<std::string> child_argv(const RunRequest& request, const ExperimentPoint& point,
                                    const std::string& point_dir) {
  std::vector<std::string> argv{self_executable(), "--config", request.config_path};
  for (const auto& o : request.overrides) {
    argv.push_back("--set");
    argv.push_back(o);
  }
  argv.insert(argv.end(),
              {"--job", point.job_set, "--policy-set", point.policy_set, "-o", point_dir, "-q"});
  for (const auto& c : request.simgrid_cfg) {
    argv.push_back("--simgrid-cfg");
    argv.push_back(c);
  }
  if (!request.timeline_path.empty()) {
    argv.push_back("--timeline");
    argv.push_back(point_file_name(request.timeline_path, point.id()));
  }
  return argv;
}

}  // namespace

std::string point_file_name(const std::string& path, const std::string& id) {
  for (const char* ext : {".json.gz", ".json", ".gz"}) {
    const std::string e(ext);
    if (path.size() > e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0)
      return path.substr(0, path.size() - e.size()) + "." + id + e;
  }
  return path + "." + id;
}

int run_experiment(const RunRequest& request, std::ostream& out) {
  Config config = load_config(request.config_path, parse_overrides(request.overrides));
  if (!request.job_set.empty() || !request.policy_set.empty())
    config = config.select(request.job_set, request.policy_set);
  const std::string output_dir =
      request.output_dir.empty() ? config.run.output_dir : request.output_dir;
  const auto points = config.points();
  if (points.size() == 1) return run_single_point(config, points.front(), request, output_dir, out);

  // Several points: check the workloads here (bad traces are reported once, before any child
  // starts), then one child process per point.
  (void)load_workloads(config);
  const auto start = Clock::now();
  std::vector<ChildCommand> commands;
  for (const auto& p : points) {
    const auto dir = (std::filesystem::path(output_dir) / "points" / p.id()).string();
    std::filesystem::create_directories(dir);
    commands.push_back({child_argv(request, p, dir), dir + "/log.txt"});
  }
  const bool progress = !request.quiet && isatty(STDERR_FILENO);
  size_t done = 0;
  const auto codes = run_children(commands, request.parallel, [&](size_t i, int code) {
    ++done;
    if (!progress) return;
    const double elapsed = seconds_since(start);
    const double eta =
        elapsed / static_cast<double>(done) * static_cast<double>(points.size() - done);
    std::cerr << fmt::format("\r[{}/{}] {} {} ({:.1f} s elapsed, ETA {:.0f} s)   ", done,
                             points.size(), points[i].id(), code == 0 ? "done" : "FAILED", elapsed,
                             eta)
              << (done == points.size() ? "\n" : "") << std::flush;
  });

  std::vector<PointReport> reports;
  Json merged_points = Json::array();
  int exit_code = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    PointReport r{points[i].job_set, points[i].policy_set, nullptr, ""};
    const auto dir = std::filesystem::path(output_dir) / "points" / points[i].id();
    if (codes[i] == 0) {
      std::ifstream in(dir / "report.json");
      r.report = Json::parse(in, nullptr, /*allow_exceptions=*/false);
      if (r.report.is_discarded()) {
        r.report = nullptr;
        r.error = "unreadable report " + (dir / "report.json").string();
      }
    } else {
      r.error = last_line_of(commands[i].log_path);
      if (r.error.empty()) r.error = fmt::format("exit code {}", codes[i]);
    }
    if (!r.error.empty() && exit_code == 0) exit_code = codes[i] != 0 ? codes[i] : 1;
    merged_points.push_back({{"id", points[i].id()},
                             {"job_set", r.job_set},
                             {"policy_set", r.policy_set},
                             {"report", r.report},
                             {"error", r.error.empty() ? Json() : Json(r.error)}});
    reports.push_back(std::move(r));
  }
  const std::string baseline = config.policy_sets.front().name;
  Json report{{"schema_version", kReportSchemaVersion},
              {"kind", "experiment"},
              {"aisim_version", aisim_version()},
              {"seed", config.run.seed},
              {"config", config.resolved()},
              {"baseline_policy_set", baseline},
              {"points", merged_points}};
  report["table3"] = table3_rows(reports, baseline);
  report["table4"] = table4_rows(report["table3"], baseline);
  const std::string path = write_report(report, output_dir);
  write_table_csvs(report, output_dir);
  for (const auto& r : reports)
    if (!r.error.empty())
      std::cerr << "aisim: point " << r.job_set << "." << r.policy_set << " failed: " << r.error
                << "\n";
  if (!request.quiet) {
    out << fmt::format(
        "aisim {}  config {}  seed {}  {} simulations ({} at a time) in {:.1f} s\n\n",
        aisim_version(), config.path, config.run.seed, points.size(), request.parallel,
        seconds_since(start));
    print_tables(report, out);
    out << "report: " << path << " (per simulation: " << output_dir << "/points/*/report.json)\n";
  }
  return exit_code;
}

}  // namespace aisim
