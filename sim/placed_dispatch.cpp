// The dispatch of a placeable job's ops ("device": "auto"; docs/architecture.md "Placement").
// Granularity: one op. Per op, in the trace's order, the dispatch thread
//  1. asks where it runs: the static HEFT schedule (placement "heft") or the scheduler policy's
//     select_device (placement "scheduler"), which sees each device's remaining queued time and
//     launch latency, and per device when this op's inputs made on other devices could be there;
//  2. for each dependency that ran on another device: waits for that device's stream to drain
//     (host-mediated ordering: devices of different vendors share no events) and copies the
//     edge's bytes over the links (staged through host memory when no link joins the two), the
//     thread blocked meanwhile as in a synchronous cudaMemcpy;
//  3. pays the host cost (framework overhead + that device's launch call; once per iteration in
//     graph mode) and launches the op on that device's stream.
// At the end of the step it waits for every device it used. The job's tensors stay accounted on
// its home device (sim/node_runtime.cpp plan_placement); buffers of copies on other devices are
// not allocated (docs/NOTES.md).
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Engine.hpp>

#include "sim/node_runtime.hpp"

namespace aisim {
namespace s4u = simgrid::s4u;

void NodeRuntime::copy_between(DeviceId from, DeviceId to, double bytes, SimThread& thread) {
  const double start = s4u::Engine::get_clock();
  cpu_->release_core(thread);
  for (const auto& [a, b] : routes_.hops(from, to))
    s4u::Comm::sendto(platform_.hosts[a], platform_.hosts[b], static_cast<std::uint64_t>(bytes));
  cpu_->wake(thread);
  cpu_->wait_for_core(thread);
  metrics_.copy_stall(s4u::Engine::get_clock() - start);
}

bool NodeRuntime::run_placed_ops(int job, int iteration, SimThread& thread, PlacedJob& placed,
                                 const Trace& trace,
                                 const std::vector<std::vector<TensorRequest>>& allocate_before_op,
                                 const std::vector<std::vector<TensorId>>& release_after_op) {
  const JobSpec& spec = config_.jobs[job];
  const int devices = static_cast<int>(config_.devices.size());
  std::set<DeviceId> used;
  // Graph mode launches its program from the job's home device's runtime.
  const double home_launch_latency_s = node_.devices[placed.home].launch_latency_s;
  if (spec.graph_mode())  // one compiled program per step: one dispatch, one launch call
    cpu_->compute(thread, spec.framework_overhead_s + home_launch_latency_s);
  for (std::size_t i = 0; i < trace.ops.size(); ++i) {
    for (const auto& t : allocate_before_op[i])
      if (!allocate(job, iteration, thread, t, trace.ops[i].name)) return false;
    const std::vector<double>& duration = placed.duration_s[i];
    DeviceId d = kNone;
    if (!placed.static_device.empty()) {
      d = placed.static_device[i];
    } else {
      // When the inputs could be on each device, following step 2 below: per edge from another
      // device, wait for that device to drain, then copy.
      const double now = s4u::Engine::get_clock();
      node_.set_now(now);
      PlaceableWork work{.duration_s = duration, .input_bytes = 0, .input_ready_s = {}};
      work.input_ready_s.assign(duration.size(), 0);
      for (std::size_t c = 0; c < duration.size(); ++c) {
        double t = 0;
        for (const InEdge& e : placed.in_edges[i]) {
          const DeviceId from = placed.ran_on[e.from];
          if (from == static_cast<DeviceId>(c)) continue;
          t = std::max(t, node_.devices[from].remaining_s(now));
          if (e.bytes > 0) t += routes_.copy_s(from, static_cast<DeviceId>(c), e.bytes);
        }
        work.input_ready_s[c] = t;
      }
      d = scheduler_.select_device(work, node_);
      if (d == kNone || d >= devices || duration[d] < 0) d = first_capable_device(work);
    }
    // Inputs produced on other devices: wait for them, then copy them over.
    for (const InEdge& e : placed.in_edges[i]) {
      const DeviceId from = placed.ran_on[e.from];
      if (from == d) continue;
      engines_[from]->synchronize(thread, spec.sync_spin);
      if (e.bytes > 0) {
        copy_between(from, d, e.bytes, thread);
        metrics_.cross_device_copy(job, e.bytes);
      }
    }
    if (!spec.graph_mode())
      cpu_->compute(thread, spec.framework_overhead_s + config_.devices[d].launch_latency_s);
    // An eager launch waits for a launch-queue slot; a graph-mode program's ops do not.
    if (spec.graph_mode())
      engines_[d]->submit(duration[d]);
    else
      engines_[d]->submit(duration[d], thread);
    placed.ran_on[i] = d;
    used.insert(d);
    metrics_.op_placed(job, d, devices);
    for (TensorId t : release_after_op[i]) release(job, thread, t);
  }
  // The end of a training step reads the loss: the host waits for every device it used.
  for (DeviceId d : used) engines_[d]->synchronize(thread, spec.sync_spin);
  return true;
}

}  // namespace aisim
