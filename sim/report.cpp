#include "sim/report.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <stdexcept>

#include "sim/tables.hpp"

namespace aisim {

std::string write_report(const Json& report, const std::string& directory) {
  std::filesystem::create_directories(directory);
  const auto path = (std::filesystem::path(directory) / "report.json").string();
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path);
  // Streamed, not dump()ed to a string first: a long run's utilization series would otherwise
  // exist twice in memory (the string and the tree), and peak memory would grow with the run.
  out << std::setw(2) << report << '\n';
  if (!out) throw std::runtime_error("error while writing " + path);
  return path;
}

void print_summary(const Json& report, double wall_s, std::ostream& out) {
  const auto& cfg = report["config"];
  out << fmt::format("aisim {}  config {}  policies scheduler={} memory={}  seed {}\n",
                     report["aisim_version"].get<std::string>(), cfg["path"].get<std::string>(),
                     cfg["policies"]["scheduler"].get<std::string>(),
                     cfg["policies"]["memory"].get<std::string>(),
                     report["seed"].get<std::uint64_t>());
  const auto& sim = report["simulation"];
  out << fmt::format(
      "simulated {:.6f} s (measured window {:.6f} s after warm-up) in {:.2f} s of wall time\n\n",
      sim["simulated_time_s"].get<double>(), sim["window"]["duration_s"].get<double>(), wall_s);
  out << fmt::format("{:<12} {:<8} {:>6} {:>10} {:>14} {:>16} {:>14}\n", "job", "device", "batch",
                     "iter (ms)", "samples/s", "epoch time (s)", "measured iter");
  for (const auto& j : report["jobs"]) {
    out << fmt::format("{:<12} {:<8} {:>6} {:>10.3f} {:>14.1f} {:>16.1f} {:>14}\n",
                       j["name"].get<std::string>(), j["device"].get<std::string>(),
                       j["batch_size"].get<int>(), j["time_per_iteration_s"].get<double>() * 1e3,
                       j["throughput_samples_per_s"].get<double>(),
                       j["training_time_s"].get<double>(), j["measured_iterations"].get<int>());
  }
  out << fmt::format("\n{:<10} {:<5} {:>10} {:>14} {:>10}\n", "device", "kind", "util %",
                     "util range %", "power W");
  for (const auto& d : report["devices"]) {
    std::string util = "-", range = "-";
    if (d.contains("utilization_pct"))
      util = fmt::format("{:.1f}", d["utilization_pct"].get<double>());
    if (d.contains("utilization_range_pct"))
      range = fmt::format("{:.0f}-{:.0f}", d["utilization_range_pct"][0].get<double>(),
                          d["utilization_range_pct"][1].get<double>());
    out << fmt::format("{:<10} {:<5} {:>10} {:>14} {:>10.1f}\n", d["name"].get<std::string>(),
                       d["kind"].get<std::string>(), util, range, d["power_w"].get<double>());
  }
  const auto& host = report["host"];
  const auto& lat = host["context_switch_latency_us"];
  out << fmt::format(
      "\nhost: cpu utilization {:.2f} %, context-switch latency mean {:.2f} us "
      "(p50 {:.2f}, p99 {:.2f}, {} switches)\n",
      host["cpu_utilization_pct"].get<double>(), lat["mean"].get<double>(),
      lat["p50"].get<double>(), lat["p99"].get<double>(), lat["count"].get<std::uint64_t>());
  out << fmt::format("host: {} involuntary preemptions, {} switches in the window\n",
                     host["involuntary_preemptions"].get<std::uint64_t>(),
                     host["context_switches"].get<std::uint64_t>());
  for (const auto& d : report["devices"]) {
    if (!d.contains("idle_time_s")) continue;
    const auto& idle = d["idle_time_s"];
    out << fmt::format(
        "{} idle {:.3f} ms: waiting for host {:.3f}, for data {:.3f}, no work {:.3f}\n",
        d["name"].get<std::string>(), idle["total"].get<double>() * 1e3,
        idle["waiting_for_host"].get<double>() * 1e3, idle["waiting_for_data"].get<double>() * 1e3,
        idle["no_work"].get<double>() * 1e3);
  }
  out << fmt::format("memory: reuse {:.1f} % of {} allocation requests\n",
                     report["memory"]["memory_reuse_pct"].get<double>(),
                     report["memory"]["allocation_requests"].get<std::uint64_t>());
  out << fmt::format("node: mean power {:.1f} W, energy {:.1f} J over the measured window\n",
                     report["node"]["power_w"].get<double>(),
                     report["node"]["energy_j"].get<double>());
  for (const auto& j : report["jobs"])
    out << fmt::format("training time of {}: {}\n", j["name"].get<std::string>(),
                       j["training_time_method"].get<std::string>());
  if (report.contains("table3")) {
    out << "\n";
    print_tables(report, out);
  }
}

}  // namespace aisim
