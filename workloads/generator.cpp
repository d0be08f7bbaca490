#include "workloads/generator.hpp"

#include <stdexcept>

namespace aisim {
namespace {

struct Recipe {
  Precision matmul;       // conv, linear and attention matmuls compute in this format
  Precision activation;   // stored activations and their gradients
  int weight_read_bytes;  // bytes per weight element as the kernels read it
};

Recipe recipe_for(std::string_view precision) {
  if (precision == "fp32") return {Precision::kFp32, Precision::kFp32, 4};
  if (precision == "tf32") return {Precision::kTf32, Precision::kFp32, 4};
  if (precision == "amp") return {Precision::kFp16, Precision::kFp16, 2};
  if (precision == "bf16") return {Precision::kBf16, Precision::kBf16, 2};
  throw std::invalid_argument("unknown training precision: " + std::string(precision));
}

OpKind op_kind_for(LayerKind kind) {
  switch (kind) {
    case LayerKind::kConv:
      return OpKind::kConv;
    case LayerKind::kLinear:
      return OpKind::kMatmul;
    case LayerKind::kMatmul:
      return OpKind::kAttention;
    case LayerKind::kBatchNorm:
    case LayerKind::kLayerNorm:
      return OpKind::kNorm;
    case LayerKind::kEmbedding:
      return OpKind::kEmbedding;
    case LayerKind::kSoftmax:
      return OpKind::kSoftmax;
    case LayerKind::kRelu:
    case LayerKind::kGelu:
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

bool is_matmul(LayerKind kind) {
  return kind == LayerKind::kConv || kind == LayerKind::kLinear || kind == LayerKind::kMatmul;
}

std::vector<std::int64_t> batched(int batch, const std::vector<std::int64_t>& per_sample) {
  std::vector<std::int64_t> shape{batch};
  shape.insert(shape.end(), per_sample.begin(), per_sample.end());
  return shape;
}

class TraceBuilder {
 public:
  explicit TraceBuilder(Trace& trace) : trace_(trace) {}

  TensorId tensor(std::string name, TensorRole role, Precision dtype,
                  std::vector<std::int64_t> shape, int element_bytes) {
    Tensor t;
    t.id = trace_.tensors.size();
    t.name = std::move(name);
    t.role = role;
    t.dtype = dtype;
    t.bytes = shape_bytes(shape, element_bytes);
    t.shape = std::move(shape);
    trace_.tensors.push_back(std::move(t));
    return trace_.tensors.back().id;
  }
  const Tensor& at(TensorId id) const { return trace_.tensors[id]; }
  SeqPoly bytes_of(const std::vector<TensorId>& ids) const {
    SeqPoly total;
    for (auto id : ids) total += at(id).bytes;
    return total;
  }

  // Appends an op that depends on the previous one: a generated trace is a chain, as the single
  // stream of eager PyTorch executes it.
  void op(std::string name, OpKind kind, Phase phase, SeqPoly flops, SeqPoly bytes_read,
          SeqPoly bytes_written, Precision precision, std::vector<TensorId> inputs,
          std::vector<TensorId> outputs) {
    Op o;
    o.id = static_cast<OpId>(trace_.ops.size());
    o.name = std::move(name);
    o.kind = kind;
    o.phase = phase;
    o.flops = flops;
    o.bytes_read = bytes_read;
    o.bytes_written = bytes_written;
    o.precision = precision;
    if (o.id > 0) o.deps.push_back(o.id - 1);
    o.inputs = std::move(inputs);
    o.outputs = std::move(outputs);
    trace_.ops.push_back(std::move(o));
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

Trace generate_training_trace(const Architecture& arch, int batch_size, std::string_view precision,
                              int sequence_length) {
  const Recipe recipe = recipe_for(precision);
  const int act_bytes = element_bytes(recipe.activation);
  const double batch = batch_size;
  const auto n = arch.layers.size();

  Trace trace;
  auto& meta = trace.metadata;
  meta.model = arch.name;
  meta.batch_size = batch_size;
  meta.samples_per_iteration = batch_size;
  meta.parameter_bytes = 4.0 * static_cast<double>(arch.parameter_count());
  meta.precision = std::string(precision);
  meta.sequence_length =
      arch.max_sequence_length > 0
          ? (sequence_length > 0 ? sequence_length : arch.default_sequence_length)
          : 0;
  // The input batch's size at the trace's own length (the copy is per iteration, per sample).
  meta.input_bytes_per_sample =
      shape_elements(arch.input_shape).at(meta.sequence_length) * arch.input_element_bytes;
  TraceBuilder b(trace);

  const TensorId input = b.tensor("input_batch", TensorRole::kInput, Precision::kFp32,
                                  batched(batch_size, arch.input_shape), arch.input_element_bytes);
  // Weights and their optimizer state: persistent.
  std::vector<TensorId> weight(n, 0), weight_grad(n, 0);
  std::vector<bool> has_weight(n, false);
  std::vector<TensorId> persistent_state;
  const int states = arch.optimizer == OptimizerKind::kAdamW ? 2 : 1;
  for (size_t i = 0; i < n; ++i) {
    const Layer& layer = arch.layers[i];
    if (layer.params == 0) continue;
    has_weight[i] = true;
    weight[i] =
        b.tensor(layer.name + ".weight", TensorRole::kWeight, Precision::kFp32, {layer.params}, 4);
    for (int k = 0; k < states; ++k)
      persistent_state.push_back(b.tensor(layer.name + (k == 0 ? ".exp_avg" : ".exp_avg_sq"),
                                          TensorRole::kOptimizerState, Precision::kFp32,
                                          {layer.params}, 4));
  }
  const auto weight_of = [&](size_t i) -> std::vector<TensorId> {
    const Layer& layer = arch.layers[i];
    if (has_weight[i]) return {weight[i]};
    if (layer.tied_to >= 0) return {weight[layer.tied_to]};
    return {};
  };
  const auto weight_elements = [&](size_t i) {
    return static_cast<double>(arch.layers[i].params + arch.layers[i].shared_params);
  };

  // Forward.
  std::vector<TensorId> activation(n);
  for (size_t i = 0; i < n; ++i) {
    const Layer& layer = arch.layers[i];
    std::vector<TensorId> reads;
    for (int p : layer.inputs) reads.push_back(p == kModelInput ? input : activation[p]);
    const SeqPoly read_bytes = b.bytes_of(reads) * layer.input_reads +
                               SeqPoly(weight_elements(i) * recipe.weight_read_bytes);
    activation[i] = b.tensor(layer.name + ".out", TensorRole::kActivation, recipe.activation,
                             batched(batch_size, layer.output_shape), act_bytes);
    const auto weights = weight_of(i);
    reads.insert(reads.end(), weights.begin(), weights.end());
    const bool mm = is_matmul(layer.kind);
    b.op(layer.name + ".fwd", op_kind_for(layer.kind), Phase::kForward,
         (mm ? layer.forward_macs * 2 : layer.forward_flops) * batch, read_bytes,
         b.at(activation[i]).bytes, mm ? recipe.matmul : Precision::kFp32, reads, {activation[i]});
  }

  // Backward, in reverse. incoming[i]: gradients with respect to layer i's output, one per
  // consumer (the consumer's backward wrote it); a layer's backward reads them all, which is
  // where autograd's gradient accumulation happens.
  std::vector<std::vector<TensorId>> incoming(n);
  std::vector<TensorId> weight_grads;
  for (size_t r = 0; r < n; ++r) {
    const size_t i = n - 1 - r;
    const Layer& layer = arch.layers[i];
    const std::vector<TensorId>& grads_in = incoming[i];
    std::vector<TensorId> saved;  // the forward inputs it reads again
    for (int p : layer.inputs) saved.push_back(p == kModelInput ? input : activation[p]);
    // The loss value is read when backward starts (loss.backward() seeds its gradient from it; the
    // training loop reads it too), which ends its lifetime there.
    if (layer.kind == LayerKind::kLoss) saved.push_back(activation[i]);
    // One gradient tensor per input that needs one; a residual add passes one gradient to both.
    std::vector<TensorId> grads_out;
    const auto make_input_grads = [&] {
      if (!layer.needs_input_grad) return;
      if (layer.kind == LayerKind::kAdd) {
        const TensorId g = b.tensor(layer.name + ".grad_in", TensorRole::kGradient,
                                    recipe.activation, b.at(activation[i]).shape, act_bytes);
        grads_out.push_back(g);
        for (int p : layer.inputs) incoming[p].push_back(g);
        return;
      }
      for (int p : layer.inputs) {
        if (p == kModelInput) continue;
        const TensorId g =
            b.tensor(layer.name + ".grad_in." + arch.layers[p].name, TensorRole::kGradient,
                     recipe.activation, b.at(activation[p]).shape, act_bytes);
        grads_out.push_back(g);
        incoming[p].push_back(g);
      }
    };
    make_input_grads();
    const SeqPoly grad_bytes = b.bytes_of(grads_in);
    const auto weights = weight_of(i);
    const SeqPoly weight_read = SeqPoly(weight_elements(i) * recipe.weight_read_bytes);
    TensorId weight_grad_id = 0;
    const bool makes_weight_grad = layer.params > 0 || layer.shared_params > 0;
    if (makes_weight_grad) {
      weight_grad_id = b.tensor(layer.name + ".weight.grad", TensorRole::kGradient,
                                Precision::kFp32, {layer.params + layer.shared_params}, 4);
      weight_grads.push_back(weight_grad_id);
    }
    const auto concat = [](std::vector<TensorId> a, const std::vector<TensorId>& c) {
      a.insert(a.end(), c.begin(), c.end());
      return a;
    };
    const OpKind kind = op_kind_for(layer.kind);
    switch (layer.kind) {
      case LayerKind::kConv:
      case LayerKind::kLinear: {
        const SeqPoly flops = layer.forward_macs * (2 * batch);
        if (!grads_out.empty())
          b.op(layer.name + ".bwd_input", kind, Phase::kBackward, flops, grad_bytes + weight_read,
               b.bytes_of(grads_out), recipe.matmul, concat(grads_in, weights), grads_out);
        b.op(layer.name + ".bwd_weight", kind, Phase::kBackward, flops,
             grad_bytes + b.bytes_of(saved), b.at(weight_grad_id).bytes, recipe.matmul,
             concat(grads_in, saved), {weight_grad_id});
        break;
      }
      case LayerKind::kMatmul:
        // Both operands are activations: two matmuls, one per operand gradient.
        b.op(layer.name + ".bwd", kind, Phase::kBackward, layer.forward_macs * (4 * batch),
             grad_bytes + b.bytes_of(saved), b.bytes_of(grads_out), recipe.matmul,
             concat(grads_in, saved), grads_out);
        break;
      case LayerKind::kEmbedding:
        // Dense gradient of the tables: zero-fill, then scatter-add every looked-up row.
        b.op(layer.name + ".bwd", kind, Phase::kBackward, layer.forward_flops * batch,
             grad_bytes + b.bytes_of(saved), b.at(weight_grad_id).bytes, Precision::kFp32,
             concat(grads_in, saved), {weight_grad_id});
        break;
      default: {
        // Norms, activations, pooling, softmax, loss, add: memory-bound elementwise backward.
        // An add needs none of its inputs; the others read what they saved in the forward.
        const std::vector<TensorId> reads =
            layer.kind == LayerKind::kAdd ? std::vector<TensorId>{} : saved;
        std::vector<TensorId> outputs = grads_out;
        if (makes_weight_grad) outputs.push_back(weight_grad_id);
        const double flops_factor = layer.kind == LayerKind::kAdd ? 0.0 : 2.0;
        b.op(layer.name + ".bwd", kind, Phase::kBackward,
             layer.forward_flops * (flops_factor * batch) +
                 (layer.kind == LayerKind::kAdd && grads_in.size() > 1
                      ? shape_elements(b.at(activation[i]).shape) *
                            static_cast<double>(grads_in.size() - 1)
                      : SeqPoly()),
             grad_bytes + b.bytes_of(reads), b.bytes_of(outputs), Precision::kFp32,
             concat(concat(grads_in, reads), weights), outputs);
        break;
      }
    }
  }

  // Optimizer step over every parameter, as one fused multi-tensor kernel.
  const double params = static_cast<double>(arch.parameter_count());
  std::vector<TensorId> reads = weight_grads;
  for (size_t i = 0; i < n; ++i)
    if (has_weight[i]) reads.push_back(weight[i]);
  reads.insert(reads.end(), persistent_state.begin(), persistent_state.end());
  if (arch.optimizer == OptimizerKind::kSgdMomentum) {
    // Reads weight, gradient, momentum; writes weight, momentum (fp32).
    b.op("optimizer.sgd_momentum", OpKind::kOptimizer, Phase::kOptimizer, 4 * params, 12 * params,
         8 * params, Precision::kFp32, reads, {});
  } else {
    // AdamW: reads weight, gradient, both moments; writes weight and both moments.
    b.op("optimizer.adamw", OpKind::kOptimizer, Phase::kOptimizer, 12 * params, 16 * params,
         12 * params, Precision::kFp32, reads, {});
  }
  return trace;
}

}  // namespace aisim
