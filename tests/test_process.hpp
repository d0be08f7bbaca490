// Runs a command in a child process and captures its exit code, stdout and stderr.
#pragma once

#include <filesystem>
#include <string>

namespace aisim::test {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

ProcessResult run_process(const std::string& command);

// An empty directory aisim_<name>_<pid> in the temporary directory (emptied if it was there).
std::filesystem::path fresh_dir(const std::string& name);

}  // namespace aisim::test
