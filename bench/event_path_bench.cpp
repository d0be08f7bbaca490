// The cost of aisim's event path against the engine's own floor, in one binary and one run:
//   BM_BareSimGridExec   one SimGrid exec activity from an actor (the floor)
//   BM_DispatchOp        one simulated op as the runtime does it: a host burst on the dispatch
//                        thread's core, a submit to the device stream, the kernel activity on
//                        the device, and the metrics bookkeeping of both
// SimGrid allows one engine per process, so main() creates it once and each benchmark runs its
// actors to completion with Engine::run().
#include <benchmark/benchmark.h>
#include <simgrid/plugins/energy.h>

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

#include "policies/scheduler/scheduler_policy.hpp"
#include "sim/config.hpp"
#include "sim/device_engine.hpp"
#include "sim/host_cpu.hpp"
#include "sim/metrics.hpp"
#include "sim/platform.hpp"
#include "sim/simulation.hpp"

namespace {

namespace s4u = simgrid::s4u;
using namespace aisim;

const Config* g_config = nullptr;
const Platform* g_platform = nullptr;

void BM_BareSimGridExec(benchmark::State& state) {
  s4u::Actor::create("bare", g_platform->hosts[1], [&state] {
    for (auto _ : state) s4u::this_actor::execute(1e6);  // 1 us of simulated work
  });
  s4u::Engine::get_instance()->run();
}
BENCHMARK(BM_BareSimGridExec);

void BM_DispatchOp(benchmark::State& state) {
  auto scheduler = SchedulerRegistry::instance().create("fifo");
  NodeState node;
  node.devices = {{"host", 0, 0}, {"gpu", 0, 0}};
  MetricsCollector metrics(2, g_config->devices[0].cores, 1e-3, 1);
  HostCpu cpu(g_config->devices[0], *scheduler, node, metrics);
  DeviceEngine gpu(1, g_platform->hosts[1], node, metrics, cpu);
  gpu.start();
  s4u::Actor::create("dispatch", g_platform->hosts[0], [&] {
    SimThread& thread = cpu.add_thread("dispatch", 0);
    cpu.start(thread);
    for (auto _ : state) {
      cpu.compute(thread, 15e-6);
      gpu.submit(20e-6);  // device-bound, as a training step mostly is
    }
    gpu.synchronize(thread);
    cpu.release_core(thread);
  });
  s4u::Engine::get_instance()->run();
  state.counters["kernels"] = static_cast<double>(state.iterations());
}
BENCHMARK(BM_DispatchOp);

}  // namespace

int main(int argc, char** argv) {
  const Json document = Json::parse(R"({
    "devices": [
      {"name": "host", "kind": "cpu", "cores": 4, "peak_flops": "1 TFLOPS", "memory_capacity": "64 GiB",
       "memory_bandwidth": "100 GB/s", "idle_power": "50 W", "busy_power": "150 W"},
      {"name": "gpu", "kind": "gpu", "peak_flops": "10 TFLOPS", "memory_capacity": "16 GiB",
       "memory_bandwidth": "1000 GB/s", "idle_power": "50 W", "busy_power": "300 W"}],
    "links": [{"name": "pcie", "endpoints": ["host", "gpu"], "bandwidth": "20 GB/s", "latency": "1 us"}],
    "jobs": [{"model": "resnet50", "batch_size": 1, "dataset_size": 1, "iterations": 2, "device": "gpu"}],
    "policies": {"scheduler": "fifo", "memory": "no-cache"}})");
  const Config config = config_from_json(document, "bench");
  std::vector<std::string> args = simgrid_engine_args();
  std::vector<char*> sg_argv;
  for (auto& a : args) sg_argv.push_back(a.data());
  int sg_argc = static_cast<int>(sg_argv.size());
  sg_host_energy_plugin_init();
  s4u::Engine engine(&sg_argc, sg_argv.data());
  const Platform platform = build_platform(config);
  g_config = &config;
  g_platform = &platform;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
