#include "sim/metrics.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace aisim {
namespace AISIM_UNITY_ID {

constexpr double kNoWindow = std::numeric_limits<double>::infinity();

TEST(BusyTracker, ClipsIntervalsToTheMeasuredWindow) {
  BusyTracker t;
  t.add(0.0, 1.0, kNoWindow);  // before the window: counted in the total only
  t.add(1.5, 3.0, 2.0);        // straddles the window start at 2.0
  t.add(4.0, 5.0, 2.0);
  EXPECT_DOUBLE_EQ(t.total_s(), 1.0 + 1.5 + 1.0);
  EXPECT_DOUBLE_EQ(t.in_window_s(), 1.0 + 1.0);
}

TEST(BusyTracker, SpreadsIntervalsOverBuckets) {
  BusyTracker t(1.0);
  t.add(0.5, 2.25, kNoWindow);
  ASSERT_EQ(t.buckets().size(), 3u);
  EXPECT_DOUBLE_EQ(t.buckets()[0], 0.5);
  EXPECT_DOUBLE_EQ(t.buckets()[1], 1.0);
  EXPECT_DOUBLE_EQ(t.buckets()[2], 0.25);
}

TEST(Latency, NearestRankPercentiles) {
  std::vector<double> samples;
  for (int i = 1; i <= 100; ++i) samples.push_back(i * 1e-6);
  const auto s = summarize_latencies(samples);
  EXPECT_EQ(s.count, 100u);
  EXPECT_DOUBLE_EQ(s.p50_us, 50);
  EXPECT_DOUBLE_EQ(s.p99_us, 99);
  EXPECT_DOUBLE_EQ(s.max_us, 100);
  EXPECT_NEAR(s.mean_us, 50.5, 1e-9);
}

TEST(MetricsCollector, WindowStartsWhenEveryJobWarmedUp) {
  MetricsCollector m(1, 1, 0.1, 2);
  m.job_warmed_up(0, 1.0);
  EXPECT_FALSE(m.window_started());
  m.thread_switched_in(1.5, 1.6);  // before the window: not a measured sample
  m.job_warmed_up(1, 2.0);
  EXPECT_TRUE(m.window_started());
  EXPECT_DOUBLE_EQ(m.window_start_s(), 2.0);
  m.thread_switched_in(2.5, 2.5001);
  EXPECT_EQ(m.switch_latencies_s().size(), 1u);
  EXPECT_EQ(m.switches_total(), 2u);
}

TEST(MetricsCollector, MemoryReuseCountsOnlyTheWindow) {
  MetricsCollector m(1, 1, 0.1, 1);
  m.memory_request(false, 100);
  m.job_warmed_up(0, 1.0);
  m.memory_request(true, 300);
  m.memory_request(false, 100);
  EXPECT_EQ(m.memory_requests(), 2u);
  EXPECT_EQ(m.memory_requests_reused(), 1u);
  EXPECT_DOUBLE_EQ(m.memory_bytes_reused(), 300);
  EXPECT_EQ(m.memory_requests_all(), 3u);
}

// The simulated invariants (sim/invariants.hpp) abort on a violation where they are compiled in
// (Debug and sanitizer builds; AISIM_INVARIANTS=ON).
TEST(Invariants, OverlappingKernelsAndTimeGoingBackwardsAbort) {
  if (!kCheckInvariants) GTEST_SKIP() << "invariants are compiled out of this build (Release)";
  MetricsCollector m(1, 1, 0.1, 1);
  m.kernel_ran(0, 0.0, 2.0);
  m.observe_time(2.0);  // the device reports its run at its end
  EXPECT_DEATH(m.kernel_ran(0, 1.0, 3.0), "invariant violated: device 0: kernel");
  EXPECT_DEATH(m.iteration_done(0, 1.0, 1), "invariant violated: time went backwards");
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
