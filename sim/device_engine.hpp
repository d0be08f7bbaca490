// One accelerator's compute engine: a FIFO stream of kernels executed one at a time by an actor
// on the device's SimGrid host, each as an activity whose duration the cost model gave. Host
// threads submit without blocking and synchronize by blocking until the stream drains (woken on
// completion through the host scheduler, like cudaStreamSynchronize with blocking sync).
#pragma once

#include <deque>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Semaphore.hpp>
#include <vector>

#include "policies/node_state.hpp"
#include "sim/host_cpu.hpp"
#include "sim/metrics.hpp"

namespace aisim {

class DeviceEngine {
 public:
  DeviceEngine(DeviceId id, simgrid::s4u::Host* host, NodeState& node, MetricsCollector& metrics,
               HostCpu& cpu, int launch_queue_depth = 1 << 30);

  // Creates the engine's actor (a daemon: the simulation ends when the jobs do).
  void start();
  // Enqueues a kernel of `duration_s`; never blocks the caller.
  void submit(double duration_s);
  // Same, as a launch call made by `thread`: while launch_queue_depth kernels are pending
  // (queued or running) the call blocks (releasing the core) until one finishes, as CUDA does.
  void submit(double duration_s, SimThread& thread);
  // Blocks `thread` (releasing its core) until every submitted kernel has finished. Returns at
  // once, keeping the core, if the stream is already idle.
  void synchronize(SimThread& thread);

 private:
  void run();
  void set_depth();

  DeviceId id_;
  simgrid::s4u::Host* host_;
  NodeState& node_;
  MetricsCollector& metrics_;
  HostCpu& cpu_;
  std::deque<double> queue_;
  bool busy_ = false;
  bool idle_waiting_ = false;  // the actor sleeps on work_ until a submit
  simgrid::s4u::SemaphorePtr work_;
  std::vector<SimThread*> sync_waiters_;
  size_t launch_queue_depth_;
  std::deque<SimThread*> slot_waiters_;  // launch calls blocked on a full queue
};

}  // namespace aisim
