// The host CPU: cores, per-core run queues and the threads that run on them. The scheduler
// policy makes the decisions (where a woken thread queues, who runs next, how long a slice is,
// whether a wake-up preempts, load balancing); this class carries them out on SimGrid and
// reports switches, waits, preemptions and busy time to the MetricsCollector.
//
// A thread's CPU burst is one SimGrid exec on the CPU host, started when the thread gets its core
// and cancelled (the remaining work kept) when it loses the core at a slice end or to a
// wake-up preemption. The thread's actor waits on the exec itself, with a timeout at the slice's
// end when another thread waits for the core; other actors "kick" it when something changes for
// it (a thread queued behind it, a preemption, the end of a spin) by cancelling that exec, and
// the thread re-evaluates and starts a new exec for the rest of its burst if it keeps the core.
// So an uncontended burst is one SimGrid activity (no timer beside it), and the number of
// activities grows with scheduling decisions, not with time ticks (docs/performance.md).
//
// Every switch-in costs the host's context-switch time, paid as CPU work on the core, plus the
// cache-refill (indirect) cost when another thread ran on that core since this one last did.
#pragma once

#include <functional>
#include <memory>
#include <simgrid/s4u/Exec.hpp>
#include <simgrid/s4u/Semaphore.hpp>
#include <string>
#include <vector>

#include "models/device_spec.hpp"
#include "policies/node_state.hpp"
#include "policies/scheduler/scheduler_policy.hpp"
#include "sim/metrics.hpp"
#include "sim/timeline.hpp"

namespace aisim {

struct SimThread {
  ThreadId id = kNone;
  CoreId core = kNone;           // the core it holds, kNone while blocked or queued
  double runnable_since_s = 0;   // when it last became runnable
  bool woken = false;            // runnable by a wake-up (a latency sample), not a preemption
  bool preempt_pending = false;  // a wake-up preemption asked it to leave its core
  bool cache_cold = false;       // its core ran another thread since it last ran there
  double picked_at_s = 0;        // when it last started running (slice start)
  double accounted_until_s = 0;  // CPU time up to here is reported to the policy
  double burst_start_s = -1;     // start of the burst segment in progress, -1 if none
  double burst_done_s = 0;       // CPU time of the finished segments of the current compute()
  // Called when a segment of its burst starts running (a chunked dispatch's device waits on it:
  // sim/device_engine.hpp). Empty unless set.
  std::function<void()> on_segment_start;
  simgrid::s4u::SemaphorePtr granted;  // released when the thread is given a core
  simgrid::s4u::ExecPtr burst;         // the exec its actor waits on; a kick cancels it
};

// CPU time `thread` has run of its current compute() call by `now_s` (finished segments plus the
// one in progress): how far a burst that stands for several ops has come.
inline double burst_progress_s(const SimThread& thread, double now_s) {
  return thread.burst_done_s + (thread.burst_start_s >= 0 ? now_s - thread.burst_start_s : 0.0);
}

class HostCpu {
 public:
  HostCpu(const DeviceSpec& spec, SchedulerPolicy& policy, NodeState& node,
          MetricsCollector& metrics);

  SimThread& add_thread(std::string name, int nice, DeviceId feeds_device = kNone);
  // Reports every slice and context switch to `timeline` (null: none, the default). Set before
  // the first add_thread.
  void set_timeline(Timeline* timeline) { timeline_ = timeline; }
  const ThreadView& view(const SimThread& thread) const { return node_.threads[thread.id]; }

  // Starts the periodic load-balancing actor if the policy balances (a daemon).
  void start_balancer(simgrid::s4u::Host* host);

  // --- called by the thread's own actor ---
  // Becomes runnable and returns once it holds a core (context switch paid).
  void start(SimThread& thread);
  // Runs `seconds` of CPU work; may lose and regain the core on the way (slices, preemption).
  void compute(SimThread& thread, double seconds);
  // Busy-polls on its core until `*done` is true (set by another actor, which then calls
  // kick()); may be preempted like any CPU-bound work.
  void spin_until(SimThread& thread, const bool* done);
  // Gives up its core (it is about to wait for something, or exits).
  void release_core(SimThread& thread);
  // After release_core and a wake(): returns once it holds a core again (switch paid).
  void wait_for_core(SimThread& thread);

  // --- called by any actor ---
  // A blocked thread becomes runnable: the policy places it; it runs at once on an idle core or
  // queues (and may preempt the core's thread). Every wake() must be matched by the thread's
  // wait_for_core().
  void wake(SimThread& thread);
  // Makes a running (or spinning) thread re-evaluate its state now: cancels the exec its actor
  // waits on (harmless if that exec has just finished). A thread that is not waiting in a burst
  // re-reads its state before its next wait anyway.
  void kick(SimThread& thread) {
    if (!thread.burst) return;
    const simgrid::s4u::ExecPtr burst = std::move(thread.burst);
    thread.burst = nullptr;
    burst->cancel();
  }

  // At the end of the simulation: reports the CPU time of bursts still in progress (CPU-bound
  // threads are cut off mid-burst when the jobs end).
  void finish();

 private:
  void run(SimThread& thread, double seconds, const bool* done);
  void grant(CoreId core, SimThread& thread);
  void update_curr(SimThread& thread);
  // Accounts every running thread's CPU time up to now, before a decision that reads other cores'
  // state (placement, balancing, pulling): what the policy sees must not depend on where running
  // threads' bursts happen to be cut (one op, or a chunk of ops; NodeRuntime::run_chunk).
  void account_running();
  // Stops running (the caller recorded its CPU time); hands the core to the next thread.
  void vacate(SimThread& thread);
  // Slice end or preemption: requeue `thread`, let the policy pick; returns after it holds a
  // core again (at once if it was picked again).
  void requeue(SimThread& thread);
  void migrate(const Migration& m);
  void balance_loop();
  double slice_end_s(const SimThread& thread) const;

  const DeviceSpec& spec_;
  SchedulerPolicy& policy_;
  NodeState& node_;
  MetricsCollector& metrics_;
  Timeline* timeline_ = nullptr;
  std::vector<std::unique_ptr<SimThread>> threads_;
  std::vector<ThreadId> last_ran_;  // per core: the thread that ran there last (cache owner)
};

}  // namespace aisim
