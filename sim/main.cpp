// The aisim command line. Parses options, validates the config and its workloads (nothing is
// written if they are bad), runs one simulation and writes its report. Typed errors end here
// and become exit codes: 2 bad input, 3 simulated out-of-memory, 1 internal error.
#include <CLI/CLI.hpp>
#include <iostream>

#include "models/errors.hpp"
#include "policies/memory/memory_policy.hpp"
#include "policies/scheduler/scheduler_policy.hpp"
#include "sim/config.hpp"
#include "sim/report.hpp"
#include "sim/simulation.hpp"

namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitOutOfMemory = 3;
constexpr int kExitInternal = 1;

template <class Registry>
void list_policies(const char* family, std::ostream& out) {
  out << family << ":\n";
  for (const auto& [name, entry] : Registry::instance().entries())
    out << "  " << name << "  " << entry.description << "\n";
}

int run(int argc, char** argv) {
  CLI::App app{
      "aisim: a discrete-event simulator of a heterogeneous AI node (CPU, GPU, TPU, NPU)\n"
      "running deep-learning training under OS scheduler and memory-manager policies."};
  app.set_version_flag("--version", std::string("aisim ") + std::string(aisim::aisim_version()));
  std::string config_path, output_dir;
  bool quiet = false, list = false;
  std::vector<std::string> simgrid_cfg;
  app.add_option("-c,--config", config_path, "JSON config to simulate (docs/config.md)");
  app.add_option("-o,--output", output_dir,
                 "directory for report.json (overrides run.output_dir in the config)");
  app.add_flag("-q,--quiet", quiet, "print nothing on success (errors still go to stderr)");
  app.add_flag("--list-policies", list, "list the scheduler and memory policies with descriptions");
  app.add_option("--simgrid-cfg", simgrid_cfg,
                 "pass a setting to SimGrid, e.g. --simgrid-cfg surf/precision:1e-9 (repeatable)");
  app.footer(
      "Exit codes: 0 success, 1 internal error, 2 bad input (config, trace, command line),\n"
      "3 simulated out-of-memory.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }
  if (list) {
    list_policies<aisim::SchedulerRegistry>("schedulers", std::cout);
    list_policies<aisim::MemoryRegistry>("memory policies", std::cout);
    return 0;
  }
  if (config_path.empty()) {
    std::cerr << "aisim: --config is required (see aisim --help)\n";
    return kExitBadInput;
  }
  const aisim::Config config = aisim::load_config(config_path);
  const auto traces = aisim::load_workloads(config);
  const aisim::Json report = aisim::run_simulation(config, traces, {simgrid_cfg});
  const std::string path =
      aisim::write_report(report, output_dir.empty() ? config.run.output_dir : output_dir);
  if (!quiet) {
    aisim::print_summary(report, std::cout);
    std::cout << "report: " << path << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const aisim::InputError& e) {
    for (const auto& d : e.diagnostics()) std::cerr << d.str() << "\n";
    return kExitBadInput;
  } catch (const aisim::OutOfMemoryError& e) {
    std::cerr << "aisim: " << e.what() << "\n";
    return kExitOutOfMemory;
  } catch (const std::exception& e) {
    std::cerr << "aisim: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
}
