#include "sim/platform.hpp"

#include <fmt/format.h>

#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/s4u/NetZone.hpp>

namespace aisim {

Platform build_platform(const Config& config) {
  namespace s4u = simgrid::s4u;
  auto* zone = s4u::create_full_zone("node");
  Platform platform;
  for (const auto& device : config.devices) {
    s4u::Host* host = zone->create_host(device.name, kWorkUnitsPerSecond);
    host->set_core_count(device.cores);
    // Energy plugin: idle watts when nothing runs, epsilon (first core busy) and all-cores-busy
    // watts. An accelerator is one compute engine, so busy = the config's busy power. For the
    // host, epsilon = idle: power rises linearly with the number of busy cores.
    host->set_property(
        "wattage_per_state",
        fmt::format("{}:{}:{}", device.idle_power_w,
                    device.kind == DeviceKind::kCpu ? device.idle_power_w : device.busy_power_w,
                    device.busy_power_w));
    host->set_property("wattage_off", "0");
    platform.hosts.push_back(host);
  }
  for (const auto& link : config.links) {
    // PCIe and NVLink are full duplex: each direction has the full bandwidth.
    s4u::SplitDuplexLink* l = zone->create_split_duplex_link(link.name, link.bandwidth_bytes_per_s);
    l->set_latency(link.latency_s);
    const auto* a = platform.hosts[config.device_index(link.endpoint_a)];
    const auto* b = platform.hosts[config.device_index(link.endpoint_b)];
    zone->add_route(a->get_netpoint(), b->get_netpoint(), nullptr, nullptr,
                    {s4u::LinkInRoute(l, s4u::LinkInRoute::Direction::UP)}, false);
    zone->add_route(b->get_netpoint(), a->get_netpoint(), nullptr, nullptr,
                    {s4u::LinkInRoute(l, s4u::LinkInRoute::Direction::DOWN)}, false);
  }
  zone->seal();
  return platform;
}

}  // namespace aisim
