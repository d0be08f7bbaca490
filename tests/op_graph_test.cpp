#include "workloads/op_graph.hpp"

#include <gtest/gtest.h>

#include "models/architecture.hpp"
#include "models/errors.hpp"
#include "workloads/generator.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

Op make_op(OpId id, std::string name, std::vector<OpId> deps) {
  Op op;
  op.id = id;
  op.name = std::move(name);
  op.deps = std::move(deps);
  return op;
}

TEST(OpGraph, CycleIsRejectedNamingItsOps) {
  Trace t;
  t.ops = {make_op(0, "load", {}), make_op(1, "a", {0, 3}), make_op(2, "b", {1}),
           make_op(3, "c", {2})};
  try {
    OpGraph g(t, "cyclic.json");
    FAIL() << "expected a TraceError";
  } catch (const TraceError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].str(), "cyclic.json: /ops: dependency cycle: a -> b -> c -> a");
  }
}

TEST(OpGraph, DataEdgesCountAsDependencies) {
  // op 1 reads the tensor op 0 produces; op 0 depends on op 1: a cycle through data.
  Trace t;
  t.ops = {make_op(0, "producer", {1}), make_op(1, "consumer", {})};
  t.ops[0].outputs = {7};
  t.ops[1].inputs = {7};
  EXPECT_THROW(OpGraph(t, "x"), TraceError);
}

// A diamond: a -> {b, c} -> d, with costs a=1, b=5, c=2, d=1. Critical path a, b, d = 7.
TEST(OpGraph, TopologicalOrderAndCriticalPath) {
  Trace t;
  t.ops = {make_op(0, "a", {}), make_op(1, "c", {0}), make_op(2, "b", {0}),
           make_op(3, "d", {1, 2})};
  const OpGraph g(t, "diamond");
  EXPECT_EQ(g.topological_order(), (std::vector<size_t>{0, 1, 2, 3}));
  const double cost[] = {1, 2, 5, 1};
  const CriticalPath path = g.critical_path([&](size_t i) { return cost[i]; });
  EXPECT_DOUBLE_EQ(path.length, 7);
  EXPECT_EQ(path.ops, (std::vector<size_t>{0, 2, 3}));
}

TEST(OpGraph, OrderFollowsDependenciesNotListing) {
  Trace t;
  t.ops = {make_op(0, "late", {1}), make_op(1, "early", {})};
  EXPECT_EQ(OpGraph(t, "x").topological_order(), (std::vector<size_t>{1, 0}));
}

TEST(OpGraph, LivenessAndPhaseTotalsOfAGeneratedTrace) {
  const Trace t = generate_training_trace(resnet50(), 4, "tf32");
  const OpGraph g(t, "resnet50");
  const auto live = g.liveness();
  for (const Tensor& tensor : t.tensors) {
    const auto& l = live.at(tensor.id);
    if (tensor.persistent() || tensor.role == TensorRole::kInput) {
      EXPECT_FALSE(l.producer.has_value()) << tensor.name;
    } else {
      ASSERT_TRUE(l.producer && l.last_consumer) << tensor.name;
      EXPECT_LT(*l.producer, *l.last_consumer) << tensor.name;
    }
  }
  const auto totals = g.phase_totals(0);
  EXPECT_DOUBLE_EQ(totals.at(Phase::kForward).flops, t.phase_flops(Phase::kForward));
  EXPECT_DOUBLE_EQ(totals.at(Phase::kBackward).flops, t.phase_flops(Phase::kBackward));
  EXPECT_EQ(totals.at(Phase::kOptimizer).ops, 1u);
  // A generated trace is a chain: the critical path with unit costs visits every op.
  EXPECT_EQ(g.critical_path([](size_t) { return 1.0; }).ops.size(), t.ops.size());
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
