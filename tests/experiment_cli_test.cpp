// `aisim --config` on a config of several (job set x policy set) points: child processes, the
// merged report with Table 3/4, --job/--policy-set, --set overrides, failures of single points,
// and byte-identical reports for the same config and seed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_process.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

using test::run_process;
namespace fs = std::filesystem;

const std::string kData = AISIM_TEST_DATA_DIR;
const std::string kAisim = AISIM_BINARY;
const std::string kExperiment = kData + "/experiment.json";

fs::path fresh_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("aisim_exp_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

nlohmann::json read_json(const fs::path& path) {
  return nlohmann::json::parse(std::ifstream(path));
}

std::string read_file(const fs::path& path) {
  std::ostringstream s;
  s << std::ifstream(path, std::ios::binary).rdbuf();
  return s.str();
}

int count_lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

TEST(Experiment, EveryJobSetUnderEveryPolicySetInItsOwnProcess) {
  const fs::path out = fresh_dir("all");
  const auto r = run_process(kAisim + " -j 2 --config " + kExperiment + " -o " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = read_json(out / "report.json");
  EXPECT_EQ(report["kind"], "experiment");
  EXPECT_EQ(report["baseline_policy_set"], "baseline");
  // Jobs a and b are measured; c is a co-tenant: 2 job sets x 2 policy sets.
  ASSERT_EQ(report["points"].size(), 4u);
  EXPECT_EQ(report["points"][0]["id"], "a.baseline");
  EXPECT_EQ(report["points"][3]["id"], "b.ai-aware");
  for (const auto& p : report["points"]) {
    const auto& pr = p["report"];
    ASSERT_TRUE(pr.is_object()) << p["id"];
    // The point's own report: its policy set only, and its measured job with the co-tenant.
    EXPECT_EQ(pr["config"]["policy_sets"].size(), 1u);
    EXPECT_EQ(pr["config"]["policy_sets"][0]["name"], p["policy_set"]);
    ASSERT_EQ(pr["jobs"].size(), 2u);
    EXPECT_EQ(pr["jobs"][0]["name"], p["job_set"]);
    EXPECT_EQ(pr["jobs"][1]["name"], "c");
    EXPECT_TRUE(fs::exists(out / "points" / p["id"].get<std::string>() / "report.json"));
  }
  // Table 3: one row per measured job per point (the co-tenant is not a row).
  const auto& t3 = report["table3"];
  ASSERT_EQ(t3.size(), 4u);
  EXPECT_TRUE(t3[0]["improvement_pct"].is_null());  // the baseline itself
  ASSERT_TRUE(t3[1]["improvement_pct"].is_object());
  const double base = t3[0]["throughput_samples_per_s"],
               proposed = t3[1]["throughput_samples_per_s"];
  EXPECT_NEAR(t3[1]["improvement_pct"]["throughput_samples_per_s"].get<double>(),
              100.0 * (proposed - base) / base, 1e-9);
  // Each row's figures are its point's report's figures.
  EXPECT_EQ(t3[2]["throughput_samples_per_s"],
            report["points"][2]["report"]["jobs"][0]["throughput_samples_per_s"]);
  EXPECT_EQ(t3[2]["memory_reuse_pct"], report["points"][2]["report"]["memory"]["memory_reuse_pct"]);
  // Table 4: one row per policy set.
  ASSERT_EQ(report["table4"].size(), 2u);
  EXPECT_EQ(report["table4"][1]["policy_set"], "ai-aware");
  EXPECT_EQ(report["table4"][1]["rows"], 2);
  // The CSVs hold the same rows.
  EXPECT_EQ(count_lines(read_file(out / "table3.csv")), 1 + 4);
  EXPECT_EQ(count_lines(read_file(out / "table4.csv")), 1 + 2);
  EXPECT_NE(r.out.find("Table 3"), std::string::npos);
  EXPECT_NE(r.out.find("Table 4"), std::string::npos);
  fs::remove_all(out);
}

TEST(Experiment, JobAndPolicySetSelectOnePoint) {
  const fs::path out = fresh_dir("one");
  const auto r = run_process(kAisim + " -q --config " + kExperiment +
                             " --job b --policy-set ai-aware -o " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = read_json(out / "report.json");
  EXPECT_EQ(report["kind"], "simulation");
  EXPECT_EQ(report["point"]["job_set"], "b");
  EXPECT_EQ(report["config"]["policies"]["scheduler"], "accel-aware");
  EXPECT_FALSE(fs::exists(out / "points"));
  fs::remove_all(out);
}

TEST(Experiment, UnknownPointNamesAreBadInput) {
  const fs::path out = fresh_dir("unknown");
  const auto r = run_process(kAisim + " --config " + kExperiment + " --job zz -o " + out.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown job set \"zz\"; valid: a, b"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(Experiment, SetOverridesAConfigKeyBeforeValidation) {
  const fs::path out = fresh_dir("set");
  const auto r = run_process(kAisim + " -q --config " + kExperiment +
                             " --job a --policy-set baseline --set run.seed=99"
                             " --set jobs.0.iterations=6 -o " +
                             out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = read_json(out / "report.json");
  EXPECT_EQ(report["seed"], 99);
  EXPECT_EQ(report["jobs"][0]["iterations_simulated"], 6);
  fs::remove_all(out);
}

TEST(Experiment, BadSetKeysGetTheConfigErrors) {
  const fs::path out = fresh_dir("badset");
  // A misspelt key is an unknown config key; an index past an array's end is named as such.
  auto r = run_process(kAisim + " --config " + kExperiment +
                       " --set policy_sets.0.schedulr=cfs -o " + out.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("experiment.json: /policy_sets/0/schedulr: unknown key"), std::string::npos)
      << r.err;
  r = run_process(kAisim + " --config " + kExperiment + " --set jobs.7.iterations=3 -o " +
                  out.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--set jobs.7.iterations: /jobs is an array of 3 elements"),
            std::string::npos)
      << r.err;
  r = run_process(kAisim + " --config " + kExperiment + " --set noequals -o " + out.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("expected key=value"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(Experiment, AFailedPointIsReportedAndTheOthersStillRun) {
  const fs::path out = fresh_dir("oom");
  // gpu1 (job b's device) too small for the input batch: b's points run out of memory.
  const auto r = run_process(kAisim + " -q -j 2 --config " + kExperiment +
                             " --set 'devices.2.memory_capacity=1 MiB' -o " + out.string());
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("point b.baseline failed: aisim: out of memory on gpu1: job b"),
            std::string::npos)
      << r.err;
  const auto report = read_json(out / "report.json");
  ASSERT_EQ(report["points"].size(), 4u);
  EXPECT_TRUE(report["points"][0]["error"].is_null());
  EXPECT_TRUE(report["points"][0]["report"].is_object());
  EXPECT_TRUE(report["points"][2]["report"].is_null());
  EXPECT_NE(report["table3"][2]["error"].get<std::string>().find("out of memory"),
            std::string::npos);
  fs::remove_all(out);
}

// The same config and seed give the same bytes, whatever the parallelism; another seed changes
// the sequence-length draws and so the report.
TEST(Experiment, SameConfigAndSeedGiveAByteIdenticalReport) {
  const fs::path a = fresh_dir("det_a"), b = fresh_dir("det_b"), c = fresh_dir("det_c");
  // Steady-state mode keeps it short (3 iterations per job); BERT's and GPT-2's sequence lengths
  // are still drawn from the seed.
  const std::string config =
      std::string(AISIM_SOURCE_DIR) + "/configs/a100_tpu.json --set run.steady_state_iterations=1";
  ASSERT_EQ(run_process(kAisim + " -q -j 1 --config " + config + " -o " + a.string()).exit_code, 0);
  ASSERT_EQ(run_process(kAisim + " -q -j 2 --config " + config + " -o " + b.string()).exit_code, 0);
  ASSERT_EQ(
      run_process(kAisim + " -q -j 2 --config " + config + " --set run.seed=43 -o " + c.string())
          .exit_code,
      0);
  EXPECT_EQ(read_file(a / "report.json"), read_file(b / "report.json"));
  EXPECT_EQ(read_file(a / "table3.csv"), read_file(b / "table3.csv"));
  EXPECT_NE(read_file(a / "table3.csv"), read_file(c / "table3.csv"));
  for (const fs::path& d : {a, b, c}) fs::remove_all(d);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim

namespace aisim {
namespace AISIM_UNITY_ID {

std::vector<std::string> csv_lines(const fs::path& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(Sweep, CartesianGridOneReportPerPointMergedCsv) {
  const fs::path out = fresh_dir("sweep");
  const auto r = run_process(kAisim + " sweep -j 2 --config " + kData +
                             "/minimal.json --set policies.scheduler=fifo,cfs"
                             " --set jobs.0.iterations=2,3 --out " +
                             out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = csv_lines(out / "sweep.csv");
  ASSERT_EQ(lines.size(), 1u + 4u);
  EXPECT_EQ(lines[0].rfind("point,policies.scheduler,jobs.0.iterations,", 0), 0u) << lines[0];
  // The last axis varies fastest.
  EXPECT_EQ(lines[1].rfind("p0000,fifo,2,", 0), 0u) << lines[1];
  EXPECT_EQ(lines[4].rfind("p0003,cfs,3,", 0), 0u) << lines[4];
  // Each point simulated its own settings.
  const auto p3 = read_json(out / "p0003" / "report.json");
  EXPECT_EQ(p3["config"]["policies"]["scheduler"], "cfs");
  EXPECT_EQ(p3["jobs"][0]["iterations_simulated"], 3);
  const auto p0 = read_json(out / "p0000" / "report.json");
  EXPECT_EQ(p0["config"]["policies"]["scheduler"], "fifo");
  EXPECT_EQ(p0["jobs"][0]["iterations_simulated"], 2);
  fs::remove_all(out);
}

TEST(Sweep, ResumesSkippingFinishedPoints) {
  const fs::path out = fresh_dir("resume");
  const std::string command = kAisim + " sweep -j 2 --config " + kData +
                              "/minimal.json --set jobs.0.iterations=2,3,4 --out " + out.string();
  ASSERT_EQ(run_process(command).exit_code, 0);
  const auto before = fs::last_write_time(out / "p0000" / "report.json");
  fs::remove(out / "p0001" / "report.json");
  const auto r = run_process(command);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 points (2 already done)"), std::string::npos) << r.out;
  EXPECT_EQ(fs::last_write_time(out / "p0000" / "report.json"), before);
  EXPECT_TRUE(fs::exists(out / "p0001" / "report.json"));
  EXPECT_EQ(csv_lines(out / "sweep.csv").size(), 1u + 3u);
  fs::remove_all(out);
}

TEST(Sweep, EmitCommandsPrintsOneCommandPerPointAndRunsNothing) {
  const fs::path out = fresh_dir("emit");
  const auto r = run_process(kAisim + " sweep --emit-commands --config " + kData +
                             "/minimal.json --set policies.scheduler=fifo,cfs"
                             " --set 'run.util_window=1 ms,2 ms' --out " +
                             out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::vector<std::string> commands;
  for (std::string line; std::getline(in, line);) commands.push_back(line);
  ASSERT_EQ(commands.size(), 4u);
  EXPECT_NE(commands[1].find("--set policies.scheduler=fifo --set 'run.util_window=2 ms'"),
            std::string::npos)
      << commands[1];
  EXPECT_NE(commands[3].find("-o " + (out / "p0003").string()), std::string::npos) << commands[3];
  EXPECT_FALSE(fs::exists(out / "p0000" / "report.json"));
  // Running one emitted command, then the sweep, merges it without running it again.
  ASSERT_EQ(run_process(commands[0]).exit_code, 0);
  const auto r2 = run_process(kAisim + " sweep --config " + kData +
                              "/minimal.json --set policies.scheduler=fifo,cfs"
                              " --set 'run.util_window=1 ms,2 ms' --out " +
                              out.string());
  EXPECT_NE(r2.out.find("4 points (1 already done)"), std::string::npos) << r2.out;
  fs::remove_all(out);
}

TEST(Sweep, BadKeysFailBeforeAnythingRuns) {
  const fs::path out = fresh_dir("sweep_bad");
  const auto r =
      run_process(kAisim + " sweep --config " + kData +
                  "/minimal.json --set policies.schedular=fifo,cfs --out " + out.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/policies/schedular: unknown key \"schedular\"; did you mean "
                       "\"scheduler\"?"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim

namespace aisim {
namespace AISIM_UNITY_ID {

TEST(CompareCli, DifferencesBeyondToleranceExitFourWithATable) {
  const fs::path out = fresh_dir("compare");
  ASSERT_EQ(
      run_process(kAisim + " -q --config " + kData + "/minimal.json -o " + out.string()).exit_code,
      0);
  auto report = read_json(out / "report.json");
  const std::string tolerances =
      std::string(AISIM_SOURCE_DIR) + "/results/reference/tolerances.json";
  auto r = run_process(kAisim + " compare " + (out / "report.json").string() + " " +
                       (out / "report.json").string() + " --tolerances " + tolerances);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  report["host"]["context_switch_latency_us"]["mean"] =
      report["host"]["context_switch_latency_us"]["mean"].get<double>() * 1.001;
  report["host"]["involuntary_preemptions"] =
      1 + report["host"]["involuntary_preemptions"].get<int>();
  std::ofstream(out / "changed.json") << report.dump(2);
  r = run_process(kAisim + " compare " + (out / "report.json").string() + " " +
                  (out / "changed.json").string() + " --tolerances " + tolerances);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.out.find("2 difference(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/host/context_switch_latency_us/mean"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/host/involuntary_preemptions"), std::string::npos) << r.out;
  fs::remove_all(out);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
