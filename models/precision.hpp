// Numeric formats a device computes in. `tf32` is FP32 storage with TensorFloat-32 matrix math;
// `amp` (automatic mixed precision) is a training recipe, resolved per op into fp16 or fp32.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aisim {

enum class Precision { kFp32, kTf32, kFp16, kBf16 };

std::string_view to_string(Precision precision);
std::optional<Precision> precision_from_string(std::string_view name);
// Bytes per element of tensors stored in this format (tf32 is stored as fp32).
int element_bytes(Precision precision);
// Every precision name, for error messages.
std::string_view precision_names();

}  // namespace aisim
