// How the host OS schedules threads onto cores. The runtime (sim/host_cpu) owns the cores and
// run queues (it keeps them in NodeState::cores) and calls these decisions at the events where a
// real kernel would make them: a wake-up, a core falling free, a slice ending, a balancing tick.
// Every hook except place_wakeup and pick_next has a default that means "no such mechanism", so a
// policy states only what it does (fifo: no slices, no preemption, no balancing).
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "policies/node_state.hpp"
#include "policies/registry.hpp"

namespace aisim {

// One queued thread moved between run queues by load balancing.
struct Migration {
  ThreadId thread = kNone;
  CoreId from = kNone;
  CoreId to = kNone;
};

// Work that may run on any of several devices (a placeable op or job).
struct PlaceableWork {
  // Execution time on each device (index = DeviceId); a negative value means "cannot run there".
  std::vector<double> duration_s;
  double input_bytes = 0;  // to copy from the host to the chosen device first
  // Per device (same indexing; empty = 0): how long from now until the work's inputs made on
  // other devices can be there, as the runtime brings them: each producer's stream drained, then
  // the copy over the links. Overlaps with the chosen device's own queued work.
  std::vector<double> input_ready_s;
};

// The naive device choice (cfs's, and the runtime's when a policy has no opinion): the
// lowest-indexed device that can run the work at all, i.e. whose cost model supports its precision
// (a finite, non-negative duration). Blind to queues, links and speed. kNone if none can.
inline DeviceId first_capable_device(const PlaceableWork& work) {
  for (std::size_t d = 0; d < work.duration_s.size(); ++d)
    if (work.duration_s[d] >= 0 && std::isfinite(work.duration_s[d]))
      return static_cast<DeviceId>(d);
  return kNone;
}

// Tunables of the scheduler policies from the config (policies.*; docs/config.md). A policy reads
// the ones it has and ignores the others.
struct SchedulerParams {
  // accel-aware: a device with fewer kernels than this queued or running is starving and its
  // feeders get priority (policies.starving_queue_depth).
  std::size_t starving_queue_depth = 2;
};

class SchedulerPolicy {
 public:
  virtual ~SchedulerPolicy() = default;

  // Called once, before the simulation starts.
  virtual void configure(const SchedulerParams& /*params*/) {}

  // A blocked thread became runnable: choose the core whose run queue it joins. May assume
  // node.cores is non-empty and `thread` is node.threads[thread.id]; must return a valid index.
  // Called exactly once per wake-up, so a policy may update its own per-thread state here
  // (e.g. CFS's sleeper vruntime placement).
  virtual CoreId place_wakeup(const ThreadView& thread, const NodeState& node) = 0;

  // `core` is free (its thread blocked or was preempted and requeued): choose which queued
  // thread runs next. May assume node.cores[core].queue is non-empty; must return an index into
  // it. A thread preempted at a slice end is in the queue and may be chosen again.
  virtual std::size_t pick_next(CoreId core, const NodeState& node) = 0;

  // `thread` ran `ran_s` seconds of CPU on `core` since the last call (called before every
  // decision that involves the running thread, and when it stops running).
  virtual void account(const ThreadView& /*thread*/, CoreId /*core*/, double /*ran_s*/,
                       const NodeState& /*node*/) {}

  // How long `running` may run on `core`, counted from when it was picked, before the core asks
  // pick_next again; only asked while other threads wait on that core. +inf: until it blocks.
  virtual double slice_s(const ThreadView& /*running*/, CoreId /*core*/,
                         const NodeState& /*node*/) {
    return std::numeric_limits<double>::infinity();
  }

  // `woken` was just queued on `core`, where `running` runs (account() is up to date): preempt
  // `running` now? If so the runtime requeues it and asks pick_next.
  virtual bool should_preempt(const ThreadView& /*running*/, const ThreadView& /*woken*/,
                              CoreId /*core*/, const NodeState& /*node*/) {
    return false;
  }

  // `core` just fell idle with an empty queue: a queued thread to pull from another core
  // (Linux's newidle balance), or none.
  virtual std::optional<Migration> pull_for_idle(CoreId /*core*/, const NodeState& /*node*/) {
    return std::nullopt;
  }

  // Periodic load balancing: the period (0 = never) and the moves of queued threads to make at
  // each tick. Each Migration must name a thread queued on `from`.
  virtual double balance_interval_s(const NodeState& /*node*/) const { return 0; }
  virtual std::vector<Migration> balance(const NodeState& /*node*/) { return {}; }
  // A queued thread moved from `from` to `to` (by pull_for_idle or balance).
  virtual void migrated(const ThreadView& /*thread*/, CoreId /*from*/, CoreId /*to*/,
                        const NodeState& /*node*/) {}

  // Chooses the device for placeable work; kNone means "no opinion" (the runtime then takes the
  // first device that can run it, the cfs rule).
  virtual DeviceId select_device(const PlaceableWork& /*work*/, const NodeState& /*node*/) {
    return kNone;
  }
};

using SchedulerRegistry = PolicyRegistry<SchedulerPolicy>;

}  // namespace aisim
