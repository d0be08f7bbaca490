#include "policies/placement/heft.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace aisim {

HeftSchedule heft_schedule(const HeftDag& dag) {
  const int n = static_cast<int>(dag.cost_s.size());
  if (n == 0) return {};
  const int procs = static_cast<int>(dag.cost_s[0].size());
  for (const auto& row : dag.cost_s)
    if (static_cast<int>(row.size()) != procs || procs == 0)
      throw std::invalid_argument("heft: every task needs one cost per processor");
  std::vector<std::vector<const HeftDag::Edge*>> succ(n), pred(n);
  for (const auto& e : dag.edges) {
    if (e.from < 0 || e.from >= n || e.to < 0 || e.to >= n)
      throw std::invalid_argument("heft: edge names an unknown task");
    succ[e.from].push_back(&e);
    pred[e.to].push_back(&e);
  }

  // Upward rank (eq. 7 of the paper): mean cost over processors plus the heaviest path to an
  // exit task, counting mean transfer costs (one transfer figure per edge here).
  HeftSchedule s;
  s.upward_rank.assign(n, -1);
  std::vector<int> state(n, 0);  // 0 new, 1 on the stack, 2 done
  const std::function<double(int)> rank = [&](int t) -> double {
    if (state[t] == 2) return s.upward_rank[t];
    if (state[t] == 1) throw std::invalid_argument("heft: the graph has a cycle");
    state[t] = 1;
    double tail = 0;
    for (const auto* e : succ[t]) tail = std::max(tail, e->transfer_s + rank(e->to));
    // Mean over the processors that can run the task (an infinite cost means "cannot run
    // there", e.g. a device without the op's precision); the paper has no such processors.
    double sum = 0;
    int capable = 0;
    for (double c : dag.cost_s[t])
      if (std::isfinite(c)) sum += c, ++capable;
    if (capable == 0) throw std::invalid_argument("heft: a task can run on no processor");
    s.upward_rank[t] = sum / capable + tail;
    state[t] = 2;
    return s.upward_rank[t];
  };
  for (int t = 0; t < n; ++t) rank(t);
  s.order.resize(n);
  std::iota(s.order.begin(), s.order.end(), 0);
  // Decreasing rank is a topological order (a predecessor's rank exceeds its successors').
  // Ranks equal up to rounding (the paper's n3 and n4 both rank 80, computed by different sums)
  // count as ties, broken by task index as the paper does.
  std::sort(s.order.begin(), s.order.end(), [&](int a, int b) {
    const double ra = s.upward_rank[a], rb = s.upward_rank[b];
    if (std::abs(ra - rb) <= 1e-9 * std::max(1.0, std::abs(ra))) return a < b;
    return ra > rb;
  });

  // Earliest finish time with insertion: the earliest gap on the processor, at or after the
  // task's inputs arrive, long enough for it.
  s.slots.assign(n, {});
  std::vector<std::vector<std::pair<double, double>>> busy(procs);  // sorted (start, finish)
  for (int t : s.order) {
    HeftSlot best;
    best.finish_s = std::numeric_limits<double>::infinity();
    for (int p = 0; p < procs; ++p) {
      double ready = 0;
      for (const auto* e : pred[t]) {
        const HeftSlot& from = s.slots[e->from];
        ready = std::max(ready, from.finish_s + (from.processor == p ? 0 : e->transfer_s));
      }
      const double w = dag.cost_s[t][p];
      double start = ready;
      for (const auto& [b, f] : busy[p]) {
        if (start + w <= b) break;  // fits in the gap before this busy slot
        start = std::max(start, f);
      }
      if (start + w < best.finish_s) best = {p, start, start + w};
    }
    s.slots[t] = best;
    auto& list = busy[best.processor];
    list.insert(
        std::upper_bound(list.begin(), list.end(), std::make_pair(best.start_s, best.finish_s)),
        {best.start_s, best.finish_s});
    s.makespan_s = std::max(s.makespan_s, best.finish_s);
  }
  return s;
}

}  // namespace aisim
