// The facade of the simulator: load a config's workloads, run one simulation, get a report.
// SimGrid runs one engine per process: run_simulation may be called once per process.
#pragma once

#include <string>
#include <vector>

#include "models/json_reader.hpp"
#include "sim/config.hpp"
#include "workloads/trace.hpp"

namespace aisim {

// 2: "kind" (simulation or experiment), Table 3/4 rows, policy sets; no wall time.
inline constexpr int kReportSchemaVersion = 2;
std::string_view aisim_version();

// One trace per job: generated from the model's architecture, or loaded from the job's trace
// file. Throws TraceError (bad trace) or ConfigError (job and trace disagree).
std::vector<Trace> load_workloads(const Config& config);

struct SimulationOptions {
  std::vector<std::string> simgrid_cfg;  // extra "--cfg=..." settings passed to SimGrid
  // Chrome trace-event JSON of the run (docs/timeline.md); gzip when it ends in ".gz"; empty:
  // none. Cannot-write is an InputError naming the file, raised before anything is simulated.
  std::string timeline_path;
};

// SimGrid's command-line settings for aisim's engine (program name first): CM02 without TCP
// corrections, timing precision, context factory, quiet logs. Shared by run_simulation, tests
// that build an engine of their own, and bench/.
std::vector<std::string> simgrid_engine_args();

// Runs the whole config on one SimGrid engine and returns report.json's content. Throws
// OutOfMemoryError if a job ran out of device memory.
Json run_simulation(const Config& config, const std::vector<Trace>& traces,
                    const SimulationOptions& options = {});

}  // namespace aisim
