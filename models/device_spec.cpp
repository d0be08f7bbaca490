#include "models/device_spec.hpp"

namespace aisim {

std::string_view to_string(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::kCpu:
      return "cpu";
    case DeviceKind::kGpu:
      return "gpu";
    case DeviceKind::kTpu:
      return "tpu";
    case DeviceKind::kNpu:
      return "npu";
  }
  return "?";
}

std::optional<DeviceKind> device_kind_from_string(std::string_view name) {
  if (name == "cpu") return DeviceKind::kCpu;
  if (name == "gpu") return DeviceKind::kGpu;
  if (name == "tpu") return DeviceKind::kTpu;
  if (name == "npu") return DeviceKind::kNpu;
  return std::nullopt;
}

double DeviceSpec::peak_flops_for(Precision precision) const {
  if (auto it = peak_flops.find(precision); it != peak_flops.end()) return it->second;
  if (auto it = peak_flops.find(Precision::kFp32); it != peak_flops.end()) return it->second;
  // A device that lists only a reduced-precision matrix rate (TPU v3: 123 TFLOPS bf16) still
  // runs a generated trace's fp32 vector work (norms, activations, optimizer); the lowest listed
  // figure bounds it. Without this, such kernels got an infinite duration and the run never ended.
  double lowest = 0;
  for (const auto& [p, flops] : peak_flops)
    if (lowest == 0 || flops < lowest) lowest = flops;
  return lowest;
}

double DeviceSpec::compute_efficiency_for(Precision precision) const {
  const auto it = compute_efficiency_by_precision.find(precision);
  return it != compute_efficiency_by_precision.end() ? it->second : compute_efficiency;
}

}  // namespace aisim
