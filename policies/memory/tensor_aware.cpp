// tensor-aware: plans an iteration's memory from the iteration before it.
//
// Learning: per job, every allocation of an iteration is recorded in order with its size and its
// lifetime (the allocation and free events, counted within the iteration). Tensors freed in the
// iteration that made them are plannable; the rest (weights, a prefetched batch that outlives
// its iteration) go to a fallback caching allocator (the `caching` rules).
// Planning: at on_iteration_start, if the last iteration had no plan or missed it, the k-th
// plannable allocation gets an offset in one arena, by greedy-by-size packing under lifetime
// conflicts (two tensors may share bytes only if their lifetimes do not overlap). The arena is
// one device allocation; if it must grow, the old one is freed (a synchronizing device free).
// Serving: the k-th allocation of an iteration takes slot k if it fits the slot's size and the
// slot's bytes are not held by a live tensor (a lifetime that changed); otherwise it falls back.
// Frees are lazy: a planned tensor's release only marks its bytes free, and the arena stays.
// Variable shapes: a replan keeps, per slot, the largest size seen, so after the longest
// sequence has been seen the plan serves every shorter one, at the price of reserving for the
// longest. Until then an iteration with a longer sequence misses and pays the fallback.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>
#include <unordered_map>

#include "policies/memory/caching_allocator.hpp"
#include "policies/memory/memory_policy.hpp"

namespace aisim {
namespace {

constexpr Bytes kAlignment = CachingAllocator::kMinBlockSize;

struct Lifetime {
  Bytes size = 0;
  std::int64_t start = 0;
  std::int64_t end = -1;  // -1: still live when the iteration ended
  bool operator==(const Lifetime&) const = default;
};

struct Slot {
  Bytes offset = 0;
  Bytes size = 0;
  std::int64_t start = 0, end = 0;
};

// Greedy by size: largest first, each at the lowest offset where it overlaps no placed tensor
// whose lifetime overlaps its own. Returns the arena size.
Bytes pack(std::vector<Slot>& slots) {
  std::vector<std::size_t> order(slots.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return slots[a].size > slots[b].size; });
  std::vector<std::size_t> placed;
  Bytes arena = 0;
  std::vector<std::pair<Bytes, Bytes>> busy;  // [offset, end) of conflicting placed slots
  for (std::size_t i : order) {
    Slot& s = slots[i];
    busy.clear();
    for (std::size_t j : placed) {
      const Slot& p = slots[j];
      if (p.start < s.end && s.start < p.end) busy.emplace_back(p.offset, p.offset + p.size);
    }
    std::sort(busy.begin(), busy.end());
    Bytes offset = 0;
    for (const auto& [lo, hi] : busy) {
      if (offset + s.size <= lo) break;
      offset = std::max(offset, hi);
    }
    s.offset = offset;
    arena = std::max(arena, offset + s.size);
    placed.push_back(i);
  }
  return arena;
}

class TensorAwarePolicy final : public MemoryPolicy {
 public:
  void configure(const std::vector<double>& capacity_bytes) override {
    devices_.clear();
    for (double c : capacity_bytes) devices_.push_back(std::make_unique<Device>(c));
    jobs_.clear();
  }

  AllocResult allocate(DeviceId device, const TensorRequest& tensor, double) override {
    Device& d = *devices_.at(device);
    Job& job = jobs_[tensor.job];
    job.device = device;
    // At least one byte, so that every live planned tensor owns a distinct range.
    const Bytes bytes = std::max<Bytes>(1, static_cast<Bytes>(std::ceil(tensor.size_bytes)));
    const std::size_t k = job.record.size();
    job.record.push_back({bytes, job.clock++, -1});
    job.record_index[tensor.id] = k;

    AllocResult result{.ok = true};
    Live live{.arena = false, .address = 0, .size_bytes = tensor.size_bytes, .job = tensor.job};
    const bool planned =
        job.arena_bytes > 0 && job.plannable_index.size() > k && job.plannable_index[k] >= 0;
    const Slot* slot =
        planned ? &job.slots[static_cast<std::size_t>(job.plannable_index[k])] : nullptr;
    if (slot && bytes <= slot->size &&
        d.arena_range_free(job.arena_address + slot->offset, bytes)) {
      live.arena = true;
      live.address = job.arena_address + slot->offset;
      d.arena_live[live.address] = live.address + round_up(bytes, kAlignment);
    } else {
      if (job.arena_bytes > 0) job.missed = true;
      const auto r = d.fallback.allocate(bytes);
      result.device_frees = r.device_frees;
      if (!r.ok) {
        d.update();
        job.record.pop_back();
        job.record_index.erase(tensor.id);
        --job.clock;
        return {.ok = false, .device_allocations = 0, .device_frees = r.device_frees};
      }
      result.device_allocations = r.device_allocations;
      live.address = r.address;
    }
    d.live[tensor.id] = live;
    d.usage.allocated_bytes += tensor.size_bytes;
    d.update();
    return result;
  }

  ReleaseResult release(DeviceId device, TensorId tensor, double) override {
    Device& d = *devices_.at(device);
    const auto it = d.live.find(tensor);
    if (it == d.live.end())
      throw std::logic_error(std::string("tensor-aware: release of a tensor not live: ") +
                             std::to_string(tensor));
    const Live live = it->second;
    if (live.arena) {
      d.arena_live.erase(live.address);  // lazy: the arena keeps the bytes
    } else {
      d.fallback.free(live.address);
    }
    d.usage.allocated_bytes -= live.size_bytes;
    d.live.erase(it);
    Job& job = jobs_[live.job];
    const auto rec = job.record_index.find(tensor);
    if (rec != job.record_index.end()) {
      job.record[rec->second].end = job.clock++;
      job.record_index.erase(rec);
    }
    d.update();
    return {};
  }

  AllocResult on_iteration_start(JobId job_id, int iteration) override {
    Job& job = jobs_[job_id];
    AllocResult result{.ok = true};
    // Iteration 0's record holds only what came before the loop (persistent tensors).
    if (iteration > 0 && job.device != kNone && (job.arena_bytes == 0 || job.missed))
      replan(job, result);
    job.record.clear();
    job.record_index.clear();
    job.clock = 0;
    job.missed = false;
    return result;
  }

  // Input batches live on the host until copied: copy the next one while this step runs.
  std::vector<Prefetch> plan_prefetch(JobId, int,
                                      const std::vector<TensorRequest>& host_resident) override {
    std::vector<Prefetch> out;
    for (const auto& t : host_resident) out.push_back({t});
    return out;
  }

  ReleaseResult empty_cache(DeviceId device) override {
    Device& d = *devices_.at(device);
    ReleaseResult r{.device_frees = d.fallback.release_cached_segments()};
    // An arena with nothing live in it is cache too.
    for (auto& [id, job] : jobs_) {
      if (job.device != device || job.arena_bytes == 0 || !d.arena_idle(job)) continue;
      d.space.free(job.arena_address);
      d.arena_reserved -= job.arena_bytes;
      job.arena_bytes = 0;
      ++r.device_frees;
    }
    d.update();
    return r;
  }

  DeviceMemoryUsage usage(DeviceId device) const override {
    const Device& d = *devices_.at(device);
    auto u = d.usage;
    u.largest_free_block_bytes = static_cast<double>(
        std::max(d.fallback.largest_free_block_bytes(), d.space.largest_free_range_bytes()));
    return u;
  }
  DeviceMemoryUsage current_usage(DeviceId device) const override {
    return devices_.at(device)->usage;
  }

 private:
  struct Live {
    bool arena = false;
    Bytes address = 0;
    double size_bytes = 0;
    JobId job = kNone;
  };
  struct Job {
    DeviceId device = kNone;
    std::vector<Lifetime> record;  // this iteration's allocations, in order
    std::unordered_map<TensorId, std::size_t> record_index;
    std::int64_t clock = 0;            // allocation and free events in this iteration
    bool missed = false;               // a request of this iteration was not served by the plan
    std::vector<int> plannable_index;  // allocation k -> slot, or -1 if not planned
    std::vector<Slot> slots;
    Bytes arena_address = 0, arena_bytes = 0;
    // The record the current plan was last built from. Replanning from the same record again
    // gives the same plan (the merge keeps it, packing is deterministic, the arena already fits),
    // so it is skipped: a step that repeats its allocations exactly costs no packing.
    std::vector<Lifetime> planned_from;
  };
  struct Device {
    explicit Device(double capacity) : space(static_cast<Bytes>(capacity)), fallback(space) {}
    DeviceAddressSpace space;
    CachingAllocator fallback;
    std::unordered_map<TensorId, Live> live;
    std::map<Bytes, Bytes> arena_live;  // live planned tensors: [address, end)
    Bytes arena_reserved = 0;
    DeviceMemoryUsage usage;

    bool arena_range_free(Bytes lo, Bytes size) const {
      const Bytes hi = lo + size;
      auto it = arena_live.upper_bound(lo);
      if (it != arena_live.end() && it->first < hi) return false;
      if (it != arena_live.begin() && std::prev(it)->second > lo) return false;
      return true;
    }
    bool arena_idle(const Job& job) const {
      auto it = arena_live.lower_bound(job.arena_address);
      return it == arena_live.end() || it->first >= job.arena_address + job.arena_bytes;
    }
    void update() {
      usage.reserved_bytes = static_cast<double>(fallback.reserved_bytes() + arena_reserved);
      track_peaks(usage);
    }
  };

  // Builds the next plan from the iteration that just ended (merged with the current plan when
  // the sequence has the same structure) and makes sure the arena can hold it.
  void replan(Job& job, AllocResult& result) {
    Device& d = *devices_.at(job.device);
    if (job.arena_bytes > 0 && job.record == job.planned_from) return;
    std::vector<int> index(job.record.size(), -1);
    std::vector<Slot> slots;
    for (std::size_t k = 0; k < job.record.size(); ++k) {
      const Lifetime& l = job.record[k];
      if (l.end < 0) continue;
      index[k] = static_cast<int>(slots.size());
      slots.push_back({0, round_up(l.size, kAlignment), l.start, l.end});
    }
    if (slots.empty()) return;
    // Same structure as the current plan: keep the larger size and the union of lifetimes, so
    // a plan that served a longer sequence still serves it.
    if (index == job.plannable_index && slots.size() == job.slots.size()) {
      bool unchanged = job.arena_bytes > 0;
      for (std::size_t i = 0; i < slots.size(); ++i) {
        slots[i].size = std::max(slots[i].size, job.slots[i].size);
        slots[i].start = std::min(slots[i].start, job.slots[i].start);
        slots[i].end = std::max(slots[i].end, job.slots[i].end);
        unchanged = unchanged && slots[i].size == job.slots[i].size &&
                    slots[i].start == job.slots[i].start && slots[i].end == job.slots[i].end;
      }
      // The merge gave the slots the current plan was packed from: packing them again gives the
      // same offsets and an arena that already fits. Skipped, the plan stays (variable lengths
      // reach this once the longest sequence has been seen; docs/performance.md).
      if (unchanged) {
        job.planned_from = job.record;
        d.update();
        return;
      }
    }
    const Bytes needed = round_up(pack(slots), CachingAllocator::kRoundLarge);
    if (needed > job.arena_bytes) {
      if (job.arena_bytes > 0) {
        if (!d.arena_idle(job)) return;  // a planned tensor outlived its iteration: keep plan
        d.space.free(job.arena_address);
        d.arena_reserved -= job.arena_bytes;
        job.arena_bytes = 0;
        ++result.device_frees;
      }
      auto address = d.space.allocate(needed);
      if (!address) {
        // Make room the way the caching allocator would: free its unsplit cached segments.
        result.device_frees += d.fallback.release_cached_segments();
        address = d.space.allocate(needed);
      }
      if (!address) {  // no plan this iteration; everything falls back
        job.plannable_index.clear();
        job.slots.clear();
        job.planned_from.clear();
        d.update();
        return;
      }
      ++result.device_allocations;
      job.arena_address = *address;
      job.arena_bytes = needed;
      d.arena_reserved += needed;
    }
    job.plannable_index = std::move(index);
    job.slots = std::move(slots);
    job.planned_from = job.record;
    d.update();
  }

  std::vector<std::unique_ptr<Device>> devices_;
  std::map<JobId, Job> jobs_;
};

const PolicyRegistration<MemoryPolicy> kTensorAwareRegistration(
    "tensor-aware",
    "learns an iteration's allocations and lifetimes, serves the next ones from one pre-allocated "
    "arena packed by lifetime, frees lazily, prefetches input batches on the copy engine",
    [] { return std::make_unique<TensorAwarePolicy>(); });

}  // namespace
}  // namespace aisim
