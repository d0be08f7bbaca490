#include "workloads/kineto_memory.hpp"

#include <zlib.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "models/errors.hpp"

namespace aisim {
namespace {

// c10::DeviceType::CUDA
constexpr int kCudaDeviceType = 1;

// Reads the whole file, inflating it when gzip'd (gzread passes plain files through).
std::string read_maybe_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw TraceError({{path, "", "cannot open the file"}});
  std::string out;
  std::vector<char> buffer(1 << 20);
  int n = 0;
  while ((n = gzread(f, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0)
    out.append(buffer.data(), static_cast<std::size_t>(n));
  const bool failed = n < 0;
  gzclose(f);
  if (failed) throw TraceError({{path, "", "cannot inflate the gzip stream"}});
  return out;
}

std::optional<std::int64_t> int_arg(const nlohmann::json& args, const char* key) {
  const auto it = args.find(key);
  if (it == args.end() || !it->is_number()) return std::nullopt;
  return it->get<std::int64_t>();
}

}  // namespace

KinetoMemoryStream read_kineto_memory(const std::string& path) {
  using nlohmann::json;
  std::string text = read_maybe_gzip(path);
  // Keep only the events we need while parsing: a 54 MB trace as a full DOM would take well
  // over 500 MB. A trace event is an object with "ph"; others (args, metadata) are kept.
  json::parser_callback_t keep = [](int, json::parse_event_t event, json& parsed) {
    if (event != json::parse_event_t::object_end || !parsed.contains("ph")) return true;
    const auto name = parsed.find("name");
    if (name == parsed.end() || !name->is_string()) return false;
    const auto& s = name->get_ref<const std::string&>();
    return s == "[memory]" || s.rfind("ProfilerStep#", 0) == 0;
  };
  json doc;
  try {
    doc = json::parse(text, keep);
  } catch (const json::parse_error& e) {
    throw TraceError({{path, "", std::string("not JSON: ") + e.what()}});
  }
  text.clear();
  text.shrink_to_fit();
  if (!doc.is_object() || !doc.contains("traceEvents") || !doc["traceEvents"].is_array())
    throw TraceError({{path, "/traceEvents", "expected an array of trace events"}});

  KinetoMemoryStream out;
  out.file = path;
  std::map<int, std::size_t> per_device;
  for (const auto& e : doc["traceEvents"]) {
    if (!e.is_object() || !e.contains("name")) continue;
    const auto& name = e["name"].get_ref<const std::string&>();
    if (name.rfind("ProfilerStep#", 0) == 0 && e.value("ph", "") == "X" && e.contains("ts"))
      out.step_start_us.push_back(e["ts"].get<double>());
    if (name != "[memory]" || !e.contains("args")) continue;
    const auto& args = e["args"];
    if (int_arg(args, "Device Type").value_or(-1) == kCudaDeviceType)
      ++per_device[static_cast<int>(int_arg(args, "Device Id").value_or(0))];
  }
  if (per_device.empty())
    throw TraceError({{path, "/traceEvents", "no [memory] events of a CUDA device"}});
  out.device_id = std::max_element(per_device.begin(), per_device.end(), [](auto& a, auto& b) {
                    return a.second < b.second;
                  })->first;
  for (const auto& e : doc["traceEvents"]) {
    if (!e.is_object() || e.value("name", "") != "[memory]" || !e.contains("args")) continue;
    const auto& args = e["args"];
    if (int_arg(args, "Device Type").value_or(-1) != kCudaDeviceType ||
        int_arg(args, "Device Id").value_or(0) != out.device_id) {
      ++out.other_device_events;
      continue;
    }
    KinetoMemoryEvent m;
    m.ts_us = e.value("ts", 0.0);
    m.bytes = int_arg(args, "Bytes").value_or(0);
    if (const auto a = int_arg(args, "Addr")) m.address = static_cast<std::uint64_t>(*a);
    m.total_allocated_bytes = int_arg(args, "Total Allocated");
    m.total_reserved_bytes = int_arg(args, "Total Reserved");
    if (m.bytes != 0) out.events.push_back(m);
  }
  std::stable_sort(out.events.begin(), out.events.end(),
                   [](const auto& a, const auto& b) { return a.ts_us < b.ts_us; });
  std::sort(out.step_start_us.begin(), out.step_start_us.end());
  if (doc.contains("deviceProperties") && doc["deviceProperties"].is_array())
    for (const auto& p : doc["deviceProperties"])
      if (p.value("id", -1) == out.device_id && p.contains("totalGlobalMem"))
        out.device_capacity_bytes = p["totalGlobalMem"].get<double>();
  return out;
}

}  // namespace aisim
