// The exact set of registered policies: a policy file left out of the build (or a registration
// dropped by the linker) fails here instead of at a user's "unknown policy" error.
#include <gtest/gtest.h>

#include "policies/memory/memory_policy.hpp"
#include "policies/scheduler/scheduler_policy.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

TEST(Registry, SchedulerNamesAreExactly) {
  EXPECT_EQ(SchedulerRegistry::instance().names(),
            (std::vector<std::string>{"accel-aware", "cfs", "fifo"}));
}

TEST(Registry, MemoryPolicyNamesAreExactly) {
  EXPECT_EQ(MemoryRegistry::instance().names(),
            (std::vector<std::string>{"caching", "no-cache", "tensor-aware"}));
}

TEST(Registry, EveryPolicyHasADescriptionAndBuilds) {
  for (const auto& [name, entry] : SchedulerRegistry::instance().entries()) {
    EXPECT_FALSE(entry.description.empty()) << name;
    EXPECT_NE(SchedulerRegistry::instance().create(name), nullptr) << name;
  }
  for (const auto& [name, entry] : MemoryRegistry::instance().entries()) {
    EXPECT_FALSE(entry.description.empty()) << name;
    EXPECT_NE(MemoryRegistry::instance().create(name), nullptr) << name;
  }
}

TEST(Registry, DuplicateNameIsRejected) {
  PolicyRegistry<int> registry;
  registry.add("x", "first", [] { return std::make_unique<int>(1); });
  EXPECT_THROW(registry.add("x", "second", [] { return std::make_unique<int>(2); }),
               std::logic_error);
}

TEST(FifoScheduler, PlacesOnIdleCoreAndRunsQueueInOrder) {
  auto fifo = SchedulerRegistry::instance().create("fifo");
  NodeState node;
  node.cores.resize(3);
  node.cores[0].running = 0;
  node.cores[0].queued = 1;
  node.cores[2].running = 2;
  ThreadView woken{.id = 5, .name = "t", .nice = 0, .last_core = 0};
  EXPECT_EQ(fifo->place_wakeup(woken, node), 1);  // previous core busy: the idle one
  node.cores[1].running = 3;
  EXPECT_EQ(fifo->place_wakeup(woken, node), 1);  // all busy: the shortest queue (first of ties)
  node.cores[0].queue = {7, 8};
  EXPECT_EQ(fifo->pick_next(0, node), 0u);
}

TEST(NoCacheAllocator, EveryRequestIsADeviceAllocationAndCapacityHolds) {
  auto policy = MemoryRegistry::instance().create("no-cache");
  policy->configure({1000.0});
  const auto a = policy->allocate(0, {.id = 1, .size_bytes = 600, .name = "a"}, 0);
  EXPECT_TRUE(a.ok);
  EXPECT_EQ(a.device_allocations, 1);
  EXPECT_FALSE(policy->allocate(0, {.id = 2, .size_bytes = 600, .name = "b"}, 0).ok);
  EXPECT_EQ(policy->release(0, 1, 0).device_frees, 1);
  const auto again = policy->allocate(0, {.id = 3, .size_bytes = 600, .name = "c"}, 0);
  EXPECT_TRUE(again.ok);
  EXPECT_EQ(again.device_allocations, 1);  // nothing was kept to reuse
  EXPECT_DOUBLE_EQ(policy->usage(0).peak_reserved_bytes, 600);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
