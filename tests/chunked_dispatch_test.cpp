// Chunked eager dispatch (run.chunked_dispatch, NodeRuntime::run_chunk) against one burst per op:
// the same simulation to rounding, in the cases where a chunk is sliced or preempted on a busy
// core, where every allocation and free costs host time (chunks end at each), and on the shipped
// Table 3 config. Each run is a child aisim process (one SimGrid engine per process).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "models/json_reader.hpp"
#include "test_process.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {
namespace fs = std::filesystem;

const std::string kData = AISIM_TEST_DATA_DIR;
const std::string kSource = AISIM_SOURCE_DIR;
const std::string kAisim = AISIM_BINARY;

fs::path fresh_dir(const std::string& name) {
  return test::fresh_dir("chunked_" + name);
}

Json run(const std::string& config, const std::string& args, const fs::path& out) {
  const auto r = test::run_process(kAisim + " --quiet --config " + config + " " + args +
                                   " --output " + out.string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return Json::parse(std::ifstream(out / "report.json"));
}

// Every number within 1e-9 relative (1e-12 absolute; improvement percentages, differences of
// equal figures, 1e-6 points), every string, boolean and count equal. `diffs` names the first few.
void compare(const Json& a, const Json& b, const std::string& at, int& diffs, std::string& first) {
  const auto differ = [&](const std::string& what) {
    if (++diffs <= 5) first += at + ": " + what + "\n";
  };
  if (a.is_object() && b.is_object()) {
    for (const auto& [k, v] : a.items()) {
      if (k == "config") continue;  // run.chunked_dispatch differs (the run's, each point's)
      if (!b.contains(k))
        differ("missing " + k);
      else
        compare(v, b[k], at + "/" + k, diffs, first);
    }
    return;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return differ("sizes differ");
    for (size_t i = 0; i < a.size(); ++i)
      compare(a[i], b[i], at + "/" + std::to_string(i), diffs, first);
    return;
  }
  if (a.is_number_float() || b.is_number_float()) {
    const double x = a.get<double>(), y = b.get<double>();
    const bool improvement = at.find("improvement_pct") != std::string::npos;
    const double tol = improvement ? 1e-6 : std::max(1e-12, 1e-9 * std::fabs(x));
    if (std::fabs(x - y) > tol) differ(a.dump() + " vs " + b.dump());
    return;
  }
  if (a != b) differ(a.dump() + " vs " + b.dump());
}

void expect_same(const Json& per_op, const Json& chunked) {
  int diffs = 0;
  std::string first;
  compare(per_op, chunked, "", diffs, first);
  EXPECT_EQ(diffs, 0) << first;
}

// The minimal node (4 cores) with cpu-bound tenants on every core, two data-loader workers and
// `overhead` of framework time per op. At 9.137 ms per op a chunk of the trace's 4 ops is 37 ms of
// CPU, several CFS slices with others queued: chunks are sliced and preempted in the middle.
// `nices` are the tenants' nice values: equal ones make CFS's vruntimes tie exactly (it gives
// every thread of a core the same virtual time per slice), so the picks rest on the tie rule.
Json busy_node(const std::string& memory, const std::string& overhead,
               const std::vector<int>& nices) {
  std::ifstream in(kData + "/minimal.json");
  Json config = Json::parse(in);
  Json& job = config["jobs"][0];
  job["trace"] = kData + "/chain_trace.json";
  job["iterations"] = 20;
  job["framework_overhead"] = overhead;
  job["data_loader"] = {{"workers", 2}, {"cpu_time_per_sample", "47.3 us"}};
  config["background_load"] = Json::array();
  for (std::size_t i = 0; i < nices.size(); ++i)
    config["background_load"].push_back(
        {{"name", std::string(1, static_cast<char>('a' + i))}, {"count", 1}, {"nice", nices[i]}});
  config["policies"] = {{"scheduler", "cfs"}, {"memory", memory}};
  config["run"]["warmup_iterations"] = 2;
  return config;
}

int dispatch_preemptions(const Json& report) {
  for (const auto& t : report["host"]["threads"])
    if (t["name"] == "chain/dispatch") return t["involuntary_preemptions"].get<int>();
  return -1;
}

// Runs `config` per op and chunked and expects the same report; returns the chunked one.
Json expect_same_both_ways(const std::string& name, const Json& config) {
  const fs::path dir = fresh_dir(name);
  { std::ofstream(dir / "config.json") << config.dump(1); }
  const std::string path = (dir / "config.json").string();
  const Json per_op = run(path, "--set run.chunked_dispatch=false", dir / "a");
  const Json chunked = run(path, "", dir / "b");
  expect_same(per_op, chunked);
  fs::remove_all(dir);
  return chunked;
}

TEST(ChunkedDispatch, SameResultsWhenChunksAreSlicedAndPreempted) {
  const Json chunked =
      expect_same_both_ways("busy", busy_node("tensor-aware", "9.137 ms", {0, 1, 2, 3, -1, -2}));
  // The case is the one it claims: the dispatch thread lost its core in the middle of bursts.
  EXPECT_GT(dispatch_preemptions(chunked), 10);
}

TEST(ChunkedDispatch, SameResultsUnderTheAccelAwareScheduler) {
  // accel-aware reads the device's queue depth at its decisions (a starving device's feeder is
  // placed on a tenant's core and preempts it): the depth it sees must follow the chunk's
  // launches. Here the feeder is never preempted and the tenants are, hundreds of times.
  Json config = busy_node("tensor-aware", "9.137 ms", {0, 1, 2, 3, -1, -2});
  config["policies"]["scheduler"] = "accel-aware";
  const Json chunked = expect_same_both_ways("accel", config);
  EXPECT_GT(chunked["host"]["involuntary_preemptions"].get<int>(), 100);
}

TEST(ChunkedDispatch, SameResultsWithIdenticalTenantsWhoseVruntimesTie) {
  const Json chunked =
      expect_same_both_ways("ties", busy_node("tensor-aware", "9.137 ms", {0, 0, 0, 0, 0, 0}));
  EXPECT_GT(dispatch_preemptions(chunked), 10);
}

TEST(ChunkedDispatch, SameResultsWhenTheDispatchThreadKeepsItsCore) {
  // 2.137 ms per op: the dispatch thread's sleeper credit outlasts its chunks, so slice ends
  // pick it again (no preemption) while the tenants around it are sliced.
  expect_same_both_ways("credit", busy_node("tensor-aware", "2.137 ms", {0, 1, 2, 3, -1, -2}));
}

TEST(ChunkedDispatch, SameResultsWhenEveryAllocationCostsHostTime) {
  // no-cache: every allocation is a device malloc and every release a synchronizing free, so a
  // chunk ends at each and the allocation is settled after the burst, at its own instant.
  const Json chunked =
      expect_same_both_ways("nocache", busy_node("no-cache", "2.137 ms", {0, 1, 2, 3, -1, -2}));
  EXPECT_GT(chunked["memory"]["device_allocations"].get<double>(), 0);
}

// A device-bound chain with a launch queue of 2: the third launch of each step waits for a
// slot (the dispatch thread blocks and is woken), so a chunk must stop at the free slots and the
// next launch go alone. Per-op and chunked agree, and the waits are really there.
TEST(ChunkedDispatch, SameResultsWhenTheLaunchQueueFills) {
  std::ifstream in(kData + "/minimal.json");
  Json config = Json::parse(in);
  config["jobs"][0]["trace"] = kData + "/chain_trace.json";
  config["jobs"][0]["iterations"] = 20;
  config["policies"] = {{"scheduler", "cfs"}, {"memory", "tensor-aware"}};
  config["run"]["warmup_iterations"] = 2;
  const auto dispatch_switches = [](const Json& report) {
    for (const auto& t : report["host"]["threads"])
      if (t["name"] == "chain/dispatch") return t["switches"].get<int>();
    return -1;
  };
  const Json unbounded = expect_same_both_ways("queue1024", config);
  config["devices"][1]["launch_queue_depth"] = 2;
  const Json bounded = expect_same_both_ways("queue2", config);
  // 18 switch-ins with room in the queue; with 2 slots, two more per step for the blocked launches.
  EXPECT_EQ(dispatch_switches(unbounded), 18);
  EXPECT_EQ(dispatch_switches(bounded), 54);
}

TEST(ChunkedDispatch, SameTable3OnTheShippedConfig) {
  const fs::path dir = fresh_dir("table3");
  const std::string config = kSource + "/configs/a100_tpu.json";
  const Json per_op = run(config, "-j 2 --set run.chunked_dispatch=false", dir / "a");
  const Json chunked = run(config, "-j 2", dir / "b");
  expect_same(per_op, chunked);
  fs::remove_all(dir);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
