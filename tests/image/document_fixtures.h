// Documents made in the tests: PDFs written byte by byte (gray page images, or a page claim
// that lies), a two-column page composed from the sample page's printed lines.
#pragma once

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "test_support.h"

namespace mlxocr::testing {

struct PdfSpec {
  std::vector<cv::Mat> pages;  // 8-bit gray; each fills its page
  double image_dpi = 150;      // the page's size in points is the image's at this resolution
  int claimed_pages = 0;       // /Count written into the page tree (0: the true count)
  double page_points = 0;      // a page size in points that overrides the image's (square)
  bool encrypted = false;      // a standard security handler no empty password opens
};

inline std::string make_pdf(const PdfSpec& spec) {
  std::vector<std::string> objects;
  const size_t n = spec.pages.size();
  std::string kids;
  for (size_t i = 0; i < n; ++i)
    kids += std::to_string(3 + 3 * i) + " 0 R ";
  objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
  objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " +
                    std::to_string(spec.claimed_pages ? spec.claimed_pages : n) + " >>");
  for (size_t i = 0; i < n; ++i) {
    const cv::Mat& image = spec.pages[i];
    const double w = spec.page_points ? spec.page_points : image.cols * 72.0 / spec.image_dpi;
    const double h = spec.page_points ? spec.page_points : image.rows * 72.0 / spec.image_dpi;
    const std::string content =
        "q " + std::to_string(w) + " 0 0 " + std::to_string(h) + " 0 0 cm /Im0 Do Q";
    objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + std::to_string(w) + " " +
                      std::to_string(h) + "] /Resources << /XObject << /Im0 " +
                      std::to_string(5 + 3 * i) + " 0 R >> >> /Contents " +
                      std::to_string(4 + 3 * i) + " 0 R >>");
    objects.push_back("<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content +
                      "\nendstream");
    const cv::Mat pixels = image.isContinuous() ? image : image.clone();
    objects.push_back(
        "<< /Type /XObject /Subtype /Image /Width " + std::to_string(image.cols) + " /Height " +
        std::to_string(image.rows) + " /ColorSpace /DeviceGray /BitsPerComponent 8 /Length " +
        std::to_string(pixels.total()) + " >>\nstream\n" +
        std::string(reinterpret_cast<const char*>(pixels.data), pixels.total()) + "\nendstream");
  }
  std::string trailer_extra;
  if (spec.encrypted) {
    objects.push_back("<< /Filter /Standard /V 1 /R 2 /O <" + std::string(64, '1') + "> /U <" +
                      std::string(64, '2') + "> /P -4 >>");
    trailer_extra = " /Encrypt " + std::to_string(objects.size()) + " 0 R /ID [<" +
                    std::string(32, '3') + "> <" + std::string(32, '3') + ">]";
  }
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t k = 0; k < objects.size(); ++k) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(k + 1) + " 0 obj\n" + objects[k] + "\nendobj\n";
  }
  const size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t offset : offsets) {
    char line[24];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R" +
         trailer_extra + " >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

inline void write_bytes(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
}

// The five printed lines of the sample page (1 degree skew), gray.
inline cv::Mat sample_text() {
  const cv::Mat page =
      cv::imread((fixtures() / "forms" / "sample_page.png").string(), cv::IMREAD_GRAYSCALE);
  return page(cv::Rect(40, 40, 560, 440)).clone();
}

// Two columns of 15 printed lines each (the sample's lines three times), a gutter of `gutter`
// pixels, the right column 20 px lower so that no row of text lines up across the gutter by
// accident of the composition; scaled by `scale`. Each column is `sample_text().cols * scale`
// wide; the left one starts at x = 40 * scale.
inline cv::Mat two_column_page(double scale = 1.0, int gutter = 160) {
  const cv::Mat text = sample_text();
  cv::Mat column;
  cv::vconcat(std::vector<cv::Mat>{text, text, text}, column);
  cv::Mat page(column.rows + 60, column.cols * 2 + gutter + 80, CV_8UC1, cv::Scalar(255));
  column.copyTo(page(cv::Rect(40, 20, column.cols, column.rows)));
  column.copyTo(page(cv::Rect(40 + column.cols + gutter, 40, column.cols, column.rows)));
  if (scale != 1.0) cv::resize(page, page, {}, scale, scale, cv::INTER_CUBIC);
  return page;
}

}  // namespace mlxocr::testing
