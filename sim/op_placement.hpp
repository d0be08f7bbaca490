// Placement of placeable jobs' ops ("device": "auto", docs/config.md): what each op costs on each
// device, what crosses each dependency edge, what a copy between two devices costs over the
// links, and the static HEFT schedule (policies.placement "heft"). Plain C++ (no SimGrid): the
// runtime (sim/placed_dispatch.cpp) uses it to launch and copy, tests use it for known answers.
#pragma once

#include <cstddef>
#include <map>
#include <utility>
#include <vector>

#include "models/device_spec.hpp"
#include "policies/node_state.hpp"
#include "sim/config.hpp"
#include "workloads/trace.hpp"

namespace aisim {

// Per op, per device (index = config device index): the op's device time there, from its measured
// duration_us for that device kind when the trace has one, else the device's roofline cost model.
// -1 where it cannot run: the host CPU (jobs run on accelerators), or a device whose peak_flops
// lists neither the op's precision nor fp32.
std::vector<std::vector<double>> op_durations_per_device(const Trace& trace,
                                                         const std::vector<DeviceSpec>& devices,
                                                         double seq);

// One dependency edge into an op: the producer's index in trace.ops and the bytes that cross when
// the two run on different devices: the edge's transfer_bytes when the trace gives it, else the
// sizes of the tensors the producer outputs and the consumer reads (0 if none).
struct InEdge {
  std::size_t from = 0;
  double bytes = 0;
};
std::vector<std::vector<InEdge>> op_in_edges(const Trace& trace, double seq);

// The links of the node as copy routes. A copy between two devices takes their direct link when
// one joins them, else it is staged through host memory (device -> host, host -> device), as
// between accelerators of different vendors; each hop costs latency + bytes / bandwidth.
class LinkRoutes {
 public:
  explicit LinkRoutes(const Config& config);
  // The hops (from, to) of a copy; empty when from == to.
  std::vector<std::pair<DeviceId, DeviceId>> hops(DeviceId from, DeviceId to) const;
  double copy_s(DeviceId from, DeviceId to, double bytes) const;

 private:
  const LinkSpec* link(DeviceId a, DeviceId b) const;
  DeviceId host_ = kNone;
  // Copies of the config's links (a LinkRoutes may outlive the Config it was built from).
  std::map<std::pair<DeviceId, DeviceId>, LinkSpec> links_;
};

// The static HEFT schedule of one iteration over the accelerators: per op the device HEFT assigns
// it (config device index), and HEFT's own makespan estimate. Edge transfer costs are the edge
// bytes over the route between the two devices, averaged over the ordered pairs of accelerators
// (HEFT takes one transfer figure per edge; with identical host links every pair costs the same).
struct StaticPlacement {
  std::vector<DeviceId> device;  // per op
  double makespan_s = 0;
};
StaticPlacement heft_placement(const std::vector<std::vector<double>>& duration_s,
                               const std::vector<std::vector<InEdge>>& in_edges,
                               const LinkRoutes& routes);

}  // namespace aisim
