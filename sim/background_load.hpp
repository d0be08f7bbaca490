// Other tenants' threads on the host (DESIGN.md section 3): CPU-bound threads that are always
// runnable, and periodic threads that wake every period, run a duty cycle's worth of CPU and
// sleep. They contend for cores through the same HostCpu and scheduler as the jobs' threads.
#pragma once

#include <limits>
#include <simgrid/s4u/Host.hpp>
#include <vector>

#include "sim/config.hpp"
#include "sim/host_cpu.hpp"

namespace aisim {

// Creates spec.count actors per spec on `host`. With stop_s = +inf they are daemons (the
// simulation ends when the jobs do); otherwise they stop at stop_s (tests).
void start_background_load(HostCpu& cpu, simgrid::s4u::Host* host,
                           const std::vector<BackgroundSpec>& specs,
                           double stop_s = std::numeric_limits<double>::infinity());

}  // namespace aisim
