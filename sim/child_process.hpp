// Runs aisim in child processes, a bounded number at a time: SimGrid keeps one engine per
// process (DESIGN.md section 3), so every simulation of an experiment or a sweep gets its own.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace aisim {

struct ChildCommand {
  std::vector<std::string> argv;  // argv[0] is the program
  std::string log_path;           // the child's stdout and stderr go here
};

// Starts the commands in order, at most `parallel` at once, and waits for all. `on_done` is
// called in the parent as each finishes, with its index and exit code (128 + signal if it was
// killed). Returns the exit codes. Throws std::runtime_error if a child cannot be started.
std::vector<int> run_children(const std::vector<ChildCommand>& commands, int parallel,
                              const std::function<void(size_t, int)>& on_done = {});

// The running executable's path (/proc/self/exe), so that children run the same build.
std::string self_executable();

// The last non-empty line of a file (a failed child's error), or "" if there is none.
std::string last_line_of(const std::string& path);

// One command line for a shell: arguments quoted where needed.
std::string shell_command(const std::vector<std::string>& argv);

}  // namespace aisim
