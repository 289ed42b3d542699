// Small file helpers shared by every reader and writer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace mlxocr {

// "" when `path` is a regular file (symlinks followed); otherwise what it is instead, for a
// message: "does not exist", "is a folder", "is a FIFO (named pipe), not a regular file", ...
std::string not_a_regular_file(const std::filesystem::path& path);

// Reads a whole file; refuses files larger than `max_bytes` before allocating, and anything
// that is not a regular file (a FIFO would block, a device never ends).
// Throws FileError naming the path on any failure.
std::string read_file(const std::filesystem::path& path, std::uintmax_t max_bytes);

// Writes `data` to `path` atomically: a temporary file in the same folder, flushed, then renamed,
// so a reader never sees half a file and an interrupted write leaves the old file intact.
void write_file_atomic(const std::filesystem::path& path, std::string_view data);

}  // namespace mlxocr
