// Training traces derived from model architectures (models/architecture.hpp): forward ops in
// layer order, backward ops in reverse (input-gradient and weight-gradient for convolutions and
// linear layers), then the optimizer step. One iteration; the runtime repeats it.
#pragma once

#include <string>
#include <string_view>

#include "models/architecture.hpp"
#include "workloads/trace.hpp"

namespace aisim {

// Training precision recipes: fp32, tf32 (FP32 storage, TF32 matrix math), amp (FP16 matrix math
// and activations, FP32 master weights), bf16 (as amp with BF16).
bool is_training_precision(std::string_view name);
std::string_view training_precision_names();

// `precision` must satisfy is_training_precision (callers validate first).
Trace generate_training_trace(const Architecture& architecture, int batch_size,
                              std::string_view precision);

}  // namespace aisim
