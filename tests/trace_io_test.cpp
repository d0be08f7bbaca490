#include "workloads/trace_io.hpp"

#include <gtest/gtest.h>

#include "models/architecture.hpp"
#include "workloads/generator.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

const std::string kData = AISIM_TEST_DATA_DIR;

TEST(TraceIo, LoadsTheChainTrace) {
  const Trace t = load_trace_file(kData + "/chain_trace.json");
  ASSERT_EQ(t.ops.size(), 4u);
  EXPECT_EQ(t.metadata.batch_size, 4);
  EXPECT_DOUBLE_EQ(t.metadata.input_bytes_per_sample, 1e6);
  EXPECT_EQ(t.ops[2].precision, Precision::kFp16);
  EXPECT_EQ(t.ops[1].precision, Precision::kFp32);  // default dtype
  EXPECT_DOUBLE_EQ(t.ops[1].bytes_read.at(0), 40e6);
  EXPECT_EQ(t.ops[3].deps, std::vector<OpId>{2});
}

TEST(TraceIo, RoundTripsAGeneratedTrace) {
  const Trace t = generate_training_trace(resnet50(), 16, "tf32");
  const Trace back = trace_from_json(trace_to_json(t), "roundtrip");
  ASSERT_EQ(back.ops.size(), t.ops.size());
  EXPECT_DOUBLE_EQ(back.total_flops(), t.total_flops());
  EXPECT_EQ(back.ops.back().name, t.ops.back().name);
}

TEST(TraceIo, ReportsEveryProblem) {
  try {
    load_trace_file(kData + "/bad/bad_trace.json");
    FAIL() << "expected a TraceError";
  } catch (const TraceError& e) {
    std::vector<std::string> pointers;
    for (const auto& d : e.diagnostics()) pointers.push_back(d.pointer);
    EXPECT_EQ(pointers, (std::vector<std::string>{"/ops/0/kind", "/ops/1/deps/0"}));
  }
}

TEST(TraceIo, RejectsOtherVersionsAndDuplicates) {
  Json t = trace_to_json(generate_training_trace(resnet50(), 1, "fp32"));
  t["version"] = 99;
  t["ops"][1]["id"] = 0;
  try {
    trace_from_json(t, "x.json");
    FAIL() << "expected a TraceError";
  } catch (const TraceError& e) {
    ASSERT_GE(e.diagnostics().size(), 2u);
    EXPECT_EQ(e.diagnostics()[0].pointer, "/version");
    EXPECT_EQ(e.diagnostics()[1].pointer, "/ops/1/id");
  }
}

TEST(TraceIo, EdgeTransferBytesAndSamplesPerEpochRoundTrip) {
  Json t = trace_to_json(load_trace_file(kData + "/chain_trace.json"));
  t["metadata"]["samples_per_epoch"] = 1281167;
  t["ops"][2]["transfer_bytes"] = {{"1", "3 MB"}};
  const Trace back = trace_from_json(trace_to_json(trace_from_json(t, "x.json")), "y.json");
  EXPECT_EQ(back.metadata.samples_per_epoch, 1281167);
  ASSERT_EQ(back.ops[2].transfer_bytes.size(), 1u);
  EXPECT_DOUBLE_EQ(back.ops[2].transfer_bytes.at(1), 3e6);
  t["ops"][2]["transfer_bytes"] = {{"0", "3 MB"}};  // op 0 is not a dependency of op 2
  try {
    trace_from_json(t, "z.json");
    FAIL() << "expected a TraceError";
  } catch (const TraceError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].pointer, "/ops/2/transfer_bytes/0");
  }
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
