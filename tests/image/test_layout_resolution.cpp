// Tesseract's layout on a real two-column page whose file carries no resolution: the lines of
// both columns found one by one, none merged across the gutter. With 300 dpi assumed (the old
// behaviour) Tesseract's column finding fails on this page: 47 of the 77 lines, 9 merged.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <vector>

#include "image/tesseract_layout.h"

namespace mlxocr {
namespace {

// bench/real/pages: the evaluation pages (bench/real/SOURCES.md: origin and licence), used here
// only to check that the layout is handed the page as Tesseract expects, never to tune it.
std::filesystem::path real_page(const std::string& name) {
  return std::filesystem::path(MLXOCR_FIXTURES_DIR).parent_path().parent_path() / "bench" / "real" /
         "pages" / name;
}

int overlap(const Box& a, const Box& b) {
  const int w = std::min(a.right(), b.right()) - std::max(a.x, b.x);
  const int h = std::min(a.bottom(), b.bottom()) - std::max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

// The ground truth's text lines lying wholly inside `area`, in the area's pixels; the drop
// capital (a region of its own, one letter) is not a text line.
std::vector<Box> truth_lines(const nlohmann::json& truth, const cv::Rect& area) {
  std::vector<std::string> capitals;
  for (const auto& region : truth["regions"]) {
    if (region["type"] == "drop-capital") capitals.push_back(region["id"]);
  }
  std::vector<Box> lines;
  for (const auto& line : truth["lines"]) {
    if (std::find(capitals.begin(), capitals.end(), line["region"]) != capitals.end()) continue;
    const auto& b = line["bbox"];
    const Box box{b[0].get<int>() - area.x, b[1].get<int>() - area.y,
                  b[2].get<int>() - b[0].get<int>(), b[3].get<int>() - b[1].get<int>()};
    if (box.x >= 0 && box.y >= 0 && box.right() <= area.width && box.bottom() <= area.height) {
      lines.push_back(box);
    }
  }
  return lines;
}

TEST(TesseractLayout, ALatinTwoColumnPageWithoutResolutionIsCutIntoItsLines) {
  const cv::Mat page = cv::imread(real_page("avicanon-006.png").string(), cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(page.empty());
  std::ifstream file(real_page("avicanon-006.json"));
  const nlohmann::json truth = nlohmann::json::parse(file);
  // Both annotated columns below the heading (the left one to its end, the right one's top),
  // the drop capital, the marginal notes left out.
  const cv::Rect area(250, 400, 1010, 1640);
  const std::vector<Box> truth_boxes = truth_lines(truth, area);
  ASSERT_GT(truth_boxes.size(), 70u);
  TesseractLayout layout(TesseractLayoutOptions{.detect_orientation = false});
  const PageLayout result = layout.analyse(page(area).clone(), "avicanon-006");
  std::vector<bool> used(result.lines.size(), false);
  size_t found = 0;
  for (const Box& t : truth_boxes) {
    for (size_t d = 0; d < result.lines.size(); ++d) {
      if (!used[d] && iou(t, result.lines[d].box) >= 0.5) {
        used[d] = true, ++found;
        break;
      }
    }
  }
  // Issue 26's target for multi-column pages: 95 % of the lines at IoU >= 0.5.
  EXPECT_GE(found, 0.95 * truth_boxes.size()) << found << " of " << truth_boxes.size();
  // No line covers half of two truth lines that sit side by side (one in each column).
  for (const LayoutLine& line : result.lines) {
    std::vector<Box> covered;
    for (const Box& t : truth_boxes) {
      if (2 * overlap(line.box, t) >= t.area()) covered.push_back(t);
    }
    for (const Box& a : covered) {
      for (const Box& b : covered) {
        EXPECT_FALSE(a.right() <= b.x) << "line at x " << line.box.x << ".." << line.box.right()
                                       << ", y " << line.box.y << " spans both columns";
      }
    }
  }
}

}  // namespace
}  // namespace mlxocr
