// A registry of policy implementations by name. Each implementation registers itself from its
// own .cpp with a static PolicyRegistration; the policies are built as a CMake OBJECT library so
// the linker cannot drop a registration (tests assert the exact set of names).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace aisim {

template <class Policy>
class PolicyRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Policy>()>;
  struct Entry {
    std::string description;
    Factory factory;
  };

  // The registry is a function-local static so that registration order across translation
  // units does not matter.
  static PolicyRegistry& instance() {
    static PolicyRegistry registry;
    return registry;
  }

  void add(const std::string& name, std::string description, Factory factory) {
    if (!entries_.emplace(name, Entry{std::move(description), std::move(factory)}).second)
      throw std::logic_error("policy registered twice: " + name);
  }
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }
  // Requires contains(name): config validation checks names before anything is built.
  std::unique_ptr<Policy> create(const std::string& name) const {
    return entries_.at(name).factory();
  }
  // Sorted names (std::map order).
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [name, entry] : entries_) out.push_back(name);
    return out;
  }
  const std::map<std::string, Entry>& entries() const { return entries_; }

 private:
  std::map<std::string, Entry> entries_;
};

template <class Policy>
struct PolicyRegistration {
  PolicyRegistration(const std::string& name, std::string description,
                     typename PolicyRegistry<Policy>::Factory factory) {
    PolicyRegistry<Policy>::instance().add(name, std::move(description), std::move(factory));
  }
};

}  // namespace aisim
