// Config validation in-process: every problem reported at once, each with its JSON pointer.
#include "sim/config.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace aisim {
namespace AISIM_UNITY_ID {

const std::string kData = AISIM_TEST_DATA_DIR;

Json minimal() {
  std::ifstream in(kData + "/minimal.json");
  return Json::parse(in);
}

// The diagnostics a config produces, as "pointer: message" lines.
std::vector<Diagnostic> errors_of(const Json& document) {
  try {
    config_from_json(document, kData + "/minimal.json");
  } catch (const ConfigError& e) {
    return e.diagnostics();
  }
  return {};
}

TEST(Config, MinimalConfigLoadsWithDefaults) {
  const Config c = load_config(kData + "/minimal.json");
  ASSERT_EQ(c.devices.size(), 2u);
  EXPECT_EQ(c.host_index(), 0);
  EXPECT_EQ(c.devices[0].cores, 4);
  EXPECT_DOUBLE_EQ(c.devices[1].peak_flops.at(Precision::kFp16), 100e12);
  EXPECT_DOUBLE_EQ(c.devices[1].memory_capacity_bytes, 16.0 * (1ull << 30));
  EXPECT_DOUBLE_EQ(c.devices[1].malloc_latency_s, 10e-6);        // default
  EXPECT_EQ(c.jobs[0].trace_path, kData + "/chain_trace.json");  // relative to the config
  EXPECT_DOUBLE_EQ(c.run.util_window_s, 1e-3);
  EXPECT_EQ(c.run.output_dir, "out");
  EXPECT_EQ(c.resolved()["devices"][1]["launch_latency_s"], 5e-6);
}

TEST(Config, ShippedDefaultConfigIsValid) {
  const Config c = load_config(std::string(AISIM_SOURCE_DIR) + "/configs/a100_tpu.json");
  EXPECT_EQ(c.devices.size(), 4u);
  EXPECT_EQ(c.devices[c.host_index()].cores, 40);
}

TEST(Config, ComputeEfficiencyIsANumberOrPerPrecision) {
  Json c = minimal();
  c["devices"][1]["compute_efficiency"] = 0.5;  // the old form: every precision
  Config one = config_from_json(c, kData + "/minimal.json");
  EXPECT_DOUBLE_EQ(one.devices[1].compute_efficiency_for(Precision::kFp16), 0.5);
  EXPECT_EQ(one.resolved()["devices"][1]["compute_efficiency"], 0.5);

  c["devices"][1]["compute_efficiency"] = {{"tf32", 0.25}, {"fp16", 0.5}};
  Config per = config_from_json(c, kData + "/minimal.json");
  EXPECT_DOUBLE_EQ(per.devices[1].compute_efficiency_for(Precision::kTf32), 0.25);
  EXPECT_DOUBLE_EQ(per.devices[1].compute_efficiency_for(Precision::kFp16), 0.5);
  EXPECT_DOUBLE_EQ(per.devices[1].compute_efficiency_for(Precision::kFp32), 1.0);  // default
  EXPECT_EQ(per.resolved()["devices"][1]["compute_efficiency"],
            Json({{"default", 1.0}, {"tf32", 0.25}, {"fp16", 0.5}}));

  c["devices"][1]["compute_efficiency"] = {{"default", 0.9}, {"fp8", 0.5}, {"fp16", 2}};
  const auto errors = errors_of(c);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].pointer, "/devices/1/compute_efficiency/fp16");
  EXPECT_NE(errors[0].message.find("expected a number in [0.001, 1], got 2"), std::string::npos);
  EXPECT_EQ(errors[1].pointer, "/devices/1/compute_efficiency/fp8");
  EXPECT_NE(errors[1].message.find("unknown precision \"fp8\"; valid: default, "),
            std::string::npos);
}

TEST(Config, ShippedA100IsCalibrated) {
  // The calibrated values (make calibrate, docs/validation.md) are in the default config.
  const Config c = load_config(std::string(AISIM_SOURCE_DIR) + "/configs/a100_tpu.json");
  const DeviceSpec& a100 = c.devices[c.device_index("a100")];
  EXPECT_LT(a100.compute_efficiency_for(Precision::kTf32), 1.0);
  EXPECT_LT(a100.compute_efficiency_for(Precision::kFp16), 1.0);
  EXPECT_DOUBLE_EQ(a100.compute_efficiency_for(Precision::kBf16),
                   a100.compute_efficiency_for(Precision::kFp16));
  EXPECT_DOUBLE_EQ(a100.memory_efficiency, 0.7);
}

TEST(Config, ReportsEveryErrorAtOnceWithPointers) {
  Json c = minimal();
  c["devices"][1]["peak_flops"] = "-5";
  c["links"][0]["latency"] = "1 GB";
  c["run"]["warmup_iterations"] = -1;
  const auto errors = errors_of(c);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].pointer, "/devices/1/peak_flops");
  EXPECT_NE(errors[0].message.find("expected a positive quantity like \"312 TFLOPS\""),
            std::string::npos);
  EXPECT_NE(errors[0].message.find("got \"-5\""), std::string::npos);
  EXPECT_EQ(errors[1].pointer, "/links/0/latency");
  EXPECT_EQ(errors[2].pointer, "/run/warmup_iterations");
  EXPECT_EQ(errors[0].str().rfind(kData + "/minimal.json: /devices/1/peak_flops: ", 0), 0u);
}

TEST(Config, UnknownKeySuggestsClosest) {
  Json c = minimal();
  c["devices"][1]["memory_bandwith"] = c["devices"][1]["memory_bandwidth"];
  c["devices"][1].erase("memory_bandwidth");
  const auto errors = errors_of(c);
  ASSERT_EQ(errors.size(), 2u);  // the key it lacks and the key it does not know
  EXPECT_EQ(errors[0].pointer, "/devices/1/memory_bandwidth");
  EXPECT_EQ(errors[0].message, "missing required key");
  EXPECT_EQ(errors[1].pointer, "/devices/1/memory_bandwith");
  EXPECT_NE(errors[1].message.find("did you mean \"memory_bandwidth\"?"), std::string::npos);
}

TEST(Config, UnknownPolicyListsValidNames) {
  Json c = minimal();
  c["policies"]["scheduler"] = "cfq";
  const auto errors = errors_of(c);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].pointer, "/policies/scheduler");
  EXPECT_EQ(errors[0].message, "unknown scheduler \"cfq\"; valid: accel-aware, cfs, fifo");
}

TEST(Config, CrossReferencesAreChecked) {
  Json c = minimal();
  c["jobs"][0]["device"] = "host";
  c["links"][0]["endpoints"] = {"host", "nowhere"};
  c["devices"][1]["busy_power"] = "10 W";
  const auto errors = errors_of(c);
  std::vector<std::string> pointers;
  for (const auto& e : errors) pointers.push_back(e.pointer);
  EXPECT_EQ(pointers, (std::vector<std::string>{"/devices/1/busy_power", "/links/0/endpoints/1",
                                                "/jobs/0/device"}));
}

TEST(Config, JobMustHaveMoreIterationsThanWarmup) {
  Json c = minimal();
  c["jobs"][0]["iterations"] = 1;
  const auto errors = errors_of(c);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].pointer, "/jobs/0/iterations");
}

TEST(Config, SteadyStateModeCapsTheSimulatedIterations) {
  Json c = minimal();
  c["jobs"][0]["iterations"] = 100;
  c["run"]["warmup_iterations"] = 2;
  // Off by default.
  EXPECT_EQ(config_from_json(c, kData + "/minimal.json").jobs[0].iterations, 100);
  c["run"]["steady_state_iterations"] = 3;
  const Config capped = config_from_json(c, kData + "/minimal.json");
  EXPECT_EQ(capped.jobs[0].iterations, 5);  // warm-up + steady-state iterations
  EXPECT_EQ(capped.resolved()["run"]["steady_state_iterations"], 3);
  c["run"]["steady_state_iterations"] = 500;  // never more than configured
  EXPECT_EQ(config_from_json(c, kData + "/minimal.json").jobs[0].iterations, 100);
  c["run"]["steady_state_iterations"] = -1;
  const auto errors = errors_of(c);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].pointer, "/run/steady_state_iterations");
}

TEST(Config, DuplicateNamesAndMissingHost) {
  Json c = minimal();
  c["devices"][0]["kind"] = "gpu";
  c["devices"][0]["name"] = "gpu0";
  const auto errors = errors_of(c);
  ASSERT_GE(errors.size(), 2u);
  EXPECT_EQ(errors[0].pointer, "/devices/1/name");
  EXPECT_EQ(errors[1].pointer, "/devices");
}

TEST(Config, MalformedJsonGivesLineAndColumn) {
  try {
    load_config(kData + "/bad/malformed.json");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_NE(e.diagnostics()[0].message.find("malformed JSON at line "), std::string::npos);
  }
}

TEST(Config, MissingFileNamesThePath) {
  try {
    load_config("/nonexistent/aisim.json");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.diagnostics()[0].str(),
              "/nonexistent/aisim.json: cannot open file (does it exist and is it readable?)");
  }
}

TEST(Config, ExtendsAppliesAMergePatchToTheBase) {
  const Config c =
      load_config(std::string(AISIM_SOURCE_DIR) + "/configs/bert_dynamic_padding.json");
  EXPECT_EQ(c.devices.size(), 4u);  // from the base
  ASSERT_EQ(c.jobs.size(), 1u);     // the array is replaced, not merged
  EXPECT_EQ(c.jobs[0].model, "bert-base");
  EXPECT_EQ(c.jobs[0].sequence.kind, SequenceLengthSpec::Kind::kUniform);
  EXPECT_EQ(c.jobs[0].sequence.multiple_of, 8);
  EXPECT_EQ(c.links.size(), 3u);            // untouched keys come from the base
  EXPECT_EQ(c.policies.memory, "caching");  // objects merge key by key
}

TEST(Config, SequenceLengthIsChecked) {
  Json c = minimal();
  c["jobs"][0] = {{"model", "bert-base"},
                  {"batch_size", 4},
                  {"dataset_size", 10},
                  {"iterations", 3},
                  {"device", "gpu0"},
                  {"sequence_length", {{"distribution", "uniform"}, {"min", 64}, {"max", 1024}}}};
  auto errors = errors_of(c);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].pointer, "/jobs/0/sequence_length");
  EXPECT_NE(errors[0].message.find("expected at most 512"), std::string::npos);

  c["jobs"][0]["model"] = "resnet50";
  c["jobs"][0]["sequence_length"] = 128;
  errors = errors_of(c);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("has fixed shapes"), std::string::npos);

  c["jobs"][0]["model"] = "gpt2";
  c["jobs"][0]["sequence_length"] = {{"distribution", "zipf"}};
  errors = errors_of(c);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].pointer, "/jobs/0/sequence_length/distribution");
}

TEST(Config, SchedulerKeysHaveDefaultsAndRanges) {
  Json c = minimal();
  c["jobs"][0]["data_loader"] = {{"workers", 3}};
  c["background_load"] =
      Json::array({{{"kind", "periodic"}, {"period", "10 ms"}, {"duty_cycle", 0.5}, {"count", 2}}});
  const Config ok = config_from_json(c, kData + "/minimal.json");
  EXPECT_FALSE(ok.jobs[0].sync_spin);
  EXPECT_EQ(ok.jobs[0].data_loader.prefetch_batches, 6);  // 2 per worker
  EXPECT_DOUBLE_EQ(ok.jobs[0].data_loader.cpu_time_per_sample_s, 5e-3);
  EXPECT_TRUE(ok.background_load[0].periodic);
  EXPECT_DOUBLE_EQ(ok.background_load[0].period_s, 10e-3);
  EXPECT_EQ(ok.background_load[0].name, "background0");

  c["jobs"][0]["sync"] = "poll";
  c["jobs"][0]["data_loader"]["workers"] = -1;
  c["background_load"] = Json::array({{{"kind", "periodic"}}, {{"period", "1 ms"}}});
  const auto errors = errors_of(c);
  std::vector<std::string> pointers;
  for (const auto& e : errors) pointers.push_back(e.pointer);
  EXPECT_EQ(pointers,
            (std::vector<std::string>{"/jobs/0/sync", "/jobs/0/data_loader/workers",
                                      "/background_load/0/period", "/background_load/0/duty_cycle",
                                      "/background_load/1/period"}));
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
