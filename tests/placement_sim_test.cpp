// Placeable jobs, framework profiles and the optimizer thread on SimGrid, with answers worked out
// by hand on tests/data/placement_node.json (no host costs unless a test sets them, 1 GB/s links
// through the host, no latency). Each TEST runs in its own process (one engine per process).
#include <gtest/gtest.h>

#include <fstream>

#include "sim/config.hpp"
#include "sim/simulation.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

const std::string kData = AISIM_TEST_DATA_DIR;

Json node() {
  std::ifstream in(kData + "/placement_node.json");
  return Json::parse(in);
}

Json simulate(const Json& document) {
  const Config config = config_from_json(document, kData + "/placement_node.json");
  return run_simulation(config, load_workloads(config));
}

// HEFT puts a, c on gpu0 and b, d on npu0 (tests/placement_test.cpp). The runtime launches in
// the trace's order a, c, b, d: a gpu [0, 1], c gpu [1, 3]; b waits for gpu0 to drain (3), copies
// 1 MB through the host (2 ms) and runs [5, 7]; d copies c's output (gpu0 idle: 5 -> 7) and runs
// [7, 8]. 8 ms per iteration, against HEFT's own 6 ms: the runtime orders devices by draining
// whole streams, where HEFT assumed b could start as soon as a's output arrived.
TEST(PlacementSim, HeftRunsEachOpOnItsAssignedDevice) {
  const Json report = simulate(node());
  const auto& job = report["jobs"][0];
  EXPECT_NEAR(job["time_per_iteration_s"].get<double>(), 8e-3, 1e-9);
  const auto& p = job["placement"];
  EXPECT_EQ(p["policy"], "heft");
  EXPECT_EQ(p["ops_per_device"]["gpu0"], 6);  // 2 per iteration, 3 iterations
  EXPECT_EQ(p["ops_per_device"]["npu0"], 6);
  EXPECT_EQ(p["cross_device_copies"], 6);  // a -> b and c -> d
  EXPECT_DOUBLE_EQ(p["cross_device_copy_bytes"].get<double>(), 6e6);
  // Busy time over the 2 measured iterations: gpu0 a + c, npu0 b + d, 3 ms each per iteration.
  EXPECT_NEAR(report["devices"][1]["busy_time_s"].get<double>(), 2 * 3e-3, 1e-9);
  EXPECT_NEAR(report["devices"][2]["busy_time_s"].get<double>(), 2 * 3e-3, 1e-9);
}

Json independent(const std::string& scheduler) {
  Json d = node();
  d["jobs"][0]["trace"] = "independent_trace.json";
  d["policies"]["placement"] = "scheduler";
  d["policies"]["scheduler"] = scheduler;
  return d;
}

// Four independent ops, 2 ms on gpu0, 2.5 ms on npu0. accel-aware, by earliest finish time with
// the queued work counted: p0 gpu (2 vs 2.5), p1 npu (4 vs 2.5), p2 gpu (4 vs 5), p3 npu (6 vs 5):
// the iteration ends when npu0 does, at 5 ms.
TEST(PlacementSim, AccelAwareSpreadsIndependentOpsByEarliestFinishTime) {
  const Json report = simulate(independent("accel-aware"));
  const auto& job = report["jobs"][0];
  EXPECT_NEAR(job["time_per_iteration_s"].get<double>(), 5e-3, 1e-9);
  EXPECT_EQ(job["placement"]["ops_per_device"]["gpu0"], 6);
  EXPECT_EQ(job["placement"]["ops_per_device"]["npu0"], 6);
  EXPECT_EQ(job["placement"]["cross_device_copies"], 0);
}

// cfs's naive rule: the first device that supports the op, gpu0 for all: 4 x 2 = 8 ms.
TEST(PlacementSim, CfsPutsEveryOpOnTheFirstCapableDevice) {
  const Json report = simulate(independent("cfs"));
  const auto& job = report["jobs"][0];
  EXPECT_NEAR(job["time_per_iteration_s"].get<double>(), 8e-3, 1e-9);
  EXPECT_EQ(job["placement"]["ops_per_device"]["gpu0"], 12);
  EXPECT_FALSE(job["placement"]["ops_per_device"].contains("npu0"));
}

// A chain of N tiny ops (1 us each on gpu0) with framework overhead 10 us and launch 5 us.
Json tiny_chain(const std::string& framework, int n) {
  Json trace = {{"format", "aisim-trace"},
                {"version", 1},
                {"metadata", {{"model", "tiny"}, {"batch_size", 1}, {"precision", "fp32"}}},
                {"ops", Json::array()}};
  for (int i = 0; i < n; ++i) {
    Json op = {{"id", i},          {"name", "op" + std::to_string(i)},
               {"kind", "matmul"}, {"phase", "forward"},
               {"flops", 1e6},     {"duration_us", {{"gpu", 1}}}};
    if (i > 0) op["deps"] = {i - 1};
    trace["ops"].push_back(op);
  }
  const std::string path = testing::TempDir() + "/tiny_chain_" + framework + ".json";
  std::ofstream(path) << trace.dump();
  Json d = node();
  d["devices"][1]["launch_latency"] = "5 us";
  d["jobs"][0] = {{"name", "tiny"},        {"trace", path},    {"dataset_size", 100},
                  {"iterations", 3},       {"device", "gpu0"}, {"framework_overhead", "10 us"},
                  {"framework", framework}};
  return d;
}

// Eager: per op 15 us of host time, then the 1 us kernel; the device waits on the host:
// 100 x 15 + 1 = 1501 us per iteration.
TEST(FrameworkSim, EagerPaysDispatchAndLaunchPerOp) {
  const Json report = simulate(tiny_chain("pytorch-eager", 100));
  EXPECT_NEAR(report["jobs"][0]["time_per_iteration_s"].get<double>(), 1501e-6, 1e-9);
}

// XLA: one 15 us dispatch + launch for the compiled step, then the device runs the 100 ops back
// to back: 15 + 100 = 115 us per iteration.
TEST(FrameworkSim, XlaPaysOneLaunchPerIteration) {
  const Json report = simulate(tiny_chain("xla", 100));
  EXPECT_NEAR(report["jobs"][0]["time_per_iteration_s"].get<double>(), 115e-6, 1e-9);
  EXPECT_NEAR(report["devices"][1]["busy_time_s"].get<double>(), 2 * 100e-6, 1e-9);  // 2 measured
}

// The optimizer thread runs 2 ms of CPU after each step; the next step's first launch waits for
// it (nothing else to overlap here): 2000 + 1501 us per iteration.
TEST(OptimizerSim, NextStepWaitsForTheHostOptimizer) {
  Json d = tiny_chain("pytorch-eager", 100);
  d["jobs"][0]["optimizer"] = {{"cpu_time_per_iteration", "2 ms"}};
  const Json report = simulate(d);
  EXPECT_NEAR(report["jobs"][0]["time_per_iteration_s"].get<double>(), 3501e-6, 1e-9);
  bool found = false;
  for (const auto& t : report["host"]["threads"])
    if (t["name"] == "tiny/optimizer") {
      found = true;
      // In the window: the warm-up step's update (it starts as the window does) and the second
      // step's; the last step's update is not waited for and starts as the job ends.
      EXPECT_NEAR(t["run_time_s"].get<double>(), 2 * 2e-3, 1e-9);
    }
  EXPECT_TRUE(found);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
