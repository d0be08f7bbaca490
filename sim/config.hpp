// The validated configuration of one simulation: devices, links, jobs, policies and run settings
// (docs/config.md documents every key). Loading validates everything and reports every problem
// at once as a ConfigError; a Config that exists is consistent.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/device_spec.hpp"
#include "models/json_reader.hpp"
#include "workloads/sequence_length.hpp"

namespace aisim {

struct LinkSpec {
  std::string name;
  std::string kind;  // pcie, nvlink, dram, ethernet (informational)
  std::string endpoint_a, endpoint_b;
  double bandwidth_bytes_per_s = 0;
  double latency_s = 0;
};

// Data-loader workers of a job (PyTorch DataLoader style): each worker produces whole batches,
// paying `cpu_time_per_sample_s` x batch size of CPU per batch (decode + augmentation), into a
// queue bounded at `prefetch_batches` batches being made or ready. workers = 0: no loader is
// modelled and a batch is always ready.
struct DataLoaderSpec {
  int workers = 0;
  double cpu_time_per_sample_s = 0;
  int prefetch_batches = 0;
  int nice = 0;
};

// Host-side optimizer work of a job (e.g. a CPU optimizer step as in ZeRO-Offload): a thread of
// its own that runs `cpu_time_per_iteration_s` of CPU once a step's device work is done; the next
// step's first launch waits for it. cpu_time_per_iteration_s = 0: no optimizer thread.
struct OptimizerSpec {
  double cpu_time_per_iteration_s = 0;
  int nice = 0;
};

// The device name that makes a job placeable: each op goes to the device the placement chooses.
inline constexpr const char* kAutoDevice = "auto";

struct JobSpec {
  std::string name;
  std::string model;       // architecture name (models/), or empty when `trace` is set
  std::string trace_path;  // resolved relative to the config file's directory
  // A recorded trace to import (Kineto, PyTorch ET, Chakra; docs/config.md "import"): its format
  // ("" = detected from the content) and the profiler steps that form an iteration.
  std::string import_format;
  std::string import_step = "all";
  int batch_size = 0;
  std::int64_t dataset_size = 0;    // samples per epoch
  int iterations = 0;               // simulated iterations, warm-up included
  std::string device;               // a device name, or "auto" (placeable: placed per op)
  std::string precision;            // training recipe for generated traces
  double framework_overhead_s = 0;  // host time per op before the launch call (eager dispatch)
  // "pytorch-eager": framework overhead + one launch per op on the dispatch thread. "xla": the
  // step is compiled into one program: that host cost is paid once per iteration.
  std::string framework = "pytorch-eager";
  // Per-iteration sequence length of a sequence model; kFixed with fixed == 0 means "the trace's
  // own length".
  SequenceLengthSpec sequence;
  bool sync_spin = false;  // sync mode "spin" (poll on the core) instead of "block"
  DataLoaderSpec data_loader;
  // A co-tenant runs beside the measured job in every job set (run.job_sets "each") and is not
  // a row of Table 3 (DESIGN.md section 3: jobs on the TPU and NPU that share the host).
  bool cotenant = false;
  OptimizerSpec optimizer;

  bool placeable() const { return device == kAutoDevice; }
  bool graph_mode() const { return framework == "xla"; }
};

// Other tenants' threads on the host: `count` identical threads, CPU-bound (always runnable) or
// periodic (each `period_s`, run duty_cycle x period of CPU, then sleep).
struct BackgroundSpec {
  std::string name;
  bool periodic = false;
  int count = 1;
  int nice = 0;
  double period_s = 0;
  double duty_cycle = 1;
};

struct PolicySpec {
  std::string scheduler;
  std::string memory;
  // How the ops of placeable jobs ("device": "auto") get their device: "scheduler" (the scheduler
  // policy's select_device, per op at launch) or "heft" (a static HEFT schedule per trace).
  std::string placement = "scheduler";
  int starving_queue_depth = 2;  // accel-aware's starving threshold (kernels queued or running)
};

// A named pair of policies the experiment compares ("baseline", "ai-aware"); the first set of a
// config is the baseline that improvement columns are computed against.
struct PolicySet {
  std::string name;
  PolicySpec policies;
};

// One simulation of an experiment: a job set under a policy set. Each runs in its own process
// (SimGrid keeps one engine per process).
struct ExperimentPoint {
  std::string job_set;     // the measured job's name, or "all" (run.job_sets "all")
  std::string policy_set;  // a PolicySet name
  std::string id() const { return job_set + "." + policy_set; }
};

struct RunSpec {
  std::uint64_t seed = 1;
  int warmup_iterations = 1;
  // Steady-state mode (0 = off): each job simulates at most warmup_iterations + this many
  // iterations, and the report extrapolates the epoch from the measured ones.
  int steady_state_iterations = 0;
  // Eager ops of a job that is alone on its device run in chunks: one host burst for many ops,
  // each launch at its own instant in it (docs/performance.md). Same results to rounding; false
  // runs one burst per op (for checking that, or for timelines, which always do).
  bool chunked_dispatch = true;
  std::string output_dir;
  double util_window_s = 0.1;
  // "each": one simulation per non-co-tenant job (with every co-tenant beside it); "all": one
  // simulation with every job.
  bool job_sets_each = true;
};

struct Config {
  std::string path;
  std::vector<DeviceSpec> devices;
  std::vector<LinkSpec> links;
  std::vector<JobSpec> jobs;
  std::vector<BackgroundSpec> background_load;
  PolicySpec policies;                 // the policies of this simulation (policy_sets.front())
  std::vector<PolicySet> policy_sets;  // at least one; "policies" in a file makes one set
  RunSpec run;

  int host_index() const;                           // the one CPU device
  int device_index(const std::string& name) const;  // -1 if unknown
  // Every resolved value (defaults applied, quantities in SI units), echoed into the report.
  Json resolved() const;

  // The simulations this config stands for: every job set x every policy set, in config order.
  std::vector<ExperimentPoint> points() const;
  // The config of one point: its jobs (the measured job and the co-tenants, or all) and its
  // policy set only. Throws ConfigError naming `origin` (a CLI option) if a name is unknown.
  Config select(const std::string& job_set, const std::string& policy_set,
                const std::string& origin = "--job/--policy-set") const;
};

// `--set key=value` overrides applied to the config document after `extends` is resolved and
// before validation, so that a bad key or value gets the config's own error. `key` is a dotted
// path (numbers index arrays): jobs.0.batch_size; `value` is JSON if it parses, else a string.
struct ConfigOverride {
  std::string key;
  std::string value;
};
// Parses "key=value"; throws InputError naming `--set` if it has no '=' or an empty key.
ConfigOverride parse_override(const std::string& text);

Config load_config(const std::string& path, const std::vector<ConfigOverride>& overrides = {});
Config config_from_json(const Json& document, const std::string& path);

}  // namespace aisim
