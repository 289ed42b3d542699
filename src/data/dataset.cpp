#include "data/dataset.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <system_error>

#include "core/file_util.h"
#include "data/csv.h"
#include "image/image.h"
#include "image/image_header.h"
#include "mlxocr/error.h"
#include "text/unicode.h"

namespace mlxocr {

namespace fs = std::filesystem;

namespace {

// Data files are lists of paths and short texts; anything near this size is not one.
constexpr std::uintmax_t kMaxDataFileBytes = std::uintmax_t{1} << 30;
constexpr std::uintmax_t kMaxSidecarBytes = std::uintmax_t{1} << 20;

bool is_blank(std::string_view text) {
  if (unicode::find_invalid_utf8(text) != unicode::kValid) return false;
  return unicode::python_strip(text).empty();
}

std::string lower_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

bool is_image_extension(const std::string& ext) {
  static const std::vector<std::string> kExtensions = {".png",  ".jpg", ".jpeg", ".tif",
                                                       ".tiff", ".bmp", ".webp"};
  return std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end();
}

std::string read_source(const fs::path& file) {
  try {
    return read_file(file, kMaxDataFileBytes);
  } catch (const FileError& e) {
    throw DataError(std::string("cannot read the dataset: ") + e.what());
  }
}

// Collects samples and problems for one data file (rows numbered by line).
class RowSink {
 public:
  RowSink(const fs::path& data_file, DatasetReport& report, std::vector<Sample>& samples)
      : data_file_(data_file), base_(data_file.parent_path()), report_(report), samples_(samples) {}

  void problem(size_t line, const std::string& why) {
    ++report_.rows;
    report_.problems.push_back(data_file_.string() + ":" + std::to_string(line) + ": " + why);
  }

  void row(size_t line, const std::string& file_name, std::string text) {
    if (file_name.empty()) return problem(line, "empty file_name");
    if (unicode::find_invalid_utf8(text) != unicode::kValid)
      return problem(line, "text is not valid UTF-8");
    if (is_blank(text)) return problem(line, "empty text for " + file_name);
    fs::path image = fs::path(file_name).is_absolute() ? fs::path(file_name) : base_ / file_name;
    if (std::string why = check_image_file(image); !why.empty()) return problem(line, why);
    ++report_.rows;
    ++report_.kept;
    samples_.push_back({std::move(image), std::move(text)});
  }

 private:
  fs::path data_file_, base_;
  DatasetReport& report_;
  std::vector<Sample>& samples_;
};

size_t column_index(const std::vector<std::string>& header, const std::string& name,
                    const fs::path& file) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (unicode::python_strip(header[i]) == name) return i;
  }
  std::string seen;
  for (const std::string& h : header)
    seen += (seen.empty() ? "" : ", ") + h;
  throw DataError(file.string() + ":1: the header has no column '" + name +
                  "' (expected file_name and text, found: " + seen + ")");
}

std::vector<Sample> load_delimited(const fs::path& file, char delimiter, DatasetReport& report) {
  const std::vector<CsvRecord> records = parse_delimited(read_source(file), delimiter);
  if (records.empty()) {
    throw DataError(file.string() + ": empty file (expected a header line: file_name" +
                    std::string(1, delimiter == '\t' ? '\t' : ',') + "text)");
  }
  const std::vector<std::string>& header = records.front().fields;
  const size_t file_col = column_index(header, "file_name", file);
  const size_t text_col = column_index(header, "text", file);
  std::vector<Sample> samples;
  RowSink sink(file, report, samples);
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    if (!record.problem.empty()) {
      sink.problem(record.line, record.problem);
    } else if (record.fields.size() != header.size()) {
      sink.problem(record.line, std::to_string(record.fields.size()) + " fields, the header has " +
                                    std::to_string(header.size()));
    } else {
      sink.row(record.line, record.fields[file_col], record.fields[text_col]);
    }
  }
  return samples;
}

std::vector<Sample> load_jsonl(const fs::path& file, DatasetReport& report) {
  std::string text = read_source(file);
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  std::vector<Sample> samples;
  RowSink sink(file, report, samples);
  size_t line_no = 0, start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_no;
    if (is_blank(line)) continue;
    const nlohmann::json row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (row.is_discarded()) {
      sink.problem(line_no, "not valid JSON");
    } else if (!row.is_object()) {
      sink.problem(line_no, "not a JSON object");
    } else if (!row.contains("file_name") || !row["file_name"].is_string()) {
      sink.problem(line_no, "no string member \"file_name\"");
    } else if (!row.contains("text") || !row["text"].is_string()) {
      sink.problem(line_no, "no string member \"text\"");
    } else {
      sink.row(line_no, row["file_name"].get<std::string>(), row["text"].get<std::string>());
    }
  }
  return samples;
}

std::string read_sidecar(const fs::path& sidecar) {
  std::string text = read_file(sidecar, kMaxSidecarBytes);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  return text;
}

std::vector<Sample> load_folder(const fs::path& folder, DatasetReport& report) {
  std::vector<fs::path> images;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && is_image_extension(lower_extension(it->path())))
      images.push_back(it->path());
  }
  if (ec) throw DataError(folder.string() + ": cannot list the folder: " + ec.message());
  if (images.empty()) {
    throw DataError(folder.string() +
                    ": no images and no metadata.csv / metadata.jsonl (a dataset folder holds "
                    "images with .txt sidecars)");
  }
  std::sort(images.begin(), images.end());
  std::vector<Sample> samples;
  for (const fs::path& image : images) {
    ++report.rows;
    const fs::path sidecar = fs::path(image).replace_extension(".txt");
    std::string why;
    std::string text;
    if (!fs::is_regular_file(sidecar)) {
      why = "no text sidecar " + sidecar.filename().string();
    } else {
      try {
        text = read_sidecar(sidecar);
        if (unicode::find_invalid_utf8(text) != unicode::kValid)
          why = sidecar.filename().string() + " is not valid UTF-8";
        else if (is_blank(text))
          why = "empty text in " + sidecar.filename().string();
      } catch (const Error& e) {
        why = e.what();
      }
    }
    if (why.empty()) why = check_image_file(image);
    if (!why.empty()) {
      report.problems.push_back(image.string() + ": " + why);
      continue;
    }
    ++report.kept;
    samples.push_back({image, std::move(text)});
  }
  return samples;
}

}  // namespace

std::string check_image_file(const fs::path& image) {
  std::error_code ec;
  if (!fs::exists(image, ec)) return "image not found: " + image.string();
  if (!fs::is_regular_file(image, ec)) return "not a file: " + image.string();
  const ImageLimits limits;
  try {
    const std::string bytes = read_file(image, limits.max_file_bytes);
    const ImageHeader header = read_image_header(bytes, image.string());
    // Each side first: two 64-bit sides (BigTIFF's LONG8) can multiply to a wrapped-around,
    // small product.
    if (header.width > limits.max_pixels || header.height > limits.max_pixels ||
        header.width * header.height > limits.max_pixels) {
      return image.string() + ": " + std::to_string(header.width) + "x" +
             std::to_string(header.height) + " pixels, too large for a text line";
    }
  } catch (const Error& e) {
    return std::string("unreadable image: ") + e.what();
  }
  return "";
}

std::vector<Sample> load_dataset(const fs::path& source, DatasetReport& report) {
  std::error_code ec;
  if (!fs::exists(source, ec)) throw DataError(source.string() + ": no such file or folder");
  if (fs::is_directory(source, ec)) {
    if (fs::is_regular_file(source / "metadata.csv"))
      return load_delimited(source / "metadata.csv", ',', report);
    if (fs::is_regular_file(source / "metadata.jsonl"))
      return load_jsonl(source / "metadata.jsonl", report);
    return load_folder(source, report);
  }
  const std::string ext = lower_extension(source);
  if (ext == ".csv") return load_delimited(source, ',', report);
  if (ext == ".tsv") return load_delimited(source, '\t', report);
  if (ext == ".jsonl") return load_jsonl(source, report);
  throw DataError(source.string() +
                  ": unknown dataset kind (expected a .csv, .tsv or .jsonl file, or a folder of "
                  "images with .txt sidecars)");
}

}  // namespace mlxocr
