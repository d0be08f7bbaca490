// The aisim command line. Parses options, validates the config and its workloads (nothing is
// written if they are bad), runs one simulation and writes its report. Typed errors end here
// and become exit codes: 2 bad input, 3 simulated out-of-memory, 1 internal error.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <thread>

#include "models/architecture.hpp"
#include "models/errors.hpp"
#include "policies/memory/memory_policy.hpp"
#include "policies/scheduler/scheduler_policy.hpp"
#include "sim/config.hpp"
#include "sim/compare.hpp"
#include "sim/experiment.hpp"
#include "sim/sweep.hpp"
#include "sim/memory_replay.hpp"
#include "sim/report.hpp"
#include "sim/simulation.hpp"
#include "workloads/generator.hpp"
#include "workloads/op_graph.hpp"
#include "workloads/importers.hpp"
#include "workloads/trace_io.hpp"

namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitOutOfMemory = 3;
constexpr int kExitInternal = 1;
constexpr int kExitDifferences = 4;

struct TraceOptions {
  std::string model, precision = "fp32", output;
  int batch = 0, seq = 0;
};

// `aisim trace`: generate a training trace from an architecture and write it as JSON.
int generate_trace(const TraceOptions& o, bool quiet) {
  aisim::DiagnosticSink sink("aisim trace");
  if (!aisim::has_architecture(o.model))
    sink.add("--model", "unknown model \"" + o.model +
                            "\"; valid: " + std::string(aisim::architecture_names()));
  if (!aisim::is_training_precision(o.precision))
    sink.add("--precision", "unknown precision \"" + o.precision +
                                "\"; valid: " + std::string(aisim::training_precision_names()));
  sink.throw_if_any<aisim::InputError>();
  const aisim::Architecture arch = aisim::architecture_by_name(o.model);
  if (o.seq > 0 && arch.max_sequence_length == 0)
    sink.add("--seq", o.model + " has fixed shapes; --seq applies to bert-* and gpt2*");
  if (o.seq > arch.max_sequence_length && arch.max_sequence_length > 0)
    sink.add("--seq", "expected at most " + std::to_string(arch.max_sequence_length) + ", got " +
                          std::to_string(o.seq));
  sink.throw_if_any<aisim::InputError>();
  const aisim::Trace trace = aisim::generate_training_trace(arch, o.batch, o.precision, o.seq);
  {
    std::ofstream out(o.output);
    if (!out) throw aisim::InputError({{o.output, "", "cannot write the trace file"}});
    out << aisim::trace_to_json(trace).dump(1) << "\n";
  }
  if (quiet) return 0;
  const aisim::OpGraph graph(trace, o.output);
  const double seq = trace.metadata.sequence_length;
  std::cout << o.model << ": batch " << o.batch << ", precision " << o.precision;
  if (seq > 0) std::cout << ", sequence length " << seq << " (symbolic S)";
  std::cout << "\n  " << trace.ops.size() << " ops, " << trace.tensors.size() << " tensors, "
            << arch.parameter_count() << " parameters\n";
  for (const auto& [phase, totals] : graph.phase_totals(seq))
    std::cout << "  " << aisim::to_string(phase) << ": " << totals.ops << " ops, "
              << totals.flops / 1e9 << " GFLOP, " << totals.bytes / 1e9 << " GB\n";
  std::cout << "written to " << o.output << "\n";
  return 0;
}

template <class Registry>
void list_policies(const char* family, std::ostream& out) {
  out << family << ":\n";
  for (const auto& [name, entry] : Registry::instance().entries())
    out << "  " << name << "  " << entry.description << "\n";
}

int run_import(const std::string& file, const std::string& output, const std::string& format_name,
               const aisim::ImportOptions& options, bool quiet) {
  std::optional<aisim::TraceFormat> format;
  if (!format_name.empty()) {
    format = aisim::trace_format_from_string(format_name);
    if (!format) {
      std::cerr << "aisim: unknown trace format \"" << format_name
                << "\"; valid: " << aisim::trace_format_names() << "\n";
      return kExitBadInput;
    }
  }
  const aisim::Trace trace = aisim::import_trace(file, format, options);
  std::ofstream out(output);
  aisim::write_trace(trace, out);
  if (!out) {
    std::cerr << "aisim: cannot write " << output << "\n";
    return kExitBadInput;
  }
  if (!quiet)
    std::cout << "imported " << trace.ops.size() << " ops (" << trace.metadata.steps_per_iteration
              << " profiler step(s) per iteration) from " << file << " into " << output << "\n";
  return 0;
}

int replay_memory_command(const std::string& file, std::vector<std::string> policies, int passes,
                          double capacity_bytes, const std::string& json_path, std::ostream& out) {
  for (const auto& p : policies)
    if (!aisim::MemoryRegistry::instance().contains(p))
      throw aisim::InputError({{"", "--policy", "unknown memory policy \"" + p + "\""}});
  if (policies.empty()) policies = aisim::MemoryRegistry::instance().names();
  const auto stream = aisim::read_kineto_memory(file);
  const auto recorded = aisim::recorded_memory_figures(stream);
  if (capacity_bytes <= 0) capacity_bytes = stream.device_capacity_bytes.value_or(0);
  if (capacity_bytes <= 0)
    throw aisim::InputError(
        {{file, "/deviceProperties", "no totalGlobalMem for the device; pass --capacity-bytes"}});
  std::vector<aisim::ReplayResult> results;
  for (const auto& p : policies)
    results.push_back(aisim::replay_memory(stream, p, capacity_bytes, passes));
  const aisim::Json j = aisim::replay_to_json(stream, recorded, results);
  if (!json_path.empty()) std::ofstream(json_path) << j.dump(2) << "\n";
  const auto mb = [](const aisim::Json& v) {
    return v.is_null() ? std::string("-") : fmt::format("{:.1f}", v.get<double>() / 1e6);
  };
  out << fmt::format("{}: device {}, {} allocations, {} frees, {} steps\n", file, stream.device_id,
                     recorded.allocations, recorded.frees, stream.step_start_us.size());
  out << fmt::format("recorded: peak allocated {} MB, reserved {}..{} MB\n",
                     mb(j["recorded"]["peak_total_allocated_bytes"]),
                     mb(j["recorded"]["min_total_reserved_bytes"]),
                     mb(j["recorded"]["max_total_reserved_bytes"]));
  out << fmt::format("{:<14}{:>5}{:>9}{:>9}{:>9}{:>8}{:>14}{:>14}{:>12}\n", "policy", "pass",
                     "reuse%", "bytes%", "mallocs", "frees", "peak alloc MB", "peak resv MB",
                     "frag MB");
  for (const auto& p : j["policies"]) {
    int k = 1;
    for (const auto& s : p["passes"])
      out << fmt::format("{:<14}{:>5}{:>9.2f}{:>9.2f}{:>9}{:>8}{:>14}{:>14}{:>12}\n",
                         p["policy"].get<std::string>(), k++, s["memory_reuse_pct"].get<double>(),
                         s["memory_reuse_bytes_pct"].get<double>(),
                         s["device_allocations"].get<std::uint64_t>(),
                         s["device_frees"].get<std::uint64_t>(), mb(s["peak_allocated_bytes"]),
                         mb(s["peak_reserved_bytes"]), mb(s["fragmentation_at_peak_bytes"]));
    if (!p["out_of_memory"].is_null())
      out << "  out of memory: " << p["out_of_memory"].get<std::string>() << "\n";
  }
  return 0;
}

int run(int argc, char** argv) {
  CLI::App app{
      "aisim: a discrete-event simulator of a heterogeneous AI node (CPU, GPU, TPU, NPU)\n"
      "running deep-learning training under OS scheduler and memory-manager policies."};
  app.set_version_flag("--version", std::string("aisim ") + std::string(aisim::aisim_version()));
  aisim::RunRequest request;
  bool list = false;
  request.parallel = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string& config_path = request.config_path;
  bool& quiet = request.quiet;
  std::vector<std::string>& simgrid_cfg = request.simgrid_cfg;
  app.add_option("-c,--config", config_path, "JSON config to simulate (docs/config.md)");
  app.add_option("-o,--output", request.output_dir,
                 "directory for report.json, table3.csv, table4.csv (overrides run.output_dir)");
  app.add_option("--set", request.overrides,
                 "override a config key before validation, e.g. --set jobs.0.batch_size=64 "
                 "(dotted path, numbers index arrays; the value is JSON or else a string; "
                 "repeatable)");
  app.add_option("-j,--jobs", request.parallel,
                 "simulations run at once, each in its own process (default: the core count)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--job", request.job_set,
                 "simulate only this job set (a measured job's name, or \"all\")");
  app.add_option("--policy-set", request.policy_set, "simulate only this policy set");
  app.add_option("--timeline", request.timeline_path,
                 "write the run as Chrome trace-event JSON for ui.perfetto.dev (.json, or .json.gz "
                 "compressed; docs/timeline.md); with several simulations, one file per point "
                 "(NAME.<job set>.<policy set>.json)");
  app.add_flag("-q,--quiet", quiet, "print nothing on success (errors still go to stderr)");
  app.add_flag("--list-policies", list, "list the scheduler and memory policies with descriptions");
  app.add_option("--simgrid-cfg", simgrid_cfg,
                 "pass a setting to SimGrid, e.g. --simgrid-cfg surf/precision:1e-9 (repeatable)");
  TraceOptions trace_options;
  CLI::App* trace =
      app.add_subcommand("trace", "generate a training trace from a model architecture");
  trace
      ->add_option("--model", trace_options.model,
                   "resnet50, bert-base, bert-large, gpt2, gpt2-medium")
      ->required();
  trace->add_option("--batch", trace_options.batch, "batch size")
      ->required()
      ->check(CLI::Range(1, 1 << 20));
  trace
      ->add_option(
          "--seq", trace_options.seq,
          "sequence length recorded in the trace (bert-*, gpt2*; shapes stay symbolic in S)")
      ->check(CLI::Range(1, 1 << 20));
  trace->add_option("--precision", trace_options.precision,
                    "fp32, tf32, amp or bf16 (default fp32)");
  trace->add_option("-o,--output", trace_options.output, "trace file to write (JSON)")->required();

  // `aisim import`: convert a recorded trace into aisim's format without simulating.
  std::string import_file, import_output, import_format;
  aisim::ImportOptions import_options;
  CLI::App* import = app.add_subcommand(
      "import", "convert a profiler trace (Kineto, PyTorch ET, Chakra; .json or .json.gz) into an "
                "aisim trace (docs/trace-format.md), without simulating");
  import->add_option("file", import_file, "the recorded trace")->required();
  import->add_option("-o,--output", import_output, "the aisim trace to write")->required();
  import->add_option("--format", import_format, "kineto, pytorch-et, chakra or aisim (default: detected)");
  import->add_option("--step", import_options.step,
                     "profiler steps that form the iteration: all, median or a step number")
      ->default_val("all");
  import->add_option("--batch-size", import_options.batch_size, "samples per step (for throughput)")
      ->default_val(1)
      ->check(CLI::PositiveNumber);

  // aisim replay-memory FILE: a recorded allocator stream through the memory policies.
  std::string replay_file, replay_json;
  std::vector<std::string> replay_policies;
  int replay_passes = 2;
  double replay_capacity_bytes = 0;
  CLI::App* replay = app.add_subcommand(
      "replay-memory", "replay the [memory] events of a Kineto trace through memory policies");
  replay->add_option("file", replay_file, "Kineto trace (.json or .json.gz)")->required();
  replay->add_option("-p,--policy", replay_policies, "memory policy (repeatable; default: all)");
  replay->add_option("--passes", replay_passes, "times the recorded window is replayed in a row")
      ->check(CLI::Range(1, 100));
  replay->add_option("--capacity-bytes", replay_capacity_bytes,
                     "device capacity (default: the trace's totalGlobalMem)");
  replay->add_option("--json", replay_json, "write the comparison as JSON to this file");
  // aisim sweep: a grid over config keys, one simulation process per point.
  aisim::SweepRequest sweep_request;
  CLI::App* sweep = app.add_subcommand(
      "sweep", "run a config over the cartesian grid of --set values, one report per point, "
               "merged into sweep.csv (resumable)");
  sweep->add_option("-c,--config", sweep_request.config_path, "the base config")->required();
  sweep
      ->add_option("--set", sweep_request.axes,
                   "a swept key and its values: key=v1,v2,... (dotted path as for the main "
                   "command's --set; repeatable, one axis each)")
      ->required();
  sweep->add_option("-j,--jobs", sweep_request.parallel, "points run at once (default: the core count)")
      ->check(CLI::Range(1, 1024));
  sweep->add_option("-o,--out", sweep_request.output_dir, "directory for the points and sweep.csv")
      ->required();
  sweep->add_flag("--emit-commands", sweep_request.emit_commands,
                  "print one aisim command per point (for SLURM job arrays or GNU parallel) and "
                  "run nothing");
  sweep->add_flag("-q,--quiet", sweep_request.quiet, "print nothing on success");
  sweep->add_option("--simgrid-cfg", sweep_request.simgrid_cfg, "passed to every point");
  // aisim compare REFERENCE NEW: regression check of a report against a reference.
  std::string compare_reference, compare_actual, compare_tolerances;
  CLI::App* compare = app.add_subcommand(
      "compare", "compare a report with a reference report, metric by metric, within tolerances "
                 "(exit 4 and a table of the differences if any exceed them)");
  compare->add_option("reference", compare_reference, "the reference report.json")->required();
  compare->add_option("new", compare_actual, "the report.json to check")->required();
  compare->add_option("--tolerances", compare_tolerances,
                      "per-metric tolerances (JSON; default: 1e-9 relative everywhere)");
  app.footer(
      "Exit codes: 0 success, 1 internal error, 2 bad input (config, trace, command line),\n"
      "3 simulated out-of-memory, 4 `compare` found differences beyond the tolerances.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }
  if (trace->parsed()) return generate_trace(trace_options, quiet);
  if (compare->parsed()) {
    const aisim::Tolerances tolerances =
        compare_tolerances.empty() ? aisim::Tolerances{} : aisim::read_tolerances(compare_tolerances);
    std::optional<aisim::Json> reports[2];
    for (int k = 0; k < 2; ++k) {
      const std::string& file = k == 0 ? compare_reference : compare_actual;
      aisim::DiagnosticSink sink(file);
      reports[k] = aisim::read_json_file(file, sink);
      sink.throw_if_any<aisim::InputError>();
    }
    const auto differences = aisim::compare_reports(*reports[0], *reports[1], tolerances);
    if (differences.empty()) {
      if (!quiet) std::cout << "no differences beyond the tolerances\n";
      return 0;
    }
    std::cout << differences.size() << " difference(s) beyond the tolerances between "
              << compare_reference << " and " << compare_actual << ":\n";
    aisim::print_differences(differences, std::cout);
    return kExitDifferences;
  }
  if (sweep->parsed()) {
    if (sweep->count("--jobs") == 0) sweep_request.parallel = request.parallel;
    return aisim::run_sweep(sweep_request, std::cout);
  }
  if (*import) return run_import(import_file, import_output, import_format, import_options, quiet);
  if (list) {
    list_policies<aisim::SchedulerRegistry>("schedulers", std::cout);
    list_policies<aisim::MemoryRegistry>("memory policies", std::cout);
    return 0;
  }
  if (replay->parsed())
    return replay_memory_command(replay_file, replay_policies, replay_passes, replay_capacity_bytes,
                                 replay_json, std::cout);
  if (config_path.empty()) {
    std::cerr << "aisim: --config is required (see aisim --help)\n";
    return kExitBadInput;
  }
  return aisim::run_experiment(request, std::cout);
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
