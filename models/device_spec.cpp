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
  return 0;
}

}  // namespace aisim
