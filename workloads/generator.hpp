// Training traces derived from model architectures (models/architecture.hpp): forward ops in
// layer order, backward ops in reverse (input-gradient and weight-gradient ops for convolutions
// and linear layers), then the optimizer step, with every tensor and its lifetime: activations
// saved for backward live until the last backward op that reads them.
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

// `precision` must satisfy is_training_precision (callers validate first). For sequence models
// the trace's shapes are symbolic in S, and `sequence_length` (0: the architecture's default) is
// recorded as the trace's own length.
Trace generate_training_trace(const Architecture& architecture, int batch_size,
                              std::string_view precision, int sequence_length = 0);

}  // namespace aisim
