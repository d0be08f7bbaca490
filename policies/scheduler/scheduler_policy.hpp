// How the host OS schedules threads onto cores. The runtime (sim/host_cpu) owns the cores and
// run queues and calls these decisions at the events where a real kernel would make them.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include "policies/node_state.hpp"
#include "policies/registry.hpp"

namespace aisim {

class SchedulerPolicy {
 public:
  virtual ~SchedulerPolicy() = default;

  // A blocked thread became runnable: choose the core whose run queue it joins. May assume
  // node.cores is non-empty; must return a valid index into it.
  virtual CoreId place_wakeup(const ThreadView& thread, const NodeState& node) = 0;

  // `core` became free: choose which queued thread runs next. May assume `queue` is non-empty
  // (front = longest waiting); must return an index into it.
  virtual std::size_t pick_next(CoreId core, const std::deque<ThreadView>& queue,
                                const NodeState& node) = 0;
};

using SchedulerRegistry = PolicyRegistry<SchedulerPolicy>;

}  // namespace aisim
