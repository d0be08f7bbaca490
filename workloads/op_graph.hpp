// OpGraph: a trace's ops as a Boost.Graph DAG. Edges come from control dependencies (`deps`) and
// from data (the producer of a tensor precedes every op that reads it). Building it rejects cycles
// with an error that names the ops on one; then it answers topological order, critical path,
// tensor liveness and per-phase totals.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "workloads/trace.hpp"

namespace aisim {

struct TensorLiveness {
  std::optional<size_t> producer;  // index into Trace::ops; none for inputs and persistent tensors
  std::optional<size_t> last_consumer;  // index into Trace::ops; none if nothing reads it
};

struct PhaseTotals {
  double flops = 0;
  double bytes = 0;  // read + written
  size_t ops = 0;
};

struct CriticalPath {
  double length = 0;        // sum of the op costs along it
  std::vector<size_t> ops;  // indices into Trace::ops, in execution order
};

class OpGraph {
 public:
  // Throws TraceError (naming `file` and the ops on a cycle) if the dependencies form a cycle.
  OpGraph(const Trace& trace, const std::string& file);

  size_t size() const { return boost::num_vertices(graph_); }
  // Every op once, each after all its predecessors; ties keep the trace's order.
  const std::vector<size_t>& topological_order() const { return order_; }
  // The longest path when op i costs cost(i) (e.g. its kernel duration).
  CriticalPath critical_path(const std::function<double(size_t)>& cost) const;
  // Producer and last consumer (in topological order) of every tensor the trace lists.
  std::map<TensorId, TensorLiveness> liveness() const;
  // Flops, bytes and op counts per phase at sequence length `seq`.
  std::map<Phase, PhaseTotals> phase_totals(double seq) const;

 private:
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;
  const Trace& trace_;
  Graph graph_;
  std::vector<size_t> order_;
};

}  // namespace aisim
