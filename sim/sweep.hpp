// `aisim sweep`: a cartesian grid over config keys (--set key=v1,v2,...), one report per point in
// its own process (up to `parallel` at once), resumable, merged into sweep.csv; or, with
// --emit-commands, one `aisim` command line per point for a batch system.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace aisim {

struct SweepRequest {
  std::string config_path;
  std::vector<std::string> axes;  // "key=v1,v2,..." as given to --set
  std::vector<std::string> simgrid_cfg;
  std::string output_dir;
  int parallel = 1;
  bool emit_commands = false;
  bool quiet = false;
};

// Splits "v1,v2,[1,2],\"a,b\"" at the commas outside brackets, braces and quotes.
std::vector<std::string> split_sweep_values(const std::string& values);

// Runs (or prints) the grid; returns the exit code: 0, or the first failed point's. Throws the
// config's typed errors if any point's config is bad, before anything runs.
int run_sweep(const SweepRequest& request, std::ostream& out);

}  // namespace aisim
