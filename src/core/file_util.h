// Small file helpers shared by every reader and writer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace mlxocr {

// Reads a whole file; refuses files larger than `max_bytes` before allocating.
// Throws FileError naming the path on any failure.
std::string read_file(const std::filesystem::path& path, std::uintmax_t max_bytes);

// Writes `data` to `path` atomically: a temporary file in the same folder, flushed, then renamed,
// so a reader never sees half a file and an interrupted write leaves the old file intact.
void write_file_atomic(const std::filesystem::path& path, std::string_view data);

}  // namespace mlxocr
