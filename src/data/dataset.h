// Training and evaluation data: pairs of a text-line image and its text, read from the layouts
// TrOCR users already have (the IAM / Hugging Face `file_name,text` CSV, JSON lines, or a folder
// of images with .txt sidecars). Bad rows are reported and skipped, never fatal.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace mlxocr {

struct Sample {
  std::filesystem::path image;
  std::string text;
};

struct DatasetReport {
  size_t rows = 0;  // rows (or images, for a folder) seen, blank lines not counted
  size_t kept = 0;  // rows that became samples
  std::vector<std::string> problems;  // one per skipped row: "file:line: why"
};

// Reads a dataset:
//   - .csv (comma) or .tsv (tab): RFC 4180 (quoted fields with embedded delimiters, doubled
//     quotes and newlines; CRLF or LF; a UTF-8 BOM is tolerated), a header row naming the
//     columns `file_name` and `text` in any order (other columns are ignored);
//   - .jsonl: one object per line with string members "file_name" and "text";
//   - a folder: Hugging Face imagefolder's metadata.csv / metadata.jsonl when present, otherwise
//     every image (png, jpg, jpeg, tif, tiff, bmp, webp; subfolders included, sorted) whose text
//     is in a sidecar of the same name with extension .txt (trailing line breaks dropped).
// Image paths are relative to the folder of the data file (absolute paths are kept). A row is
// skipped and reported when its image is missing, unreadable (header checked, not decoded) or its
// text is empty (whitespace only counts as empty). Throws DataError when the source itself is
// unusable: missing, unreadable, of unknown kind, or without the required columns.
std::vector<Sample> load_dataset(const std::filesystem::path& source, DatasetReport& report);

// The check load_dataset applies to every image: an empty string when `image` is a readable image
// of sane size, the reason otherwise ("image not found: ...", "not an image: ...").
std::string check_image_file(const std::filesystem::path& image);

}  // namespace mlxocr
