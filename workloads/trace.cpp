#include "workloads/trace.hpp"

#include <array>
#include <utility>

namespace aisim {
namespace {

constexpr std::array<std::pair<OpKind, std::string_view>, 13> kOpKinds{{
    {OpKind::kConv, "conv"},
    {OpKind::kMatmul, "matmul"},
    {OpKind::kAttention, "attention"},
    {OpKind::kElementwise, "elementwise"},
    {OpKind::kNorm, "norm"},
    {OpKind::kSoftmax, "softmax"},
    {OpKind::kEmbedding, "embedding"},
    {OpKind::kPool, "pool"},
    {OpKind::kLoss, "loss"},
    {OpKind::kOptimizer, "optimizer"},
    {OpKind::kMemcpy, "memcpy"},
    {OpKind::kCollective, "collective"},
    {OpKind::kCpu, "cpu"},
}};

constexpr std::array<std::pair<Phase, std::string_view>, 4> kPhases{{
    {Phase::kData, "data"},
    {Phase::kForward, "forward"},
    {Phase::kBackward, "backward"},
    {Phase::kOptimizer, "optimizer"},
}};

}  // namespace

std::string_view to_string(OpKind kind) {
  for (const auto& [k, name] : kOpKinds)
    if (k == kind) return name;
  return "?";
}

std::optional<OpKind> op_kind_from_string(std::string_view name) {
  for (const auto& [k, n] : kOpKinds)
    if (n == name) return k;
  return std::nullopt;
}

std::string_view op_kind_names() {
  return "conv, matmul, attention, elementwise, norm, softmax, embedding, pool, loss, optimizer, "
         "memcpy, collective, cpu";
}

std::string_view to_string(Phase phase) {
  for (const auto& [p, name] : kPhases)
    if (p == phase) return name;
  return "?";
}

std::optional<Phase> phase_from_string(std::string_view name) {
  for (const auto& [p, n] : kPhases)
    if (n == name) return p;
  return std::nullopt;
}

std::string_view phase_names() {
  return "data, forward, backward, optimizer";
}

double Trace::total_flops(double seq) const {
  double total = 0;
  for (const auto& op : ops) total += op.flops.at(seq);
  return total;
}

double Trace::phase_flops(Phase phase, double seq) const {
  double total = 0;
  for (const auto& op : ops)
    if (op.phase == phase) total += op.flops.at(seq);
  return total;
}

bool Trace::symbolic() const {
  for (const auto& op : ops)
    if (op.flops.symbolic() || op.bytes_read.symbolic() || op.bytes_written.symbolic()) return true;
  for (const auto& t : tensors)
    if (t.bytes.symbolic()) return true;
  return false;
}

namespace {
constexpr std::array<std::pair<TensorRole, std::string_view>, 6> kRoles{{
    {TensorRole::kInput, "input"},
    {TensorRole::kActivation, "activation"},
    {TensorRole::kWeight, "weight"},
    {TensorRole::kGradient, "gradient"},
    {TensorRole::kOptimizerState, "optimizer_state"},
    {TensorRole::kWorkspace, "workspace"},
}};
}  // namespace

std::string_view to_string(TensorRole role) {
  for (const auto& [r, name] : kRoles)
    if (r == role) return name;
  return "?";
}

std::optional<TensorRole> tensor_role_from_string(std::string_view name) {
  for (const auto& [r, n] : kRoles)
    if (n == name) return r;
  return std::nullopt;
}

std::string_view tensor_role_names() {
  return "input, activation, weight, gradient, optimizer_state, workspace";
}

}  // namespace aisim
