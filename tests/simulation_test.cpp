// End-to-end simulations with answers worked out by hand. Each TEST runs in its own process
// (gtest_discover_tests), because SimGrid allows one engine per process.
//
// The timeline of one iteration of a job on the minimal node (DESIGN.md section 3):
//   cudaMalloc of the input batch (host)      malloc
//   synchronous host-to-device copy           link latency + bytes / bandwidth
//   switch back in after the copy             cs
//   per op: dispatch + launch (host)          h, then the kernel is queued
//   kernels run back to back on the device    d_i (roofline)
//   wait for the device, switch back in       cs
//   cudaFree of the input batch (host)        free
#include "sim/simulation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "sim/config.hpp"
#include "workloads/trace_io.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

const std::string kData = AISIM_TEST_DATA_DIR;

// Figures of tests/data/minimal.json, restated here rather than read back from the code.
constexpr double kSwitch = 2e-6, kMalloc = 10e-6, kFree = 10e-6;
constexpr double kHostPerOp = 10e-6 + 5e-6;  // framework overhead + launch latency
constexpr double kKernelOverhead = 1e-6;
constexpr double kAchievedFlopsFp32 = 10e12 * 0.8, kAchievedFlopsFp16 = 100e12 * 0.8;
constexpr double kAchievedBandwidth = 1000e9 * 0.5;
constexpr double kLinkLatency = 1e-6, kLinkBandwidth = 20e9;
constexpr double kGpuIdleW = 50, kGpuBusyW = 300;

double roofline(double flops, double achieved_flops, double bytes) {
  return kKernelOverhead + std::max(flops / achieved_flops, bytes / kAchievedBandwidth);
}

Json minimal() {
  std::ifstream in(kData + "/minimal.json");
  return Json::parse(in);
}

Json simulate(const Json& document) {
  const Config config = config_from_json(document, kData + "/minimal.json");
  return run_simulation(config, load_workloads(config));
}

TEST(Simulation, DeviceBoundChainMatchesTheAnalyticalTimeline) {
  const Json report = simulate(minimal());
  // tests/data/chain_trace.json, op by op.
  const double d0 = roofline(4e9, kAchievedFlopsFp32, 12e6);
  const double d1 = roofline(1e6, kAchievedFlopsFp32, 60e6);
  const double d2 = roofline(2e12, kAchievedFlopsFp16, 2e6);
  const double d3 = roofline(1e3, kAchievedFlopsFp32, 2e3);
  const double kernels = d0 + d1 + d2 + d3;
  ASSERT_GT(d0, 3 * kHostPerOp);  // the device is the bottleneck: the host runs ahead
  const double copy = kLinkLatency + 4 * 1e6 / kLinkBandwidth;
  const double iteration = kMalloc + copy + kSwitch + kHostPerOp + kernels + kSwitch + kFree;
  const double total = kSwitch + 2 * iteration;  // start-up switch, then two iterations
  const double ns_per_op = 1e-9 * 4;

  EXPECT_NEAR(report["simulation"]["simulated_time_s"].get<double>(), total, 2 * ns_per_op);
  const auto& job = report["jobs"][0];
  EXPECT_NEAR(job["time_per_iteration_s"].get<double>(), iteration, ns_per_op);
  EXPECT_NEAR(job["throughput_samples_per_s"].get<double>(), 4 / iteration, 1e-6 * 4 / iteration);
  EXPECT_EQ(job["iterations_per_epoch"], 100);  // dataset 400 / batch 4
  EXPECT_NEAR(job["training_time_s"].get<double>(), 100 * iteration, 100 * ns_per_op);

  // Utilization = busy time / window; the window is the second iteration.
  const auto& gpu = report["devices"][1];
  EXPECT_NEAR(gpu["busy_time_s"].get<double>(), kernels, ns_per_op);
  EXPECT_NEAR(gpu["utilization_pct"].get<double>(), 100 * kernels / iteration, 1e-6);

  // Energy = idle power over idle time + busy power over busy time (SimGrid's energy plugin).
  const double energy = kGpuIdleW * (iteration - kernels) + kGpuBusyW * kernels;
  EXPECT_NEAR(gpu["energy_j"].get<double>(), energy, 1e-6 * energy);
  EXPECT_NEAR(gpu["power_w"].get<double>(), energy / iteration, 1e-6 * energy / iteration);

  // Host: two wake-ups in the window (after the copy, after the sync), each one switch.
  const auto& host = report["host"];
  EXPECT_EQ(host["context_switch_latency_us"]["count"], 2);
  EXPECT_NEAR(host["context_switch_latency_us"]["mean"].get<double>(), kSwitch * 1e6, 1e-6);
  const double cpu_busy = kMalloc + kSwitch + 4 * kHostPerOp + kSwitch + kFree;
  EXPECT_NEAR(host["cpu_utilization_pct"].get<double>(), 100 * cpu_busy / (4 * iteration), 1e-6);

  // no-cache: the one input batch of the window was a device allocation.
  EXPECT_EQ(report["memory"]["allocation_requests"], 1);
  EXPECT_DOUBLE_EQ(report["memory"]["memory_reuse_pct"].get<double>(), 0.0);
}

TEST(Simulation, HostBoundChainMatchesTheAnalyticalTimeline) {
  // 50 tiny kernels: each takes less device time than the host needs to launch the next.
  Trace trace;
  trace.metadata = {.model = "tiny",
                    .batch_size = 2,
                    .samples_per_iteration = 2,
                    .input_bytes_per_sample = 0,
                    .parameter_bytes = 0,
                    .precision = "fp32"};
  const int n = 50;
  for (int i = 0; i < n; ++i) {
    Op op;
    op.id = static_cast<OpId>(i);
    op.name = "op" + std::to_string(i);
    op.kind = OpKind::kElementwise;
    op.flops = 1e6;
    op.bytes_read = op.bytes_written = 1e3;
    if (i > 0) op.deps = {op.id - 1};
    trace.ops.push_back(op);
  }
  const std::string trace_path = testing::TempDir() + "/aisim_tiny_trace.json";
  std::ofstream(trace_path) << trace_to_json(trace).dump();
  Json document = minimal();
  document["jobs"][0]["trace"] = trace_path;
  document["jobs"][0]["iterations"] = 3;
  const Json report = simulate(document);

  const double d = roofline(1e6, kAchievedFlopsFp32, 2e3);
  ASSERT_LT(d, kHostPerOp);
  // No input bytes: no allocation, no copy; the device finishes one kernel after the last launch.
  const double iteration = n * kHostPerOp + d + kSwitch;
  EXPECT_NEAR(report["simulation"]["simulated_time_s"].get<double>(), kSwitch + 3 * iteration,
              3 * n * 1e-9);
  EXPECT_NEAR(report["jobs"][0]["time_per_iteration_s"].get<double>(), iteration, n * 1e-9);
  EXPECT_NEAR(report["devices"][1]["utilization_pct"].get<double>(), 100 * n * d / iteration, 1e-6);
  EXPECT_EQ(report["jobs"][0]["measured_iterations"], 2);
}

TEST(Simulation, ReportCarriesSchemaVersionSeedAndConfigEcho) {
  const Json report = simulate(minimal());
  EXPECT_EQ(report["schema_version"], kReportSchemaVersion);
  EXPECT_EQ(report["seed"], 7);
  EXPECT_EQ(report["config"]["policies"]["scheduler"], "fifo");
  EXPECT_EQ(report["config"]["devices"][1]["kernel_overhead_s"], 1e-6);
  EXPECT_FALSE(report["aisim_version"].get<std::string>().empty());
  // Idle accelerators draw idle power: the TPU-less minimal node's host is never above busy.
  EXPECT_LE(report["devices"][0]["power_w"].get<double>(), 150.0);
  EXPECT_GE(report["devices"][0]["power_w"].get<double>(), 50.0);
}

// Dynamic padding: each iteration runs at its own length, so step times vary with the lengths
// drawn, and the same seed draws the same lengths.
TEST(Simulation, PerIterationSequenceLengthsDriveStepTimes) {
  Json document = minimal();
  document["jobs"][0] = {
      {"model", "bert-base"},
      {"batch_size", 8},
      {"precision", "amp"},
      {"dataset_size", 800},
      {"iterations", 12},
      {"device", "gpu0"},
      {"sequence_length",
       {{"distribution", "uniform"}, {"min", 16}, {"max", 256}, {"multiple_of", 16}}}};
  const Json report = simulate(document);
  const auto& seq = report["jobs"][0]["sequence_length"];
  EXPECT_GE(seq["min"].get<double>(), 16);
  EXPECT_LE(seq["max"].get<double>(), 256);
  EXPECT_LT(seq["min"].get<double>(), seq["max"].get<double>());
  // Step times follow the lengths: they differ from iteration to iteration. (One simulation per
  // process, so the comparison with a fixed length is within this run.)
  const auto& times = report["jobs"][0]["iteration_time_s"];
  EXPECT_GT(times["max"].get<double>(), 1.5 * times["min"].get<double>());
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
