// HEFT, the static list scheduler of Topcuoglu, Hariri & Wu, "Performance-effective and
// low-complexity task scheduling for heterogeneous computing", IEEE TPDS 13(3), 2002: tasks of a
// DAG with a cost per processor and a transfer cost per edge (paid only when the two tasks run on
// different processors) are ordered by upward rank and placed, in that order, on the processor
// giving the earliest finish time, with insertion into idle gaps. Plain C++, no simulation: the
// placement a trace's per-device op durations would get.
#pragma once

#include <vector>

namespace aisim {

struct HeftDag {
  // cost_s[task][processor]: execution time of the task there; +inf: it cannot run there.
  std::vector<std::vector<double>> cost_s;
  struct Edge {
    int from = 0;
    int to = 0;
    double transfer_s = 0;  // paid when `from` and `to` run on different processors
  };
  std::vector<Edge> edges;
};

struct HeftSlot {
  int processor = -1;
  double start_s = 0;
  double finish_s = 0;
};

struct HeftSchedule {
  std::vector<double> upward_rank;  // per task
  std::vector<int> order;           // tasks by decreasing rank (ties: lower index first)
  std::vector<HeftSlot> slots;      // per task
  double makespan_s = 0;
};

// Throws std::invalid_argument if the costs are ragged, an edge names an unknown task, a task
// can run nowhere, or the graph has a cycle.
HeftSchedule heft_schedule(const HeftDag& dag);

}  // namespace aisim
