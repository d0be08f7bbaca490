#include "workloads/generator.hpp"

#include <stdexcept>

namespace aisim {
namespace {

struct Recipe {
  Precision matmul;      // conv and linear layers compute in this format
  int activation_bytes;  // bytes per stored activation element
  int weight_bytes;      // bytes per weight element as the kernels read it
};

Recipe recipe_for(std::string_view precision) {
  if (precision == "fp32") return {Precision::kFp32, 4, 4};
  if (precision == "tf32") return {Precision::kTf32, 4, 4};
  if (precision == "amp") return {Precision::kFp16, 2, 2};
  if (precision == "bf16") return {Precision::kBf16, 2, 2};
  throw std::invalid_argument("unknown training precision: " + std::string(precision));
}

OpKind op_kind_for(LayerKind kind) {
  switch (kind) {
    case LayerKind::kConv:
      return OpKind::kConv;
    case LayerKind::kLinear:
      return OpKind::kMatmul;
    case LayerKind::kBatchNorm:
      return OpKind::kNorm;
    case LayerKind::kRelu:
    case LayerKind::kAdd:
      return OpKind::kElementwise;
    case LayerKind::kMaxPool:
    case LayerKind::kAvgPool:
      return OpKind::kPool;
    case LayerKind::kLoss:
      return OpKind::kLoss;
  }
  return OpKind::kElementwise;
}

class TraceBuilder {
 public:
  explicit TraceBuilder(Trace& trace) : trace_(trace) {}

  // Appends an op that depends on the previous one: the generated trace is a chain, as the
  // single-stream execution of eager PyTorch is.
  void add(std::string name, OpKind kind, Phase phase, double flops, double bytes_read,
           double bytes_written, Precision precision) {
    Op op;
    op.id = static_cast<OpId>(trace_.ops.size());
    op.name = std::move(name);
    op.kind = kind;
    op.phase = phase;
    op.flops = flops;
    op.bytes_read = bytes_read;
    op.bytes_written = bytes_written;
    op.precision = precision;
    if (op.id > 0) op.deps.push_back(op.id - 1);
    trace_.ops.push_back(std::move(op));
  }

 private:
  Trace& trace_;
};

}  // namespace

bool is_training_precision(std::string_view name) {
  return name == "fp32" || name == "tf32" || name == "amp" || name == "bf16";
}

std::string_view training_precision_names() {
  return "fp32, tf32, amp, bf16";
}

Trace generate_training_trace(const Architecture& arch, int batch_size,
                              std::string_view precision) {
  const Recipe recipe = recipe_for(precision);
  const double batch = batch_size;
  const double act = recipe.activation_bytes;
  Trace trace;
  trace.metadata.model = arch.name;
  trace.metadata.batch_size = batch_size;
  trace.metadata.samples_per_iteration = batch_size;
  trace.metadata.input_bytes_per_sample = arch.input_elements_per_sample * arch.input_element_bytes;
  trace.metadata.parameter_bytes = 4.0 * static_cast<double>(arch.parameter_count());
  trace.metadata.precision = std::string(precision);
  TraceBuilder b(trace);

  for (const auto& layer : arch.layers) {
    const bool matmul = layer.kind == LayerKind::kConv || layer.kind == LayerKind::kLinear;
    const double flops = matmul ? 2 * layer.forward_macs * batch : layer.forward_flops * batch;
    const double weights = static_cast<double>(layer.params) * recipe.weight_bytes;
    b.add(layer.name + ".fwd", op_kind_for(layer.kind), Phase::kForward, flops,
          layer.input_elements * batch * act + weights, layer.output_elements * batch * act,
          matmul ? recipe.matmul : Precision::kFp32);
  }

  for (auto it = arch.layers.rbegin(); it != arch.layers.rend(); ++it) {
    const Layer& layer = *it;
    const double in = layer.input_elements * batch * act;
    const double out = layer.output_elements * batch * act;
    const double weights = static_cast<double>(layer.params) * recipe.weight_bytes;
    const double weight_grads = 4.0 * static_cast<double>(layer.params);  // fp32 gradients
    switch (layer.kind) {
      case LayerKind::kConv:
      case LayerKind::kLinear: {
        const double flops = 2 * layer.forward_macs * batch;
        const OpKind kind = op_kind_for(layer.kind);
        if (layer.needs_input_grad)
          b.add(layer.name + ".bwd_input", kind, Phase::kBackward, flops, out + weights, in,
                recipe.matmul);
        b.add(layer.name + ".bwd_weight", kind, Phase::kBackward, flops, out + in, weight_grads,
              recipe.matmul);
        break;
      }
      case LayerKind::kBatchNorm:
        // Reads the output gradient and the saved input, writes the input gradient and the
        // (tiny) parameter gradients.
        b.add(layer.name + ".bwd", OpKind::kNorm, Phase::kBackward, 2 * layer.forward_flops * batch,
              out + in, in + weight_grads, Precision::kFp32);
        break;
      case LayerKind::kRelu:
        b.add(layer.name + ".bwd", OpKind::kElementwise, Phase::kBackward,
              layer.output_elements * batch, 2 * out, in, Precision::kFp32);
        break;
      case LayerKind::kAdd:
        // The block input receives gradients from the branch and the shortcut: one accumulation.
        b.add(layer.name + ".bwd", OpKind::kElementwise, Phase::kBackward,
              layer.output_elements * batch, 2 * out, out, Precision::kFp32);
        break;
      case LayerKind::kMaxPool:
      case LayerKind::kAvgPool:
        b.add(layer.name + ".bwd", OpKind::kPool, Phase::kBackward, layer.input_elements * batch,
              layer.kind == LayerKind::kMaxPool ? 2 * out : out, in, Precision::kFp32);
        break;
      case LayerKind::kLoss:
        b.add(layer.name + ".bwd", OpKind::kLoss, Phase::kBackward, layer.forward_flops * batch,
              layer.input_elements * batch * act, layer.input_elements * batch * act,
              Precision::kFp32);
        break;
    }
  }

  // SGD with momentum over every parameter (one fused multi-tensor kernel): reads weight,
  // gradient and momentum buffer, writes weight and momentum buffer, all fp32.
  const double params = static_cast<double>(arch.parameter_count());
  b.add("optimizer.sgd_momentum", OpKind::kOptimizer, Phase::kOptimizer, 4 * params, 12 * params,
        8 * params, Precision::kFp32);
  return trace;
}

}  // namespace aisim
