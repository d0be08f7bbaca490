// The aisim command line, run as a user runs it: exit codes, one error line per problem naming
// file and JSON path, nothing written on bad input.
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

fs::path fresh_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("aisim_cli_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

struct BadInput {
  const char* file;
  std::vector<std::string> expected_lines;  // each stderr line must contain its fragment, in order
};

void PrintTo(const BadInput& bad, std::ostream* os) {
  *os << bad.file;
}

class BadInputTest : public testing::TestWithParam<BadInput> {};

TEST_P(BadInputTest, ExitsTwoWithOneLinePerProblemAndWritesNothing) {
  const BadInput& bad = GetParam();
  const fs::path out = fresh_dir(fs::path(bad.file).stem());
  const std::string path = kData + "/bad/" + bad.file;
  const auto r = run_process(kAisim + " --config " + path + " --output " + out.string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(fs::exists(out)) << "bad input must not write anything";
  const auto got = lines(r.err);
  ASSERT_EQ(got.size(), bad.expected_lines.size()) << r.err;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NE(got[i].find(bad.expected_lines[i]), std::string::npos)
        << "line " << i << ": " << got[i] << "\nexpected to contain: " << bad.expected_lines[i];
  }
}

INSTANTIATE_TEST_SUITE_P(
    Classes, BadInputTest,
    testing::Values(
        BadInput{"negative_quantity.json",
                 {"negative_quantity.json: /devices/1/peak_flops: expected a positive quantity "
                  "like \"312 TFLOPS\" (or a number in FLOPS), got \"-5\""}},
        BadInput{"wrong_unit.json", {"/devices/1/memory_bandwidth: expected a quantity in B/s"}},
        BadInput{"nan_quantity.json",
                 {"/devices/1/idle_power: expected a non-negative quantity like \"400 W\""}},
        BadInput{"unknown_key.json",
                 {"/devices/1/memory_bandwidth: missing required key",
                  "/devices/1/memory_bandwith: unknown key \"memory_bandwith\"; did you mean "
                  "\"memory_bandwidth\"?"}},
        BadInput{"unknown_policy.json",
                 {"/policies/scheduler: unknown scheduler \"cfq\"; valid: accel-aware, cfs, fifo"}},
        BadInput{"unknown_device.json",
                 {"/jobs/0/device: unknown device \"tpu9\"; devices: gpu0, host"}},
        BadInput{"wrong_type.json",
                 {"/jobs/0/iterations: expected an integer in [1, 2147483647], got \"two\""}},
        BadInput{"missing_key.json", {"/devices/1/memory_capacity: missing required key"}},
        BadInput{"three_errors.json",
                 {"/devices/1/peak_flops: expected a positive quantity",
                  "/policies/memory: unknown memory policy \"lru\"; valid: caching, no-cache, "
                  "tensor-aware",
                  "/links/0/endpoints/1: unknown device \"gpu7\""}},
        BadInput{"malformed.json", {"malformed.json: malformed JSON at line "}},
        BadInput{"not_json.json", {"not_json.json: malformed JSON at line 1, column 1"}},
        BadInput{"bad_trace_ref.json",
                 {"bad_trace.json: /ops/0/kind: unknown op kind \"convolution\"; valid: conv,",
                  "bad_trace.json: /ops/1/deps/0: unknown op 5"}},
        BadInput{"cfg_trace_cycle.json",
                 {"trace_cycle.json: /ops: dependency cycle: b -> c -> d -> b"}},
        BadInput{"cfg_trace_dangling_tensor.json",
                 {"trace_dangling_tensor.json: /ops/2/inputs/0: unknown tensor 9 (not listed under "
                  "/tensors)"}},
        BadInput{"cfg_trace_negative_size.json",
                 {"trace_negative_size.json: /ops/1/bytes_read: expected a non-negative quantity"}},
        BadInput{"cfg_trace_negative_shape.json",
                 {"trace_negative_shape.json: /tensors/1/shape/1: expected a positive integer, got "
                  "-16"}},
        BadInput{"cfg_trace_missing_field.json",
                 {"trace_missing_field.json: /ops/2/kind: missing required key"}},
        BadInput{"cfg_trace_truncated.json",
                 {"trace_truncated.json: malformed JSON at line 32, column 17"}},
        BadInput{"cfg_trace_unknown_version.json",
                 {"trace_unknown_version.json: /version: unsupported trace format version 7; this "
                  "aisim reads version 1"}},
        BadInput{"no_such_file.json", {"no_such_file.json: cannot open file"}}),
    [](const testing::TestParamInfo<BadInput>& info) {
      std::string name = fs::path(info.param.file).stem().string();
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

TEST(Cli, UnknownOptionIsBadInput) {
  const auto r = run_process(kAisim + " --confg x.json");
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, MissingConfigIsBadInput) {
  const auto r = run_process(kAisim);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--config is required"), std::string::npos);
}

TEST(Cli, VersionAndHelp) {
  const auto version = run_process(kAisim + " --version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("aisim ", 0), 0u);
  const auto help = run_process(kAisim + " --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* option : {"--config", "--output", "--quiet", "--version", "--list-policies",
                             "--simgrid-cfg", "Exit codes"})
    EXPECT_NE(help.out.find(option), std::string::npos) << option;
}

TEST(Cli, ListPolicies) {
  const auto r = run_process(kAisim + " --list-policies");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("fifo"), std::string::npos);
  EXPECT_NE(r.out.find("no-cache"), std::string::npos);
}

TEST(Cli, RunWritesReportAndSummary) {
  const fs::path out = fresh_dir("run");
  const auto r =
      run_process(kAisim + " --config " + kData + "/minimal.json --output " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_NE(r.out.find("context-switch latency"), std::string::npos);
  std::ifstream in(out / "report.json");
  ASSERT_TRUE(in.good());
  const auto report = nlohmann::json::parse(in);
  EXPECT_EQ(report["schema_version"], 2);
  EXPECT_EQ(report["kind"], "simulation");
  EXPECT_EQ(report["jobs"][0]["name"], "chain");
  // One Table 3 row for the one job, and the same row in table3.csv.
  ASSERT_EQ(report["table3"].size(), 1u);
  EXPECT_EQ(report["table3"][0]["job"], "chain");
  EXPECT_TRUE(fs::exists(out / "table3.csv"));
  EXPECT_TRUE(fs::exists(out / "table4.csv"));
  fs::remove_all(out);
}

TEST(Cli, QuietPrintsNothing) {
  const fs::path out = fresh_dir("quiet");
  const auto r =
      run_process(kAisim + " --quiet --config " + kData + "/minimal.json --output " + out.string());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty());
  EXPECT_TRUE(fs::exists(out / "report.json"));
  fs::remove_all(out);
}

TEST(Cli, OutOfDeviceMemoryExitsThree) {
  const fs::path out = fresh_dir("oom");
  const auto r = run_process(kAisim + " --config " + kData + "/oom.json --output " + out.string());
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(
      r.err.find(
          "out of memory on gpu0: job chain, iteration 0, tensor input_batch needs 4000000 bytes"),
      std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(Cli, SameSeedSameBytes) {
  const fs::path a = fresh_dir("det_a"), b = fresh_dir("det_b");
  ASSERT_EQ(run_process(kAisim + " -q --config " + kData + "/minimal.json --output " + a.string())
                .exit_code,
            0);
  ASSERT_EQ(run_process(kAisim + " -q --config " + kData + "/minimal.json --output " + b.string())
                .exit_code,
            0);
  const auto bytes = [](const fs::path& p) {
    std::ostringstream s;
    s << std::ifstream(p, std::ios::binary).rdbuf();
    return s.str();
  };
  EXPECT_EQ(bytes(a / "report.json"), bytes(b / "report.json"));
  fs::remove_all(a);
  fs::remove_all(b);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
