// CFS as in Linux before 6.6 (kernel/sched/fair.c), reduced to what decides who runs when:
// per-thread vruntime weighted by nice (sched_prio_to_weight), per-core min_vruntime, slices of
// sched_latency split by weight, wake-up preemption past wakeup_granularity, sleeper placement,
// newidle pulls and periodic balancing by run-queue length. Declared here so that accel-aware
// can extend it; cfs.cpp implements and registers it.
#pragma once

#include <vector>

#include "policies/scheduler/scheduler_policy.hpp"

namespace aisim {

// The tunables, already scaled by 1 + ilog2(min(ncpus, 8)) (SCHED_TUNABLESCALING_LOG).
struct CfsTunables {
  double latency_s = 6e-3;
  double min_granularity_s = 0.75e-3;
  double wakeup_granularity_s = 1e-3;
  int nr_latency = 8;  // sched_nr_latency: beyond this many threads the period stretches
  static CfsTunables for_cpus(int ncpus);
};

// sched_prio_to_weight[nice + 20]: nice 0 = 1024, each step ~1.25x.
int cfs_weight(int nice);

class CfsScheduler : public SchedulerPolicy {
 public:
  CoreId place_wakeup(const ThreadView& thread, const NodeState& node) override;
  std::size_t pick_next(CoreId core, const NodeState& node) override;
  void account(const ThreadView& thread, CoreId core, double ran_s, const NodeState& node) override;
  double slice_s(const ThreadView& running, CoreId core, const NodeState& node) override;
  bool should_preempt(const ThreadView& running, const ThreadView& woken, CoreId core,
                      const NodeState& node) override;
  std::optional<Migration> pull_for_idle(CoreId core, const NodeState& node) override;
  double balance_interval_s(const NodeState& node) const override;
  std::vector<Migration> balance(const NodeState& node) override;
  void migrated(const ThreadView& thread, CoreId from, CoreId to, const NodeState& node) override;
  // The baseline's naive placement: the first device that supports the work (first_capable_device).
  DeviceId select_device(const PlaceableWork& work, const NodeState& /*node*/) override {
    return first_capable_device(work);
  }

  // Inspection (tests, reports).
  double vruntime_s(ThreadId thread) const;
  double min_vruntime_s(CoreId core) const;
  const CfsTunables& tunables(const NodeState& node);

 protected:
  // CFS's choice of core for a wake-up (select_idle_sibling-like), without the vruntime
  // placement; place_wakeup = choose_core + place().
  CoreId choose_core(const ThreadView& thread, const NodeState& node) const;
  // Sleeper / new-thread vruntime placement on `core` (place_entity).
  void place(const ThreadView& thread, CoreId core, const NodeState& node);
  // Index of the queued thread with the least vruntime on `core` (ties: the longest waiting).
  std::size_t leftmost(CoreId core, const NodeState& node) const;
  // `a` runs before `b`: its vruntime is earlier by more than a nanosecond (Linux keeps them in
  // u64 ns). CFS gives every thread of a core the same virtual time per slice (slices are
  // weight-proportional), so CPU-bound threads tie exactly in real arithmetic; in doubles the tie
  // would be broken by rounding noise, which depends on how the simulation happens to cut time
  // into events (one op per burst or a chunk of ops). Within a nanosecond they tie, and ties go to
  // the longest waiting (the earlier in the queue).
  bool runs_before(ThreadId a, ThreadId b) const {
    return vruntime_s_[a] < vruntime_s_[b] - kVruntimeTieS;
  }
  static constexpr double kVruntimeTieS = 1e-9;
  static int load(const CoreView& core) {
    return static_cast<int>(core.queue.size()) + (core.running != kNone ? 1 : 0);
  }

 private:
  void ensure(const NodeState& node);
  void update_min_vruntime(CoreId core, const NodeState& node);

  bool configured_ = false;
  CfsTunables tun_;
  std::vector<double> vruntime_s_;
  std::vector<bool> ever_ran_;
  std::vector<double> min_vruntime_s_;
};

}  // namespace aisim
