#include "models/roofline_cost_model.hpp"

#include <algorithm>

namespace aisim {

double RooflineCostModel::compute_time_s(const KernelWork& work) const {
  if (work.flops <= 0) return 0;
  return work.flops /
         (device_.peak_flops_for(work.precision) * device_.compute_efficiency_for(work.precision));
}

double RooflineCostModel::memory_time_s(const KernelWork& work) const {
  if (work.bytes <= 0) return 0;
  return work.bytes / (device_.memory_bandwidth_bytes_per_s * device_.memory_efficiency);
}

double RooflineCostModel::kernel_duration_s(const KernelWork& work) const {
  return device_.kernel_overhead_s + std::max(compute_time_s(work), memory_time_s(work));
}

}  // namespace aisim
