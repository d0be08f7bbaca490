// Replay of measured timings from imported traces (Op::duration_us, host_us, host_sync): kept
// apart from the dispatch loop in node_runtime.cpp so that the loop changes by one branch.
#pragma once

#include <vector>

#include "models/device_spec.hpp"
#include "sim/device_engine.hpp"
#include "sim/host_cpu.hpp"
#include "workloads/trace.hpp"

namespace aisim {

struct MeasuredReplay {
  bool active = false;          // some op carries a measured host time
  std::vector<double> host_s;   // per op: host CPU time before its launch
  std::vector<char> host_sync;  // per op: the host waits for the device after the launch
  std::vector<char> host_only;  // per op: host work, nothing runs on the device (kind cpu)
};

// Overrides `kernel_duration_s` (one per op, from the cost model) with the measured duration for
// `kind` where an op has one, and returns the host-side plan. `default_host_s` is the host time
// of an op without a measured one (framework overhead + launch latency).
MeasuredReplay measured_replay(const Trace& trace, DeviceKind kind, double default_host_s,
                               std::vector<double>& kernel_duration_s);

// One iteration on the dispatch thread: per op, host time, then the launch (blocking while the
// device's launch queue is full), then a wait for the device where the trace recorded one.
// `label` (job, iteration) names the kernels on the timeline; its op is set here.
void replay_iteration(const MeasuredReplay& replay, const std::vector<double>& kernel_duration_s,
                      HostCpu& cpu, SimThread& thread, DeviceEngine& engine,
                      KernelLabel label = {});

}  // namespace aisim
