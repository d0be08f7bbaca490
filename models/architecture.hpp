// Model architectures as layer graphs, from which training traces are generated (workloads/).
// Each layer carries per-sample forward work and its output shape, counted from the
// architecture's definition (no measured or fitted numbers). Sizes may depend on the sequence
// length S (models/seq_poly.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/seq_poly.hpp"

namespace aisim {

enum class LayerKind {
  kConv,       // convolution (weights)
  kLinear,     // fully connected (weights)
  kBatchNorm,  // batch norm (weights)
  kLayerNorm,  // layer norm (weights)
  kEmbedding,  // table lookup (weights)
  kRelu,
  kGelu,
  kAdd,  // residual add
  kMaxPool,
  kAvgPool,
  kMatmul,  // activation x activation (attention scores, attention x values)
  kSoftmax,
  kLoss  // softmax cross-entropy
};

inline constexpr int kModelInput = -1;  // Layer::inputs entry: the model's input batch

struct Layer {
  Layer() = default;
  Layer(std::string layer_name, LayerKind layer_kind)
      : name(std::move(layer_name)), kind(layer_kind) {}

  std::string name;
  LayerKind kind = LayerKind::kConv;
  std::int64_t params = 0;         // trainable parameters (elements) this layer owns
  std::int64_t shared_params = 0;  // parameters it uses that another layer owns (tied weights)
  int tied_to = -1;                // the layer owning `shared_params`
  SeqPoly forward_macs;            // multiply-accumulates per sample (conv, linear, matmul)
  SeqPoly forward_flops;           // other arithmetic per sample (norms, activations, pooling)
  std::vector<std::int64_t> output_shape;  // per sample, kSeqDim allowed
  std::vector<int> inputs;                 // indices of earlier layers it reads, or kModelInput
  bool needs_input_grad = true;            // false when no input needs a gradient (first layer)
  int input_reads = 1;  // passes over the inputs (batch norm: statistics, then normalise)
};

enum class OptimizerKind { kSgdMomentum, kAdamW };

struct Architecture {
  std::string name;
  std::vector<Layer> layers;              // in forward order; inputs point backwards
  std::vector<std::int64_t> input_shape;  // per sample, kSeqDim allowed
  int input_element_bytes = 4;            // fp32 images; int64 token ids
  OptimizerKind optimizer = OptimizerKind::kSgdMomentum;
  int default_sequence_length = 0;  // 0 for fixed-shape models
  int max_sequence_length = 0;      // position-embedding limit; 0 when not a sequence model

  std::int64_t parameter_count() const;
  SeqPoly forward_macs_per_sample() const;
};

// torchvision ResNet-50 v1.5 (stride on the 3x3 conv of each bottleneck), 1000 classes.
Architecture resnet50(int image_size = 224);
// BERT for sequence classification (2 labels), as fine-tuning runs it: post-LN encoder, GELU,
// pooler and classifier. base: L12 H768 A12; large: L24 H1024 A16.
Architecture bert(std::string_view variant);
// GPT-2 language model with tied input/output embeddings, pre-LN, causal attention.
// gpt2: L12 H768 A12 (124M); gpt2-medium: L24 H1024 A16 (355M).
Architecture gpt2(std::string_view variant);

// "resnet50, bert-base, bert-large, gpt2, gpt2-medium" (for error messages).
std::string_view architecture_names();
bool has_architecture(std::string_view name);
// Throws std::invalid_argument for an unknown name (callers validate first).
Architecture architecture_by_name(std::string_view name);

}  // namespace aisim
