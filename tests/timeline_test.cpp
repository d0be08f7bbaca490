// The Perfetto timeline (`--timeline`, sim/timeline.hpp): valid JSON, every track's slices
// strictly nested (here: back to back at most), kernel time equal to the report's busy time,
// counters that agree with the report, gzip output, and a report unchanged by asking for one.
// Each TEST simulates once, in its own process (gtest_discover_tests).
#include "sim/timeline.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "sim/simulation.hpp"
#include "test_process.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

namespace fs = std::filesystem;
const std::string kData = AISIM_TEST_DATA_DIR;
const std::string kAisim = AISIM_BINARY;
constexpr int kIterations = 30;

fs::path fresh_dir(const std::string& name) {
  return test::fresh_dir("timeline_" + name);
}

// The minimal node made busy: more iterations, data-loader workers and cpu-bound tenants on its
// four cores (switches and preemptions on every core track), and the tensor-aware policy, whose
// prefetches use the copy engine.
Json busy_node() {
  std::ifstream in(kData + "/minimal.json");
  Json config = Json::parse(in);
  Json& job = config["jobs"][0];
  job["trace"] = kData + "/chain_trace.json";  // absolute: the config may be written elsewhere
  job["iterations"] = kIterations;
  job["data_loader"] = {{"workers", 2}, {"cpu_time_per_sample", "50 us"}};
  config["background_load"] = Json::array({{{"name", "tenant"}, {"count", 5}}});
  config["policies"] = {{"scheduler", "cfs"}, {"memory", "tensor-aware"}};
  config["run"]["warmup_iterations"] = 2;
  config["run"]["util_window"] = "200 us";
  return config;
}

Json simulate(const fs::path& timeline) {
  const Config config = config_from_json(busy_node(), kData + "/minimal.json");
  SimulationOptions options;
  options.timeline_path = timeline.string();
  return run_simulation(config, load_workloads(config), options);
}

std::string read_gzip(const fs::path& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  EXPECT_NE(f, nullptr);
  std::string text;
  char buffer[1 << 16];
  for (int n; (n = gzread(f, buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  gzclose(f);
  return text;
}

// Timestamps as Perfetto reads them: microseconds rounded to integer nanoseconds.
std::int64_t ns(const Json& us) {
  return std::llround(us.get<double>() * 1000.0);
}

struct Slice {
  std::int64_t start_ns, end_ns;
  std::string name;
};
using TrackKey = std::pair<int, int>;  // pid, tid

std::map<TrackKey, std::vector<Slice>> slices_by_track(const Json& trace) {
  std::map<TrackKey, std::vector<Slice>> tracks;
  for (const Json& e : trace["traceEvents"]) {
    if (e["ph"] != "X") continue;
    const std::int64_t start = ns(e["ts"]);
    tracks[{e["pid"].get<int>(), e["tid"].get<int>()}].push_back(
        {start, start + ns(e["dur"]), e["name"].get<std::string>()});
  }
  for (auto& [key, slices] : tracks)
    std::sort(slices.begin(), slices.end(),
              [](const Slice& a, const Slice& b) { return a.start_ns < b.start_ns; });
  return tracks;
}

// pid of the process named "<device> (...)".
int pid_of(const Json& trace, const std::string& device) {
  for (const Json& e : trace["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "process_name" &&
        e["args"]["name"].get<std::string>().rfind(device + " (", 0) == 0)
      return e["pid"].get<int>();
  ADD_FAILURE() << "no process named after " << device;
  return -1;
}

// The writer alone, no engine: times are passed in.
TEST(TimelineWriter, MergesSlicesSumsWindowsAndEscapesNames) {
  const fs::path dir = fresh_dir("writer");
  Json document = busy_node();
  document["run"]["util_window"] = "1 ms";
  const Config config = config_from_json(document, kData + "/minimal.json");
  const auto traces = load_workloads(config);
  {
    Timeline t((dir / "t.json").string(), config, traces);
    t.thread_added(0, "odd \"name\\/loader2");
    t.thread_ran(2, 0, 0.0, 1e-3);  // two runs back to back: one slice
    t.thread_ran(2, 0, 1e-3, 2e-3);
    t.context_switch(2, 0, 2e-3, 2.002e-3);
    t.kernel(1, {}, 0.1e-3, 0.3e-3);            // window 0: 0.2 ms busy
    t.kernel(1, {0, 1, 7, 0}, 0.9e-3, 2.5e-3);  // window 0 +0.1 ms, window 1 full, window 2 half
    t.device_memory(1, 1e-3, 2e6, 1e6);
    t.device_memory(1, 2e-3, 2e6, 1e6);  // unchanged: not written again
    t.finish(3.5e-3);
  }
  std::ifstream in(dir / "t.json");
  const Json trace = Json::parse(in);
  std::vector<Json> core, kernels;
  std::map<std::int64_t, double> utilization;
  int memory = 0;
  for (const Json& e : trace["traceEvents"]) {
    if (e["ph"] == "X" && e["pid"] == 1) core.push_back(e);
    if (e["ph"] == "X" && e["pid"] == 2) kernels.push_back(e);
    if (e["ph"] == "C" && e["name"] == "utilization")
      utilization[ns(e["ts"])] = e["args"]["pct"].get<double>();
    memory += e["ph"] == "C" && e["name"] == "device memory";
  }
  ASSERT_EQ(core.size(), 2u);
  EXPECT_EQ(core[0]["name"], "odd \"name\\/loader2");
  EXPECT_EQ(core[0]["cat"], "loader");
  EXPECT_EQ(core[0]["tid"], 3);  // core 2
  EXPECT_EQ(ns(core[0]["dur"]), 2'000'000);
  EXPECT_EQ(core[1]["name"], "context switch");
  ASSERT_EQ(kernels.size(), 2u);
  EXPECT_EQ(kernels[1]["name"], traces[0].ops[1].name);
  EXPECT_EQ(kernels[1]["args"]["iteration"], 7);
  const std::map<std::int64_t, double> expected{
      {0, 30.0}, {1'000'000, 100.0}, {2'000'000, 50.0}, {3'000'000, 0.0}};
  ASSERT_EQ(utilization.size(), expected.size());
  for (const auto& [ts, pct] : expected) EXPECT_NEAR(utilization.at(ts), pct, 1e-9) << ts;
  EXPECT_EQ(memory, 1);
  fs::remove_all(dir);
}

TEST(Timeline, TracksAreNestedLabelledAndMatchTheReport) {
  const fs::path dir = fresh_dir("plain");
  const Json report = simulate(dir / "timeline.json");
  std::ifstream in(dir / "timeline.json");
  const Json trace = Json::parse(in);  // throws (fails the test) on invalid JSON
  ASSERT_TRUE(trace["traceEvents"].is_array());
  const auto tracks = slices_by_track(trace);

  // Every track is labelled, and no two slices on a track overlap (partial overlap would be
  // misnested in Perfetto; these tracks have no nesting at all).
  std::set<TrackKey> named;
  for (const Json& e : trace["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "thread_name")
      named.insert({e["pid"].get<int>(), e["tid"].get<int>()});
  for (const auto& [key, slices] : tracks) {
    EXPECT_TRUE(named.count(key)) << "track " << key.first << "/" << key.second << " has no name";
    for (std::size_t i = 1; i < slices.size(); ++i)
      ASSERT_LE(slices[i - 1].end_ns, slices[i].start_ns)
          << "track " << key.first << "/" << key.second << ": " << slices[i - 1].name
          << " overlaps " << slices[i].name;
  }

  const int host = pid_of(trace, "host"), gpu = pid_of(trace, "gpu0");
  // Busy cores: thread slices and context switches on them.
  std::set<std::string> host_names;
  for (const auto& [key, slices] : tracks)
    if (key.first == host)
      for (const Slice& s : slices) host_names.insert(s.name);
  EXPECT_TRUE(host_names.count("chain/dispatch"));
  EXPECT_TRUE(host_names.count("chain/loader0"));
  EXPECT_TRUE(host_names.count("tenant/0"));
  EXPECT_TRUE(host_names.count("context switch"));

  // Kernel time inside the measured window equals the report's busy time.
  const double window_start = report["simulation"]["window"]["start_s"].get<double>();
  const double window_end = report["simulation"]["window"]["end_s"].get<double>();
  const auto& kernels = tracks.at({gpu, 1});
  EXPECT_EQ(kernels.size(), 4u * kIterations);  // chain_trace.json: 4 ops per iteration
  double busy_s = 0;
  for (const Slice& k : kernels) {
    const double lo = std::max(k.start_ns * 1e-9, window_start);
    const double hi = std::min(k.end_ns * 1e-9, window_end);
    if (hi > lo) busy_s += hi - lo;
  }
  const double reported = report["devices"][1]["busy_time_s"].get<double>();
  ASSERT_GT(reported, 0);
  EXPECT_NEAR(busy_s, reported, 1e-6 * reported);

  // Kernel arguments name the op.
  for (const Json& e : trace["traceEvents"])
    if (e["ph"] == "X" && e["pid"] == gpu && e["tid"] == 1) {
      EXPECT_TRUE(e["args"].contains("op_id"));
      EXPECT_TRUE(e["args"].contains("iteration"));
      EXPECT_GT(e["args"]["flops"].get<double>(), 0);
      break;
    }

  // Prefetch copies on the copy engine, one slice per iteration on the job's iteration track.
  std::size_t copies = 0, iterations = 0;
  for (const auto& [key, slices] : tracks)
    for (const Slice& s : slices) {
      copies += key.first == gpu && s.name == "prefetch copy";
      iterations += key.first == gpu && s.name.rfind("iteration ", 0) == 0;
    }
  EXPECT_GT(copies, 0u);
  EXPECT_EQ(iterations, static_cast<std::size_t>(kIterations));

  // Counters: utilization per window (equal to the report's series), memory, power.
  std::map<std::int64_t, double> utilization;
  std::size_t memory = 0, power = 0;
  for (const Json& e : trace["traceEvents"]) {
    if (e["ph"] != "C" || e["pid"] != gpu) continue;
    if (e["name"] == "utilization") utilization[ns(e["ts"])] = e["args"]["pct"].get<double>();
    memory += e["name"] == "device memory";
    power += e["name"] == "power";
  }
  EXPECT_GT(memory, 0u);
  EXPECT_GT(power, 0u);
  const Json& series = report["devices"][1]["utilization_series"];
  const double w = series["window_s"].get<double>(), start = series["start_s"].get<double>();
  ASSERT_FALSE(series["values_pct"].empty());
  for (std::size_t k = 0; k < series["values_pct"].size(); ++k) {
    const auto t = std::llround((start + static_cast<double>(k) * w) * 1e9);
    const auto it = utilization.upper_bound(t);  // the counter's value at t (a step function)
    ASSERT_NE(it, utilization.begin());
    EXPECT_NEAR(std::prev(it)->second, series["values_pct"][k].get<double>(), 1e-4) << k;
  }
  fs::remove_all(dir);
}

TEST(Timeline, GzipRoundTrips) {
  const fs::path dir = fresh_dir("gzip");
  const Json report = simulate(dir / "timeline.json.gz");
  EXPECT_EQ(report["simulation"]["timeline"], (dir / "timeline.json.gz").string());
  std::ifstream raw(dir / "timeline.json.gz", std::ios::binary);
  ASSERT_EQ(raw.get(), 0x1f);  // the gzip magic, not plain JSON
  ASSERT_EQ(raw.get(), 0x8b);
  const Json trace = Json::parse(read_gzip(dir / "timeline.json.gz"));
  const auto tracks = slices_by_track(trace);
  EXPECT_EQ(tracks.at({pid_of(trace, "gpu0"), 1}).size(), 4u * kIterations);
  fs::remove_all(dir);
}

// Asking for a timeline observes the run without changing it: the same report, field by field
// (wall time and the timeline's own path aside).
TEST(Timeline, LeavesTheReportUnchanged) {
  const fs::path dir = fresh_dir("same");
  // A timeline runs every op as its own burst (run.chunked_dispatch has no effect with one), so
  // the run without it does the same here, and the two reports must agree to the byte. (Chunked
  // against per-op dispatch, equal to rounding: tests/chunked_dispatch_test.cpp.)
  Json config = busy_node();
  config["run"]["chunked_dispatch"] = false;
  { std::ofstream(dir / "busy.json") << config.dump(1); }
  const std::string run = kAisim + " --quiet --config " + (dir / "busy.json").string();
  const auto a = test::run_process(run + " --output " + (dir / "a").string());
  const auto b = test::run_process(run + " --output " + (dir / "b").string() + " --timeline " +
                                   (dir / "t.json").string());
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  ASSERT_TRUE(fs::exists(dir / "t.json"));
  Json ra = Json::parse(std::ifstream(dir / "a" / "report.json"));
  Json rb = Json::parse(std::ifstream(dir / "b" / "report.json"));
  for (Json* r : {&ra, &rb}) {
    (*r)["simulation"].erase("wall_time_s");
    (*r)["simulation"].erase("timeline");
    (*r)["config"].erase("run");  // output_dir differs
  }
  EXPECT_EQ(ra.dump(1), rb.dump(1));
  fs::remove_all(dir);
}

TEST(Timeline, UnwritablePathIsBadInputBeforeSimulating) {
  const fs::path dir = fresh_dir("bad");
  const auto r = test::run_process(kAisim + " --quiet --config " + kData +
                                   "/minimal.json --output " + (dir / "out").string() +
                                   " --timeline " + (dir / "no/such/dir/t.json").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no/such/dir/t.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cannot write the timeline file"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out" / "report.json"));
  fs::remove_all(dir);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
