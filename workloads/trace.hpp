// An operator trace: one training iteration as a list of ops in a valid execution order. The
// runtime repeats it for every iteration. docs/trace-format.md is the on-disk form.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/precision.hpp"
#include "models/seq_poly.hpp"

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
using TensorId = std::uint64_t;  // same type as policies/memory's TensorId

enum class TensorRole { kInput, kActivation, kWeight, kGradient, kOptimizerState, kWorkspace };
std::string_view to_string(TensorRole role);
std::optional<TensorRole> tensor_role_from_string(std::string_view name);
std::string_view tensor_role_names();

struct Tensor {
  TensorId id = 0;
  std::string name;
  TensorRole role = TensorRole::kActivation;
  Precision dtype = Precision::kFp32;
  std::vector<std::int64_t> shape;  // may contain kSeqDim; empty when only the size is known
  SeqPoly bytes;                    // size in bytes as a function of the sequence length
  // Weights and optimizer state exist before the first op and live across iterations; every
  // other tensor lives from its producer (or the iteration start) to its last consumer.
  bool persistent() const {
    return role == TensorRole::kWeight || role == TensorRole::kOptimizerState;
  }
};

struct Op {
  OpId id = 0;
  std::string name;
  OpKind kind = OpKind::kElementwise;
  Phase phase = Phase::kForward;
  SeqPoly flops;                           // for the whole batch
  SeqPoly bytes_read;                      // from device memory, whole batch
  SeqPoly bytes_written;                   // to device memory, whole batch
  Precision precision = Precision::kFp32;  // the format the op computes in
  std::vector<OpId> deps;                  // ops that must finish first
  // Bytes that cross from a dependency to this op when the two run on different devices (edge
  // costs of scheduling DAGs, e.g. for HEFT); keyed by the dependency's id.
  std::map<OpId, double> transfer_bytes;
  std::vector<TensorId> inputs;   // tensors it reads
  std::vector<TensorId> outputs;  // tensors it produces

  // Measured timings, from imported traces (all optional; docs/trace-format.md).
  // Device time per device kind ("gpu", "npu", ...): overrides the cost model on that kind.
  std::map<std::string, double> duration_us;
  // Host CPU time before this op's launch (the gap since the previous launch, waits excluded):
  // replaces framework_overhead + launch_latency so that host-bound gaps replay.
  std::optional<double> host_us;
  // The launching call returned only when the device had drained (a synchronous copy or a
  // synchronize call right after the launch): the host blocks until then.
  bool host_sync = false;
};

struct TraceMetadata {
  std::string model;
  int batch_size = 0;
  int samples_per_iteration = 0;
  double input_bytes_per_sample = 0;  // host-to-device copy of the input batch, per sample
  double parameter_bytes = 0;
  std::string precision;  // the training recipe: fp32, tf32, amp or bf16
  // Sequence length of the trace's symbolic dimension; 0 when shapes are fixed. A job may
  // sample a length per iteration instead (dynamic padding).
  int sequence_length = 0;
  // Profiler steps one iteration spans: an imported profiling window may hold several steps
  // replayed back to back (step time = iteration time / steps_per_iteration).
  int steps_per_iteration = 1;
  std::int64_t samples_per_epoch = 0;  // the dataset's size, when the trace records it; 0 = unknown
};

struct Trace {
  TraceMetadata metadata;
  std::vector<Op> ops;          // listed in a valid execution order
  std::vector<Tensor> tensors;  // every tensor an op names; ids unique

  // At the trace's own sequence length unless one is given.
  double total_flops() const { return total_flops(metadata.sequence_length); }
  double total_flops(double seq) const;
  double phase_flops(Phase phase) const { return phase_flops(phase, metadata.sequence_length); }
  double phase_flops(Phase phase, double seq) const;
  bool symbolic() const;  // some size depends on the sequence length
};

// Bytes of a tensor of `shape` (kSeqDim allowed, at most twice) with `element_bytes` per element.
inline SeqPoly shape_bytes(const std::vector<std::int64_t>& shape, int element_bytes) {
  return shape_elements(shape) * element_bytes;
}

}  // namespace aisim
