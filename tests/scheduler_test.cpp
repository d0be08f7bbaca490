// The scheduler policies' decisions, checked without an engine: numbers worked out by hand
// from Linux's fair.c rules (policies/scheduler/cfs.cpp cites each).
#include <gtest/gtest.h>

#include <limits>

#include "policies/scheduler/cfs.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

TEST(Cfs, WeightTableIsLinuxs) {
  EXPECT_EQ(cfs_weight(0), 1024);
  EXPECT_EQ(cfs_weight(5), 335);
  EXPECT_EQ(cfs_weight(-20), 88761);
  EXPECT_EQ(cfs_weight(19), 15);
}

TEST(Cfs, TunablesScaleWithOnePlusIlog2OfCpusCappedAtEight) {
  EXPECT_DOUBLE_EQ(CfsTunables::for_cpus(1).latency_s, 6e-3);
  EXPECT_DOUBLE_EQ(CfsTunables::for_cpus(2).latency_s, 12e-3);
  EXPECT_DOUBLE_EQ(CfsTunables::for_cpus(4).min_granularity_s, 3 * 0.75e-3);
  EXPECT_DOUBLE_EQ(CfsTunables::for_cpus(8).wakeup_granularity_s, 4e-3);
  EXPECT_DOUBLE_EQ(CfsTunables::for_cpus(40).latency_s, 24e-3);
}

// One core. A wakes first (new: min_vruntime 0 + vslice 6 ms = 6 ms) and runs; B wakes (new:
// min_vruntime is now A's 6 ms, vslice with two equal threads = 3 ms, so 9 ms). A runs on; B
// preempts only once A's vruntime exceeds B's by more than wakeup_granularity (1 ms on 1 CPU).
struct TwoThreads : testing::Test {
  void SetUp() override {
    node.cores.resize(1);
    node.threads = {ThreadView{.id = 0, .name = "a"}, ThreadView{.id = 1, .name = "b"}};
  }
  void wake_a_then_b() {
    ASSERT_EQ(cfs.place_wakeup(node.threads[0], node), 0);
    node.cores[0].running = 0;
    node.threads[0].last_core = 0;
    ASSERT_EQ(cfs.place_wakeup(node.threads[1], node), 0);
    node.cores[0].queue = {1};
    node.cores[0].queued = 1;
  }
  CfsScheduler cfs;
  NodeState node;
};

TEST_F(TwoThreads, NewThreadsStartOneVirtualSliceAfterMinVruntime) {
  wake_a_then_b();
  EXPECT_NEAR(cfs.vruntime_s(0), 6e-3, 1e-12);
  EXPECT_NEAR(cfs.vruntime_s(1), 9e-3, 1e-12);
  EXPECT_NEAR(cfs.slice_s(node.threads[0], 0, node), 3e-3, 1e-12);  // 6 ms split in two
}

TEST_F(TwoThreads, WakeupPreemptsOnlyPastWakeupGranularity) {
  wake_a_then_b();
  EXPECT_FALSE(cfs.should_preempt(node.threads[0], node.threads[1], 0, node));  // gap -3 ms
  cfs.account(node.threads[0], 0, 3.9e-3, node);                                // gap 0.9 ms
  EXPECT_FALSE(cfs.should_preempt(node.threads[0], node.threads[1], 0, node));
  cfs.account(node.threads[0], 0, 0.09e-3, node);  // gap 0.99 ms
  EXPECT_FALSE(cfs.should_preempt(node.threads[0], node.threads[1], 0, node));
  cfs.account(node.threads[0], 0, 0.02e-3, node);  // gap 1.01 ms
  EXPECT_TRUE(cfs.should_preempt(node.threads[0], node.threads[1], 0, node));
}

TEST_F(TwoThreads, GranularityIsInTheWokenThreadsVirtualTime) {
  node.threads[1].nice = 5;  // gran = 1 ms x 1024 / 335 = 3.057 ms of B's virtual time
  wake_a_then_b();
  const double b = cfs.vruntime_s(1);
  cfs.account(node.threads[0], 0, b - cfs.vruntime_s(0) + 3.0e-3, node);
  EXPECT_FALSE(cfs.should_preempt(node.threads[0], node.threads[1], 0, node));
  cfs.account(node.threads[0], 0, 0.1e-3, node);
  EXPECT_TRUE(cfs.should_preempt(node.threads[0], node.threads[1], 0, node));
}

// A's 3 ms slice brings it to B's 9 ms: equal shares make equal vruntimes, a tie in real
// arithmetic that doubles miss by an ulp either way (here A is 1e-15 s below). At slice end A
// is queued behind B; within a nanosecond they tie and B, the longest waiting, runs first.
TEST_F(TwoThreads, VruntimesWithinANanosecondTieAndTheLongestWaitingRunsFirst) {
  wake_a_then_b();
  cfs.account(node.threads[0], 0, 3e-3 - 1e-15, node);
  ASSERT_LT(cfs.vruntime_s(0), cfs.vruntime_s(1));
  node.cores[0].running = kNone;
  node.cores[0].queue = {1, 0};
  EXPECT_EQ(cfs.pick_next(0, node), 0u);        // B
  cfs.account(node.threads[0], 0, 2e-9, node);  // A 2 ns later: B first wherever it waits
  node.cores[0].queue = {0, 1};
  EXPECT_EQ(cfs.pick_next(0, node), 1u);
  cfs.account(node.threads[1], 0, 4e-9, node);  // now B 2 ns later: A first, though queued last
  node.cores[0].queue = {1, 0};
  EXPECT_EQ(cfs.pick_next(0, node), 1u);
}

TEST_F(TwoThreads, SleeperGetsAtMostHalfALatencyOfCredit) {
  wake_a_then_b();
  node.cores[0].queue.clear();  // B ran and went to sleep; A runs 100 ms alone
  node.cores[0].queued = 0;
  node.threads[1].last_core = 0;
  cfs.account(node.threads[0], 0, 100e-3, node);
  const double min_v = cfs.min_vruntime_s(0);
  EXPECT_NEAR(min_v, 106e-3, 1e-12);
  cfs.place_wakeup(node.threads[1], node);
  EXPECT_NEAR(cfs.vruntime_s(1), min_v - 3e-3, 1e-12);  // sched_latency / 2
  EXPECT_TRUE(cfs.should_preempt(node.threads[0], node.threads[1], 0, node));
}

TEST(Cfs, IdleCorePullsFromTheLongestQueueAndBalancingEvensCounts) {
  auto cfs = SchedulerRegistry::instance().create("cfs");
  NodeState node;
  node.cores.resize(3);
  for (int i = 0; i < 6; ++i) node.threads.push_back(ThreadView{.id = i, .name = "t"});
  node.cores[0].running = 0;
  node.cores[0].queue = {1, 2, 3};
  node.cores[1].running = 4;
  node.cores[1].queue = {5};
  const auto pulled = cfs->pull_for_idle(2, node);
  ASSERT_TRUE(pulled);
  EXPECT_EQ(pulled->thread, 3);
  EXPECT_EQ(pulled->from, 0);
  const auto moves = cfs->balance(node);  // loads 4, 2, 0 -> 3, 2, 1 -> 2, 2, 2
  ASSERT_EQ(moves.size(), 2u);
  EXPECT_EQ(moves[0].to, 2);
  EXPECT_EQ(moves[1].from, 0);
}

struct AccelAwareTest : testing::Test {
  void SetUp() override {
    node.cores.resize(2);
    node.devices.resize(2);
    node.threads = {ThreadView{.id = 0, .name = "tenant0"}, ThreadView{.id = 1, .name = "tenant1"},
                    ThreadView{.id = 2, .name = "dispatch", .feeds_device = 1}};
    for (ThreadId t : {0, 1}) {
      aa->place_wakeup(node.threads[t], node);
      node.cores[t].running = t;
      node.threads[t].last_core = t;
    }
  }
  std::unique_ptr<SchedulerPolicy> aa = SchedulerRegistry::instance().create("accel-aware");
  std::unique_ptr<SchedulerPolicy> cfs = SchedulerRegistry::instance().create("cfs");
  NodeState node;
};

TEST_F(AccelAwareTest, FeederOfAStarvingDevicePreemptsTenantWork) {
  node.devices[1].queue_depth = 1;  // only the running kernel left
  aa->place_wakeup(node.threads[2], node);
  EXPECT_TRUE(aa->should_preempt(node.threads[0], node.threads[2], 0, node));
  node.devices[1].queue_depth = 5;  // well fed: plain CFS, and a fresh thread owes a slice
  EXPECT_FALSE(aa->should_preempt(node.threads[0], node.threads[2], 0, node));
}

TEST_F(AccelAwareTest, FeederNeverPreemptsAnotherDevicesFeeder) {
  node.threads[0].feeds_device = 0;
  node.devices[1].queue_depth = 0;
  aa->place_wakeup(node.threads[2], node);
  EXPECT_FALSE(aa->should_preempt(node.threads[0], node.threads[2], 0, node));
}

TEST(AccelAware, SelectsTheDeviceWithTheEarliestFinishTime) {
  auto aa = SchedulerRegistry::instance().create("accel-aware");
  NodeState node;
  node.devices.resize(3);
  // device 1: fast but 8 ms of queued work; device 2: slower, idle, but a slow link.
  node.devices[1] = {.name = "gpu",
                     .queue_depth = 4,
                     .backlog_s = 8e-3,
                     .launch_latency_s = 5e-6,
                     .host_link_bandwidth_bytes_per_s = 25e9};
  node.devices[2] = {
      .name = "npu", .launch_latency_s = 5e-6, .host_link_bandwidth_bytes_per_s = 1e9};
  PlaceableWork work{.duration_s = {-1, 2e-3, 4e-3}, .input_bytes = 1e6, .input_ready_s = {}};
  // The input copy overlaps with queued work: finish = max(queued, copy) + launch + duration.
  // gpu: max(8, 0.04) + 0.005 + 2 = 10.005 ms; npu: max(0, 1) + 0.005 + 4 = 5.005 ms
  EXPECT_EQ(aa->select_device(work, node), 2);
  work.input_bytes = 8e6;  // npu: 8 + 0.005 + 4 = 12.005 ms vs gpu max(8, 0.32) ... 10.005 ms
  EXPECT_EQ(aa->select_device(work, node), 1);
  // cfs's naive rule: the first device that can run it, blind to queues and links.
  EXPECT_EQ(SchedulerRegistry::instance().create("cfs")->select_device(work, node), 1);
  work.duration_s = {-1, std::numeric_limits<double>::infinity(), 4e-3};  // no precision on 1
  EXPECT_EQ(SchedulerRegistry::instance().create("cfs")->select_device(work, node), 2);
}

// Only what is left of the running kernel counts: at t = 7 ms, a 10 ms kernel started at 0 has
// 3 ms left, plus 1 ms queued behind it.
TEST(AccelAware, CountsOnlyTheRestOfTheRunningKernel) {
  auto aa = SchedulerRegistry::instance().create("accel-aware");
  NodeState node;
  node.devices.resize(3);
  node.devices[1] = {.name = "gpu",
                     .queue_depth = 2,
                     .backlog_s = 11e-3,
                     .running_s = 10e-3,
                     .running_end_s = 10e-3};
  node.devices[2] = {.name = "npu"};
  EXPECT_DOUBLE_EQ(node.devices[1].remaining_s(7e-3), 4e-3);
  EXPECT_DOUBLE_EQ(node.devices[1].remaining_s(12e-3), 1e-3);
  PlaceableWork work{.duration_s = {-1, 1e-3, 4.5e-3}, .input_bytes = 0, .input_ready_s = {}};
  node.now_s = 0;  // gpu: 11 + 1 = 12 ms; npu: 4.5 ms
  EXPECT_EQ(aa->select_device(work, node), 2);
  node.now_s = 7e-3;  // gpu: 4 + 1 = 5 ms; npu: 4.5 ms
  EXPECT_EQ(aa->select_device(work, node), 2);
  node.now_s = 8e-3;  // gpu: 3 + 1 = 4 ms; npu: 4.5 ms
  EXPECT_EQ(aa->select_device(work, node), 1);
}

// Inputs made on another device: the copy time per device tips the choice.
TEST(AccelAware, CountsTheCopyOfInputsFromOtherDevices) {
  auto aa = SchedulerRegistry::instance().create("accel-aware");
  NodeState node;
  node.devices.resize(3);
  PlaceableWork work{
      .duration_s = {-1, 2e-3, 1e-3}, .input_bytes = 0, .input_ready_s = {0, 0, 0.5e-3}};
  EXPECT_EQ(aa->select_device(work, node), 2);  // 2 ms vs 0.5 + 1 = 1.5 ms
  work.input_ready_s[2] = 1.5e-3;               // 2 ms vs 2.5 ms
  EXPECT_EQ(aa->select_device(work, node), 1);
  // The inputs arrive while the device still works through its queue: only the later counts.
  node.devices[2].backlog_s = 0.9e-3;  // max(0.9, 1.5) + 1 = 2.5 ms vs 2 ms
  EXPECT_EQ(aa->select_device(work, node), 1);
  work.input_ready_s[2] = 0.5e-3;  // max(0.9, 0.5) + 1 = 1.9 ms vs 2 ms
  EXPECT_EQ(aa->select_device(work, node), 2);
}

TEST_F(AccelAwareTest, StarvingThresholdIsAParameter) {
  node.devices[1].queue_depth = 2;  // a running kernel and one queued
  aa->place_wakeup(node.threads[2], node);
  EXPECT_FALSE(aa->should_preempt(node.threads[0], node.threads[2], 0, node));  // default 2
  aa->configure({.starving_queue_depth = 3});
  EXPECT_TRUE(aa->should_preempt(node.threads[0], node.threads[2], 0, node));
  aa->configure({.starving_queue_depth = 1});
  node.devices[1].queue_depth = 1;
  EXPECT_FALSE(aa->should_preempt(node.threads[0], node.threads[2], 0, node));
  node.devices[1].queue_depth = 0;
  EXPECT_TRUE(aa->should_preempt(node.threads[0], node.threads[2], 0, node));
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
