// The aisim command line. Parses options, validates the config and its workloads (nothing is
// written if they are bad), runs one simulation and writes its report. Typed errors end here
// and become exit codes: 2 bad input, 3 simulated out-of-memory, 1 internal error.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "models/architecture.hpp"
#include "models/errors.hpp"
#include "policies/memory/memory_policy.hpp"
#include "policies/scheduler/scheduler_policy.hpp"
#include "sim/config.hpp"
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
  app.footer(
      "Exit codes: 0 success, 1 internal error, 2 bad input (config, trace, command line),\n"
      "3 simulated out-of-memory.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }
  if (trace->parsed()) return generate_trace(trace_options, quiet);
  if (*import) return run_import(import_file, import_output, import_format, import_options, quiet);
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
