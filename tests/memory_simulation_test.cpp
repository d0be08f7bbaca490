// Trace tensors through the runtime under each memory policy (tests/data/tensor_trace.json: a
// weight, an input, activations and gradients over five ops). One TEST per process (SimGrid).
#include <gtest/gtest.h>

#include <fstream>

#include "models/errors.hpp"
#include "sim/config.hpp"
#include "sim/simulation.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

const std::string kData = AISIM_TEST_DATA_DIR;

Json run(const std::string& policy, int iterations = 4, const std::string& capacity = "16 GiB") {
  std::ifstream in(kData + "/minimal.json");
  Json doc = Json::parse(in);
  doc["jobs"][0]["trace"] = "tensor_trace.json";
  doc["jobs"][0]["iterations"] = iterations;
  doc["devices"][1]["memory_capacity"] = capacity;
  doc["policies"]["memory"] = policy;
  const Config config = config_from_json(doc, kData + "/minimal.json");
  return run_simulation(config, load_workloads(config));
}

// Per iteration: the input batch x (the trace's input-role tensor, 4 MB, copied from the host)
// plus h, y, dh, dw (w is allocated once, at job start).
constexpr int kRequestsPerIteration = 5;

TEST(MemorySimulation, NoCacheAllocatesAndFreesEveryTensorEveryIteration) {
  const Json r = run("no-cache");
  const auto& m = r["memory"];
  EXPECT_EQ(m["allocation_requests"], 3 * kRequestsPerIteration);  // 3 measured iterations
  EXPECT_EQ(m["device_allocations"], 3 * kRequestsPerIteration);
  EXPECT_EQ(m["device_frees"], 3 * kRequestsPerIteration + 1);  // + w, freed when the job ends
  EXPECT_DOUBLE_EQ(m["memory_reuse_pct"].get<double>(), 0.0);
  EXPECT_GT(m["stalled_on_memory_s"].get<double>(),
            3 * kRequestsPerIteration * (10e-6 + 10e-6) - 1e-12);  // malloc + free latencies
  EXPECT_EQ(m["prefetches_used"], 0);
  // Peak allocated: before relu_bwd, w + the input batch x + h + y + dh are live.
  const double MiB = 1024.0 * 1024.0;
  EXPECT_DOUBLE_EQ(r["devices"][1]["memory"]["peak_allocated_bytes"].get<double>(),
                   3 * MiB + 4e6 + 3 * 4 * MiB);
}

TEST(MemorySimulation, CachingReusesEverythingAfterTheFirstIteration) {
  const Json r = run("caching");
  const auto& m = r["memory"];
  EXPECT_EQ(m["allocation_requests"], 3 * kRequestsPerIteration);
  EXPECT_EQ(m["device_allocations"], 0);
  EXPECT_EQ(m["device_frees"], 0);
  EXPECT_DOUBLE_EQ(m["memory_reuse_pct"].get<double>(), 100.0);
  EXPECT_LT(m["memory_reuse_whole_run_pct"].get<double>(), 100.0);  // iteration 0 allocated
  const auto& dev = r["devices"][1]["memory"];
  EXPECT_GE(dev["peak_reserved_bytes"].get<double>(), dev["peak_allocated_bytes"].get<double>());
  EXPECT_GE(dev["fragmentation_at_peak_bytes"].get<double>(), 0.0);
}

TEST(MemorySimulation, TensorAwarePrefetchesTheNextBatchDuringTheStep) {
  const Json r = run("tensor-aware");
  const auto& m = r["memory"];
  EXPECT_EQ(m["prefetches_used"], 3);
  // The 4 MB copy (200 us at 20 GB/s) is shorter than a step's kernels (> 250 us): all hits.
  EXPECT_DOUBLE_EQ(m["prefetch_hit_rate_pct"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(m["stalled_on_copies_s"].get<double>(), 0.0);
  // The arena, made at the start of the first measured iteration from what iteration 0 showed;
  // then the plan serves every request.
  EXPECT_EQ(m["device_allocations"], 1);
  EXPECT_DOUBLE_EQ(m["memory_reuse_pct"].get<double>(), 100.0);
}

TEST(MemorySimulation, SynchronousCopiesStallTheDispatchThread) {
  const Json r = run("caching");
  // Three measured iterations, each waiting for its batch: latency + 4 MB / 20 GB/s + switch.
  EXPECT_NEAR(r["memory"]["stalled_on_copies_s"].get<double>(), 3 * (1e-6 + 200e-6 + 2e-6), 1e-9);
}

TEST(MemorySimulation, OutOfMemoryNamesJobOpTensorAndSizes) {
  try {
    run("no-cache", 2, "12 MiB");
    FAIL() << "expected an out-of-memory stop";
  } catch (const OutOfMemoryError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("job chain, iteration 0, tensor y needs 4194304 bytes, before op relu"),
              std::string::npos)
        << what;
    // w (3 MiB) + the input batch x (4 MB) + h (4 MiB) were live: 11,340,032 of 12 MiB.
    EXPECT_NE(what.find("allocated 11340032"), std::string::npos) << what;
    EXPECT_NE(what.find("largest free block"), std::string::npos) << what;
  }
}

// Variable shapes (dynamic padding): BERT-base with a sequence length drawn per iteration. A
// fixed length lets the caching allocator serve every measured iteration from its cache; changing
// lengths keep asking for blocks it does not have. Each case is its own simulation (process).
Json bert_with_lengths(const std::string& policy, const Json& lengths) {
  std::ifstream in(kData + "/minimal.json");
  Json doc = Json::parse(in);
  doc["jobs"][0] = {{"model", "bert-base"},      {"batch_size", 8},  {"precision", "amp"},
                    {"dataset_size", 800},       {"iterations", 10}, {"device", "gpu0"},
                    {"sequence_length", lengths}};
  doc["policies"]["memory"] = policy;
  const Config config = config_from_json(doc, kData + "/minimal.json");
  return run_simulation(config, load_workloads(config));
}

const Json kVaryingLengths = {
    {"distribution", "uniform"}, {"min", 32}, {"max", 256}, {"multiple_of", 8}};

TEST(VariableShapes, CachingAtAFixedLengthAllocatesNothingAfterWarmUp) {
  const Json r = bert_with_lengths("caching", 128);
  EXPECT_EQ(r["memory"]["device_allocations"], 0);
  EXPECT_DOUBLE_EQ(r["memory"]["memory_reuse_pct"].get<double>(), 100.0);
}

TEST(VariableShapes, CachingWithChangingLengthsKeepsAllocating) {
  const Json r = bert_with_lengths("caching", kVaryingLengths);
  EXPECT_GT(r["memory"]["device_allocations"].get<int>(), 0);
  EXPECT_LT(r["memory"]["memory_reuse_pct"].get<double>(), 100.0);
  EXPECT_GT(r["devices"][1]["memory"]["fragmentation_at_peak_bytes"].get<double>(), 0.0);
}

TEST(VariableShapes, TensorAwareWithChangingLengthsRegrowsItsPlan) {
  // The plan learnt at one length misses at a longer one: the arena is regrown (a synchronising
  // free and a new allocation), so it does not avoid device allocations here either.
  const Json r = bert_with_lengths("tensor-aware", kVaryingLengths);
  EXPECT_GT(r["memory"]["device_allocations"].get<int>(), 0);
  EXPECT_GE(r["devices"][1]["memory"]["peak_reserved_bytes"].get<double>(),
            r["devices"][1]["memory"]["peak_allocated_bytes"].get<double>());
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
