// Every malformed config and trace of tests/data/bad/corpus (made by scripts/make_bad_corpus.py,
// which states by hand the problems each file has) is run through the aisim command line: exit
// code 2, nothing on stdout, nothing written, and exactly one stderr line per problem, naming the
// file and the JSON pointer (or the whole-file problem) of that problem.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_process.hpp"

namespace aisim {
namespace AISIM_UNITY_ID {

namespace fs = std::filesystem;
const std::string kCorpus = std::string(AISIM_TEST_DATA_DIR) + "/bad/corpus";

struct ExpectedLine {
  std::string file, pointer;
};
struct Case {
  std::string file;
  std::vector<ExpectedLine> lines;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.file;
}

std::vector<Case> load_manifest() {
  std::ifstream in(kCorpus + "/manifest.json");
  std::vector<Case> cases;
  if (!in) return cases;
  const auto manifest = nlohmann::json::parse(in);
  for (const auto& [file, lines] : manifest.items()) {
    Case c{file, {}};
    for (const auto& l : lines) c.lines.push_back({l["file"], l["pointer"]});
    cases.push_back(std::move(c));
  }
  return cases;
}

class BadCorpusTest : public testing::TestWithParam<Case> {};

TEST(BadCorpus, HasAtLeastAHundredCases) {
  EXPECT_GE(load_manifest().size(), 100u);
}

TEST_P(BadCorpusTest, OneLinePerProblemExitTwoNothingWritten) {
  const Case& c = GetParam();
  const fs::path out = fs::temp_directory_path() / ("aisim_corpus_" + std::to_string(::getpid()));
  fs::remove_all(out);
  const auto r = test::run_process(std::string(AISIM_BINARY) + " --config " + kCorpus + "/" +
                                   c.file + " --output " + out.string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(fs::exists(out));
  std::vector<std::string> lines;
  std::istringstream err(r.err);
  for (std::string line; std::getline(err, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), c.lines.size()) << r.err;
  std::vector<bool> used(lines.size(), false);
  for (const auto& expected : c.lines) {
    bool found = false;
    for (size_t i = 0; i < lines.size() && !found; ++i) {
      // "<path>/<file>: <pointer>: <message>": the file first, then the pointer.
      const auto at = lines[i].find(expected.file + ": ");
      if (!used[i] && at != std::string::npos &&
          lines[i].find(expected.pointer, at) != std::string::npos)
        used[i] = found = true;
    }
    EXPECT_TRUE(found) << "no line names " << expected.file << " and " << expected.pointer
                       << " in:\n"
                       << r.err;
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadCorpusTest, testing::ValuesIn(load_manifest()),
                         [](const testing::TestParamInfo<Case>& info) {
                           std::string name = fs::path(info.param.file).stem().string();
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
