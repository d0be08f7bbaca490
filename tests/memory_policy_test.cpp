// Memory policies on hand-built allocation sequences whose outcomes are worked out by hand from
// the rules (REFERENCE-FACTS 5.1 for `caching`), plus invariants on random sequences.
#include "policies/memory/memory_policy.hpp"

#include <gtest/gtest.h>

#include <random>

#include "policies/memory/caching_allocator.hpp"
#include "policies/memory/device_heap.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

constexpr double MiB = 1024.0 * 1024.0;

TensorRequest req(TensorId id, double bytes, JobId job = 0) {
  std::string name = "t";  // appended, not "t" + ...: GCC 12 warns falsely (-Wrestrict)
  name += std::to_string(id);
  return {.id = id, .size_bytes = bytes, .name = name, .job = job};
}

TEST(DeviceAddressSpace, FirstFitAndMergeOnFree) {
  DeviceAddressSpace space(100);
  EXPECT_EQ(space.allocate(30), 0u);
  EXPECT_EQ(space.allocate(30), 30u);
  EXPECT_EQ(space.allocate(30), 60u);
  EXPECT_FALSE(space.allocate(30));  // 10 bytes left
  space.free(0);
  space.free(60);
  EXPECT_EQ(space.largest_free_range_bytes(), 40u);  // 30 at 0, 40 at 60: not contiguous
  EXPECT_FALSE(space.allocate(50));                  // 70 bytes free, but in two ranges
  space.free(30);
  EXPECT_EQ(space.largest_free_range_bytes(), 100u);
  EXPECT_EQ(space.allocate(100), 0u);
}

TEST(CachingAllocator, RoundingAndSegmentSizesFollowPyTorch) {
  EXPECT_EQ(CachingAllocator::round_size(1), 512u);
  EXPECT_EQ(CachingAllocator::round_size(512), 512u);
  EXPECT_EQ(CachingAllocator::round_size(513), 1024u);
  EXPECT_EQ(CachingAllocator::allocation_size(1024 * 1024), 2 * kMiB);         // small pool
  EXPECT_EQ(CachingAllocator::allocation_size(1024 * 1024 + 512), 20 * kMiB);  // 1-10 MiB
  EXPECT_EQ(CachingAllocator::allocation_size(10 * kMiB), 10 * kMiB);          // >= 10 MiB
  EXPECT_EQ(CachingAllocator::allocation_size(11 * kMiB), 12 * kMiB);          // 2 MiB multiple
}

TEST(CachingAllocator, SmallPoolSplitsAndCoalesces) {
  DeviceAddressSpace space(64 * kMiB);
  CachingAllocator a(space);
  const auto x = a.allocate(1000);
  EXPECT_EQ(x.device_allocations, 1);
  EXPECT_EQ(a.reserved_bytes(), 2 * kMiB);
  EXPECT_EQ(a.block_size(x.address), 1024u);
  const auto y = a.allocate(1000);  // from the remainder of the same segment
  EXPECT_EQ(y.device_allocations, 0);
  EXPECT_EQ(y.address, x.address + 1024);
  a.free(x.address);
  a.free(y.address);
  a.heap().check_invariants();
  EXPECT_EQ(a.largest_free_block_bytes(), 2 * kMiB);  // coalesced back into one block
  EXPECT_EQ(a.segment_count(), 1u);
}

TEST(CachingAllocator, LargePoolSplitsOnlyAboveOneMiBRemaining) {
  DeviceAddressSpace space(64 * kMiB);
  CachingAllocator a(space);
  const auto x = a.allocate(5 * kMiB);  // 20 MiB segment, 15 MiB remain: split
  EXPECT_EQ(x.device_allocations, 1);
  EXPECT_EQ(a.block_size(x.address), 5 * kMiB);
  const auto y = a.allocate(14 * kMiB + kMiB / 2);  // 0.5 MiB would remain: not split
  EXPECT_EQ(y.device_allocations, 0);
  EXPECT_EQ(a.block_size(y.address), 15 * kMiB);
  EXPECT_EQ(a.allocated_block_bytes(), 20 * kMiB);
  EXPECT_EQ(a.reserved_bytes(), 20 * kMiB);
}

TEST(CachingAllocator, BestFitTakesTheSmallestCachedBlock) {
  DeviceAddressSpace space(128 * kMiB);
  CachingAllocator a(space);
  const auto big = a.allocate(30 * kMiB);
  const auto small = a.allocate(12 * kMiB);
  a.free(big.address);
  a.free(small.address);
  const auto r = a.allocate(11 * kMiB);
  EXPECT_EQ(r.device_allocations, 0);
  EXPECT_EQ(r.address, small.address);
  EXPECT_EQ(a.block_size(r.address), 12 * kMiB);  // 1 MiB remaining is not > 1 MiB: no split
}

TEST(CachingAllocator, FreesUnsplitCachedSegmentsAndRetriesWhenTheDeviceIsFull) {
  DeviceAddressSpace space(40 * kMiB);
  CachingAllocator a(space);
  const auto x = a.allocate(12 * kMiB);
  const auto y = a.allocate(24 * kMiB);
  a.free(x.address);
  a.free(y.address);
  EXPECT_EQ(a.reserved_bytes(), 36 * kMiB);
  const auto z = a.allocate(30 * kMiB);  // no cached block fits; 4 MiB left on the device
  EXPECT_TRUE(z.ok);
  EXPECT_EQ(z.device_frees, 2);
  EXPECT_EQ(z.device_allocations, 1);
  EXPECT_EQ(a.reserved_bytes(), 30 * kMiB);
}

TEST(CachingAllocator, FragmentedDeviceRunsOutOfMemoryWithEnoughFreeBytes) {
  DeviceAddressSpace space(60 * kMiB);
  CachingAllocator a(space);
  const auto p = a.allocate(20 * kMiB), q = a.allocate(20 * kMiB), r = a.allocate(20 * kMiB);
  a.free(p.address);
  a.free(r.address);
  const auto s = a.allocate(40 * kMiB);  // 40 MiB free after the release, but in two pieces
  EXPECT_FALSE(s.ok);
  EXPECT_EQ(s.device_frees, 2);
  EXPECT_EQ(space.largest_free_range_bytes(), 20 * kMiB);
  EXPECT_EQ(a.reserved_bytes(), 20 * kMiB);
  a.free(q.address);
}

TEST(CachingAllocator, RandomSequencesKeepTheInvariants) {
  std::mt19937_64 rng(42);
  DeviceAddressSpace space(512 * kMiB);
  CachingAllocator a(space);
  std::vector<Bytes> live;
  std::uniform_int_distribution<int> coin(0, 2);
  std::uniform_int_distribution<Bytes> small(1, 2 * kMiB), large(1, 40 * kMiB);
  for (int i = 0; i < 5000; ++i) {
    if (!live.empty() && coin(rng) == 0) {
      const std::size_t k = rng() % live.size();
      a.free(live[k]);
      live.erase(live.begin() + static_cast<long>(k));
    } else {
      const auto r = a.allocate(coin(rng) ? small(rng) : large(rng));
      if (r.ok) live.push_back(r.address);
    }
    if (i % 97 == 0) a.heap().check_invariants();  // no overlap, tiling, counters
  }
  for (Bytes x : live) a.free(x);
  a.heap().check_invariants();
  EXPECT_EQ(a.allocated_block_bytes(), 0u);
  a.release_cached_segments();
  EXPECT_EQ(a.reserved_bytes(), 0u);
  EXPECT_EQ(space.used_bytes(), 0u);  // everything went back to the device
}

// The same random workload through every registered policy: usage stays consistent and
// everything is returned at the end.
TEST(MemoryPolicies, EveryPolicyReturnsEverythingAndKeepsReservedAboveAllocated) {
  for (const auto& name : MemoryRegistry::instance().names()) {
    auto policy = MemoryRegistry::instance().create(name);
    policy->configure({8192 * MiB});
    std::mt19937_64 rng(7);
    std::vector<std::pair<TensorId, double>> live;
    double allocated = 0;
    TensorId next = 1;
    for (int it = 0; it < 6; ++it) {
      policy->on_iteration_start(0, it);
      for (int i = 0; i < 200; ++i) {
        if (!live.empty() && rng() % 3 == 0) {
          const std::size_t k = rng() % live.size();
          policy->release(0, live[k].first, 0);
          allocated -= live[k].second;
          live.erase(live.begin() + static_cast<long>(k));
        } else {
          const double bytes = static_cast<double>(1 + rng() % (8 * 1024 * 1024));
          ASSERT_TRUE(policy->allocate(0, req(next, bytes), 0).ok) << name;
          live.emplace_back(next++, bytes);
          allocated += bytes;
        }
        const auto u = policy->usage(0);
        ASSERT_DOUBLE_EQ(u.allocated_bytes, allocated) << name;
        ASSERT_GE(u.reserved_bytes, u.allocated_bytes) << name;
        ASSERT_LE(u.reserved_bytes, 8192 * MiB) << name;
      }
    }
    for (const auto& [id, bytes] : live) policy->release(0, id, 0);
    policy->empty_cache(0);
    EXPECT_DOUBLE_EQ(policy->usage(0).allocated_bytes, 0) << name;
    EXPECT_DOUBLE_EQ(policy->usage(0).reserved_bytes, 0) << name;
  }
}

TEST(CachingPolicy, ReusesFreedBlocksWithoutDeviceAllocations) {
  auto policy = MemoryRegistry::instance().create("caching");
  policy->configure({1024 * MiB});
  EXPECT_EQ(policy->allocate(0, req(1, 4 * MiB), 0).device_allocations, 1);
  EXPECT_EQ(policy->release(0, 1, 0).device_frees, 0);  // cached, not freed
  EXPECT_EQ(policy->allocate(0, req(2, 3 * MiB), 0).device_allocations, 0);
  const auto u = policy->usage(0);
  EXPECT_DOUBLE_EQ(u.reserved_bytes, 20 * MiB);
  EXPECT_DOUBLE_EQ(u.peak_allocated_bytes, 4 * MiB);
  EXPECT_DOUBLE_EQ(u.allocated_at_peak_reserved_bytes, 4 * MiB);
}

// One iteration of three 4 MiB tensors: a and b overlap, b and c overlap, a and c do not.
void three_tensors(MemoryPolicy& p, int iteration, double c_bytes, AllocResult* totals) {
  const auto add = [&](const AllocResult& r) {
    totals->device_allocations += r.device_allocations;
    totals->device_frees += r.device_frees;
  };
  add(p.on_iteration_start(0, iteration));
  const TensorId base = 10 * static_cast<TensorId>(iteration);
  add(p.allocate(0, req(base + 1, 4 * MiB), 0));
  add(p.allocate(0, req(base + 2, 4 * MiB), 0));
  p.release(0, base + 1, 0);
  add(p.allocate(0, req(base + 3, c_bytes), 0));
  p.release(0, base + 2, 0);
  p.release(0, base + 3, 0);
}

TEST(TensorAwarePolicy, PlansAnArenaByLifetimeAndServesTheNextIterationFromIt) {
  auto policy = MemoryRegistry::instance().create("tensor-aware");
  policy->configure({1024 * MiB});
  AllocResult it0, it1, it2;
  three_tensors(*policy, 0, 4 * MiB, &it0);
  EXPECT_EQ(it0.device_allocations, 1);  // learning: the fallback's 20 MiB segment
  three_tensors(*policy, 1, 4 * MiB, &it1);
  EXPECT_EQ(it1.device_allocations, 1);  // the arena, at iteration start; then all served
  // a and c share bytes: 8 MiB of arena, plus the fallback's cached 20 MiB segment.
  EXPECT_DOUBLE_EQ(policy->usage(0).reserved_bytes, 28 * MiB);
  three_tensors(*policy, 2, 4 * MiB, &it2);
  EXPECT_EQ(it2.device_allocations, 0);
  EXPECT_EQ(it2.device_frees, 0);
}

TEST(TensorAwarePolicy, AGrowingTensorMissesOnceThenTheArenaGrows) {
  auto policy = MemoryRegistry::instance().create("tensor-aware");
  policy->configure({1024 * MiB});
  AllocResult it0, it1, it2, it3;
  three_tensors(*policy, 0, 4 * MiB, &it0);
  three_tensors(*policy, 1, 6 * MiB, &it1);  // c no longer fits its slot: the fallback serves it
  EXPECT_EQ(it1.device_allocations, 1);      // the 8 MiB arena; c came from the cached segment
  three_tensors(*policy, 2, 4 * MiB, &it2);
  // Replan with c at 6 MiB: c at 0, a at 0 (no overlap with c), b at 6 MiB -> 10 MiB arena,
  // which replaces the 8 MiB one: one free (a device synchronization) and one allocation.
  EXPECT_EQ(it2.device_frees, 1);
  EXPECT_EQ(it2.device_allocations, 1);
  EXPECT_DOUBLE_EQ(policy->usage(0).reserved_bytes, 30 * MiB);
  three_tensors(*policy, 3, 6 * MiB, &it3);  // both lengths are now served by the plan
  EXPECT_EQ(it3.device_allocations + it3.device_frees, 0);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim

namespace aisim {
namespace AISIM_UNITY_ID {

// A BERT-like iteration at sequence length S: 12 layers keep an activation (S-proportional) and
// an attention score (S^2) for the backward pass, with a temporary per layer; the backward pass
// frees them in reverse. Returns device allocations + frees per iteration.
struct VariableShapeRun {
  std::vector<int> device_ops;
  double peak_reserved = 0;
  double reuse_pct = 0;
};
VariableShapeRun run_variable_shapes(const std::string& name, const std::vector<int>& seqs) {
  auto p = MemoryRegistry::instance().create(name);
  p->configure({32 * 1024 * MiB});
  VariableShapeRun out;
  TensorId next = 1;
  std::uint64_t requests = 0, reused = 0;
  const auto alloc = [&](double bytes, int* ops) {
    const auto r = p->allocate(0, req(next, bytes), 0);
    EXPECT_TRUE(r.ok);
    *ops += r.device_allocations + r.device_frees;
    ++requests;
    if (r.device_allocations == 0) ++reused;
    return next++;
  };
  for (std::size_t it = 0; it < seqs.size(); ++it) {
    const double s = seqs[it];
    int ops = 0;
    const auto start = p->on_iteration_start(0, static_cast<int>(it));
    ops += start.device_allocations + start.device_frees;
    std::vector<TensorId> saved;
    for (int layer = 0; layer < 12; ++layer) {
      saved.push_back(alloc(32 * 768 * s * 2, &ops));       // activation, fp16
      saved.push_back(alloc(32 * 12 * s * s * 2, &ops));    // attention scores
      const TensorId tmp = alloc(32 * 3072 * s * 2, &ops);  // MLP intermediate
      p->release(0, tmp, 0);
    }
    for (auto t = saved.rbegin(); t != saved.rend(); ++t) {
      const TensorId grad = alloc(32 * 768 * s * 2, &ops);
      p->release(0, *t, 0);
      p->release(0, grad, 0);
    }
    out.device_ops.push_back(ops);
  }
  out.peak_reserved = p->usage(0).peak_reserved_bytes;
  out.reuse_pct = 100.0 * static_cast<double>(reused) / static_cast<double>(requests);
  return out;
}

// Dynamic padding: the sequence length changes every iteration (fixed list, as from a seed).
const std::vector<int> kSeqs = {128, 384, 256, 512, 200, 448, 320, 512, 96, 480, 512, 256};

TEST(VariableShapes, CachingVersusTensorAwareUnderChangingSequenceLengths) {
  const auto caching = run_variable_shapes("caching", kSeqs);
  const auto planned = run_variable_shapes("tensor-aware", kSeqs);
  const auto total = [](const std::vector<int>& v, std::size_t from) {
    int sum = 0;
    for (std::size_t i = from; i < v.size(); ++i) sum += v[i];
    return sum;
  };
  std::printf("caching:      device ops per iteration");
  for (int n : caching.device_ops) std::printf(" %d", n);
  std::printf("; peak reserved %.1f MiB; reuse %.2f%%\n", caching.peak_reserved / MiB,
              caching.reuse_pct);
  std::printf("tensor-aware: device ops per iteration");
  for (int n : planned.device_ops) std::printf(" %d", n);
  std::printf("; peak reserved %.1f MiB; reuse %.2f%%\n", planned.peak_reserved / MiB,
              planned.reuse_pct);
  // Once the longest sequence (512, iteration 3) has been seen, neither policy needs the device
  // again except tensor-aware when its arena must grow for it (iteration 4: free + allocate).
  EXPECT_EQ(total(caching.device_ops, 4), 0);
  EXPECT_EQ(total(planned.device_ops, 5), 0);
  EXPECT_GT(planned.device_ops[4], 0);
  // How it comes out (docs/validation.md): the plan does not beat the cache here. Both reuse
  // the same share; the plan pays arena regrowth (a synchronizing free + an allocation) and
  // reserves more, since its arena is sized for the longest sequence while the fallback keeps
  // the segments it grew during the misses.
  EXPECT_EQ(total(caching.device_ops, 0), 37);
  EXPECT_EQ(total(planned.device_ops, 0), 42);
  EXPECT_DOUBLE_EQ(caching.reuse_pct, planned.reuse_pct);
  EXPECT_GT(planned.peak_reserved, caching.peak_reserved);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
