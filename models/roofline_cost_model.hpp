// Roofline kernel duration: time = kernel_overhead + max(flops / achievable FLOP/s,
//                                                         bytes / achievable bandwidth)
// with achievable = peak x efficiency (DESIGN.md section 2); the compute efficiency may differ per
// precision (DeviceSpec::compute_efficiency_for).
#pragma once

#include "models/device_spec.hpp"
#include "models/precision.hpp"

namespace aisim {

// The work of one kernel, as a cost model sees it.
struct KernelWork {
  double flops = 0;
  double bytes = 0;  // read + written from device memory
  Precision precision = Precision::kFp32;
};

class RooflineCostModel {
 public:
  explicit RooflineCostModel(const DeviceSpec& device) : device_(device) {}

  // Seconds the device is busy with this kernel. Requires a positive peak for the precision
  // (config validation guarantees it for the precisions a job uses).
  double kernel_duration_s(const KernelWork& work) const;
  double compute_time_s(const KernelWork& work) const;
  double memory_time_s(const KernelWork& work) const;

 private:
  const DeviceSpec& device_;
};

}  // namespace aisim
