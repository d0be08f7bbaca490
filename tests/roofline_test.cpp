#include <gtest/gtest.h>

#include "models/roofline_cost_model.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

DeviceSpec gpu() {
  DeviceSpec d;
  d.peak_flops = {{Precision::kFp32, 10e12}, {Precision::kFp16, 100e12}};
  d.memory_bandwidth_bytes_per_s = 1e12;
  d.compute_efficiency = 0.5;
  d.memory_efficiency = 0.8;
  d.kernel_overhead_s = 2e-6;
  return d;
}

TEST(Roofline, ComputeBoundKernel) {
  const DeviceSpec d = gpu();
  // 1e12 flops at 5 TFLOP/s = 0.2 s; 1 MB at 0.8 TB/s = 1.25 us.
  EXPECT_DOUBLE_EQ(RooflineCostModel(d).kernel_duration_s({1e12, 1e6, Precision::kFp32}),
                   2e-6 + 0.2);
}

TEST(Roofline, MemoryBoundKernel) {
  const DeviceSpec d = gpu();
  // 8 GB at 0.8 TB/s = 10 ms; 1 GFLOP at 50 TFLOP/s (fp16) = 20 us.
  EXPECT_DOUBLE_EQ(RooflineCostModel(d).kernel_duration_s({1e9, 8e9, Precision::kFp16}),
                   2e-6 + 0.01);
}

TEST(Roofline, MissingPrecisionFallsBackToFp32) {
  const DeviceSpec d = gpu();
  EXPECT_DOUBLE_EQ(d.peak_flops_for(Precision::kBf16), 10e12);
  EXPECT_DOUBLE_EQ(d.peak_flops_for(Precision::kFp16), 100e12);
}

TEST(Roofline, NoFp32FigureFallsBackToTheLowestListed) {
  // TPU v3 lists only bf16: its fp32 vector work must still get a finite duration.
  DeviceSpec d;
  d.peak_flops = {{Precision::kBf16, 123e12}, {Precision::kFp16, 200e12}};
  d.memory_bandwidth_bytes_per_s = 1e12;
  EXPECT_DOUBLE_EQ(d.peak_flops_for(Precision::kFp32), 123e12);
  EXPECT_DOUBLE_EQ(RooflineCostModel(d).kernel_duration_s({123e9, 0, Precision::kFp32}), 1e-3);
}

TEST(Roofline, PerPrecisionComputeEfficiency) {
  DeviceSpec d = gpu();  // default efficiency 0.5
  d.compute_efficiency_by_precision = {{Precision::kFp16, 0.25}};
  EXPECT_DOUBLE_EQ(d.compute_efficiency_for(Precision::kFp16), 0.25);
  EXPECT_DOUBLE_EQ(d.compute_efficiency_for(Precision::kFp32), 0.5);
  // 1e12 flops at 100 TFLOP/s x 0.25 = 40 ms; memory 1 MB is negligible.
  EXPECT_DOUBLE_EQ(RooflineCostModel(d).kernel_duration_s({1e12, 1e6, Precision::kFp16}),
                   2e-6 + 0.04);
  // fp32 keeps the default: 1e12 at 10 TFLOP/s x 0.5 = 0.2 s.
  EXPECT_DOUBLE_EQ(RooflineCostModel(d).kernel_duration_s({1e12, 1e6, Precision::kFp32}),
                   2e-6 + 0.2);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
