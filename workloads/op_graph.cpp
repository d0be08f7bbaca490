#include "workloads/op_graph.hpp"

#include <algorithm>
#include <queue>
#include <unordered_map>

#include "models/errors.hpp"

namespace aisim {
namespace {

// Finds one cycle by depth-first search (white/grey/black colouring); returns its vertices in
// order, or nothing if the graph is acyclic. Iterative, so deep graphs do not overflow the stack.
template <class Graph>
std::vector<size_t> find_cycle(const Graph& g) {
  const size_t n = boost::num_vertices(g);
  enum Colour : char { kWhite, kGrey, kBlack };
  std::vector<Colour> colour(n, kWhite);
  std::vector<size_t> parent(n, n);
  for (size_t root = 0; root < n; ++root) {
    if (colour[root] != kWhite) continue;
    using It = typename boost::graph_traits<Graph>::adjacency_iterator;
    std::vector<std::pair<size_t, std::pair<It, It>>> stack;
    colour[root] = kGrey;
    stack.push_back({root, boost::adjacent_vertices(root, g)});
    while (!stack.empty()) {
      auto& [u, range] = stack.back();
      if (range.first == range.second) {
        colour[u] = kBlack;
        stack.pop_back();
        continue;
      }
      const size_t v = *range.first++;
      if (colour[v] == kGrey) {  // back edge u -> v closes a cycle v -> ... -> u -> v
        std::vector<size_t> cycle{u};
        for (size_t w = u; w != v; w = parent[w]) cycle.push_back(parent[w]);
        std::reverse(cycle.begin(), cycle.end());
        return cycle;
      }
      if (colour[v] == kWhite) {
        colour[v] = kGrey;
        parent[v] = u;
        stack.push_back({v, boost::adjacent_vertices(v, g)});
      }
    }
  }
  return {};
}

}  // namespace

OpGraph::OpGraph(const Trace& trace, const std::string& file)
    : trace_(trace), graph_(trace.ops.size()) {
  std::unordered_map<OpId, size_t> index_of;
  for (size_t i = 0; i < trace.ops.size(); ++i) index_of.emplace(trace.ops[i].id, i);
  std::unordered_map<TensorId, size_t> producer;
  for (size_t i = 0; i < trace.ops.size(); ++i)
    for (auto t : trace.ops[i].outputs) producer.emplace(t, i);
  for (size_t i = 0; i < trace.ops.size(); ++i) {
    for (auto dep : trace.ops[i].deps)
      if (const auto it = index_of.find(dep); it != index_of.end())
        boost::add_edge(it->second, i, graph_);
    for (auto t : trace.ops[i].inputs)
      if (const auto it = producer.find(t); it != producer.end() && it->second != i)
        boost::add_edge(it->second, i, graph_);
  }
  if (const auto cycle = find_cycle(graph_); !cycle.empty()) {
    std::string names;
    for (size_t v : cycle) names += trace.ops[v].name + " -> ";
    names += trace.ops[cycle.front()].name;
    throw TraceError({{file, "/ops", "dependency cycle: " + names}});
  }
  // Kahn's algorithm with a min-heap on the trace index: a stable topological order.
  std::vector<size_t> in_degree(size());
  for (size_t v = 0; v < size(); ++v) in_degree[v] = boost::in_degree(v, graph_);
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t v = 0; v < size(); ++v)
    if (in_degree[v] == 0) ready.push(v);
  while (!ready.empty()) {
    const size_t u = ready.top();
    ready.pop();
    order_.push_back(u);
    for (auto [it, end] = boost::adjacent_vertices(u, graph_); it != end; ++it)
      if (--in_degree[*it] == 0) ready.push(*it);
  }
}

CriticalPath OpGraph::critical_path(const std::function<double(size_t)>& cost) const {
  std::vector<double> finish(size(), 0);
  std::vector<size_t> via(size(), size());
  for (size_t u : order_) {
    double start = 0;
    for (auto [it, end] = boost::in_edges(u, graph_); it != end; ++it) {
      const size_t p = boost::source(*it, graph_);
      if (finish[p] > start) {
        start = finish[p];
        via[u] = p;
      }
    }
    finish[u] = start + cost(u);
  }
  CriticalPath path;
  if (order_.empty()) return path;
  size_t last = *std::max_element(order_.begin(), order_.end(),
                                  [&](size_t a, size_t b) { return finish[a] < finish[b]; });
  path.length = finish[last];
  for (size_t v = last; v != size(); v = via[v]) path.ops.push_back(v);
  std::reverse(path.ops.begin(), path.ops.end());
  return path;
}

std::map<TensorId, TensorLiveness> OpGraph::liveness() const {
  std::map<TensorId, TensorLiveness> live;
  for (const auto& t : trace_.tensors) live[t.id];
  for (size_t u : order_) {
    for (auto t : trace_.ops[u].outputs) live[t].producer = u;
    for (auto t : trace_.ops[u].inputs) live[t].last_consumer = u;
  }
  return live;
}

std::map<Phase, PhaseTotals> OpGraph::phase_totals(double seq) const {
  std::map<Phase, PhaseTotals> totals;
  for (const auto& op : trace_.ops) {
    auto& p = totals[op.phase];
    p.flops += op.flops.at(seq);
    p.bytes += (op.bytes_read + op.bytes_written).at(seq);
    ++p.ops;
  }
  return totals;
}

}  // namespace aisim
