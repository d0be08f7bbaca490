// BERT and GPT-2 as layer graphs. Shapes carry the symbolic sequence length S, so one
// architecture serves every per-batch length (dynamic padding). Layer census and parameter counts
// follow HuggingFace BertForSequenceClassification and nanoGPT's GPT (REFERENCE: BERT-base
// 109,483,778 parameters with a 2-label classifier, GPT-2 124,439,808 with tied embeddings).
// Dropout is not modelled (no FLOPs worth counting, but its masks would add activation memory).
#include <stdexcept>
#include <string>

#include "models/architecture.hpp"

namespace aisim {
namespace {

struct TransformerShape {
  int layers, hidden, heads, ffn, vocab, max_positions, type_vocab;
};

// Arithmetic per element of the non-matmul layers: rough operation counts, documented so they
// can be checked (they are ~1% of a transformer step's FLOPs).
constexpr double kLayerNormFlopsPerElement = 8;  // mean, variance, normalise, scale, shift
constexpr double kGeluFlopsPerElement = 8;       // tanh approximation
constexpr double kSoftmaxFlopsPerElement = 5;    // scale, max, exp, sum, divide

class TransformerBuilder {
 public:
  TransformerBuilder(Architecture& arch, const TransformerShape& shape) : arch_(arch), s_(shape) {}

  int last() const { return static_cast<int>(arch_.layers.size()) - 1; }

  // A linear layer applied to every token: [S, in] -> [S, out].
  int linear(const std::string& name, int input, std::int64_t in, std::int64_t out,
             bool per_token = true) {
    Layer l{name, LayerKind::kLinear};
    l.params = in * out + out;
    l.forward_macs = per_token ? SeqPoly(0, static_cast<double>(in * out), 0)
                               : SeqPoly(static_cast<double>(in * out));
    l.output_shape =
        per_token ? std::vector<std::int64_t>{kSeqDim, out} : std::vector<std::int64_t>{out};
    l.inputs = {input};
    return add(std::move(l));
  }

  int layer_norm(const std::string& name, int input) {
    Layer l{name, LayerKind::kLayerNorm};
    l.params = 2LL * s_.hidden;
    l.output_shape = {kSeqDim, s_.hidden};
    l.forward_flops = shape_elements(l.output_shape) * kLayerNormFlopsPerElement;
    l.inputs = {input};
    l.input_reads = 2;  // statistics, then normalise
    return add(std::move(l));
  }

  int elementwise(const std::string& name, LayerKind kind, std::vector<int> inputs,
                  double flops_per_element) {
    Layer l{name, kind};
    l.output_shape = arch_.layers[inputs.front()].output_shape;
    l.forward_flops = shape_elements(l.output_shape) * flops_per_element;
    l.inputs = std::move(inputs);
    return add(std::move(l));
  }

  // Multi-head self-attention on [S, H]: fused QKV projection, scores, softmax, context, output
  // projection. Scores and context are S^2 work; the causal mask of GPT-2 does not change what a
  // dense (non-flash) implementation computes.
  int attention(const std::string& name, int input) {
    const std::int64_t h = s_.hidden;
    const int qkv = linear(name + ".qkv", input, h, 3 * h);
    Layer scores{name + ".scores", LayerKind::kMatmul};
    scores.forward_macs = SeqPoly(0, 0, static_cast<double>(h));  // heads x S x S x head_dim
    scores.output_shape = {s_.heads, kSeqDim, kSeqDim};
    scores.inputs = {qkv};
    const int sc = add(std::move(scores));
    const int probs =
        elementwise(name + ".softmax", LayerKind::kSoftmax, {sc}, kSoftmaxFlopsPerElement);
    Layer context{name + ".context", LayerKind::kMatmul};
    context.forward_macs = SeqPoly(0, 0, static_cast<double>(h));
    context.output_shape = {kSeqDim, h};
    context.inputs = {probs, qkv};
    const int ctx = add(std::move(context));
    return linear(name + ".proj", ctx, h, h);
  }

  int mlp(const std::string& name, int input) {
    const int fc1 = linear(name + ".fc1", input, s_.hidden, s_.ffn);
    const int act = elementwise(name + ".gelu", LayerKind::kGelu, {fc1}, kGeluFlopsPerElement);
    return linear(name + ".fc2", act, s_.ffn, s_.hidden);
  }

  int embeddings(const std::string& name, std::int64_t tables_params, double lookups) {
    Layer l{name, LayerKind::kEmbedding};
    l.params = tables_params;
    l.output_shape = {kSeqDim, s_.hidden};
    l.forward_flops = shape_elements(l.output_shape) * lookups;  // sum of the looked-up rows
    l.inputs = {kModelInput};
    l.needs_input_grad = false;  // token ids have no gradient
    return add(std::move(l));
  }

  int add(Layer layer) {
    arch_.layers.push_back(std::move(layer));
    return last();
  }

 private:
  Architecture& arch_;
  TransformerShape s_;
};

void set_sequence_input(Architecture& arch, const TransformerShape& s, int default_length) {
  arch.input_shape = {kSeqDim};
  arch.input_element_bytes = 8;  // int64 token ids
  arch.optimizer = OptimizerKind::kAdamW;
  arch.default_sequence_length = default_length;
  arch.max_sequence_length = s.max_positions;
}

}  // namespace

Architecture bert(std::string_view variant) {
  TransformerShape s{};
  if (variant == "bert-base")
    s = {12, 768, 12, 3072, 30522, 512, 2};
  else if (variant == "bert-large")
    s = {24, 1024, 16, 4096, 30522, 512, 2};
  else
    throw std::invalid_argument("unknown BERT variant: " + std::string(variant));
  Architecture arch;
  arch.name = std::string(variant);
  set_sequence_input(arch, s, 128);
  TransformerBuilder b(arch, s);
  const std::int64_t h = s.hidden;
  int x = b.embeddings(
      "embeddings", (static_cast<std::int64_t>(s.vocab) + s.max_positions + s.type_vocab) * h, 3);
  x = b.layer_norm("embeddings.ln", x);
  for (int l = 0; l < s.layers; ++l) {  // post-LN: x = LN(x + sublayer(x))
    const std::string p = "encoder." + std::to_string(l);
    const int attn = b.attention(p + ".attn", x);
    x = b.layer_norm(p + ".ln1", b.elementwise(p + ".add1", LayerKind::kAdd, {attn, x}, 1));
    const int ffn = b.mlp(p + ".mlp", x);
    x = b.layer_norm(p + ".ln2", b.elementwise(p + ".add2", LayerKind::kAdd, {ffn, x}, 1));
  }
  // Pooler: dense + tanh on the [CLS] token (costed as one activation), then the classifier.
  x = b.linear("pooler.dense", x, h, h, /*per_token=*/false);
  x = b.elementwise("pooler.tanh", LayerKind::kGelu, {x}, kGeluFlopsPerElement);
  x = b.linear("classifier", x, h, 2, /*per_token=*/false);
  Layer loss{"loss", LayerKind::kLoss};
  loss.output_shape = {1};
  loss.forward_flops = 3 * 2.0;
  loss.inputs = {x};
  b.add(std::move(loss));
  return arch;
}

Architecture gpt2(std::string_view variant) {
  TransformerShape s{};
  if (variant == "gpt2")
    s = {12, 768, 12, 3072, 50257, 1024, 0};
  else if (variant == "gpt2-medium")
    s = {24, 1024, 16, 4096, 50257, 1024, 0};
  else
    throw std::invalid_argument("unknown GPT-2 variant: " + std::string(variant));
  Architecture arch;
  arch.name = std::string(variant);
  set_sequence_input(arch, s, 1024);
  TransformerBuilder b(arch, s);
  const std::int64_t h = s.hidden;
  int x = b.embeddings("wte+wpe", (static_cast<std::int64_t>(s.vocab) + s.max_positions) * h, 2);
  const int embedding = x;
  for (int l = 0; l < s.layers; ++l) {  // pre-LN: x = x + sublayer(LN(x))
    const std::string p = "h." + std::to_string(l);
    const int attn = b.attention(p + ".attn", b.layer_norm(p + ".ln1", x));
    x = b.elementwise(p + ".add1", LayerKind::kAdd, {attn, x}, 1);
    const int ffn = b.mlp(p + ".mlp", b.layer_norm(p + ".ln2", x));
    x = b.elementwise(p + ".add2", LayerKind::kAdd, {ffn, x}, 1);
  }
  x = b.layer_norm("ln_f", x);
  // The LM head shares wte (tied): no parameters of its own, but a weight gradient to compute.
  Layer head{"lm_head", LayerKind::kLinear};
  head.shared_params = static_cast<std::int64_t>(s.vocab) * h;
  head.tied_to = embedding;
  head.forward_macs = SeqPoly(0, static_cast<double>(s.vocab) * h, 0);
  head.output_shape = {kSeqDim, s.vocab};
  head.inputs = {x};
  x = b.add(std::move(head));
  Layer loss{"loss", LayerKind::kLoss};
  loss.output_shape = {1};
  loss.forward_flops = SeqPoly(0, 3.0 * s.vocab, 0);  // log-softmax and NLL over every position
  loss.inputs = {x};
  b.add(std::move(loss));
  return arch;
}

}  // namespace aisim
