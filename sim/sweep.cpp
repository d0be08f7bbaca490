#include "sim/sweep.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "models/errors.hpp"
#include "models/json_reader.hpp"
#include "sim/child_process.hpp"
#include "sim/config.hpp"
#include "sim/tables.hpp"

namespace aisim {
namespace {

namespace fs = std::filesystem;

struct Axis {
  std::string key;
  std::vector<std::string> values;
};

struct SweepPoint {
  std::string id;  // p0000, p0001, ... in grid order (the last axis varies fastest)
  std::vector<std::string> values;  // one per axis
  fs::path dir;
  Json description;  // point.json: the config and the settings, to recognise a finished point
};

std::vector<Axis> parse_axes(const std::vector<std::string>& texts) {
  std::vector<Axis> axes;
  for (const auto& text : texts) {
    const ConfigOverride o = parse_override(text);
    Axis a{o.key, split_sweep_values(o.value)};
    if (a.values.empty())
      throw InputError({{"", "--set " + o.key, "expected one or more comma-separated values"}});
    for (const auto& other : axes)
      if (other.key == a.key)
        throw InputError({{"", "--set " + o.key, "the key is swept twice; give its values once"}});
    axes.push_back(std::move(a));
  }
  return axes;
}

std::vector<SweepPoint> grid(const SweepRequest& request, const std::vector<Axis>& axes) {
  size_t total = 1;
  for (const auto& a : axes) total *= a.values.size();
  std::vector<SweepPoint> points;
  for (size_t n = 0; n < total; ++n) {
    SweepPoint p;
    p.id = fmt::format("p{:04d}", n);
    p.dir = fs::path(request.output_dir) / p.id;
    size_t rest = n;
    p.values.resize(axes.size());
    for (size_t k = axes.size(); k-- > 0;) {
      p.values[k] = axes[k].values[rest % axes[k].values.size()];
      rest /= axes[k].values.size();
    }
    Json set = Json::object();
    for (size_t k = 0; k < axes.size(); ++k) set[axes[k].key] = p.values[k];
    p.description = {{"config", fs::absolute(request.config_path).lexically_normal().string()},
                     {"set", set}};
    points.push_back(std::move(p));
  }
  return points;
}

std::vector<std::string> point_argv(const SweepRequest& request, const std::vector<Axis>& axes,
                                    const SweepPoint& p, const std::string& program) {
  std::vector<std::string> argv{program, "--config", request.config_path};
  for (size_t k = 0; k < axes.size(); ++k) {
    argv.push_back("--set");
    argv.push_back(axes[k].key + "=" + p.values[k]);
  }
  for (const auto& c : request.simgrid_cfg) {
    argv.push_back("--simgrid-cfg");
    argv.push_back(c);
  }
  argv.insert(argv.end(), {"-j", "1", "-q", "-o", p.dir.string()});
  return argv;
}

bool finished(const SweepPoint& p) {
  if (!fs::exists(p.dir / "report.json") || !fs::exists(p.dir / "point.json")) return false;
  std::ifstream in(p.dir / "point.json");
  const Json recorded = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  return recorded == p.description;
}

// sweep.csv: the point, the swept keys, then the point's Table 3 row(s) (one per measured job
// and policy set; one row for a one-job, one-policy-set config).
void write_sweep_csv(const std::vector<Axis>& axes, const std::vector<SweepPoint>& points,
                     const std::vector<int>& codes, const fs::path& path) {
  Json rows = Json::array();
  std::vector<size_t> owner;
  for (size_t i = 0; i < points.size(); ++i) {
    Json report;
    if (codes[i] == 0) {
      std::ifstream in(points[i].dir / "report.json");
      report = Json::parse(in, nullptr, /*allow_exceptions=*/false);
    }
    if (report.is_object() && report.contains("table3")) {
      for (const auto& row : report["table3"]) {
        rows.push_back(row);
        owner.push_back(i);
      }
    } else {
      const std::string error = last_line_of((points[i].dir / "log.txt").string());
      rows.push_back({{"error", error.empty() ? fmt::format("exit code {}", codes[i]) : error}});
      owner.push_back(i);
    }
  }
  const std::string table = rows_to_csv(rows);
  std::ofstream out(path);
  std::string prefix = "point";
  for (const auto& a : axes) {
    prefix += ',';  // (not "," + cell: GCC 12 warns falsely, -Wrestrict)
    prefix += csv_cell(a.key);
  }
  size_t line_begin = 0, row = 0;
  while (line_begin < table.size()) {
    const size_t end = table.find('\n', line_begin);
    const std::string line = table.substr(line_begin, end - line_begin);
    if (line_begin == 0) {
      out << prefix << "," << line << "\n";
    } else {
      const SweepPoint& p = points[owner[row++]];
      out << p.id;
      for (const auto& v : p.values) out << "," << csv_cell(v);
      out << "," << line << "\n";
    }
    line_begin = end + 1;
  }
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

std::vector<std::string> split_sweep_values(const std::string& values) {
  std::vector<std::string> out;
  std::string current;
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < values.size(); ++i) {
    const char ch = values[i];
    if (quoted) {
      if (ch == '\\' && i + 1 < values.size()) current += values[i++];
      else if (ch == '"') quoted = false;
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == '[' || ch == '{') {
      ++depth;
    } else if (ch == ']' || ch == '}') {
      --depth;
    } else if (ch == ',' && depth == 0) {
      out.push_back(current);
      current.clear();
      continue;
    }
    current += ch;
  }
  out.push_back(current);
  std::erase_if(out, [](const std::string& v) { return v.empty(); });
  return out;
}

int run_sweep(const SweepRequest& request, std::ostream& out) {
  if (request.output_dir.empty())
    throw InputError({{"", "--out", "expected the sweep's output directory"}});
  const auto axes = parse_axes(request.axes);
  const auto points = grid(request, axes);
  // Every point's config is validated before anything runs: a bad key or value fails the sweep
  // at once, with the config's own error naming the --set.
  for (const auto& p : points) {
    std::vector<ConfigOverride> overrides;
    for (size_t k = 0; k < axes.size(); ++k) overrides.push_back({axes[k].key, p.values[k]});
    (void)load_config(request.config_path, overrides);
  }
  if (request.emit_commands) {
    // The points' directories are made with their point.json, so that running the same sweep
    // command without --emit-commands after the batch jobs merges their reports (and runs only
    // what is missing).
    const std::string program = self_executable();
    for (const auto& p : points) {
      fs::create_directories(p.dir);
      std::ofstream(p.dir / "point.json") << p.description.dump(2) << "\n";
      out << shell_command(point_argv(request, axes, p, program)) << "\n";
    }
    return 0;
  }

  std::vector<ChildCommand> commands;
  std::vector<size_t> todo;
  std::vector<int> codes(points.size(), 0);
  const std::string self = self_executable();
  for (size_t i = 0; i < points.size(); ++i) {
    if (finished(points[i])) continue;  // resumed: its report is already there
    fs::create_directories(points[i].dir);
    fs::remove(points[i].dir / "report.json");
    std::ofstream(points[i].dir / "point.json") << points[i].description.dump(2) << "\n";
    commands.push_back({point_argv(request, axes, points[i], self),
                        (points[i].dir / "log.txt").string()});
    todo.push_back(i);
  }
  const size_t skipped = points.size() - todo.size();
  if (!request.quiet)
    out << fmt::format("sweep: {} points ({} already done), {} at a time, in {}\n", points.size(),
                       skipped, request.parallel, request.output_dir)
        << std::flush;
  const bool progress = !request.quiet && isatty(STDERR_FILENO);
  const auto start = std::chrono::steady_clock::now();
  size_t done = 0;
  const auto ran = run_children(commands, request.parallel, [&](size_t k, int code) {
    ++done;
    codes[todo[k]] = code;
    if (!progress) return;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double eta = elapsed / static_cast<double>(done) *
                       static_cast<double>(todo.size() - done);
    std::cerr << fmt::format("\r[{}/{}] points done ({} failed so far), {:.0f} s elapsed, ETA {:.0f} s   ",
                             skipped + done, points.size(),
                             std::count_if(codes.begin(), codes.end(), [](int c) { return c != 0; }),
                             elapsed, eta)
              << (done == todo.size() ? "\n" : "") << std::flush;
  });
  (void)ran;
  // Finished points' report.json is removed again when a point fails, so that a resumed sweep
  // retries it.
  int exit_code = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    if (codes[i] == 0) continue;
    std::cerr << "aisim: sweep point " << points[i].id << " failed: "
              << last_line_of((points[i].dir / "log.txt").string()) << "\n";
    fs::remove(points[i].dir / "point.json");
    if (exit_code == 0) exit_code = codes[i];
  }
  const auto csv = fs::path(request.output_dir) / "sweep.csv";
  write_sweep_csv(axes, points, codes, csv);
  Json summary = {{"config", request.config_path}, {"axes", Json::array()}, {"points", Json::array()}};
  for (const auto& a : axes) summary["axes"].push_back({{"key", a.key}, {"values", a.values}});
  for (size_t i = 0; i < points.size(); ++i)
    summary["points"].push_back({{"id", points[i].id},
                                 {"set", points[i].description["set"]},
                                 {"exit_code", codes[i]}});
  std::ofstream(fs::path(request.output_dir) / "sweep.json") << summary.dump(2) << "\n";
  if (!request.quiet) out << "merged: " << csv.string() << "\n";
  return exit_code;
}

}  // namespace aisim
