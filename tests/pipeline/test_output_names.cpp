// Output names of `ocr -o DIR`: unique, derived from the path relative to the inputs' common
// folder, and the same whatever the order of the inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "pipeline/output_names.h"

namespace mlxocr {
namespace {

// The name of each input, whatever order the inputs came in.
std::map<std::string, std::string> names_by_input(std::vector<std::string> files) {
  const std::vector<std::string> names = output_names(files);
  std::map<std::string, std::string> by_input;
  for (size_t i = 0; i < files.size(); ++i)
    by_input[files[i]] = names[i];
  return by_input;
}

TEST(OutputNames, SameFileNameInTwoFoldersGetsTwoNames) {
  EXPECT_EQ(output_names({"scans/a/x.png", "scans/b/x.png"}),
            (std::vector<std::string>{"a/x", "b/x"}));
  EXPECT_EQ(output_names({"/abs/a/deep/x.png", "/abs/b/x.png"}),
            (std::vector<std::string>{"a/deep/x", "b/x"}));
}

TEST(OutputNames, ASingleInputOrOneFolderKeepsTheStem) {
  EXPECT_EQ(output_names({"some/where/scan.png"}), std::vector<std::string>{"scan"});
  EXPECT_EQ(output_names({"f/1.png", "f/2.jpg"}), (std::vector<std::string>{"1", "2"}));
}

TEST(OutputNames, StemsSharedInOneFolderKeepTheirExtension) {
  EXPECT_EQ(output_names({"f/x.png", "f/x.jpg", "f/y.png"}),
            (std::vector<std::string>{"x.png", "x.jpg", "y"}));
  // A full name that is another's stem: both keep everything.
  EXPECT_EQ(output_names({"f/x.png", "f/x.jpg", "f/x.png.tif"}),
            (std::vector<std::string>{"x.png", "x.jpg", "x.png.tif"}));
  // "results" is the aggregate files' name.
  EXPECT_EQ(output_names({"f/results.png", "f/a.png"}),
            (std::vector<std::string>{"results.png", "a"}));
}

TEST(OutputNames, StableWhateverTheOrder) {
  std::vector<std::string> files = {"d/a/x.png", "d/b/x.png", "d/x.png", "d/x.jpg", "d/c/y.tif"};
  const auto first = names_by_input(files);
  std::sort(files.begin(), files.end());
  do {
    EXPECT_EQ(names_by_input(files), first);
  } while (std::next_permutation(files.begin(), files.end()));
  EXPECT_EQ(first.at("d/a/x.png"), "a/x");
  EXPECT_EQ(first.at("d/x.png"), "x.png");
  EXPECT_EQ(first.at("d/c/y.tif"), "c/y");
  // The same file twice is one input: one name.
  EXPECT_EQ(output_names({"d/x.png", "./d/x.png"}), (std::vector<std::string>{"x", "x"}));
}

}  // namespace
}  // namespace mlxocr
