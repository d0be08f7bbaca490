#include "sim/memory_replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "policies/memory/memory_policy.hpp"

namespace aisim {
namespace {

// Live allocations, findable by address or, LIFO, by size.
class Pairing {
 public:
  void add(TensorId id, std::int64_t bytes, std::optional<std::uint64_t> address) {
    if (address) by_address_[*address] = id;
    by_size_[bytes].push_back(id);
    size_of_[id] = bytes;
  }
  // The live allocation a free of `bytes` (positive) at `address` releases, if any.
  std::optional<TensorId> take(std::int64_t bytes, std::optional<std::uint64_t> address) {
    std::optional<TensorId> id;
    if (address) {
      const auto it = by_address_.find(*address);
      if (it != by_address_.end()) {
        id = it->second;
        by_address_.erase(it);
      }
    }
    auto& stack = by_size_[bytes];
    if (!id) {
      // Most recent first; skip entries already taken by address.
      while (!stack.empty() && !size_of_.count(stack.back())) stack.pop_back();
      if (stack.empty()) return std::nullopt;
      id = stack.back();
    }
    size_of_.erase(*id);
    return id;
  }

 private:
  std::unordered_map<std::uint64_t, TensorId> by_address_;
  std::map<std::int64_t, std::vector<TensorId>> by_size_;
  std::unordered_map<TensorId, std::int64_t> size_of_;
};

struct PreWindow {
  std::vector<KinetoMemoryEvent> frees;  // in order: frees of tensors allocated before the window
  double other_bytes = 0;                // allocated before the window and never freed in it
};

PreWindow pre_window(const KinetoMemoryStream& stream) {
  PreWindow pre;
  Pairing pairing;
  TensorId next = 0;
  for (const auto& e : stream.events) {
    if (e.bytes > 0) {
      pairing.add(next++, e.bytes, e.address);
    } else if (!pairing.take(-e.bytes, e.address)) {
      pre.frees.push_back(e);
    }
  }
  if (!stream.events.empty() && stream.events.front().total_allocated_bytes) {
    double before = static_cast<double>(*stream.events.front().total_allocated_bytes -
                                        stream.events.front().bytes);
    for (const auto& f : pre.frees) before -= static_cast<double>(-f.bytes);
    pre.other_bytes = std::max(0.0, before);
  }
  return pre;
}

}  // namespace

RecordedMemoryFigures recorded_memory_figures(const KinetoMemoryStream& stream) {
  RecordedMemoryFigures r;
  for (const auto& e : stream.events) {
    (e.bytes > 0 ? r.allocations : r.frees)++;
    if (e.total_allocated_bytes)
      r.peak_total_allocated_bytes = std::max(r.peak_total_allocated_bytes.value_or(0),
                                              static_cast<double>(*e.total_allocated_bytes));
    if (e.total_reserved_bytes) {
      const auto v = static_cast<double>(*e.total_reserved_bytes);
      r.min_total_reserved_bytes = std::min(r.min_total_reserved_bytes.value_or(v), v);
      r.max_total_reserved_bytes = std::max(r.max_total_reserved_bytes.value_or(v), v);
    }
  }
  const PreWindow pre = pre_window(stream);
  r.frees_of_pre_window_tensors = pre.frees.size();
  r.pre_window_allocated_bytes = pre.other_bytes;
  for (const auto& f : pre.frees) r.pre_window_allocated_bytes += static_cast<double>(-f.bytes);
  return r;
}

ReplayResult replay_memory(const KinetoMemoryStream& stream, const std::string& policy_name,
                           double capacity_bytes, int passes) {
  ReplayResult result;
  result.policy = policy_name;
  result.capacity_bytes = capacity_bytes;
  auto policy = MemoryRegistry::instance().create(policy_name);
  policy->configure({capacity_bytes});
  constexpr DeviceId kDevice = 0;
  constexpr JobId kJob = 0;
  Pairing pairing;
  TensorId next = 0;
  ReplayPass* pass = nullptr;

  const auto observe = [&] {
    const auto u = policy->usage(kDevice);
    pass->peak_allocated_bytes = std::max(pass->peak_allocated_bytes, u.allocated_bytes);
    // Fragmentation: the least unused reservation seen while reserved was at its peak.
    if (u.reserved_bytes > pass->peak_reserved_bytes) {
      pass->peak_reserved_bytes = u.reserved_bytes;
      pass->fragmentation_at_peak_bytes = u.reserved_bytes - u.allocated_bytes;
    } else if (u.reserved_bytes == pass->peak_reserved_bytes) {
      pass->fragmentation_at_peak_bytes =
          std::min(pass->fragmentation_at_peak_bytes, u.reserved_bytes - u.allocated_bytes);
    }
  };
  const auto allocate = [&](std::int64_t bytes, std::optional<std::uint64_t> address,
                            const std::string& what, bool counted) {
    const TensorId id = next++;
    const TensorRequest request{
        .id = id, .size_bytes = static_cast<double>(bytes), .name = what, .job = kJob};
    const AllocResult r = policy->allocate(kDevice, request, 0);
    pass->device_frees += static_cast<std::uint64_t>(r.device_frees);
    if (!r.ok) {
      const auto u = policy->usage(kDevice);
      result.out_of_memory = fmt::format(
          "{}: {} of {} bytes does not fit: reserved {:.0f}, allocated {:.0f}, largest free "
          "block {:.0f}, capacity {:.0f}",
          policy_name, what, bytes, u.reserved_bytes, u.allocated_bytes, u.largest_free_block_bytes,
          capacity_bytes);
      return false;
    }
    pass->device_allocations += static_cast<std::uint64_t>(r.device_allocations);
    if (counted) {
      ++pass->requests;
      pass->bytes += static_cast<double>(bytes);
      if (r.device_allocations == 0) {
        ++pass->reused;
        pass->bytes_reused += static_cast<double>(bytes);
      }
    }
    pairing.add(id, bytes, address);
    observe();
    return true;
  };

  result.passes.resize(static_cast<std::size_t>(std::max(passes, 1)));
  pass = &result.passes[0];
  // Before the window: what was already allocated when the recording started.
  const PreWindow pre = pre_window(stream);
  if (pre.other_bytes > 0 &&
      !allocate(static_cast<std::int64_t>(pre.other_bytes), std::nullopt, "pre-window", false))
    return result;
  for (auto it = pre.frees.rbegin(); it != pre.frees.rend(); ++it)
    if (!allocate(-it->bytes, it->address, "pre-window", false)) return result;

  int iteration = 0;
  for (std::size_t p = 0; p < result.passes.size(); ++p) {
    pass = &result.passes[p];
    std::size_t step = 0;
    for (const auto& e : stream.events) {
      while (step < stream.step_start_us.size() && stream.step_start_us[step] <= e.ts_us) {
        const AllocResult r = policy->on_iteration_start(kJob, iteration++);
        pass->device_allocations += static_cast<std::uint64_t>(r.device_allocations);
        pass->device_frees += static_cast<std::uint64_t>(r.device_frees);
        ++step;
      }
      if (e.bytes > 0) {
        if (!allocate(e.bytes, e.address, "allocation", true)) return result;
      } else if (const auto id = pairing.take(-e.bytes, e.address)) {
        pass->device_frees +=
            static_cast<std::uint64_t>(policy->release(kDevice, *id, 0).device_frees);
      } else {
        ++pass->unmatched_frees;
      }
      observe();
    }
  }
  return result;
}

Json replay_to_json(const KinetoMemoryStream& stream, const RecordedMemoryFigures& recorded,
                    const std::vector<ReplayResult>& results) {
  const auto opt = [](const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); };
  Json j{{"file", stream.file},
         {"device_id", stream.device_id},
         {"steps", stream.step_start_us.size()},
         {"recorded",
          {{"allocations", recorded.allocations},
           {"frees", recorded.frees},
           {"peak_total_allocated_bytes", opt(recorded.peak_total_allocated_bytes)},
           {"min_total_reserved_bytes", opt(recorded.min_total_reserved_bytes)},
           {"max_total_reserved_bytes", opt(recorded.max_total_reserved_bytes)},
           {"pre_window_allocated_bytes", recorded.pre_window_allocated_bytes},
           {"frees_of_pre_window_tensors", recorded.frees_of_pre_window_tensors}}},
         {"policies", Json::array()}};
  for (const auto& r : results) {
    Json passes = Json::array();
    for (const auto& p : r.passes)
      passes.push_back({{"requests", p.requests},
                        {"memory_reuse_pct", p.reuse_pct()},
                        {"memory_reuse_bytes_pct", p.reuse_bytes_pct()},
                        {"device_allocations", p.device_allocations},
                        {"device_frees", p.device_frees},
                        {"peak_allocated_bytes", p.peak_allocated_bytes},
                        {"peak_reserved_bytes", p.peak_reserved_bytes},
                        {"fragmentation_at_peak_bytes", p.fragmentation_at_peak_bytes},
                        {"unmatched_frees", p.unmatched_frees}});
    j["policies"].push_back(
        {{"policy", r.policy},
         {"capacity_bytes", r.capacity_bytes},
         {"out_of_memory", r.out_of_memory ? Json(*r.out_of_memory) : Json(nullptr)},
         {"passes", passes}});
  }
  return j;
}

}  // namespace aisim
