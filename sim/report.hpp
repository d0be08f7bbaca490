// Writers for a finished simulation's report: report.json on disk and a readable summary.
#pragma once

#include <iosfwd>
#include <string>

#include "models/json_reader.hpp"

namespace aisim {

// Creates `directory` if needed and writes report.json there; returns the file's path.
std::string write_report(const Json& report, const std::string& directory);
// The human-readable summary of one simulation printed on stdout; `wall_s` is the host time it
// took (kept out of report.json so that the same config and seed give the same bytes).
void print_summary(const Json& report, double wall_s, std::ostream& out);

}  // namespace aisim
