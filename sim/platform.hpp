// Builds the SimGrid platform from the config with the S4U API: one host per device (the CPU
// host with its cores), one link per config link, routes between linked devices.
#pragma once

#include <simgrid/s4u/Host.hpp>
#include <vector>

#include "sim/config.hpp"

namespace aisim {

struct Platform {
  std::vector<simgrid::s4u::Host*> hosts;  // index = device index in the config
};

// Every SimGrid host computes at this many work units per second, so that an activity's amount
// is its duration in picoseconds: durations come from aisim's cost models, not from SimGrid's
// host speeds. (Picoseconds keep SimGrid's work-amount precision far below 1 ns.)
inline constexpr double kWorkUnitsPerSecond = 1e12;
// Two instants closer than this are one instant (a burst with less left has ended, a kernel
// whose launch or end is within it has launched or ended): far below anything modelled (the
// shortest duration is a 1 us kernel overhead) and far above the rounding of the clock's sums
// (an ulp of 10^6 s is 1.2e-10 s). One constant for the host and the devices, so that a chunk of
// ops and one burst per op (docs/performance.md) round the same instants the same way.
inline constexpr double kTimeSlackS = 1e-9;

// Requires the energy plugin to be initialised and the Engine to exist.
Platform build_platform(const Config& config);

}  // namespace aisim
