// Writers for a finished simulation's report: report.json on disk and a readable summary.
#pragma once

#include <iosfwd>
#include <string>

#include "models/json_reader.hpp"

namespace aisim {

// Creates `directory` if needed and writes report.json there; returns the file's path.
std::string write_report(const Json& report, const std::string& directory);
// The human-readable summary printed on stdout.
void print_summary(const Json& report, std::ostream& out);

}  // namespace aisim
