// Importers: bad files (one test each: a one-line error naming the file and the JSON pointer,
// exit code 2 from the CLI), a hand-made legacy Kineto file checked by hand, and the real traces
// of ../shared/traces (skipped with a message when that folder is absent).
#include <gtest/gtest.h>

#include <filesystem>

#include "models/errors.hpp"
#include "test_process.hpp"
#include "workloads/importers.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

const std::string kData = AISIM_TEST_DATA_DIR;
const std::string kTraces = AISIM_SHARED_TRACES_DIR;
const std::string kAisim = AISIM_BINARY;

struct BadCase {
  const char* file;
  const char* pointer;  // expected JSON pointer of the first diagnostic
  const char* message;  // a part of its message
};

class BadImportTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadImportTest, OneLineErrorWithFileAndPointer) {
  const BadCase& c = GetParam();
  const std::string path = kData + "/bad/import/" + c.file;
  try {
    import_trace(path, std::nullopt, {});
    FAIL() << "no error for " << path;
  } catch (const TraceError& e) {
    ASSERT_FALSE(e.diagnostics().empty());
    const Diagnostic& d = e.diagnostics().front();
    EXPECT_EQ(d.file, path);
    EXPECT_EQ(d.pointer, c.pointer) << d.str();
    EXPECT_NE(d.message.find(c.message), std::string::npos) << d.str();
    EXPECT_EQ(d.str().find('\n'), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Files, BadImportTest,
    ::testing::Values(
        BadCase{"kineto_missing_dur.json", "/traceEvents/2/dur", "missing field \"dur\""},
        BadCase{"kineto_negative_dur.json", "/traceEvents/2/dur", "non-negative"},
        BadCase{"kineto_truncated.json", "/traceEvents/74", "malformed JSON at byte"},
        BadCase{"kineto_truncated.json.gz", "/traceEvents/1", "truncated gzip stream"},
        BadCase{"et_unknown_schema.json", "/schema",
                "unsupported execution-trace schema \"9.9.9\"; supported: 1.0.2-chakra.0.0.4"},
        BadCase{"et_negative_numel.json", "/nodes/1/inputs/values/0/3",
                "non-negative element count"},
        BadCase{"et_dangling_parent.json", "/nodes/0/ctrl_deps", "unknown node 77"},
        BadCase{"et_missing_inputs.json", "/nodes/0/inputs", "missing required key"},
        BadCase{"chakra_cycle.json", "/workload_graph",
                "dependency cycle: a (Id 1) -> c (Id 3) -> b (Id 2) -> a (Id 1)"},
        BadCase{"chakra_dangling.json", "/workload_graph/1/data_deps/0", "unknown node 99"},
        BadCase{"aisim_dangling_tensor.json", "/ops/0/inputs/0", "unknown tensor 5"},
        BadCase{"aisim_negative_size.json", "/ops/0/bytes_read", "non-negative"}),
    [](const auto& info) {
      std::string n = info.param.file;
      for (char& ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

TEST(ImportCli, BadTraceExitsTwoWithOneLine) {
  const std::string path = kData + "/bad/import/kineto_truncated.json.gz";
  const auto out = std::filesystem::temp_directory_path() / "aisim_import_bad.json";
  const auto r = test::run_process(kAisim + " import " + path + " -o " + out.string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, path +
                       ": /traceEvents/1: truncated gzip stream: the file ends before the "
                       "compressed data does (176 bytes inflated)\n")
      << "(the byte count is what zlib inflated before the cut)";
}

// Hand-made legacy file: the kernel is linked to its launch by the async flow only (no
// correlation in its args); the DtoH copy is synchronous (its call returns after it finished).
TEST(KinetoImport, LegacyFlowsAndSynchronousCopy) {
  const Trace t = import_trace(kData + "/kineto_flows_legacy.json", std::nullopt, {});
  ASSERT_EQ(t.ops.size(), 3u);
  EXPECT_EQ(t.ops[0].name, "cudnn_conv");
  EXPECT_EQ(t.ops[0].kind, OpKind::kConv);
  EXPECT_DOUBLE_EQ(t.ops[0].duration_us.at("gpu"), 30);
  EXPECT_DOUBLE_EQ(*t.ops[0].host_us, 10);  // step start 0 -> launch at 10
  EXPECT_FALSE(t.ops[0].host_sync);
  EXPECT_EQ(t.ops[1].kind, OpKind::kMemcpy);
  EXPECT_DOUBLE_EQ(t.ops[1].bytes_read.c0, 4096);
  EXPECT_DOUBLE_EQ(*t.ops[1].host_us, 50);  // launch at 10 -> call at 60
  EXPECT_TRUE(t.ops[1].host_sync);          // copy done at 150, call returned at 160
  EXPECT_EQ(t.ops[2].kind, OpKind::kCpu);   // the rest of the step on the host
  EXPECT_DOUBLE_EQ(*t.ops[2].host_us, 50);  // 200 - 60 - 90 waited for the copy
  EXPECT_EQ(t.metadata.steps_per_iteration, 1);
}

TEST(KinetoImport, UnknownStepListsTheSteps) {
  ImportOptions o;
  o.step = "9";
  try {
    import_trace(kData + "/kineto_flows_legacy.json", std::nullopt, o);
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_NE(e.diagnostics()[0].message.find("no ProfilerStep#9 in the trace; steps: 3"),
              std::string::npos);
  }
}

class RealTraces : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::is_directory(kTraces))
      GTEST_SKIP() << "real traces not found at " << kTraces
                   << " (the shared/traces folder beside the repository); skipping";
  }
  static size_t count(const Trace& t, OpKind k) {
    return static_cast<size_t>(
        std::count_if(t.ops.begin(), t.ops.end(), [&](const Op& o) { return o.kind == k; }));
  }
};

TEST_F(RealTraces, FormatsAreDetectedFromContent) {
  EXPECT_EQ(detect_trace_format(kTraces + "/hta_nccl_resnet50_a100.json.gz"), TraceFormat::kKineto);
  EXPECT_EQ(detect_trace_format(kTraces + "/kineto_tb_resnet50_v100_legacy.json.gz"),
            TraceFormat::kKineto);
  EXPECT_EQ(detect_trace_format(kTraces + "/param_resnet50_et.json.gz"), TraceFormat::kPytorchEt);
  EXPECT_EQ(detect_trace_format(kTraces + "/chakra_resnet50.0.json.gz"), TraceFormat::kChakra);
  EXPECT_EQ(detect_trace_format(kTraces + "/small_chakra.0.json"), TraceFormat::kChakra);
}

TEST_F(RealTraces, KinetoCurrentFormatKeepsEveryDeviceActivityOfTheSteps) {
  // README: 2,700 kernels + 960 memcpy + 114 memset in the file; ProfilerStep#4..#6.
  const Trace t = import_kineto(kTraces + "/hta_nccl_resnet50_a100.json.gz", {});
  EXPECT_EQ(t.metadata.steps_per_iteration, 3);
  double device_us = 0;
  for (const auto& o : t.ops)
    if (o.duration_us.count("gpu")) device_us += o.duration_us.at("gpu");
  EXPECT_GT(count(t, OpKind::kCollective), 0u);  // NCCL kernels
  EXPECT_GT(count(t, OpKind::kConv), 0u);
  EXPECT_GT(device_us, 100e3);  // about 51-62 ms of device time per step
  ImportOptions one;
  one.step = "5";
  const Trace s = import_kineto(kTraces + "/hta_nccl_resnet50_a100.json.gz", one);
  EXPECT_EQ(s.metadata.steps_per_iteration, 1);
  EXPECT_NEAR(static_cast<double>(s.ops.size()), t.ops.size() / 3.0, 60);
}

TEST_F(RealTraces, KinetoLegacyFormat) {
  const Trace t = import_kineto(kTraces + "/kineto_tb_resnet50_v100_legacy.json.gz", {});
  EXPECT_EQ(t.metadata.steps_per_iteration, 6);
  EXPECT_GT(count(t, OpKind::kConv), 0u);
  EXPECT_GT(count(t, OpKind::kMemcpy), 0u);
  EXPECT_TRUE(std::any_of(t.ops.begin(), t.ops.end(),
                          [](const Op& o) { return o.phase == Phase::kOptimizer; }));
}

TEST_F(RealTraces, KinetoWithoutStepsIsOneIteration) {
  const Trace alex = import_kineto(kTraces + "/hta_critical_path_alexnet_a100.json.gz", {});
  EXPECT_EQ(alex.metadata.steps_per_iteration, 1);
  EXPECT_GE(alex.ops.size(), 79u);  // 79 kernels plus copies
  const Trace mtia = import_kineto(kTraces + "/hta_mtia_inference_rank0.json.gz", {});
  ASSERT_FALSE(mtia.ops.empty());
  EXPECT_TRUE(mtia.ops.front().duration_us.count("npu"));  // mtia_ccp_events map to an npu
}

TEST_F(RealTraces, ExecutionTraceResnet50) {
  const Trace t = import_pytorch_et(kTraces + "/param_resnet50_et.json.gz", {});
  EXPECT_EQ(t.metadata.steps_per_iteration, 3);   // ProfilerStep#6..#8
  EXPECT_GE(count(t, OpKind::kCollective), 21u);  // 15 allreduce + 6 broadcast
  EXPECT_GT(count(t, OpKind::kConv), 0u);
  ImportOptions one;
  one.step = "7";
  const Trace s = import_pytorch_et(kTraces + "/param_resnet50_et.json.gz", one);
  // One of three steps; "all" also holds the operators outside the steps (process-group set-up).
  EXPECT_GT(s.ops.size(), 1000u);
  EXPECT_LT(s.ops.size(), t.ops.size() / 2);
  for (const Op& op : s.ops)
    for (OpId d : op.deps) ASSERT_LT(d, op.id);
}

TEST_F(RealTraces, ExecutionTraceGpt2) {
  const Trace t = import_pytorch_et(kTraces + "/param_hf_GPT2_et.json.gz", {});
  EXPECT_EQ(t.metadata.steps_per_iteration, 1);  // #1 is only the start marker
  EXPECT_GT(count(t, OpKind::kMatmul), 144u / 2);
}

TEST_F(RealTraces, Chakra) {
  const Trace t = import_chakra(kTraces + "/chakra_resnet50.0.json.gz", {});
  EXPECT_EQ(t.ops.size(), 3664u);
  EXPECT_EQ(count(t, OpKind::kCpu), 2448u);
  const Trace small = import_chakra(kTraces + "/small_chakra.0.json", {});
  ASSERT_EQ(small.ops.size(), 7u);
  EXPECT_EQ(small.ops[0].name, "aten::flatten_dense_tensors(0)");  // node 216 first
  for (const Op& op : small.ops)
    for (OpId d : op.deps) ASSERT_LT(d, op.id);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
