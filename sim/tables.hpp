// The paper's Table 3 and Table 4 (DESIGN.md section 1) built from simulation reports, with the
// paper's figure beside each of aisim's, as JSON rows, CSV and aligned text. The rows only read
// reports: every figure in them is a metric some simulation produced (docs/metrics.md).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "models/json_reader.hpp"

namespace aisim {

// One finished simulation of an experiment: its job set, its policy set and its report.
struct PointReport {
  std::string job_set;
  std::string policy_set;
  Json report;  // run_simulation's report; null when the simulation failed
  std::string error;  // why it failed (the child's last stderr line), else empty
};

// Table 3: one row per measured (non-co-tenant) job per point, in point order. The first policy
// set of the config (`baseline_policy_set`) is what improvement_pct compares against.
Json table3_rows(const std::vector<PointReport>& points, const std::string& baseline_policy_set);
// Table 4: one row per policy set (in first-appearance order) summarising its Table 3 rows.
Json table4_rows(const Json& table3, const std::string& baseline_policy_set);

// One CSV cell: quoted (with "" for ") when it holds a comma, a quote or a newline.
std::string csv_cell(const std::string& text);
// The rows as CSV (header first; nested values flattened as key.sub, ranges as lo-hi).
std::string rows_to_csv(const Json& rows);
// Writes table3.csv and table4.csv beside report.json.
void write_table_csvs(const Json& report, const std::string& directory);
// Table 3 and Table 4 as aligned text, the paper's figure in brackets beside aisim's.
void print_tables(const Json& report, std::ostream& out);

}  // namespace aisim
