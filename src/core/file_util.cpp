#include "core/file_util.h"

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <random>
#include <system_error>

#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;

std::string not_a_regular_file(const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  switch (status.type()) {
    case fs::file_type::regular:
      return "";
    case fs::file_type::not_found:
      return "does not exist";
    case fs::file_type::directory:
      return "is a folder, not a file";
    case fs::file_type::fifo:
      return "is a FIFO (named pipe), not a regular file";
    case fs::file_type::socket:
      return "is a socket, not a regular file";
    case fs::file_type::block:
    case fs::file_type::character:
      return "is a device, not a regular file";
    default:
      return ec ? "cannot be examined: " + ec.message() : "is not a regular file";
  }
}

std::string read_file(const fs::path& path, std::uintmax_t max_bytes) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw FileError(path.string() + ": no such file");
  if (fs::is_directory(path, ec))
    throw FileError(path.string() + ": is a directory, expected a file");
  if (const std::string problem = not_a_regular_file(path); !problem.empty()) {
    throw FileError(path.string() + ": " + problem);
  }
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) throw FileError(path.string() + ": cannot read size: " + ec.message());
  if (size > max_bytes) {
    throw FileError(path.string() + ": file is " + std::to_string(size) + " bytes, more than the " +
                    std::to_string(max_bytes) + " bytes allowed for this kind of file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path.string() + ": cannot open for reading");
  std::string data(static_cast<size_t>(size), '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) {
    throw FileError(path.string() + ": short read (file changed while reading?)");
  }
  return data;
}

void write_file_atomic(const fs::path& path, std::string_view data) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw FileError(dir.string() + ": cannot create folder: " + ec.message());
  std::random_device rd;
  const fs::path tmp = dir / ("." + path.filename().string() + ".tmp" + std::to_string(rd()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      // Name the file the user asked for and the reason, not our hidden temporary.
      const int error = errno;
      throw FileError(path.string() + ": cannot write into " + dir.string() + ": " +
                      std::generic_category().message(error));
    }
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) {
      out.close();
      fs::remove(tmp, ec);
      throw FileError(path.string() + ": write failed (disk full?)");
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw FileError(path.string() + ": cannot move the written file into place: " + ec.message());
  }
}

}  // namespace mlxocr
