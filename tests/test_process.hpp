// Runs a command in a child process and captures its exit code, stdout and stderr.
#pragma once

#include <string>

namespace aisim::test {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

ProcessResult run_process(const std::string& command);

}  // namespace aisim::test
