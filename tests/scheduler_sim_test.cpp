// The host scheduler on SimGrid with known answers: threads on a bare CPU host (no devices, no
// jobs), each TEST in its own process (one SimGrid engine per process).
#include <gtest/gtest.h>

#include <algorithm>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/NetZone.hpp>
#include <string>
#include <vector>

#include "policies/scheduler/cfs.hpp"
#include "sim/background_load.hpp"
#include "sim/host_cpu.hpp"
#include "sim/platform.hpp"
#include "sim/simulation.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {
namespace s4u = simgrid::s4u;

constexpr double kSwitchS = 2e-6;

// Runs `threads` on a host of `cores` cores under `policy` and measures them over
// [window_start_s, stop_s] (the start-up transient, e.g. CFS's START_DEBIT of new threads, left
// out when window_start_s > 0).
struct SimResult {
  std::vector<ThreadMetrics> threads;
  std::uint64_t preemptions = 0;
};

SimResult simulate(int cores, const std::string& policy, const std::vector<BackgroundSpec>& threads,
                   double stop_s, double window_start_s = 0, double cache_refill_s = 0) {
  std::vector<std::string> args = simgrid_engine_args();
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  s4u::Engine engine(&argc, argv.data());
  auto* zone = s4u::create_full_zone("node");
  s4u::Host* host = zone->create_host("cpu", kWorkUnitsPerSecond);
  host->set_core_count(cores);
  zone->seal();
  DeviceSpec spec;
  spec.kind = DeviceKind::kCpu;
  spec.cores = cores;
  spec.context_switch_s = kSwitchS;
  spec.context_switch_cache_refill_s = cache_refill_s;
  auto scheduler = SchedulerRegistry::instance().create(policy);
  NodeState node;
  MetricsCollector metrics(1, cores, 0.1, 1);
  HostCpu cpu(spec, *scheduler, node, metrics);
  // Endless threads (daemons); a stopper takes the measurements at stop_s, and the simulation
  // ends with it.
  start_background_load(cpu, host, threads);
  cpu.start_balancer(host);
  SimResult result;
  s4u::Actor::create("stopper", host, [&] {
    s4u::this_actor::sleep_until(window_start_s);
    metrics.job_warmed_up(0, window_start_s);
    s4u::this_actor::sleep_until(stop_s);
    cpu.finish();
    result = {metrics.threads(), metrics.involuntary_preemptions()};
  });
  engine.run();
  return result;
}

BackgroundSpec cpu_bound(std::string name, int nice = 0, int count = 1) {
  return {.name = std::move(name), .periodic = false, .count = count, .nice = nice};
}

TEST(SchedulerSim, TwoEqualCpuBoundThreadsShareOneCoreEqually) {
  const SimResult r = simulate(1, "cfs", {cpu_bound("a"), cpu_bound("b")}, 1.0);
  ASSERT_EQ(r.threads.size(), 2u);
  const double a = r.threads[0].run_s, b = r.threads[1].run_s;
  RecordProperty("share_ratio", std::to_string(a / b));
  EXPECT_NEAR(a / b, 1.0, 0.01);
  // The core is never idle: CPU time + switch costs = 1 s. Slices of 3 ms each (6 ms / 2).
  const double switches = static_cast<double>(r.threads[0].switches + r.threads[1].switches);
  EXPECT_NEAR(a + b + switches * kSwitchS, 1.0, 1e-9);
  EXPECT_NEAR(switches, 1.0 / 3e-3, 3);
  EXPECT_GT(r.preemptions, 300u);  // every slice end is an involuntary preemption
}

TEST(SchedulerSim, FifoNeverSlicesSoTheFirstThreadKeepsTheCore) {
  const SimResult r = simulate(1, "fifo", {cpu_bound("a"), cpu_bound("b")}, 1.0);
  EXPECT_NEAR(r.threads[0].run_s, 1.0 - kSwitchS, 1e-9);
  EXPECT_EQ(r.threads[1].run_s, 0.0);
  EXPECT_EQ(r.preemptions, 0u);
}

TEST(SchedulerSim, Nice0AndNice5ShareAs1024To335) {
  // 1 s of simulated time after a 100 ms start-up.
  const SimResult r = simulate(1, "cfs", {cpu_bound("nice0", 0), cpu_bound("nice5", 5)}, 1.1, 0.1);
  RecordProperty("share_ratio", std::to_string(r.threads[0].run_s / r.threads[1].run_s));
  EXPECT_NEAR(r.threads[0].run_s / r.threads[1].run_s, 1024.0 / 335.0, 0.01 * 1024.0 / 335.0);
}

TEST(SchedulerSim, WokenThreadRunsWithinSchedLatencyOnALoadedCore) {
  // Three CPU-bound threads hold the one core; a periodic thread wakes every 10 ms for 1 ms.
  BackgroundSpec periodic{.name = "periodic",
                          .periodic = true,
                          .count = 1,
                          .nice = 0,
                          .period_s = 10e-3,
                          .duty_cycle = 0.1};
  const SimResult r = simulate(1, "cfs", {cpu_bound("hog", 0, 3), periodic}, 1.0);
  const ThreadMetrics& p = r.threads[3];
  ASSERT_EQ(p.name, "periodic/0");
  ASSERT_GT(p.wakeup_latency_s.size(), 90u);
  const double worst = *std::max_element(p.wakeup_latency_s.begin(), p.wakeup_latency_s.end());
  RecordProperty("worst_wakeup_latency_s", std::to_string(worst));
  EXPECT_LE(worst, CfsTunables::for_cpus(1).latency_s);
  // It ran its 1 ms per period although three hogs compete (its fair share would be 25 %).
  EXPECT_NEAR(p.run_s, 0.1, 0.002);
}

TEST(SchedulerSim, BalancingSpreadsThreadsOverCores) {
  // Four CPU-bound threads start on 2 cores one after another; each ends up with a core's half.
  const SimResult r = simulate(2, "cfs", {cpu_bound("t", 0, 4)}, 1.0);
  for (const auto& t : r.threads) EXPECT_NEAR(t.run_s, 0.5, 0.01) << t.name;
}

// Context switch = direct cost + cache refill. Two CPU-bound threads on one core: every switch-in
// follows the other thread, so each pays both; CPU time + switches x (2 + 5 us) fills the second.
TEST(SchedulerSim, EverySwitchAfterAnotherThreadPaysTheCacheRefill) {
  constexpr double kRefillS = 5e-6;
  const SimResult r = simulate(1, "cfs", {cpu_bound("a"), cpu_bound("b")}, 1.0, 0, kRefillS);
  const double switches = static_cast<double>(r.threads[0].switches + r.threads[1].switches);
  ASSERT_GT(switches, 100);
  EXPECT_NEAR(r.threads[0].run_s + r.threads[1].run_s + switches * (kSwitchS + kRefillS), 1.0,
              1e-9);
}

// A lone periodic thread always returns to its core, which ran nothing else: only its first
// switch-in (cold caches) pays the refill; its time runnable but not running is the switch-ins.
TEST(SchedulerSim, ReturningToACoreLeftIdleCostsNoRefill) {
  constexpr double kRefillS = 5e-6;
  const BackgroundSpec periodic{
      .name = "p", .periodic = true, .count = 1, .nice = 0, .period_s = 1e-3, .duty_cycle = 0.5};
  const SimResult r = simulate(1, "cfs", {periodic}, 0.1, 0, kRefillS);
  ASSERT_EQ(r.threads.size(), 1u);
  const double switches = static_cast<double>(r.threads[0].switches);
  ASSERT_GT(switches, 50);
  EXPECT_NEAR(r.threads[0].wait_s, switches * kSwitchS + kRefillS, 1e-9);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
