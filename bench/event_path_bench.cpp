// The cost of aisim's event path against the engine's own floor, in one binary and one run:
//   BM_BareSimGridExec   one SimGrid exec activity from an actor (the floor)
//   BM_DispatchOp        one simulated op as the runtime does it: a host burst on the dispatch
//                        thread's core, a submit to the device stream, the kernel activity on
//                        the device, and the metrics bookkeeping of both
//   BM_AisimOp           a whole small simulation (NodeRuntime: ResNet-50 at batch 256 on the
//                        GPU, accel-aware scheduler, tensor-aware memory, 10 iterations) divided
//                        by its ops: the full event path, allocator and metrics included
// Timings here are process CPU time (the machine is shared; wall time is noisy). BM_AisimOp
// reports bare_exec_us (from BM_BareSimGridExec, which must run first), aisim_op_us and their
// ratio as counters (docs/performance.md).
// SimGrid allows one engine per process, so main() creates it once and each benchmark runs its
// actors to completion with Engine::run().
#include <benchmark/benchmark.h>
#include <simgrid/plugins/energy.h>
#include <time.h>

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Exec.hpp>

#include "policies/memory/memory_policy.hpp"
#include "policies/scheduler/scheduler_policy.hpp"
#include "sim/config.hpp"
#include "sim/device_engine.hpp"
#include "sim/host_cpu.hpp"
#include "sim/metrics.hpp"
#include "sim/node_runtime.hpp"
#include "sim/platform.hpp"
#include "sim/simulation.hpp"

namespace {

namespace s4u = simgrid::s4u;
using namespace aisim;

const Config* g_config = nullptr;
const Platform* g_platform = nullptr;
const std::vector<Trace>* g_traces = nullptr;
double g_bare_exec_cpu_s = 0;  // CPU time of one bare exec, from BM_BareSimGridExec
long g_execs_started = 0;      // every SimGrid exec started in this process (host and device)

double process_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

void BM_BareSimGridExec(benchmark::State& state) {
  const double cpu_start = process_cpu_s();
  s4u::Actor::create("bare", g_platform->hosts[1], [&state] {
    for (auto _ : state) s4u::this_actor::execute(1e6);  // 1 us of simulated work
  });
  s4u::Engine::get_instance()->run();
  g_bare_exec_cpu_s = (process_cpu_s() - cpu_start) / static_cast<double>(state.iterations());
  state.counters["bare_exec_us"] = 1e6 * g_bare_exec_cpu_s;
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

void BM_AisimOp(benchmark::State& state) {
  double ops = 0, cpu_s = 0;
  const long execs_before = g_execs_started;
  for (auto _ : state) {
    const double cpu_start = process_cpu_s();
    auto scheduler = SchedulerRegistry::instance().create(g_config->policies.scheduler);
    auto memory = MemoryRegistry::instance().create(g_config->policies.memory);
    MetricsCollector metrics(static_cast<int>(g_config->devices.size()),
                             g_config->devices[g_config->host_index()].cores,
                             g_config->run.util_window_s, static_cast<int>(g_config->jobs.size()));
    NodeRuntime runtime(*g_config, *g_platform, *g_traces, *scheduler, *memory, metrics);
    runtime.start();
    s4u::Engine::get_instance()->run();
    if (runtime.out_of_memory()) state.SkipWithError("simulated out of memory");
    cpu_s += process_cpu_s() - cpu_start;
    ops += static_cast<double>(metrics.job(0).iterations_done) *
           static_cast<double>((*g_traces)[0].ops.size());
  }
  const double op_s = cpu_s / ops;
  state.counters["ops"] = ops;
  state.counters["aisim_op_us"] = 1e6 * op_s;
  state.counters["bare_exec_us"] = 1e6 * g_bare_exec_cpu_s;
  state.counters["ratio"] = g_bare_exec_cpu_s > 0 ? op_s / g_bare_exec_cpu_s : 0.0;
  // SimGrid execs (host bursts, context switches, device runs) per simulated op: the figure the
  // ratio follows, independent of the machine.
  state.counters["execs_per_op"] = static_cast<double>(g_execs_started - execs_before) / ops;
}
BENCHMARK(BM_AisimOp)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  // The host and A100 of configs/a100_tpu.json (figures and sources there), ResNet-50 at batch
  // 256 under the ai-aware policies, as configs/resnet50_epoch_ai_aware.json runs it.
  const Json document = Json::parse(R"({
    "devices": [
      {"name": "host", "kind": "cpu", "cores": 40, "peak_flops": "5.9 TFLOPS",
       "memory_capacity": "512 GiB", "memory_bandwidth": "204.8 GB/s", "context_switch": "2 us",
       "idle_power": "27 W", "busy_power": "270 W"},
      {"name": "gpu", "kind": "gpu", "peak_flops": {"fp32": "19.5 TFLOPS", "tf32": "156 TFLOPS"},
       "memory_capacity": "80 GiB", "memory_bandwidth": "2039 GB/s", "launch_latency": "5 us",
       "kernel_overhead": "1 us", "malloc_latency": "10 us", "free_latency": "10 us",
       "idle_power": "55 W", "busy_power": "400 W"}],
    "links": [{"name": "pcie", "endpoints": ["host", "gpu"], "bandwidth": "25 GB/s", "latency": "1 us"}],
    "jobs": [{"name": "resnet50", "model": "resnet50", "batch_size": 256, "precision": "tf32",
              "dataset_size": 1281167, "iterations": 10, "device": "gpu",
              "framework_overhead": "10 us"}],
    "policies": {"scheduler": "accel-aware", "memory": "tensor-aware"},
    "run": {"warmup_iterations": 0, "util_window": "50 ms"}})");
  const Config config = config_from_json(document, "bench");
  const std::vector<Trace> traces = load_workloads(config);
  std::vector<std::string> args = simgrid_engine_args();
  std::vector<char*> sg_argv;
  for (auto& a : args) sg_argv.push_back(a.data());
  int sg_argc = static_cast<int>(sg_argv.size());
  sg_host_energy_plugin_init();
  s4u::Engine engine(&sg_argc, sg_argv.data());
  s4u::Exec::on_start_cb([](const s4u::Exec&) { ++g_execs_started; });
  const Platform platform = build_platform(config);
  g_config = &config;
  g_platform = &platform;
  g_traces = &traces;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
