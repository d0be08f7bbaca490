// caching: PyTorch's CUDA caching allocator (policies/memory/caching_allocator.hpp has the rules
// and what is simplified). Freed blocks stay cached for reuse; memory goes back to the device
// only when a device allocation fails, or on empty_cache().
#include <cmath>
#include <memory>
#include <stdexcept>
#include <unordered_map>

#include "policies/memory/caching_allocator.hpp"
#include "policies/memory/memory_policy.hpp"

namespace aisim {
namespace {

class CachingPolicy final : public MemoryPolicy {
 public:
  void configure(const std::vector<double>& capacity_bytes) override {
    devices_.clear();
    for (double c : capacity_bytes) devices_.push_back(std::make_unique<Device>(c));
  }

  AllocResult allocate(DeviceId device, const TensorRequest& tensor, double) override {
    Device& d = *devices_.at(device);
    const auto r = d.allocator.allocate(static_cast<Bytes>(std::ceil(tensor.size_bytes)));
    if (!r.ok) {
      d.update();
      return {.ok = false, .device_allocations = 0, .device_frees = r.device_frees};
    }
    d.live[tensor.id] = {r.address, tensor.size_bytes};
    d.usage.allocated_bytes += tensor.size_bytes;
    d.update();
    return {.ok = true, .device_allocations = r.device_allocations, .device_frees = r.device_frees};
  }

  ReleaseResult release(DeviceId device, TensorId tensor, double) override {
    Device& d = *devices_.at(device);
    const auto it = d.live.find(tensor);
    if (it == d.live.end())
      throw std::logic_error(std::string("caching: release of a tensor not live: ") +
                             std::to_string(tensor));
    d.allocator.free(it->second.address);
    d.usage.allocated_bytes -= it->second.size_bytes;
    d.live.erase(it);
    d.update();
    return {};
  }

  AllocResult on_iteration_start(JobId, int) override { return {.ok = true}; }

  ReleaseResult empty_cache(DeviceId device) override {
    Device& d = *devices_.at(device);
    const int frees = d.allocator.release_cached_segments();
    d.update();
    return {.device_frees = frees};
  }

  DeviceMemoryUsage usage(DeviceId device) const override {
    const Device& d = *devices_.at(device);
    auto u = d.usage;
    u.largest_free_block_bytes = static_cast<double>(
        std::max(d.allocator.largest_free_block_bytes(), d.space.largest_free_range_bytes()));
    return u;
  }
  DeviceMemoryUsage current_usage(DeviceId device) const override {
    return devices_.at(device)->usage;
  }

 private:
  struct Live {
    Bytes address;
    double size_bytes;
  };
  struct Device {
    explicit Device(double capacity) : space(static_cast<Bytes>(capacity)), allocator(space) {}
    DeviceAddressSpace space;
    CachingAllocator allocator;
    std::unordered_map<TensorId, Live> live;
    DeviceMemoryUsage usage;
    void update() {
      usage.reserved_bytes = static_cast<double>(allocator.reserved_bytes());
      track_peaks(usage);
    }
  };
  std::vector<std::unique_ptr<Device>> devices_;
};

const PolicyRegistration<MemoryPolicy> kCachingRegistration(
    "caching",
    "PyTorch CUDA caching allocator: 512 B rounding, 2 MiB small / 20 MiB large segments, best "
    "fit, split and coalesce, frees cached segments and retries when the device is full",
    [] { return std::make_unique<CachingPolicy>(); });

}  // namespace
}  // namespace aisim
