#include "sim/op_placement.hpp"

#include <cmath>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "models/roofline_cost_model.hpp"
#include "policies/placement/heft.hpp"

namespace aisim {

std::vector<std::vector<double>> op_durations_per_device(const Trace& trace,
                                                         const std::vector<DeviceSpec>& devices,
                                                         double seq) {
  std::vector<std::vector<double>> out(trace.ops.size(), std::vector<double>(devices.size(), -1));
  for (std::size_t d = 0; d < devices.size(); ++d) {
    const DeviceSpec& device = devices[d];
    if (device.kind == DeviceKind::kCpu) continue;
    const RooflineCostModel cost(device);
    const std::string kind(to_string(device.kind));
    for (std::size_t i = 0; i < trace.ops.size(); ++i) {
      const Op& op = trace.ops[i];
      if (const auto it = op.duration_us.find(kind); it != op.duration_us.end()) {
        out[i][d] = it->second * 1e-6;
        continue;
      }
      const double flops = op.flops.at(seq);
      if (flops > 0 && device.peak_flops_for(op.precision) <= 0) continue;  // unsupported
      out[i][d] =
          cost.kernel_duration_s({flops, (op.bytes_read + op.bytes_written).at(seq), op.precision});
    }
  }
  return out;
}

std::vector<std::vector<InEdge>> op_in_edges(const Trace& trace, double seq) {
  std::unordered_map<OpId, std::size_t> index;
  for (std::size_t i = 0; i < trace.ops.size(); ++i) index[trace.ops[i].id] = i;
  std::unordered_map<TensorId, double> tensor_bytes;
  for (const Tensor& t : trace.tensors) tensor_bytes[t.id] = t.bytes.at(seq);
  std::vector<std::vector<InEdge>> out(trace.ops.size());
  for (std::size_t i = 0; i < trace.ops.size(); ++i) {
    const Op& op = trace.ops[i];
    const std::unordered_set<TensorId> reads(op.inputs.begin(), op.inputs.end());
    for (OpId dep : op.deps) {
      const auto from = index.find(dep);
      if (from == index.end()) continue;  // validated on load; defensive
      double bytes = 0;
      if (const auto t = op.transfer_bytes.find(dep); t != op.transfer_bytes.end()) {
        bytes = t->second;
      } else {
        for (TensorId t : trace.ops[from->second].outputs)
          if (reads.count(t)) bytes += tensor_bytes.count(t) ? tensor_bytes.at(t) : 0;
      }
      out[i].push_back({from->second, bytes});
    }
  }
  return out;
}

LinkRoutes::LinkRoutes(const Config& config) : host_(config.host_index()) {
  for (const LinkSpec& l : config.links) {
    const DeviceId a = config.device_index(l.endpoint_a), b = config.device_index(l.endpoint_b);
    if (a < 0 || b < 0) continue;
    links_[{a, b}] = l;
    links_[{b, a}] = l;
  }
}

const LinkSpec* LinkRoutes::link(DeviceId a, DeviceId b) const {
  const auto it = links_.find({a, b});
  return it == links_.end() ? nullptr : &it->second;
}

std::vector<std::pair<DeviceId, DeviceId>> LinkRoutes::hops(DeviceId from, DeviceId to) const {
  if (from == to) return {};
  if (link(from, to) || from == host_ || to == host_) return {{from, to}};
  return {{from, host_}, {host_, to}};
}

double LinkRoutes::copy_s(DeviceId from, DeviceId to, double bytes) const {
  double total = 0;
  for (const auto& [a, b] : hops(from, to)) {
    const LinkSpec* l = link(a, b);
    if (!l) return std::numeric_limits<double>::infinity();  // no route (config checks links)
    total += l->latency_s + (l->bandwidth_bytes_per_s > 0 ? bytes / l->bandwidth_bytes_per_s : 0);
  }
  return total;
}

StaticPlacement heft_placement(const std::vector<std::vector<double>>& duration_s,
                               const std::vector<std::vector<InEdge>>& in_edges,
                               const LinkRoutes& routes) {
  // The processors: devices that can run at least one op (accelerators).
  std::vector<DeviceId> procs;
  const std::size_t devices = duration_s.empty() ? 0 : duration_s[0].size();
  for (std::size_t d = 0; d < devices; ++d)
    for (const auto& row : duration_s)
      if (row[d] >= 0) {
        procs.push_back(static_cast<DeviceId>(d));
        break;
      }
  HeftDag dag;
  const double inf = std::numeric_limits<double>::infinity();
  for (const auto& row : duration_s) {
    std::vector<double> cost;
    for (DeviceId d : procs) cost.push_back(row[d] >= 0 ? row[d] : inf);
    dag.cost_s.push_back(std::move(cost));
  }
  for (std::size_t i = 0; i < in_edges.size(); ++i)
    for (const InEdge& e : in_edges[i]) {
      double sum = 0;
      int pairs = 0;
      for (DeviceId a : procs)
        for (DeviceId b : procs)
          if (a != b) sum += routes.copy_s(a, b, e.bytes), ++pairs;
      dag.edges.push_back(
          {static_cast<int>(e.from), static_cast<int>(i), pairs > 0 ? sum / pairs : 0.0});
    }
  const HeftSchedule s = heft_schedule(dag);
  StaticPlacement out;
  out.makespan_s = s.makespan_s;
  for (const HeftSlot& slot : s.slots) out.device.push_back(procs[slot.processor]);
  return out;
}

}  // namespace aisim
