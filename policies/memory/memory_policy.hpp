// How device memory is handed out. The runtime asks for a block before a tensor's producer runs
// and returns it after its last consumer; the policy decides whether that costs a device
// allocation / free (cudaMalloc / cudaFree) or is served from memory it already holds.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "policies/node_state.hpp"
#include "policies/registry.hpp"

namespace aisim {

using TensorId = std::uint64_t;
using JobId = int;

struct TensorRequest {
  TensorId id = 0;
  double size_bytes = 0;
  std::string name;   // for out-of-memory reports
  JobId job = kNone;  // the job that asks; plans are learnt per job
};

struct AllocResult {
  bool ok = false;             // false: does not fit even after the policy freed what it could
  int device_allocations = 0;  // device allocations (cudaMalloc) this request caused
  int device_frees = 0;        // device frees (cudaFree) it caused, e.g. emptying a cache
};

struct ReleaseResult {
  int device_frees = 0;
};

// Bytes on one device, as the policy sees them.
struct DeviceMemoryUsage {
  double allocated_bytes = 0;  // requested by live tensors (before any rounding)
  double reserved_bytes = 0;   // obtained from the device (allocated + cached + rounding)
  double peak_allocated_bytes = 0;
  double peak_reserved_bytes = 0;
  // The most allocated while reserved was at its peak: peak_reserved - this = fragmentation.
  double allocated_at_peak_reserved_bytes = 0;
  // The largest request that could be served now without a device allocation, or the largest
  // free device range when the policy caches nothing (for out-of-memory reports).
  double largest_free_block_bytes = 0;
};

// Updates the peaks of `u` after its current figures changed.
inline void track_peaks(DeviceMemoryUsage& u) {
  if (u.allocated_bytes > u.peak_allocated_bytes) u.peak_allocated_bytes = u.allocated_bytes;
  // While reserved stays at its peak, keep the most it held allocated: fragmentation is what
  // the peak reservation could never put to use.
  if (u.reserved_bytes > u.peak_reserved_bytes) {
    u.peak_reserved_bytes = u.reserved_bytes;
    u.allocated_at_peak_reserved_bytes = u.allocated_bytes;
  } else if (u.reserved_bytes == u.peak_reserved_bytes) {
    u.allocated_at_peak_reserved_bytes =
        std::max(u.allocated_at_peak_reserved_bytes, u.allocated_bytes);
  }
}

// A host-resident tensor the runtime can copy to the device ahead of its use.
struct Prefetch {
  TensorRequest tensor;
};

class MemoryPolicy {
 public:
  virtual ~MemoryPolicy() = default;

  // Called once before the simulation with each device's capacity (index = DeviceId).
  virtual void configure(const std::vector<double>& capacity_bytes) = 0;

  // Serve a request on `device`. Must not hand out more than the device's capacity in total.
  virtual AllocResult allocate(DeviceId device, const TensorRequest& tensor, double now_s) = 0;

  // The tensor's last use is over. May assume `tensor` was allocated on `device` and is live.
  virtual ReleaseResult release(DeviceId device, TensorId tensor, double now_s) = 0;

  // A job starts an iteration (hook for pre-allocation). Device allocations or frees it makes
  // are returned so that the runtime charges their time to the job (a free synchronizes).
  virtual AllocResult on_iteration_start(JobId job, int iteration) = 0;

  // Which of the host-resident tensors of `job`'s iteration `next_iteration` to copy to the
  // device ahead of use, on the copy engine, while the current iteration runs. The runtime then
  // allocates each on the device (allocate()) when it issues the copy. Default: none, the copy
  // stays synchronous at the start of its iteration.
  virtual std::vector<Prefetch> plan_prefetch(JobId /*job*/, int /*next_iteration*/,
                                              const std::vector<TensorRequest>& /*host_resident*/) {
    return {};
  }

  // Gives every cached, unused device block back to the device (torch.cuda.empty_cache()).
  virtual ReleaseResult empty_cache(DeviceId /*device*/) { return {}; }

  virtual DeviceMemoryUsage usage(DeviceId device) const = 0;
  // usage() without largest_free_block_bytes (left 0), so without a scan of the free lists: for
  // callers that read the figures after every request (the timeline's memory counter).
  virtual DeviceMemoryUsage current_usage(DeviceId device) const { return usage(device); }
};

using MemoryRegistry = PolicyRegistry<MemoryPolicy>;

}  // namespace aisim
