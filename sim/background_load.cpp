#include "sim/background_load.hpp"

#include <algorithm>
#include <cmath>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

namespace aisim {
namespace s4u = simgrid::s4u;

namespace {

// A CPU-bound thread's endless work is issued in bursts of this length; HostCpu cuts them at
// slice ends anyway, so the length changes no timing, only how often the loop turns.
constexpr double kCpuBoundBurstS = 1.0;

void cpu_bound(HostCpu& cpu, SimThread& t, double stop_s) {
  cpu.start(t);
  for (;;) {
    const double left = stop_s - s4u::Engine::get_clock();
    if (left <= 0) break;
    cpu.compute(t, std::min(left, kCpuBoundBurstS));
  }
  cpu.release_core(t);
}

// Threads of one spec are spread evenly over the period (phase i/count) so that they do not all
// wake at the same instant.
void periodic(HostCpu& cpu, SimThread& t, const BackgroundSpec& spec, int index, double stop_s) {
  double next = spec.period_s * index / std::max(spec.count, 1);
  s4u::this_actor::sleep_until(next);
  cpu.start(t);
  for (;;) {
    cpu.compute(t, spec.duty_cycle * spec.period_s);
    next += spec.period_s;
    const double now = s4u::Engine::get_clock();
    if (next < now) next = now;  // overran its period: the next one starts at once
    if (next >= stop_s) break;
    cpu.release_core(t);
    s4u::this_actor::sleep_until(next);
    cpu.wake(t);
    cpu.wait_for_core(t);
  }
  cpu.release_core(t);
}

}  // namespace

void start_background_load(HostCpu& cpu, s4u::Host* host, const std::vector<BackgroundSpec>& specs,
                           double stop_s) {
  for (const BackgroundSpec& spec : specs) {
    for (int i = 0; i < spec.count; ++i) {
      const std::string name = spec.name + "/" + std::to_string(i);
      SimThread& t = cpu.add_thread(name, spec.nice);
      auto actor = s4u::Actor::create(name, host, [&cpu, &t, &spec, i, stop_s] {
        if (spec.periodic)
          periodic(cpu, t, spec, i, stop_s);
        else
          cpu_bound(cpu, t, stop_s);
      });
      if (std::isinf(stop_s)) actor->daemonize();
    }
  }
}

}  // namespace aisim
