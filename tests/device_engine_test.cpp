// The device stream on SimGrid with answers worked out by hand: kernels run back to back in FIFO
// order, a run of queued kernels is one activity, and what other actors see of the queue in the
// middle of a run (depth, backlog, running kernel) and when a blocked launch goes on are those of
// one kernel at a time. Each TEST runs in its own process (one SimGrid engine per process).
#include "sim/device_engine.hpp"

#include <gtest/gtest.h>

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Exec.hpp>
#include <simgrid/s4u/NetZone.hpp>
#include <vector>

#include "policies/scheduler/scheduler_policy.hpp"
#include "sim/platform.hpp"
#include "sim/simulation.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {
namespace s4u = simgrid::s4u;

constexpr double kUs = 1e-6;

// A host CPU (2 cores, 1 us switches, fifo: no slices), one GPU stream, and the node state the
// runtime keeps, with the GPU's view refreshed lazily as NodeRuntime does it.
struct Rig {
  Rig()
      : engine(make_engine()),
        host(zone()->create_host("cpu", kWorkUnitsPerSecond)),
        gpu_host(zone()->create_host("gpu", kWorkUnitsPerSecond)) {
    host->set_core_count(2);
    zone()->seal();
    spec.kind = DeviceKind::kCpu;
    spec.cores = 2;
    spec.context_switch_s = 1 * kUs;
    scheduler = SchedulerRegistry::instance().create("fifo");
    node.devices = {{"cpu", 0, 0}, {"gpu", 0, 0}};
    cpu = std::make_unique<HostCpu>(spec, *scheduler, node, metrics);
    s4u::Exec::on_start_cb([this](const s4u::Exec& e) {
      if (e.get_host() == gpu_host) ++gpu_execs;
    });
  }
  DeviceEngine& make_gpu(int launch_queue_depth) {
    gpu = std::make_unique<DeviceEngine>(1, gpu_host, node, metrics, *cpu, launch_queue_depth);
    node.refresh = [this](double now) { gpu->refresh_view(now); };
    gpu->start();
    return *gpu;
  }
  static std::unique_ptr<s4u::Engine> make_engine() {
    static std::vector<std::string> args = simgrid_engine_args();
    static std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    static int argc = static_cast<int>(argv.size());
    return std::make_unique<s4u::Engine>(&argc, argv.data());
  }
  static s4u::NetZone* zone() {
    static s4u::NetZone* z = s4u::create_full_zone("node");
    return z;
  }

  std::unique_ptr<s4u::Engine> engine;
  s4u::Host* host;
  s4u::Host* gpu_host;
  DeviceSpec spec;
  std::unique_ptr<SchedulerPolicy> scheduler;
  NodeState node;
  MetricsCollector metrics{2, 2, 0.1, 1};
  std::unique_ptr<HostCpu> cpu;
  std::unique_ptr<DeviceEngine> gpu;
  int gpu_execs = 0;
};

TEST(DeviceEngine, QueuedKernelsRunBackToBackAsOneActivityAndTheViewSeesEachEnd) {
  Rig rig;
  DeviceEngine& gpu = rig.make_gpu(1024);
  double synced_at = -1;
  s4u::Actor::create("dispatch", rig.host, [&] {
    SimThread& thread = rig.cpu->add_thread("dispatch", 0, 1);
    rig.cpu->start(thread);  // 1 us switch-in: the kernels are queued at t = 1 us
    gpu.submit(10 * kUs);
    gpu.submit(20 * kUs);
    gpu.submit(30 * kUs);
    gpu.synchronize(thread);  // drains at 61 us, then 1 us to switch back in
    synced_at = s4u::Engine::get_clock();
    rig.cpu->release_core(thread);
  });
  struct Seen {
    std::size_t depth;
    double backlog_s, running_s, running_end_s, remaining_s;
  };
  std::vector<Seen> seen;
  s4u::Actor::create("observer", rig.host, [&] {
    for (double t : {16 * kUs, 41 * kUs, 70 * kUs}) {
      s4u::this_actor::sleep_until(t);
      rig.node.set_now(t);
      const DeviceView& v = rig.node.devices[1];
      seen.push_back({v.queue_depth, v.backlog_s, v.running_s, v.running_end_s, v.remaining_s(t)});
    }
  });
  rig.engine->run();
  ASSERT_EQ(seen.size(), 3u);
  // 16 us: the 20 us kernel runs (11..31 us), the 30 us one waits.
  EXPECT_EQ(seen[0].depth, 2u);
  EXPECT_NEAR(seen[0].backlog_s, 50 * kUs, 1e-12);
  EXPECT_NEAR(seen[0].running_s, 20 * kUs, 1e-12);
  EXPECT_NEAR(seen[0].running_end_s, 31 * kUs, 1e-12);
  EXPECT_NEAR(seen[0].remaining_s, 45 * kUs, 1e-12);
  // 41 us: the last kernel runs (31..61 us).
  EXPECT_EQ(seen[1].depth, 1u);
  EXPECT_NEAR(seen[1].running_end_s, 61 * kUs, 1e-12);
  EXPECT_NEAR(seen[1].remaining_s, 20 * kUs, 1e-12);
  // 70 us: drained.
  EXPECT_EQ(seen[2].depth, 0u);
  EXPECT_EQ(seen[2].backlog_s, 0.0);
  EXPECT_EQ(seen[2].remaining_s, 0.0);
  EXPECT_NEAR(synced_at, 62 * kUs, 1e-12);
  EXPECT_NEAR(rig.metrics.device(1).total_s(), 60 * kUs, 1e-12);
  EXPECT_EQ(gpu.completed_kernels(), 3u);
  // The first submit wakes the stream's actor, which starts a run with that kernel at once; the
  // two queued behind it are the next run: three kernels, two activities.
  EXPECT_EQ(rig.gpu_execs, 2);
}

TEST(DeviceEngine, KernelsSubmittedDuringARunFormTheNextRun) {
  Rig rig;
  DeviceEngine& gpu = rig.make_gpu(1024);
  s4u::Actor::create("dispatch", rig.host, [&] {
    SimThread& thread = rig.cpu->add_thread("dispatch", 0, 1);
    rig.cpu->start(thread);
    gpu.submit(10 * kUs);                // run 1: 1..11 us
    rig.cpu->compute(thread, 5 * kUs);   // 6 us
    gpu.submit(10 * kUs);                // queued behind the run: 11..21 us
    gpu.submit(10 * kUs);                // 21..31 us
    rig.cpu->compute(thread, 40 * kUs);  // 46 us: the device idled from 31 us
    gpu.submit(10 * kUs);                // run 3: 46..56 us
    gpu.synchronize(thread);
    rig.cpu->release_core(thread);
  });
  rig.engine->run();
  EXPECT_NEAR(rig.metrics.device(1).total_s(), 40 * kUs, 1e-12);
  EXPECT_EQ(rig.gpu_execs, 3);
  EXPECT_EQ(gpu.completed_kernels(), 4u);
}

TEST(DeviceEngine, AFullLaunchQueueBlocksTheLaunchUntilTheOldestKernelEnds) {
  Rig rig;
  DeviceEngine& gpu = rig.make_gpu(2);
  std::vector<double> launched_at;
  s4u::Actor::create("dispatch", rig.host, [&] {
    SimThread& thread = rig.cpu->add_thread("dispatch", 0, 1);
    rig.cpu->start(thread);  // t = 1 us
    for (int i = 0; i < 4; ++i) {
      gpu.submit(10 * kUs, thread);
      launched_at.push_back(s4u::Engine::get_clock());
    }
    gpu.synchronize(thread);
    rig.cpu->release_core(thread);
  });
  rig.engine->run();
  ASSERT_EQ(launched_at.size(), 4u);
  // Kernels 1 and 2 fill the queue at 1 us (1..11, 11..21 us). Launch 3 waits for kernel 1's
  // end (11 us) and a switch back in (12 us); it queues behind kernel 2 (21..31 us). Launch 4
  // waits for kernel 2 (21 us, then 22 us) and runs 31..41 us.
  EXPECT_NEAR(launched_at[0], 1 * kUs, 1e-12);
  EXPECT_NEAR(launched_at[1], 1 * kUs, 1e-12);
  EXPECT_NEAR(launched_at[2], 12 * kUs, 1e-12);
  EXPECT_NEAR(launched_at[3], 22 * kUs, 1e-12);
  EXPECT_NEAR(rig.metrics.device(1).total_s(), 40 * kUs, 1e-12);
  EXPECT_EQ(gpu.completed_kernels(), 4u);
}

// Chunked dispatch (NodeRuntime::run_chunk): one 30 us burst stands for three ops of 10 us host
// time each; each op's kernel is launched when the burst reaches the op's end, as three bursts of
// 10 us with a submit after each would launch them, and what an observer sees of the queue
// follows the burst. Host-bound: each kernel runs alone, from its launch.
TEST(DeviceEngine, AChunkLaunchesEachKernelWhenTheBurstReachesItsOp) {
  Rig rig;
  DeviceEngine& gpu = rig.make_gpu(1024);
  double synced_at = -1;
  s4u::Actor::create("dispatch", rig.host, [&] {
    SimThread& thread = rig.cpu->add_thread("dispatch", 0, 1);
    rig.cpu->start(thread);  // 1 us switch-in
    gpu.begin_chunk(thread);
    gpu.submit_in_chunk(5 * kUs, 10 * kUs, {});   // launched at 11 us, runs 11..16 us
    gpu.submit_in_chunk(5 * kUs, 20 * kUs, {});   // 21..26 us
    gpu.submit_in_chunk(30 * kUs, 30 * kUs, {});  // 31..61 us
    rig.cpu->compute(thread, 30 * kUs);           // 1..31 us
    gpu.end_chunk();
    gpu.synchronize(thread);  // drains at 61 us, 1 us to switch back in
    synced_at = s4u::Engine::get_clock();
    rig.cpu->release_core(thread);
  });
  std::vector<std::pair<std::size_t, double>> seen;  // queue depth, running kernel's end
  s4u::Actor::create("observer", rig.host, [&] {
    for (double t : {5 * kUs, 12 * kUs, 17 * kUs, 22 * kUs, 40 * kUs}) {
      s4u::this_actor::sleep_until(t);
      rig.node.set_now(t);
      seen.emplace_back(rig.node.devices[1].queue_depth, rig.node.devices[1].running_end_s);
    }
  });
  rig.engine->run();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].first, 0u);  // 5 us: nothing launched yet
  EXPECT_EQ(seen[1].first, 1u);  // 12 us: the first kernel runs
  EXPECT_NEAR(seen[1].second, 16 * kUs, 1e-12);
  EXPECT_EQ(seen[2].first, 0u);  // 17 us: it ended, the second is not launched yet
  EXPECT_EQ(seen[3].first, 1u);  // 22 us: the second runs
  EXPECT_NEAR(seen[3].second, 26 * kUs, 1e-12);
  EXPECT_EQ(seen[4].first, 1u);  // 40 us: the third runs
  EXPECT_NEAR(seen[4].second, 61 * kUs, 1e-12);
  EXPECT_NEAR(synced_at, 62 * kUs, 1e-12);
  EXPECT_NEAR(rig.metrics.device(1).total_s(), 40 * kUs, 1e-12);
  EXPECT_EQ(gpu.completed_kernels(), 3u);
  EXPECT_EQ(rig.gpu_execs, 3);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
