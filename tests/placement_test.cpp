// Placement of placeable jobs without an engine (sim/op_placement): per-device op costs, edge
// bytes, copy routes over the links, and the static HEFT schedule of a small diamond trace worked
// out by hand (tests/data/diamond_trace.json on tests/data/placement_node.json).
#include <gtest/gtest.h>

#include <fstream>

#include "sim/op_placement.hpp"
#include "workloads/trace_io.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

const std::string kData = AISIM_TEST_DATA_DIR;

Config node() {
  std::ifstream in(kData + "/placement_node.json");
  return config_from_json(Json::parse(in), kData + "/placement_node.json");
}

TEST(Placement, AutoJobAndPlacementKeysAreRead) {
  const Config c = node();
  EXPECT_TRUE(c.jobs[0].placeable());
  EXPECT_EQ(c.policies.placement, "heft");
  EXPECT_EQ(c.policies.starving_queue_depth, 2);
  EXPECT_EQ(c.jobs[0].framework, "pytorch-eager");
}

TEST(Placement, MeasuredDurationsPerKindElseTheRooflineElseCannotRun) {
  const Config c = node();
  Trace t = load_trace_file(kData + "/diamond_trace.json");
  auto d = op_durations_per_device(t, c.devices, 0);
  EXPECT_EQ(d[0][0], -1);  // the host runs no ops
  EXPECT_DOUBLE_EQ(d[0][1], 1e-3);
  EXPECT_DOUBLE_EQ(d[0][2], 3e-3);
  // Without a measurement: gpu0's roofline (1e9 flop / 10 TFLOPS = 0.1 ms). npu0 lists no fp32:
  // the op runs at its lowest listed peak (fp16 100 TFLOPS; models/device_spec.cpp's fallback for
  // the vector units every accelerator has).
  t.ops[0].duration_us.clear();
  d = op_durations_per_device(t, c.devices, 0);
  EXPECT_DOUBLE_EQ(d[0][1], 1e9 / 10e12);
  EXPECT_DOUBLE_EQ(d[0][2], 1e9 / 100e12);
}

TEST(Placement, EdgeBytesFromTransferBytesElseTheTensorsPassed) {
  Trace t = load_trace_file(kData + "/diamond_trace.json");
  auto e = op_in_edges(t, 0);
  ASSERT_EQ(e[3].size(), 2u);
  EXPECT_EQ(e[3][0].from, 1u);
  EXPECT_DOUBLE_EQ(e[3][0].bytes, 1e6);
  // No transfer_bytes: the producer's outputs that the consumer reads.
  t.ops[1].transfer_bytes.clear();
  t.tensors.resize(2);
  t.tensors[0].id = 7, t.tensors[0].bytes = SeqPoly(3e6);
  t.tensors[1].id = 8, t.tensors[1].bytes = SeqPoly(5e6);
  t.ops[0].outputs = {7, 8};
  t.ops[1].inputs = {7};
  e = op_in_edges(t, 0);
  EXPECT_DOUBLE_EQ(e[1][0].bytes, 3e6);
}

TEST(Placement, CopiesBetweenAcceleratorsAreStagedThroughTheHost) {
  const LinkRoutes routes(node());
  EXPECT_EQ(routes.hops(1, 2), (std::vector<std::pair<DeviceId, DeviceId>>{{1, 0}, {0, 2}}));
  EXPECT_TRUE(routes.hops(1, 1).empty());
  EXPECT_DOUBLE_EQ(routes.copy_s(1, 2, 1e6), 2e-3);  // two 1 GB/s hops
  EXPECT_DOUBLE_EQ(routes.copy_s(0, 2, 1e6), 1e-3);
  EXPECT_DOUBLE_EQ(routes.copy_s(2, 2, 1e6), 0);
}

// By hand. Edge cost: 1 MB over two 1 GB/s hops = 2 ms (the same for both ordered pairs).
// Mean costs: a 2, c 3.5, b 3, d 1 ms. Upward ranks: d 1; c 3.5 + 2 + 1 = 6.5; b 3 + 2 + 1 = 6;
// a 2 + max(2 + 6.5, 2 + 6) = 10.5. Order a, c, b, d.
//   a: gpu finishes at 1, npu at 3                  -> gpu [0, 1]
//   c: gpu [1, 3]; npu: ready 1 + 2 = 3, ends 8     -> gpu [1, 3]
//   b: gpu busy until 3, ends 7; npu ready 3, ends 5 -> npu [3, 5]
//   d: gpu ready max(5 + 2, 3) = 7, ends 8; npu ready max(5, 3 + 2) = 5, ends 6 -> npu [5, 6]
TEST(Placement, HeftScheduleOfTheDiamondTrace) {
  const Config c = node();
  const Trace t = load_trace_file(kData + "/diamond_trace.json");
  const StaticPlacement s =
      heft_placement(op_durations_per_device(t, c.devices, 0), op_in_edges(t, 0), LinkRoutes(c));
  EXPECT_EQ(s.device, (std::vector<DeviceId>{1, 1, 2, 2}));  // a, c on gpu0; b, d on npu0
  EXPECT_NEAR(s.makespan_s, 6e-3, 1e-12);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
