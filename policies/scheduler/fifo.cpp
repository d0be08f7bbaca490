// fifo: the simplest honest scheduler. A woken thread goes to its previous core if idle, else to
// an idle core, else to the core with the shortest run queue; each core runs its queue in
// arrival order; nothing is ever preempted (a thread runs until it blocks). A placeholder until
// CFS: it has no time slices, no nice weights and no load balancing.
#include "policies/scheduler/scheduler_policy.hpp"

namespace aisim {
namespace {

class FifoScheduler final : public SchedulerPolicy {
 public:
  CoreId place_wakeup(const ThreadView& thread, const NodeState& node) override {
    const auto& cores = node.cores;
    if (thread.last_core != kNone && cores[thread.last_core].running == kNone &&
        cores[thread.last_core].queued == 0)
      return thread.last_core;
    CoreId best = 0;
    for (CoreId c = 0; c < static_cast<CoreId>(cores.size()); ++c) {
      const auto load = [&](CoreId i) { return cores[i].queued + (cores[i].running != kNone); };
      if (load(c) < load(best)) best = c;
    }
    return best;
  }

  std::size_t pick_next(CoreId, const NodeState&) override { return 0; }
};

const PolicyRegistration<SchedulerPolicy> kFifoRegistration(
    "fifo", "run queues in arrival order, no time slices, no preemption (the simplest baseline; cfs models Linux)",
    [] { return std::make_unique<FifoScheduler>(); });

}  // namespace
}  // namespace aisim
