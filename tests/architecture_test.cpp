// Architectures and generated traces against published facts: torchvision ResNet-50 v1.5
// (25,557,032 parameters, 4.089 GMACs per 224x224 image, layer census of resnet.py), BERT
// (HuggingFace BertForSequenceClassification: 109,483,778 base / 335,143,938 large), GPT-2
// (nanoGPT: 124,439,808 / 354,823,168 with tied embeddings; training FLOPs per token 6N plus the
// attention term 12*L*H*T).
#include "models/architecture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "workloads/generator.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

TEST(ResNet50, ParameterCountMatchesTorchvision) {
  EXPECT_EQ(resnet50().parameter_count(), 25557032);
}

TEST(ResNet50, ForwardMacsWithinHalfAPercentOfPublished) {
  EXPECT_NEAR(resnet50().forward_macs_per_sample().at(0), 4.089e9, 0.005 * 4.089e9);
}

TEST(ResNet50, LayerCensus) {
  const auto arch = resnet50();
  const auto count = [&](LayerKind k) {
    return std::count_if(arch.layers.begin(), arch.layers.end(),
                         [k](const Layer& l) { return l.kind == k; });
  };
  EXPECT_EQ(count(LayerKind::kConv), 53);
  EXPECT_EQ(count(LayerKind::kBatchNorm), 53);
  EXPECT_EQ(count(LayerKind::kRelu), 49);
  EXPECT_EQ(count(LayerKind::kAdd), 16);
  EXPECT_EQ(count(LayerKind::kLinear), 1);
}

TEST(ResNet50Trace, BackwardIsAboutTwiceForward) {
  const Trace t = generate_training_trace(resnet50(), 32, "tf32");
  const double ratio = t.phase_flops(Phase::kBackward) / t.phase_flops(Phase::kForward);
  // Exactly 2x for every conv but the first (no input gradient for the image), plus norms.
  EXPECT_GT(ratio, 1.9);
  EXPECT_LT(ratio, 2.05);
  EXPECT_NEAR(t.phase_flops(Phase::kForward), 32 * 2 * 4.089e9, 0.01 * 32 * 2 * 4.089e9);
}

TEST(ResNet50Trace, IsAChainWithMatmulPrecisionFromTheRecipe) {
  const Trace t = generate_training_trace(resnet50(), 8, "amp");
  ASSERT_FALSE(t.ops.empty());
  for (size_t i = 1; i < t.ops.size(); ++i)
    ASSERT_EQ(t.ops[i].deps, std::vector<OpId>{t.ops[i - 1].id});
  EXPECT_EQ(t.ops.front().precision, Precision::kFp16);  // conv1 forward
  EXPECT_EQ(t.ops.back().kind, OpKind::kOptimizer);
  EXPECT_DOUBLE_EQ(t.metadata.input_bytes_per_sample, 3 * 224 * 224 * 4);
  EXPECT_DOUBLE_EQ(t.metadata.parameter_bytes, 4.0 * 25557032);
}

TEST(Bert, ParameterCounts) {
  EXPECT_EQ(bert("bert-base").parameter_count(), 109483778);
  EXPECT_EQ(bert("bert-large").parameter_count(), 335143938);
}

TEST(Gpt2, ParameterCountsWithTiedEmbeddings) {
  EXPECT_EQ(gpt2("gpt2").parameter_count(), 124439808);
  EXPECT_EQ(gpt2("gpt2-medium").parameter_count(), 354823168);
}

TEST(Gpt2Trace, TrainingFlopsPerTokenWithinTwoPercentOfSixNPlusAttention) {
  for (const char* name : {"gpt2", "gpt2-medium"}) {
    const Architecture arch = gpt2(name);
    const int layers = name == std::string("gpt2") ? 12 : 24;
    const double hidden = name == std::string("gpt2") ? 768 : 1024;
    const double seq = 1024, batch = 2;
    const Trace t = generate_training_trace(arch, static_cast<int>(batch), "bf16");
    const double per_token = t.total_flops(seq) / (batch * seq);
    const double expected =
        6.0 * static_cast<double>(arch.parameter_count()) + 12.0 * layers * hidden * seq;
    EXPECT_NEAR(per_token, expected, 0.02 * expected) << name;
  }
}

TEST(TransformerTrace, BackwardIsAboutTwiceForward) {
  for (const char* name : {"bert-base", "gpt2"}) {
    const Trace t = generate_training_trace(architecture_by_name(name), 4, "amp");
    const double ratio = t.phase_flops(Phase::kBackward) / t.phase_flops(Phase::kForward);
    EXPECT_GT(ratio, 1.9) << name;
    EXPECT_LT(ratio, 2.1) << name;
  }
}

// A trace generated with symbolic shapes, evaluated at length L, equals the per-op and per-tensor
// figures of the same architecture evaluated at L directly: linear layers scale with S,
// attention scores with S^2, fixed-size tensors (weights) not at all.
TEST(TransformerTrace, SymbolicSequenceScalesLikeAFixedLengthTrace) {
  const Trace t = generate_training_trace(bert("bert-base"), 8, "amp", 128);
  EXPECT_TRUE(t.symbolic());
  EXPECT_EQ(t.metadata.sequence_length, 128);
  const Trace at_64 = generate_training_trace(bert("bert-base"), 8, "amp", 64);
  ASSERT_EQ(t.ops.size(), at_64.ops.size());
  // Same polynomials whatever the recorded length: the length only picks the evaluation point.
  for (size_t i = 0; i < t.ops.size(); ++i)
    EXPECT_DOUBLE_EQ(t.ops[i].flops.at(64), at_64.ops[i].flops.at(64));
  // Scaling: QKV projection linear in S, attention scores quadratic, weights constant.
  const auto op = [&](const std::string& name) -> const Op& {
    return *std::find_if(t.ops.begin(), t.ops.end(), [&](const Op& o) { return o.name == name; });
  };
  const Op& qkv = op("encoder.0.attn.qkv.fwd");
  EXPECT_DOUBLE_EQ(qkv.flops.at(256), 2 * qkv.flops.at(128));
  EXPECT_DOUBLE_EQ(qkv.flops.at(128), 2.0 * 8 * 128 * 768 * 2304);
  const Op& scores = op("encoder.0.attn.scores.fwd");
  EXPECT_DOUBLE_EQ(scores.flops.at(256), 4 * scores.flops.at(128));
  EXPECT_DOUBLE_EQ(scores.flops.at(128), 2.0 * 8 * 12 * 128 * 128 * 64);
  const auto tensor = [&](const std::string& name) -> const Tensor& {
    return *std::find_if(t.tensors.begin(), t.tensors.end(),
                         [&](const Tensor& x) { return x.name == name; });
  };
  EXPECT_DOUBLE_EQ(tensor("encoder.0.attn.softmax.out").bytes.at(100), 8.0 * 12 * 100 * 100 * 2);
  EXPECT_DOUBLE_EQ(tensor("encoder.0.attn.qkv.weight").bytes.at(100), 4.0 * (768 * 2304 + 2304));
  EXPECT_DOUBLE_EQ(tensor("input_batch").bytes.at(100), 8.0 * 8 * 100);  // int64 token ids
}

TEST(GeneratedTrace, TensorLifetimesAreConsistent) {
  for (const char* name : {"resnet50", "bert-base", "gpt2"}) {
    const Trace t = generate_training_trace(architecture_by_name(name), 2, "tf32");
    std::map<TensorId, size_t> producer, last_reader;
    for (size_t i = 0; i < t.ops.size(); ++i) {
      for (auto id : t.ops[i].outputs)
        EXPECT_TRUE(producer.emplace(id, i).second) << name << " " << id;
      for (auto id : t.ops[i].inputs) last_reader[id] = i;
    }
    for (const Tensor& tensor : t.tensors) {
      if (tensor.persistent() || tensor.role == TensorRole::kInput) continue;
      ASSERT_TRUE(producer.count(tensor.id)) << name << " " << tensor.name << " is never produced";
      ASSERT_TRUE(last_reader.count(tensor.id)) << name << " " << tensor.name << " is never read";
      EXPECT_LT(producer[tensor.id], last_reader[tensor.id]) << name << " " << tensor.name;
    }
  }
}

// Activations saved for backward live until the backward op that reads them.
TEST(GeneratedTrace, SavedActivationsLiveUntilTheirBackwardOp) {
  const auto last_reader = [](const Trace& t, const std::string& tensor) {
    const auto id = std::find_if(t.tensors.begin(), t.tensors.end(), [&](const Tensor& x) {
                      return x.name == tensor;
                    })->id;
    std::string last;
    for (const Op& op : t.ops)
      if (std::find(op.inputs.begin(), op.inputs.end(), id) != op.inputs.end()) last = op.name;
    return last;
  };
  const Trace r = generate_training_trace(resnet50(), 2, "tf32");
  EXPECT_EQ(last_reader(r, "conv1.out"), "bn1.bwd");  // batch norm saves its input
  EXPECT_EQ(last_reader(r, "layer1.0.relu1.out"),
            "layer1.0.conv2.bwd_weight");  // conv saves its input
  EXPECT_EQ(last_reader(r, "input_batch"), "conv1.bwd_weight");
  const Trace g = generate_training_trace(gpt2("gpt2"), 2, "bf16");
  EXPECT_EQ(last_reader(g, "h.0.attn.softmax.out"), "h.0.attn.context.bwd");
  EXPECT_EQ(last_reader(g, "lm_head.out"), "loss.bwd");
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
