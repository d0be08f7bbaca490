// The host CPU: cores, per-core run queues and the threads that run on them. The scheduler
// policy makes the decisions (where a woken thread queues, who runs next); this class carries
// them out on SimGrid and reports switches, waits and busy time to the MetricsCollector.
//
// A thread holds a core from the moment it is switched in until it blocks or exits: bursts of
// CPU work in between run back to back on that core. Every switch-in costs the host's
// context-switch time, paid as CPU work on the core.
#pragma once

#include <deque>
#include <memory>
#include <simgrid/s4u/Semaphore.hpp>
#include <string>
#include <vector>

#include "models/device_spec.hpp"
#include "policies/node_state.hpp"
#include "policies/scheduler/scheduler_policy.hpp"
#include "sim/metrics.hpp"

namespace aisim {

struct SimThread {
  ThreadView view;
  CoreId core = kNone;                 // the core it holds, kNone while blocked or queued
  double runnable_since_s = 0;         // when it last became runnable
  simgrid::s4u::SemaphorePtr granted;  // released when the thread is given a core
};

class HostCpu {
 public:
  HostCpu(const DeviceSpec& spec, SchedulerPolicy& policy, NodeState& node,
          MetricsCollector& metrics);

  SimThread& add_thread(std::string name, int nice);

  // --- called by the thread's own actor ---
  // Becomes runnable and returns once it holds a core (context switch paid).
  void start(SimThread& thread);
  // Runs `seconds` of CPU work on the core it holds.
  void compute(SimThread& thread, double seconds);
  // Gives up its core (it is about to wait for something, or exits).
  void release_core(SimThread& thread);
  // After release_core and a wake(): returns once it holds a core again (switch paid).
  void wait_for_core(SimThread& thread);

  // --- called by any actor ---
  // A blocked thread becomes runnable: the policy places it; it runs at once on an idle core or
  // queues. Every wake() must be matched by the thread's wait_for_core().
  void wake(SimThread& thread);

 private:
  void grant(CoreId core, SimThread& thread);

  const DeviceSpec& spec_;
  SchedulerPolicy& policy_;
  NodeState& node_;
  MetricsCollector& metrics_;
  std::vector<std::unique_ptr<SimThread>> threads_;
  std::vector<std::deque<ThreadView>> run_queues_;
};

}  // namespace aisim
