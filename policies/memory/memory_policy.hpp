// How device memory is handed out. The runtime asks for a block before a tensor's producer runs
// and returns it after its last consumer; the policy decides whether that costs a device
// allocation / free (cudaMalloc / cudaFree) or is served from memory it already holds.
#pragma once

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
  std::string name;  // for out-of-memory reports
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
  double allocated_bytes = 0;  // handed out to live tensors
  double reserved_bytes = 0;   // obtained from the device (allocated + cached)
  double peak_allocated_bytes = 0;
  double peak_reserved_bytes = 0;
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

  // A job starts an iteration (hook for pre-allocation).
  virtual void on_iteration_start(JobId job, int iteration) = 0;

  virtual DeviceMemoryUsage usage(DeviceId device) const = 0;
};

using MemoryRegistry = PolicyRegistry<MemoryPolicy>;

}  // namespace aisim
