// HEFT on the sample DAG of Topcuoglu, Hariri & Wu 2002 (Fig. 2: 10 tasks, 3 processors):
// the ranks, the schedule and the makespan of 80 worked out by hand (and printed in the paper,
// Fig. 4a). Task i of the paper is index i-1 here.
#include "policies/placement/heft.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace aisim {
namespace AISIM_UNITY_ID {

HeftDag paper_dag() {
  HeftDag d;
  d.cost_s = {{14, 16, 9}, {13, 19, 18}, {11, 13, 19}, {13, 8, 17},  {12, 13, 10},
              {13, 16, 9}, {7, 15, 11},  {5, 11, 14},  {18, 12, 20}, {21, 7, 16}};
  const auto edge = [&](int a, int b, double c) { d.edges.push_back({a - 1, b - 1, c}); };
  edge(1, 2, 18), edge(1, 3, 12), edge(1, 4, 9), edge(1, 5, 11), edge(1, 6, 14);
  edge(2, 8, 19), edge(2, 9, 16), edge(3, 7, 23), edge(4, 8, 27), edge(4, 9, 23);
  edge(5, 9, 13), edge(6, 8, 15), edge(7, 10, 17), edge(8, 10, 11), edge(9, 10, 13);
  return d;
}

TEST(Heft, UpwardRanksOfThePapersExample) {
  const HeftSchedule s = heft_schedule(paper_dag());
  const double expected[] = {108, 77, 80, 80, 69, 63.333, 42.667, 35.667, 44.333, 14.667};
  for (int i = 0; i < 10; ++i) EXPECT_NEAR(s.upward_rank[i], expected[i], 1e-3) << "n" << i + 1;
  EXPECT_EQ(s.order,
            (std::vector<int>{0, 2, 3, 1, 4, 5, 8, 6, 7, 9}));  // n1 n3 n4 n2 n5 n6 n9 n7 n8 n10
}

TEST(Heft, ReproducesThePapersScheduleAndMakespan80) {
  const HeftSchedule s = heft_schedule(paper_dag());
  struct Expected {
    int processor;  // 0 = P1
    double start, finish;
  };
  // By hand: n1 on P3 [0,9]; n3 P3 [9,28]; n4 P2 [18,26] (9 + transfer 9); n2 P1 [27,40];
  // n5 P3 [28,38] (P1's gap before n2 is too short: 20 + 12 > 27); n6 P2 [26,42]; n9 P2 [56,68];
  // n7 P3 [38,49]; n8 P1 [57,62]; n10 P2 [73,80].
  const Expected e[] = {{2, 0, 9},   {0, 27, 40}, {2, 9, 28},  {1, 18, 26}, {2, 28, 38},
                        {1, 26, 42}, {2, 38, 49}, {0, 57, 62}, {1, 56, 68}, {1, 73, 80}};
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(s.slots[i].processor, e[i].processor) << "n" << i + 1;
    EXPECT_DOUBLE_EQ(s.slots[i].start_s, e[i].start) << "n" << i + 1;
    EXPECT_DOUBLE_EQ(s.slots[i].finish_s, e[i].finish) << "n" << i + 1;
  }
  EXPECT_DOUBLE_EQ(s.makespan_s, 80);
}

TEST(Heft, RejectsCyclesAndRaggedCosts) {
  HeftDag cyc;
  cyc.cost_s = {{1}, {1}};
  cyc.edges = {{0, 1, 0}, {1, 0, 0}};
  EXPECT_THROW(heft_schedule(cyc), std::invalid_argument);
  HeftDag ragged;
  ragged.cost_s = {{1, 2}, {1}};
  EXPECT_THROW(heft_schedule(ragged), std::invalid_argument);
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
