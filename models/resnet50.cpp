// ResNet-50 v1.5 layer census, following torchvision/models/resnet.py (Bottleneck, layers
// [3, 4, 6, 3]): 53 convolutions, 53 batch norms, 49 ReLU applications, 16 residual adds, one
// max pool, one average pool, one linear layer. Checked in tests against the published
// 25,557,032 parameters and 4.089 GMACs per 224x224 image.
#include <stdexcept>

#include "models/architecture.hpp"

namespace aisim {
namespace {

class ResNetBuilder {
 public:
  explicit ResNetBuilder(Architecture& arch) : arch_(arch) {}

  int last() const { return static_cast<int>(arch_.layers.size()) - 1; }

  // Convolution without bias (ResNet convs are followed by batch norm). Returns the layer index.
  int conv(const std::string& name, int input, int c_in, int c_out, int kernel, int stride,
           int& hw) {
    const int hw_out = (hw + 2 * (kernel / 2) - kernel) / stride + 1;
    Layer layer{name, LayerKind::kConv};
    layer.params = static_cast<std::int64_t>(c_in) * c_out * kernel * kernel;
    layer.forward_macs = static_cast<double>(hw_out) * hw_out * c_out * c_in * kernel * kernel;
    layer.output_shape = {c_out, hw_out, hw_out};
    layer.inputs = {input};
    layer.needs_input_grad = input != kModelInput;  // no gradient for the image
    hw = hw_out;
    return add(layer);
  }

  int batch_norm(const std::string& name, int input, int channels, int hw) {
    Layer layer{name, LayerKind::kBatchNorm};
    layer.params = 2LL * channels;  // weight and bias (running stats are buffers, not parameters)
    layer.forward_flops = 4.0 * hw * hw * channels;  // subtract mean, scale, multiply, add
    layer.output_shape = {channels, hw, hw};
    layer.inputs = {input};
    layer.input_reads = 2;  // one pass for the statistics, one to normalise
    return add(layer);
  }

  int elementwise(const std::string& name, LayerKind kind, std::vector<int> inputs) {
    Layer layer{name, kind};
    layer.output_shape = arch_.layers[inputs.front()].output_shape;
    layer.forward_flops = shape_elements(layer.output_shape);
    layer.inputs = std::move(inputs);
    return add(layer);
  }

  int bottleneck(const std::string& name, int input, int& c_in, int width, int stride, int& hw) {
    const int c_out = width * 4;
    int hw_branch = hw;
    int x = conv(name + ".conv1", input, c_in, width, 1, 1, hw_branch);
    x = batch_norm(name + ".bn1", x, width, hw_branch);
    x = elementwise(name + ".relu1", LayerKind::kRelu, {x});
    x = conv(name + ".conv2", x, width, width, 3, stride, hw_branch);  // v1.5: stride on the 3x3
    x = batch_norm(name + ".bn2", x, width, hw_branch);
    x = elementwise(name + ".relu2", LayerKind::kRelu, {x});
    x = conv(name + ".conv3", x, width, c_out, 1, 1, hw_branch);
    x = batch_norm(name + ".bn3", x, c_out, hw_branch);
    int shortcut = input;
    if (stride != 1 || c_in != c_out) {
      int hw_down = hw;
      shortcut = conv(name + ".downsample.0", input, c_in, c_out, 1, stride, hw_down);
      shortcut = batch_norm(name + ".downsample.1", shortcut, c_out, hw_down);
    }
    x = elementwise(name + ".add", LayerKind::kAdd, {x, shortcut});
    x = elementwise(name + ".relu3", LayerKind::kRelu, {x});
    c_in = c_out;
    hw = hw_branch;
    return x;
  }

 private:
  int add(Layer layer) {
    arch_.layers.push_back(std::move(layer));
    return last();
  }
  Architecture& arch_;
};

}  // namespace

Architecture resnet50(int image_size) {
  Architecture arch;
  arch.name = "resnet50";
  arch.input_shape = {3, image_size, image_size};
  arch.input_element_bytes = 4;  // normalised fp32 images, as torchvision transforms hand them over
  arch.optimizer = OptimizerKind::kSgdMomentum;
  ResNetBuilder b(arch);
  int hw = image_size;
  int x = b.conv("conv1", kModelInput, 3, 64, 7, 2, hw);
  x = b.batch_norm("bn1", x, 64, hw);
  x = b.elementwise("relu", LayerKind::kRelu, {x});
  {
    hw = (hw + 2 - 3) / 2 + 1;  // 3x3 max pool, stride 2, padding 1
    Layer pool{"maxpool", LayerKind::kMaxPool};
    pool.output_shape = {64, hw, hw};
    pool.forward_flops = 9.0 * hw * hw * 64;
    pool.inputs = {x};
    arch.layers.push_back(pool);
    x = b.last();
  }
  int channels = 64;
  const int blocks[4] = {3, 4, 6, 3};
  const int widths[4] = {64, 128, 256, 512};
  for (int stage = 0; stage < 4; ++stage) {
    for (int block = 0; block < blocks[stage]; ++block) {
      const int stride = (stage > 0 && block == 0) ? 2 : 1;
      x = b.bottleneck("layer" + std::to_string(stage + 1) + "." + std::to_string(block), x,
                       channels, widths[stage], stride, hw);
    }
  }
  Layer avgpool{"avgpool", LayerKind::kAvgPool};
  avgpool.output_shape = {channels};
  avgpool.forward_flops = 1.0 * hw * hw * channels;
  avgpool.inputs = {x};
  arch.layers.push_back(avgpool);

  Layer fc{"fc", LayerKind::kLinear};
  fc.params = static_cast<std::int64_t>(channels) * 1000 + 1000;
  fc.forward_macs = channels * 1000.0;
  fc.output_shape = {1000};
  fc.inputs = {b.last()};
  arch.layers.push_back(fc);

  Layer loss{"loss", LayerKind::kLoss};
  loss.output_shape = {1};
  loss.forward_flops = 3 * 1000.0;  // log-softmax and negative log-likelihood
  loss.inputs = {b.last()};
  arch.layers.push_back(loss);
  return arch;
}

std::int64_t Architecture::parameter_count() const {
  std::int64_t total = 0;
  for (const auto& layer : layers) total += layer.params;
  return total;
}

SeqPoly Architecture::forward_macs_per_sample() const {
  SeqPoly total;
  for (const auto& layer : layers) total += layer.forward_macs;
  return total;
}

std::string_view architecture_names() {
  return "resnet50, bert-base, bert-large, gpt2, gpt2-medium";
}

bool has_architecture(std::string_view name) {
  return name == "resnet50" || name == "bert-base" || name == "bert-large" || name == "gpt2" ||
         name == "gpt2-medium";
}

Architecture architecture_by_name(std::string_view name) {
  if (name == "resnet50") return resnet50();
  if (name == "bert-base" || name == "bert-large") return bert(name);
  if (name == "gpt2" || name == "gpt2-medium") return gpt2(name);
  throw std::invalid_argument("unknown model architecture: " + std::string(name));
}

}  // namespace aisim
