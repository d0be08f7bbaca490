// One accelerator's compute engine: a FIFO stream of kernels executed one at a time by an actor
// on the device's SimGrid host, each as an activity whose duration the cost model gave. Host
// threads submit without blocking and synchronize until the stream drains: either blocking (woken
// on completion through the host scheduler, like cudaStreamSynchronize with
// cudaDeviceScheduleBlockingSync) or spinning (polling on its core, cudaDeviceScheduleSpin).
#pragma once

#include <cstdint>
#include <deque>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Semaphore.hpp>
#include <vector>

#include "policies/node_state.hpp"
#include "sim/host_cpu.hpp"
#include "sim/metrics.hpp"
#include "sim/timeline.hpp"

namespace aisim {

class DeviceEngine {
 public:
  DeviceEngine(DeviceId id, simgrid::s4u::Host* host, NodeState& node, MetricsCollector& metrics,
               HostCpu& cpu, int launch_queue_depth = 1 << 30);

  // Kernels submitted and completed since the start (for invariant checks and reports).
  std::uint64_t submitted_kernels() const { return submitted_; }
  std::uint64_t completed_kernels() const { return completed_; }

  // Creates the engine's actor (a daemon: the simulation ends when the jobs do).
  void start();
  // Reports every kernel to `timeline` (null: none, the default). Set before the first submit.
  void set_timeline(Timeline* timeline) { timeline_ = timeline; }
  // Enqueues a kernel of `duration_s`; never blocks the caller. `label` names it on the
  // timeline (kept only when there is one).
  void submit(double duration_s, const KernelLabel& label = {});
  // Same, as a launch call made by `thread`: while launch_queue_depth kernels are pending
  // (queued or running) the call blocks (releasing the core) until one finishes, as CUDA does.
  void submit(double duration_s, SimThread& thread, const KernelLabel& label = {});
  // Waits until every submitted kernel has finished. Returns at once, keeping the core, if the
  // stream is already idle. `spin`: the thread keeps its core busy polling (it can still be
  // preempted like any CPU-bound thread); otherwise it blocks, releasing its core, and is woken.
  void synchronize(SimThread& thread, bool spin = false);

 private:
  void run();
  void set_depth();

  DeviceId id_;
  simgrid::s4u::Host* host_;
  NodeState& node_;
  MetricsCollector& metrics_;
  HostCpu& cpu_;
  std::deque<double> queue_;
  Timeline* timeline_ = nullptr;
  std::deque<KernelLabel> labels_;  // parallel to queue_, only while timeline_ is set
  std::uint64_t submitted_ = 0, completed_ = 0;
  double backlog_s_ = 0;  // queued durations + the running kernel's
  bool busy_ = false;
  bool idle_waiting_ = false;  // the actor sleeps on work_ until a submit
  simgrid::s4u::SemaphorePtr work_;
  std::vector<SimThread*> sync_waiters_;
  size_t launch_queue_depth_;
  std::deque<SimThread*> slot_waiters_;  // launch calls blocked on a full queue
  struct Spinner {
    SimThread* thread;
    bool* done;  // on the spinner's stack, alive until its spin returns
  };
  std::vector<Spinner> spinners_;
};

}  // namespace aisim
