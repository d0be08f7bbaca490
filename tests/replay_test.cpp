// Replay of the real Kineto traces of ../shared/traces on an otherwise idle node: the simulated
// host-side step time (as ProfilerStep# measures it) against the measured mean step time from
// the traces' README. One simulation per process (gtest_discover_tests). docs/validation.md.
#include <gtest/gtest.h>

#include <filesystem>

#include "sim/config.hpp"
#include "sim/simulation.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

const std::string kTraces = AISIM_SHARED_TRACES_DIR;

struct ReplayCase {
  const char* file;
  double measured_mean_step_ms;  // README of shared/traces
  bool held_to_10pct;            // false: sampled, or last step cut off (docs/validation.md)
  int launch_queue_depth = 1024;
};

double simulated_step_ms(const ReplayCase& c) {
  const Json config = Json::parse(R"({
    "devices": [
      {"name": "host", "kind": "cpu", "cores": 16, "peak_flops": {"fp32": "1 TFLOPS"},
       "memory_capacity": "256 GiB", "memory_bandwidth": "100 GB/s", "context_switch": "2 us",
       "idle_power": "30 W", "busy_power": "200 W"},
      {"name": "gpu0", "kind": "gpu", "peak_flops": {"fp32": "15 TFLOPS"},
       "memory_capacity": "32 GiB", "memory_bandwidth": "900 GB/s",
       "idle_power": "50 W", "busy_power": "300 W"}],
    "links": [{"name": "pcie", "kind": "pcie", "endpoints": ["host", "gpu0"],
               "bandwidth": "16 GB/s", "latency": "1 us"}],
    "jobs": [{"name": "replay", "import": {"format": "kineto", "step": "all"}, "iterations": 1,
              "dataset_size": 1, "device": "gpu0"}],
    "policies": {"scheduler": "fifo", "memory": "no-cache"},
    "run": {"warmup_iterations": 0}
  })");
  Json j = config;
  j["jobs"][0]["import"]["file"] = kTraces + "/" + c.file;
  j["devices"][1]["launch_queue_depth"] = c.launch_queue_depth;
  j["run"]["output_dir"] = (std::filesystem::temp_directory_path() / "aisim_replay").string();
  const Config cfg = config_from_json(j, "replay_test.json");
  const Json report = run_simulation(cfg, load_workloads(cfg));
  return report["jobs"][0]["host_time_per_step_s"].get<double>() * 1e3;
}

class KinetoReplay : public ::testing::TestWithParam<ReplayCase> {
 protected:
  void SetUp() override {
    if (!std::filesystem::is_directory(kTraces))
      GTEST_SKIP() << "real traces not found at " << kTraces << "; skipping the replay";
  }
};

TEST_P(KinetoReplay, StepTimeAgainstMeasured) {
  const ReplayCase& c = GetParam();
  const double sim_ms = simulated_step_ms(c);
  const double error_pct = 100 * (sim_ms - c.measured_mean_step_ms) / c.measured_mean_step_ms;
  std::cout << c.file << ": measured " << c.measured_mean_step_ms << " ms, simulated " << sim_ms
            << " ms, error " << error_pct << " %\n";
  RecordProperty("error_pct", std::to_string(error_pct));
  if (c.held_to_10pct)
    EXPECT_LT(std::abs(error_pct), 10.0);
  else
    EXPECT_GT(sim_ms, 0.0);  // replayed and reported only
}

INSTANTIATE_TEST_SUITE_P(
    Traces, KinetoReplay,
    ::testing::Values(ReplayCase{"hta_nccl_resnet50_a100.json.gz", 222.37, true},
                      ReplayCase{"hta_ns_resolution_resnet50_v100.json.gz", 78.83, true},
                      ReplayCase{"hta_df_index_resolver_dhen_v100_memory.json.gz", 347.54, true},
                      ReplayCase{"kineto_tb_resnet50_v100_legacy.json.gz", 174.83, true},
                      ReplayCase{"hta_amd_mi250_minitoy_rocm6_2.json.gz", 4.67, false},
                      ReplayCase{"hta_timeline_sampled_rank0.json.gz", 615.12, false}),
    [](const auto& info) {
      std::string n = info.param.file;
      n = n.substr(0, n.find('.'));
      return n;
    });

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
