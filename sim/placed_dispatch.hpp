// Runtime state of a placeable job ("device": "auto"): per-op device costs and dependency edges,
// computed once, and where each op of the current iteration ran. NodeRuntime::run_placed_ops
// (sim/placed_dispatch.cpp) launches the ops of one iteration with it.
#pragma once

#include <vector>

#include "sim/op_placement.hpp"

namespace aisim {

struct PlacedJob {
  DeviceId home = kNone;  // where the job's memory and input batch live (chosen at job start)
  std::vector<std::vector<double>> duration_s;  // [op][device], -1 = cannot run there
  std::vector<std::vector<InEdge>> in_edges;    // per op
  std::vector<DeviceId> static_device;          // placement "heft": per op; empty: per op at launch
  double heft_makespan_s = 0;                   // HEFT's own estimate (placement "heft")
  std::vector<DeviceId> ran_on;                 // per op, this iteration
};

}  // namespace aisim
