// An operator trace: one training iteration as a list of ops in a valid execution order. The
// runtime repeats it for every iteration. docs/trace-format.md is the on-disk form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/precision.hpp"

namespace aisim {

inline constexpr int kTraceFormatVersion = 1;

enum class OpKind {
  kConv,
  kMatmul,
  kAttention,
  kElementwise,
  kNorm,
  kSoftmax,
  kEmbedding,
  kPool,
  kLoss,
  kOptimizer,
  kMemcpy,
  kCollective,
  kCpu
};
enum class Phase { kData, kForward, kBackward, kOptimizer };

std::string_view to_string(OpKind kind);
std::optional<OpKind> op_kind_from_string(std::string_view name);
std::string_view op_kind_names();
std::string_view to_string(Phase phase);
std::optional<Phase> phase_from_string(std::string_view name);
std::string_view phase_names();

using OpId = std::uint32_t;

struct Op {
  OpId id = 0;
  std::string name;
  OpKind kind = OpKind::kElementwise;
  Phase phase = Phase::kForward;
  double flops = 0;                        // for the whole batch
  double bytes_read = 0;                   // from device memory, whole batch
  double bytes_written = 0;                // to device memory, whole batch
  Precision precision = Precision::kFp32;  // the format the op computes in
  std::vector<OpId> deps;  // ops that must finish first; all listed earlier in the trace
};

struct TraceMetadata {
  std::string model;
  int batch_size = 0;
  int samples_per_iteration = 0;
  double input_bytes_per_sample = 0;  // host-to-device copy of the input batch, per sample
  double parameter_bytes = 0;
  std::string precision;  // the training recipe: fp32, tf32, amp or bf16
};

struct Trace {
  TraceMetadata metadata;
  std::vector<Op> ops;

  double total_flops() const;
  double phase_flops(Phase phase) const;
};

}  // namespace aisim
