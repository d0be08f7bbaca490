// cfs: Linux's Completely Fair Scheduler before EEVDF (kernel/sched/fair.c up to 6.5), the
// baseline the paper's "Linux 6.1.0" runs. What is modelled, each with the fair.c behaviour it
// follows:
// - vruntime: a thread's CPU time scaled by NICE_0_LOAD / weight (calc_delta_fair), weights from
//   sched_prio_to_weight; each core keeps a monotonic min_vruntime (update_min_vruntime).
// - slices: sched_period = sched_latency, or nr_running x min_granularity beyond sched_nr_latency
//   threads; a thread's slice is period x weight / queue weight (sched_slice). At the slice end
//   the core picks the least vruntime again (check_preempt_tick, reduced to its first rule).
// - wake-up: the woken thread's vruntime is max(own, min_vruntime - sched_latency / 2)
//   (place_entity with GENTLE_FAIR_SLEEPERS); a new thread starts at min_vruntime + its vslice
//   (START_DEBIT). It preempts the running thread only if running.vruntime - woken.vruntime >
//   wakeup_granularity scaled to the woken thread's weight (wakeup_preempt_entity).
// - placement: the previous core if idle, else an idle core, else the previous core
//   (select_idle_sibling without wake_affine); a migrated thread keeps its vruntime relative to
//   min_vruntime (the pre-5.x renormalisation).
// - balancing (simplified, docs/architecture.md): a core falling idle pulls the most recently
//   queued thread of the longest queue (newidle balance); every `ncpus` ms, queued threads move
//   from the core with the most runnable threads to the one with the fewest while they differ
//   by two or more. Linux balances weighted PELT load over a domain hierarchy, with migration
//   cost and cache-hotness checks; none of that is modelled.
// The tunables are scaled by 1 + ilog2(min(ncpus, 8)) (SCHED_TUNABLESCALING_LOG,
// update_sysctl): 6 / 0.75 / 1 ms on one CPU, 24 / 3 / 4 ms on 8 or more.
#include "policies/scheduler/cfs.hpp"

#include <algorithm>
#include <array>

namespace aisim {

CfsTunables CfsTunables::for_cpus(int ncpus) {
  int factor = 1;  // 1 + ilog2(min(ncpus, 8))
  for (int n = std::min(std::max(ncpus, 1), 8); n > 1; n >>= 1) ++factor;
  CfsTunables t;
  t.latency_s *= factor;
  t.min_granularity_s *= factor;
  t.wakeup_granularity_s *= factor;
  return t;
}

int cfs_weight(int nice) {
  // kernel/sched/core.c sched_prio_to_weight[40], nice -20 .. 19.
  static constexpr std::array<int, 40> kWeights = {
      88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
      3906,  3121,  2501,  1991,  1586,  1277,  1024,  820,   655,   526,   423,  335,  272,  215,
      172,   137,   110,   87,    70,    56,    45,    36,    29,    23,    18,   15};
  return kWeights[std::clamp(nice, -20, 19) + 20];
}

namespace {
constexpr double kNice0Load = 1024;
}  // namespace

void CfsScheduler::ensure(const NodeState& node) {
  if (!configured_) {
    tun_ = CfsTunables::for_cpus(static_cast<int>(node.cores.size()));
    min_vruntime_s_.assign(node.cores.size(), 0.0);
    configured_ = true;
  }
  if (vruntime_s_.size() < node.threads.size()) {
    vruntime_s_.resize(node.threads.size(), 0.0);
    ever_ran_.resize(node.threads.size(), false);
  }
}

const CfsTunables& CfsScheduler::tunables(const NodeState& node) {
  ensure(node);
  return tun_;
}

double CfsScheduler::vruntime_s(ThreadId thread) const {
  return static_cast<size_t>(thread) < vruntime_s_.size() ? vruntime_s_[thread] : 0.0;
}

double CfsScheduler::min_vruntime_s(CoreId core) const {
  return static_cast<size_t>(core) < min_vruntime_s_.size() ? min_vruntime_s_[core] : 0.0;
}

void CfsScheduler::update_min_vruntime(CoreId core, const NodeState& node) {
  const CoreView& c = node.cores[core];
  double v = min_vruntime_s_[core];
  bool any = false;
  if (c.running != kNone) {
    v = vruntime_s_[c.running];
    any = true;
  }
  for (ThreadId t : c.queue) {
    v = any ? std::min(v, vruntime_s_[t]) : vruntime_s_[t];
    any = true;
  }
  if (any) min_vruntime_s_[core] = std::max(min_vruntime_s_[core], v);
}

CoreId CfsScheduler::choose_core(const ThreadView& thread, const NodeState& node) const {
  const auto& cores = node.cores;
  const auto n = static_cast<CoreId>(cores.size());
  const auto idle = [&](CoreId c) { return cores[c].running == kNone && cores[c].queue.empty(); };
  const CoreId prev = thread.last_core;
  if (prev != kNone && idle(prev)) return prev;
  const CoreId from = prev == kNone ? 0 : prev;
  for (CoreId i = 0; i < n; ++i)
    if (idle((from + i) % n)) return (from + i) % n;
  if (prev != kNone) return prev;
  // A thread that never ran: the least loaded core (find_idlest_cpu at fork).
  CoreId best = 0;
  for (CoreId c = 1; c < n; ++c)
    if (load(cores[c]) < load(cores[best])) best = c;
  return best;
}

void CfsScheduler::place(const ThreadView& thread, CoreId core, const NodeState& node) {
  double& v = vruntime_s_[thread.id];
  if (thread.last_core != kNone && thread.last_core != core)
    v += min_vruntime_s_[core] - min_vruntime_s_[thread.last_core];
  update_min_vruntime(core, node);
  const double base = min_vruntime_s_[core];
  if (!ever_ran_[thread.id]) {
    // START_DEBIT: a new thread owes one virtual slice, so forking cannot cheat the queue.
    ever_ran_[thread.id] = true;
    const CoreView& c = node.cores[core];
    double total = cfs_weight(thread.nice);
    if (c.running != kNone) total += cfs_weight(node.threads[c.running].nice);
    for (ThreadId t : c.queue) total += cfs_weight(node.threads[t].nice);
    const int nr = load(c) + 1;
    const double period = nr > tun_.nr_latency ? nr * tun_.min_granularity_s : tun_.latency_s;
    const double vslice =
        period * cfs_weight(thread.nice) / total * kNice0Load / cfs_weight(thread.nice);
    v = std::max(v, base + vslice);
    return;
  }
  // A sleeper gets at most half a latency of credit (GENTLE_FAIR_SLEEPERS).
  v = std::max(v, base - tun_.latency_s / 2);
}

CoreId CfsScheduler::place_wakeup(const ThreadView& thread, const NodeState& node) {
  ensure(node);
  const CoreId core = choose_core(thread, node);
  place(thread, core, node);
  return core;
}

std::size_t CfsScheduler::leftmost(CoreId core, const NodeState& node) const {
  const auto& q = node.cores[core].queue;
  std::size_t best = 0;
  for (std::size_t i = 1; i < q.size(); ++i)
    if (runs_before(q[i], q[best])) best = i;  // ties: the longest waiting
  return best;
}

std::size_t CfsScheduler::pick_next(CoreId core, const NodeState& node) {
  ensure(node);
  update_min_vruntime(core, node);
  return leftmost(core, node);
}

void CfsScheduler::account(const ThreadView& thread, CoreId core, double ran_s,
                           const NodeState& node) {
  ensure(node);
  vruntime_s_[thread.id] += ran_s * kNice0Load / cfs_weight(thread.nice);
  update_min_vruntime(core, node);
}

double CfsScheduler::slice_s(const ThreadView& running, CoreId core, const NodeState& node) {
  ensure(node);
  const CoreView& c = node.cores[core];
  double total = cfs_weight(running.nice);
  for (ThreadId t : c.queue) total += cfs_weight(node.threads[t].nice);
  const int nr = load(c);
  const double period = nr > tun_.nr_latency ? nr * tun_.min_granularity_s : tun_.latency_s;
  return period * cfs_weight(running.nice) / total;
}

bool CfsScheduler::should_preempt(const ThreadView& running, const ThreadView& woken, CoreId,
                                  const NodeState& node) {
  ensure(node);
  const double gap = vruntime_s_[running.id] - vruntime_s_[woken.id];
  // wakeup_gran(): the granularity in the woken thread's virtual time.
  const double gran = tun_.wakeup_granularity_s * kNice0Load / cfs_weight(woken.nice);
  return gap > gran;
}

std::optional<Migration> CfsScheduler::pull_for_idle(CoreId core, const NodeState& node) {
  ensure(node);
  CoreId busiest = kNone;
  for (CoreId c = 0; c < static_cast<CoreId>(node.cores.size()); ++c)
    if (c != core && !node.cores[c].queue.empty() &&
        (busiest == kNone || node.cores[c].queue.size() > node.cores[busiest].queue.size()))
      busiest = c;
  if (busiest == kNone) return std::nullopt;
  return Migration{node.cores[busiest].queue.back(), busiest, core};
}

double CfsScheduler::balance_interval_s(const NodeState& node) const {
  // sd->balance_interval starts at the domain's CPU count in ms (sd_init).
  return 1e-3 * static_cast<double>(node.cores.size());
}

std::vector<Migration> CfsScheduler::balance(const NodeState& node) {
  ensure(node);
  const auto n = static_cast<CoreId>(node.cores.size());
  std::vector<int> loads(n);
  std::vector<std::deque<ThreadId>> queues(n);
  for (CoreId c = 0; c < n; ++c) {
    loads[c] = load(node.cores[c]);
    queues[c] = node.cores[c].queue;
  }
  std::vector<Migration> moves;
  for (CoreId round = 0; round < n; ++round) {
    const auto busiest =
        static_cast<CoreId>(std::max_element(loads.begin(), loads.end()) - loads.begin());
    const auto idlest =
        static_cast<CoreId>(std::min_element(loads.begin(), loads.end()) - loads.begin());
    if (loads[busiest] - loads[idlest] < 2 || queues[busiest].empty()) break;
    moves.push_back({queues[busiest].back(), busiest, idlest});
    queues[busiest].pop_back();
    --loads[busiest];
    ++loads[idlest];
  }
  return moves;
}

void CfsScheduler::migrated(const ThreadView& thread, CoreId from, CoreId to,
                            const NodeState& node) {
  ensure(node);
  vruntime_s_[thread.id] += min_vruntime_s_[to] - min_vruntime_s_[from];
}

namespace {
const PolicyRegistration<SchedulerPolicy> kCfsRegistration(
    "cfs",
    "Linux CFS (pre-6.6): nice-weighted vruntime, sched_latency slices, wake-up preemption past "
    "wakeup_granularity, sleeper placement, idle pulls and periodic balancing",
    [] { return std::make_unique<CfsScheduler>(); });
}  // namespace

}  // namespace aisim
