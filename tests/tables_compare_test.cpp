// Table 3/4 rows from reports, the CSV writer, --set parsing and the regression comparison.
#include <gtest/gtest.h>

#include "models/errors.hpp"
#include "sim/compare.hpp"
#include "sim/config.hpp"
#include "sim/experiment.hpp"
#include "sim/sweep.hpp"
#include "sim/tables.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

TEST(Compare, GlobMatchesPointers) {
  EXPECT_TRUE(glob_match("*", "/a/b"));
  EXPECT_TRUE(glob_match("*/count", "/host/context_switch_latency_us/count"));
  EXPECT_FALSE(glob_match("*/count", "/host/counts"));
  EXPECT_TRUE(glob_match("*switches*", "/host/context_switches_whole_run"));
  EXPECT_TRUE(glob_match("/a*c/d", "/abbbc/d"));
  EXPECT_FALSE(glob_match("/a*c/d", "/abbbc/e"));
}

TEST(Compare, NumbersWithinTheirRuleOthersExactly) {
  Tolerances t;
  t.fallback = {"*", 1e-3, 0, false};
  t.rules.push_back({"*/count", 0, 0, false});
  t.rules.push_back({"/version", 0, 0, true});
  const Json ref = {{"x", 100.0}, {"count", 5}, {"name", "a"}, {"version", "1"}, {"list", {1, 2}}};
  Json act = ref;
  act["x"] = 100.05;     // 5e-4 relative: inside
  act["version"] = "2";  // ignored
  EXPECT_TRUE(compare_reports(ref, act, t).empty());
  act["x"] = 100.2;         // 2e-3: outside
  act["count"] = 6;         // exact rule
  act["name"] = "b";        // strings exactly
  act["list"] = {1, 2, 3};  // an extra element
  act["extra"] = true;      // a key on one side only
  const auto d = compare_reports(ref, act, t);
  std::vector<std::string> pointers;
  for (const auto& x : d) pointers.push_back(x.pointer);
  EXPECT_EQ(pointers, (std::vector<std::string>{"/count", "/list/2", "/name", "/x", "/extra"}));
  EXPECT_NEAR(d[3].relative, 2e-3, 1e-12);
}

TEST(ConfigOverrides, ParseKeyAndValue) {
  const auto o = parse_override("jobs.0.batch_size=64");
  EXPECT_EQ(o.key, "jobs.0.batch_size");
  EXPECT_EQ(o.value, "64");
  EXPECT_EQ(parse_override("run.util_window=1 ms").value, "1 ms");
  EXPECT_EQ(parse_override("a=b=c").value, "b=c");
  EXPECT_THROW(parse_override("novalue"), InputError);
  EXPECT_THROW(parse_override("=3"), InputError);
}

TEST(Sweep, SplitsValuesAtTopLevelCommas) {
  EXPECT_EQ(split_sweep_values("64,128,256"), (std::vector<std::string>{"64", "128", "256"}));
  EXPECT_EQ(split_sweep_values("[1,2],{\"a\":1,\"b\":2},\"x,y\""),
            (std::vector<std::string>{"[1,2]", "{\"a\":1,\"b\":2}", "\"x,y\""}));
  EXPECT_EQ(split_sweep_values("cfs"), (std::vector<std::string>{"cfs"}));
}

Json fake_report(const std::string& scheduler, const std::string& memory, double throughput,
                 double util, double reuse, double power) {
  return {{"config",
           {{"policies", {{"scheduler", scheduler}, {"memory", memory}}},
            {"jobs",
             {{{"name", "resnet50"}, {"cotenant", false}}, {{"name", "t"}, {"cotenant", true}}}}}},
          {"jobs",
           {{{"name", "resnet50"},
             {"model", "resnet50"},
             {"device", "a100"},
             {"batch_size", 256},
             {"training_time_s", 1281167 / throughput},
             {"throughput_samples_per_s", throughput},
             {"measured_iterations", 10},
             {"iterations_per_epoch", 5005},
             {"energy_j_per_epoch", 1.0}},
            {{"name", "t"},
             {"model", "bert-base"},
             {"device", "tpu"},
             {"batch_size", 8},
             {"training_time_s", 1.0},
             {"throughput_samples_per_s", 1.0},
             {"measured_iterations", 10},
             {"iterations_per_epoch", 10},
             {"energy_j_per_epoch", 1.0}}}},
          {"devices",
           {{{"name", "a100"},
             {"utilization_pct", util},
             {"utilization_range_pct", {util - 10, util}},
             {"memory", {{"peak_reserved_bytes", 2e9}}}}}},
          {"host",
           {{"cpu_utilization_pct", 5.0},
            {"context_switch_latency_us", {{"mean", 3.0}, {"p99", 9.0}}}}},
          {"memory", {{"memory_reuse_pct", reuse}}},
          {"node", {{"power_w", power}}}};
}

TEST(Tables, RowsComeFromTheReportsAndCompareWithTheBaseline) {
  const std::vector<PointReport> points{
      {"resnet50", "baseline", fake_report("cfs", "caching", 1000, 80, 70, 500), ""},
      {"resnet50", "ai-aware", fake_report("accel-aware", "tensor-aware", 1100, 90, 90, 450), ""}};
  const Json t3 = table3_rows(points, "baseline");
  ASSERT_EQ(t3.size(), 2u);  // the co-tenant is not a row
  EXPECT_EQ(t3[0]["model_family"], "ResNet-50");
  EXPECT_EQ(t3[0]["paper"]["column"], "base");
  EXPECT_EQ(t3[0]["paper"]["gpu_utilization_pct"], 85.0);
  EXPECT_EQ(t3[1]["paper"]["column"], "proposed");
  EXPECT_TRUE(t3[0]["improvement_pct"].is_null());
  EXPECT_NEAR(t3[1]["improvement_pct"]["throughput_samples_per_s"].get<double>(), 10.0, 1e-9);
  EXPECT_NEAR(t3[1]["improvement_pct"]["training_time_s"].get<double>(), 100.0 * (1 / 1.1 - 1),
              1e-9);
  EXPECT_EQ(t3[1]["training_time_extrapolated"], true);
  const Json t4 = table4_rows(t3, "baseline");
  ASSERT_EQ(t4.size(), 2u);
  EXPECT_EQ(t4[1]["gpu_utilization_range_pct"], Json({80.0, 90.0}));
  EXPECT_NEAR(t4[1]["improvement_pct"]["power_w"].get<double>(), -10.0, 1e-9);
  EXPECT_EQ(t4[0]["paper"]["power_w"], 520.0);
  // Policy pairs the paper did not run get no paper figure.
  const Json other =
      table3_rows({{"r", "x", fake_report("fifo", "no-cache", 1, 1, 1, 1), ""}}, "x");
  EXPECT_TRUE(other[0]["paper"].is_null());
}

TEST(Experiment, TimelineFileNamePerPoint) {
  EXPECT_EQ(point_file_name("t.json", "resnet50.baseline"), "t.resnet50.baseline.json");
  EXPECT_EQ(point_file_name("out/t.json.gz", "a.b"), "out/t.a.b.json.gz");
  EXPECT_EQ(point_file_name("trace", "a.b"), "trace.a.b");
}

TEST(Tables, CsvHasTheUnionOfColumnsAndQuotes) {
  const Json rows = {{{"a", 1}, {"b", nullptr}, {"s", "x,y"}},
                     {{"a", 2}, {"b", {{"c", 3}}}, {"s", "q\"q"}}};
  // Columns in first-appearance order; b (null in row 1) is replaced by its member b.c.
  EXPECT_EQ(rows_to_csv(rows), "a,s,b.c\n1,\"x,y\",\n2,\"q\"\"q\",3\n");
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
