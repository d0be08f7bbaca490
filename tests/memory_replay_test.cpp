// Replays of the real allocator streams in ../shared/traces (docs/validation.md). The files are
// read at test time; a checkout without them skips these tests and says why.
#include "sim/memory_replay.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace aisim {
namespace AISIM_UNITY_ID {

const std::string kTraces = AISIM_SHARED_TRACES_DIR;
const std::string kDhen = kTraces + "/hta_df_index_resolver_dhen_v100_memory.json.gz";
const std::string kLegacy = kTraces + "/kineto_tb_resnet50_v100_legacy.json.gz";

// One parse per process for all tests of a file.
const KinetoMemoryStream& stream(const std::string& path) {
  static std::map<std::string, KinetoMemoryStream> cache;
  auto it = cache.find(path);
  if (it == cache.end()) it = cache.emplace(path, read_kineto_memory(path)).first;
  return it->second;
}

#define REQUIRE_TRACE(path)                            \
  if (!std::filesystem::exists(path))                  \
  GTEST_SKIP() << "shared trace not found: " << (path) \
               << " (the shared/traces folder next to the source tree is not checked out)"

TEST(MemoryReplay, DhenStreamIsReadAsRecorded) {
  REQUIRE_TRACE(kDhen);
  const auto& s = stream(kDhen);
  EXPECT_EQ(s.device_id, 1);
  EXPECT_EQ(s.events.size(), 26770u);  // the CUDA events of ~28,000 [memory] events
  EXPECT_EQ(s.step_start_us.size(), 5u);
  const auto r = recorded_memory_figures(s);
  EXPECT_EQ(r.allocations, 13385u);
  EXPECT_EQ(r.frees_of_pre_window_tensors, 0u);  // every free pairs by address in the window
  EXPECT_DOUBLE_EQ(*r.peak_total_allocated_bytes, 6629508096.0);
  EXPECT_DOUBLE_EQ(*r.min_total_reserved_bytes, *r.max_total_reserved_bytes);  // constant
}

class DhenReplay : public testing::TestWithParam<std::string> {};

TEST_P(DhenReplay, PeakAllocatedMatchesTheRecording) {
  REQUIRE_TRACE(kDhen);
  const auto& s = stream(kDhen);
  const auto recorded = recorded_memory_figures(s);
  const auto r = replay_memory(s, GetParam(), *s.device_capacity_bytes, 2);
  ASSERT_FALSE(r.out_of_memory) << *r.out_of_memory;
  for (const auto& pass : r.passes) {
    EXPECT_DOUBLE_EQ(pass.peak_allocated_bytes, *recorded.peak_total_allocated_bytes);
    EXPECT_EQ(pass.unmatched_frees, 0u);
  }
}

TEST_P(DhenReplay, CachingPoliciesAllocateNoSegmentWhenTheWindowRepeats) {
  REQUIRE_TRACE(kDhen);
  if (GetParam() == "no-cache") GTEST_SKIP() << "no-cache allocates every request by design";
  const auto& s = stream(kDhen);
  const auto r = replay_memory(s, GetParam(), *s.device_capacity_bytes, 2);
  ASSERT_FALSE(r.out_of_memory);
  EXPECT_EQ(r.passes[1].device_allocations, 0u);
  EXPECT_DOUBLE_EQ(r.passes[1].reuse_pct(), 100.0);
}

INSTANTIATE_TEST_SUITE_P(Policies, DhenReplay,
                         testing::Values("no-cache", "caching", "tensor-aware"));

TEST(MemoryReplay, CachingReservesNoMoreThanPyTorchDid) {
  REQUIRE_TRACE(kDhen);
  const auto& s = stream(kDhen);
  const auto recorded = recorded_memory_figures(s);
  const auto r = replay_memory(s, "caching", *s.device_capacity_bytes, 1);
  EXPECT_LE(r.passes[0].peak_reserved_bytes, *recorded.max_total_reserved_bytes);
  EXPECT_GE(r.passes[0].peak_reserved_bytes, *recorded.peak_total_allocated_bytes);
}

TEST(MemoryReplay, LegacyStreamPairsBySizeAndBalances) {
  REQUIRE_TRACE(kLegacy);
  const auto& s = stream(kLegacy);
  EXPECT_FALSE(s.events.front().address);  // bytes only
  const auto recorded = recorded_memory_figures(s);
  EXPECT_EQ(recorded.allocations, recorded.frees);
  // Paired by size, most recent first, every free finds an earlier allocation of its size.
  EXPECT_EQ(recorded.frees_of_pre_window_tensors, 0u);
  for (const char* policy : {"caching", "tensor-aware"}) {
    const auto r = replay_memory(s, policy, *s.device_capacity_bytes, 2);
    ASSERT_FALSE(r.out_of_memory);
    EXPECT_EQ(r.passes[1].unmatched_frees, 0u) << policy;
    EXPECT_EQ(r.passes[1].device_allocations, 0u) << policy;
    EXPECT_DOUBLE_EQ(r.passes[0].peak_allocated_bytes, r.passes[1].peak_allocated_bytes);
  }
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
