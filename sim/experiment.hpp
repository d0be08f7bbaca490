// `aisim --config FILE`: every (job set x policy set) point of a config, one simulation each. A
// config with one point runs in this process; several run as child processes of this executable,
// up to `parallel` at once, and their reports are merged with Table 3 and Table 4 (sim/tables).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "sim/config.hpp"

namespace aisim {

struct RunRequest {
  std::string config_path;
  std::vector<std::string> overrides;  // "key=value" as given to --set (children get them too)
  std::vector<std::string> simgrid_cfg;
  std::string output_dir;  // empty: the config's run.output_dir
  std::string timeline_path;
  std::string job_set, policy_set;  // --job / --policy-set: one point only
  int parallel = 1;
  bool quiet = false;
};

// Runs the request's config and writes report.json, table3.csv and table4.csv to the output
// directory; prints the summary and the tables unless quiet. Returns the exit code: 0, or the
// first failed point's (a child's bad input or out-of-memory). Throws the typed errors of a
// config that is bad before anything runs.
int run_experiment(const RunRequest& request, std::ostream& out);

// `timeline.json` for point `id` of several: timeline.<id>.json (also before .json.gz).
std::string point_file_name(const std::string& path, const std::string& id);

}  // namespace aisim
