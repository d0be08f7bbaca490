// accel-aware: CFS plus accelerator awareness (the paper's first mechanism). The scheduler knows
// which threads feed an accelerator (ThreadView::feeds_device: a job's dispatch thread and its
// data-loader workers) and reads each device's queue depth from NodeState. While a device is
// starving (fewer than policies.starving_queue_depth kernels queued or running; at the default 2,
// it will idle once the current kernel ends), a thread that feeds it:
// - is woken onto its previous core if idle, else any idle core, else the core with the fewest
//   runnable threads among those running no feeder (it displaces other tenants' work, never
//   another device's feeder), instead of CFS's "stay on the previous core";
// - preempts a running thread that feeds no device, whatever their vruntime gap;
// - is picked first when its core chooses the next thread (least vruntime among such threads).
// Otherwise it is plain CFS (vruntime still accrues, so a feeder that ran ahead pays for it once
// its device has work). Nothing here states an outcome: whether dispatch latency or accelerator
// idle time improve comes out of the simulated wake-ups, queues and preemptions.
//
// It also places placeable work by earliest finish time (StarPU dmda / HEFT style): for each
// device that can run it, the work starts once both the device time still queued there (queued
// kernels plus the rest of the running one) has run and its inputs are there (the copy from the
// host over the device's link, after the inputs made on other devices have arrived), then takes
// the launch call and its duration there; the earliest finish wins (ties: the lower index).
#include <algorithm>
#include <cmath>
#include <limits>

#include "policies/scheduler/cfs.hpp"

namespace aisim {
namespace {

class AccelAwareScheduler final : public CfsScheduler {
 public:
  // The starving threshold: at the default 2, a device with at most its running kernel left
  // (it idles once that kernel ends unless its feeder runs). An assumption of this model (the
  // paper gives no threshold); 2 is the smallest depth that still lets the feeder act before the
  // device idles.
  void configure(const SchedulerParams& params) override {
    starving_queue_depth_ = params.starving_queue_depth;
  }

  CoreId place_wakeup(const ThreadView& thread, const NodeState& node) override {
    tunables(node);  // sizes the per-thread state
    if (!starving(thread, node)) return CfsScheduler::place_wakeup(thread, node);
    const auto& cores = node.cores;
    const auto n = static_cast<CoreId>(cores.size());
    const auto idle = [&](CoreId c) { return cores[c].running == kNone && cores[c].queue.empty(); };
    CoreId core = kNone;
    if (thread.last_core != kNone && idle(thread.last_core)) core = thread.last_core;
    for (CoreId c = 0; c < n && core == kNone; ++c)
      if (idle(c)) core = c;
    if (core == kNone) {
      for (CoreId c = 0; c < n; ++c) {
        const ThreadId r = cores[c].running;
        if (r != kNone && node.threads[r].feeds_device != kNone) continue;
        if (core == kNone || load(cores[c]) < load(cores[core])) core = c;
      }
    }
    if (core == kNone) core = choose_core(thread, node);  // every core runs a feeder
    place(thread, core, node);
    return core;
  }

  bool should_preempt(const ThreadView& running, const ThreadView& woken, CoreId core,
                      const NodeState& node) override {
    if (starving(woken, node) && running.feeds_device == kNone) return true;
    return CfsScheduler::should_preempt(running, woken, core, node);
  }

  std::size_t pick_next(CoreId core, const NodeState& node) override {
    const std::size_t cfs = CfsScheduler::pick_next(core, node);
    const auto& q = node.cores[core].queue;
    std::size_t best = q.size();
    for (std::size_t i = 0; i < q.size(); ++i)
      if (starving(node.threads[q[i]], node) && (best == q.size() || runs_before(q[i], q[best])))
        best = i;
    return best == q.size() ? cfs : best;
  }

  DeviceId select_device(const PlaceableWork& work, const NodeState& node) override {
    DeviceId best = kNone;
    double best_finish = std::numeric_limits<double>::infinity();
    for (DeviceId d = 0; d < static_cast<DeviceId>(work.duration_s.size()) &&
                         d < static_cast<DeviceId>(node.devices.size());
         ++d) {
      if (work.duration_s[d] < 0 || !std::isfinite(work.duration_s[d])) continue;
      const DeviceView& dev = node.devices[d];
      const double copy_s = work.input_bytes > 0 && dev.host_link_bandwidth_bytes_per_s > 0
                                ? work.input_bytes / dev.host_link_bandwidth_bytes_per_s
                                : 0.0;
      const double ready_s =
          static_cast<std::size_t>(d) < work.input_ready_s.size() ? work.input_ready_s[d] : 0;
      const double finish = std::max(dev.remaining_s(node.now_s), ready_s + copy_s) +
                            dev.launch_latency_s + work.duration_s[d];
      if (finish < best_finish) {
        best_finish = finish;
        best = d;
      }
    }
    return best;
  }

 private:
  bool starving(const ThreadView& thread, const NodeState& node) const {
    return thread.feeds_device != kNone &&
           static_cast<size_t>(thread.feeds_device) < node.devices.size() &&
           node.devices[thread.feeds_device].queue_depth < starving_queue_depth_;
  }

  std::size_t starving_queue_depth_ = SchedulerParams{}.starving_queue_depth;
};

const PolicyRegistration<SchedulerPolicy> kAccelAwareRegistration(
    "accel-aware",
    "cfs plus accelerator awareness: feeders of a starving device wake on an idle or "
    "least-loaded core, preempt non-feeding work and run first; earliest-finish-time device "
    "selection",
    [] { return std::make_unique<AccelAwareScheduler>(); });

}  // namespace
}  // namespace aisim
