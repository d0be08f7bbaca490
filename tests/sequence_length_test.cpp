#include "workloads/sequence_length.hpp"

#include <gtest/gtest.h>

#include <set>

namespace aisim {
namespace AISIM_UNITY_ID {

TEST(SequenceLength, UniformStaysInBoundsPaddedAndCoversTheRange) {
  SequenceLengthSpec spec;
  spec.kind = SequenceLengthSpec::Kind::kUniform;
  spec.min = 32;
  spec.max = 128;
  spec.multiple_of = 8;
  SequenceLengthSampler sampler(spec, 42);
  std::set<int> seen;
  for (int i = 0; i < 2000; ++i) {
    const int l = sampler.next();
    ASSERT_GE(l, 32);
    ASSERT_LE(l, 128);
    ASSERT_EQ(l % 8, 0);
    seen.insert(l);
  }
  EXPECT_EQ(seen.size(), 13u);  // 32, 40, ..., 128
}

TEST(SequenceLength, SameSeedSameLengthsOtherSeedOtherLengths) {
  SequenceLengthSpec spec;
  spec.kind = SequenceLengthSpec::Kind::kUniform;
  spec.min = 1;
  spec.max = 512;
  SequenceLengthSampler a(spec, 7), b(spec, 7), c(spec, 8);
  std::vector<int> la, lb, lc;
  for (int i = 0; i < 50; ++i) {
    la.push_back(a.next());
    lb.push_back(b.next());
    lc.push_back(c.next());
  }
  EXPECT_EQ(la, lb);
  EXPECT_NE(la, lc);
}

TEST(SequenceLength, NormalIsClippedAndCentred) {
  SequenceLengthSpec spec;
  spec.kind = SequenceLengthSpec::Kind::kNormal;
  spec.mean = 100;
  spec.stddev = 30;
  spec.min = 80;
  spec.max = 200;
  SequenceLengthSampler sampler(spec, 1);
  double sum = 0;
  const int n = 20000;
  int at_min = 0;
  for (int i = 0; i < n; ++i) {
    const int l = sampler.next();
    ASSERT_GE(l, 80);
    ASSERT_LE(l, 200);
    at_min += l == 80;
    sum += l;
  }
  // P(X <= 80) for N(100, 30) is 0.2525: that share is clipped to the minimum.
  EXPECT_NEAR(static_cast<double>(at_min) / n, 0.2525, 0.015);
  EXPECT_GT(sum / n, 100);  // clipping the low tail raises the mean
}

TEST(SequenceLength, FixedIsFixed) {
  SequenceLengthSpec spec;
  spec.fixed = 384;
  SequenceLengthSampler sampler(spec, 3);
  EXPECT_EQ(sampler.next(), 384);
  EXPECT_EQ(sampler.next(), 384);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
