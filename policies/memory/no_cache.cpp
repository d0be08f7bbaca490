// no-cache: every allocation is a device allocation and every release a device free, so nothing
// is ever reused. The baseline below which no allocator can go.
#include <algorithm>
#include <map>

#include "policies/memory/memory_policy.hpp"

namespace aisim {
namespace {

class NoCacheAllocator final : public MemoryPolicy {
 public:
  void configure(const std::vector<double>& capacity_bytes) override {
    capacity_ = capacity_bytes;
    usage_.assign(capacity_bytes.size(), {});
    live_.assign(capacity_bytes.size(), {});
  }

  AllocResult allocate(DeviceId device, const TensorRequest& tensor, double) override {
    auto& usage = usage_.at(device);
    if (usage.reserved_bytes + tensor.size_bytes > capacity_.at(device)) return {};
    live_[device][tensor.id] = tensor.size_bytes;
    usage.allocated_bytes += tensor.size_bytes;
    usage.reserved_bytes += tensor.size_bytes;
    usage.peak_allocated_bytes = std::max(usage.peak_allocated_bytes, usage.allocated_bytes);
    if (usage.reserved_bytes > usage.peak_reserved_bytes) {
      usage.peak_reserved_bytes = usage.reserved_bytes;
      usage.allocated_at_peak_reserved_bytes = usage.allocated_bytes;
    }
    return {.ok = true, .device_allocations = 1, .device_frees = 0};
  }

  ReleaseResult release(DeviceId device, TensorId tensor, double) override {
    auto& live = live_.at(device);
    const auto it = live.find(tensor);
    usage_[device].allocated_bytes -= it->second;
    usage_[device].reserved_bytes -= it->second;
    live.erase(it);
    return {.device_frees = 1};
  }

  AllocResult on_iteration_start(JobId, int) override { return {.ok = true}; }

  DeviceMemoryUsage usage(DeviceId device) const override {
    auto u = usage_.at(device);
    u.largest_free_block_bytes = capacity_.at(device) - u.reserved_bytes;  // no addresses here
    return u;
  }

 private:
  std::vector<double> capacity_;
  std::vector<DeviceMemoryUsage> usage_;
  std::vector<std::map<TensorId, double>> live_;
};

const PolicyRegistration<MemoryPolicy> kNoCacheRegistration(
    "no-cache", "every allocation is a device allocation, every release a device free",
    [] { return std::make_unique<NoCacheAllocator>(); });

}  // namespace
}  // namespace aisim
