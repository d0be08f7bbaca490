// ResNet-50 v1.5 against published facts (REFERENCE-FACTS 3.1): torchvision's 25,557,032
// parameters and 4.089 GMACs per 224x224 image; the layer census of torchvision's resnet.py.
#include <gtest/gtest.h>

#include <algorithm>

#include "models/architecture.hpp"
#include "workloads/generator.hpp"

namespace aisim {
namespace {

TEST(ResNet50, ParameterCountMatchesTorchvision) {
  EXPECT_EQ(resnet50().parameter_count(), 25557032);
}

TEST(ResNet50, ForwardMacsWithinHalfAPercentOfPublished) {
  EXPECT_NEAR(resnet50().forward_macs_per_sample(), 4.089e9, 0.005 * 4.089e9);
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

}  // namespace
}  // namespace aisim
