#include "io/npy.h"

#include <cstring>
#include <regex>

#include "core/file_util.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

int item_size(const std::string& dtype) {
  if (dtype.size() < 3 || (dtype[0] != '<' && dtype[0] != '|')) return 0;
  const char kind = dtype[1];
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b') return 0;
  const std::string digits = dtype.substr(2);
  if (digits != "1" && digits != "2" && digits != "4" && digits != "8") return 0;
  const int size = std::stoi(digits);
  if (dtype[0] == '|' && size != 1) return 0;  // '|' is for byte-sized types only
  return size;
}

}  // namespace

int64_t NpyArray::size() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

void write_npy(const std::filesystem::path& path, const float* data,
               const std::vector<int64_t>& shape) {
  std::string dims;
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) throw UsageError(path.string() + ": negative dimension in npy shape");
    dims += std::to_string(d) + ", ";
    count *= d;
  }
  if (shape.size() == 1) {
    dims.pop_back();  // "(n,)"
  } else if (!dims.empty()) {
    dims.resize(dims.size() - 2);
  }
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Byte for byte what numpy.save writes: room for the first axis to grow to 21 digits, then
  // spaces so that magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64
  // (a whole extra 64 when it already is).
  if (!shape.empty()) header.append(21 - std::to_string(shape[0]).size(), ' ');
  const size_t unpadded = kMagicSize + 2 + 2 + header.size() + 1;
  header.append(64 - unpadded % 64, ' ');
  header.push_back('\n');
  if (header.size() > 65535) throw UsageError(path.string() + ": npy shape too long");
  std::string out(kMagic, kMagicSize);
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(header.size() & 0xFF));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  const size_t payload = static_cast<size_t>(count) * sizeof(float);
  const size_t at = out.size();
  out.resize(at + payload);
  // Little-endian hosts only (x86-64, arm64), which is every platform MLX supports.
  if (payload > 0) std::memcpy(&out[at], data, payload);
  write_file_atomic(path, out);
}

NpyArray read_npy(const std::filesystem::path& path, uint64_t max_bytes) {
  const std::string name = path.string();
  const std::string file = read_file(path, max_bytes);
  auto fail = [&](const std::string& problem) -> FileError {
    return FileError(name + ": " + problem);
  };
  if (file.size() < kMagicSize + 4 || file.compare(0, kMagicSize, kMagic, kMagicSize) != 0) {
    throw fail("not a NumPy .npy file (bad magic)");
  }
  const auto major = static_cast<uint8_t>(file[6]);
  size_t header_len = 0, header_at = 0;
  if (major == 1) {
    header_len = static_cast<uint8_t>(file[8]) | (static_cast<uint8_t>(file[9]) << 8);
    header_at = 10;
  } else if (major == 2 || major == 3) {
    if (file.size() < 12) throw fail("truncated .npy header");
    header_len = 0;
    for (int i = 3; i >= 0; --i)
      header_len = (header_len << 8) | static_cast<uint8_t>(file[8 + i]);
    header_at = 12;
  } else {
    throw fail("unsupported .npy version " + std::to_string(major));
  }
  if (header_len > file.size() - header_at) throw fail("truncated .npy header");
  const std::string header = file.substr(header_at, header_len);

  static const std::regex descr_re(R"('descr'\s*:\s*'([^']*)')");
  static const std::regex fortran_re(R"('fortran_order'\s*:\s*(True|False))");
  static const std::regex shape_re(R"('shape'\s*:\s*\(([^)]*)\))");
  std::smatch m;
  NpyArray array;
  if (!std::regex_search(header, m, descr_re)) throw fail("npy header has no 'descr'");
  array.dtype = m[1];
  const int item = item_size(array.dtype);
  if (item == 0) throw fail("unsupported npy dtype '" + array.dtype + "'");
  if (!std::regex_search(header, m, fortran_re)) throw fail("npy header has no 'fortran_order'");
  if (m[1] == "True") throw fail("Fortran-ordered npy arrays are not supported");
  if (!std::regex_search(header, m, shape_re)) throw fail("npy header has no 'shape'");
  const std::string dims = m[1];
  uint64_t count = 1;
  size_t pos = 0;
  while (pos < dims.size()) {
    const size_t comma = dims.find(',', pos);
    const std::string token =
        dims.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? dims.size() : comma + 1;
    const size_t first = token.find_first_not_of(" ");
    if (first == std::string::npos) continue;
    const std::string digits = token.substr(first, token.find_last_not_of(" ") - first + 1);
    if (digits.empty() || digits.size() > 12 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      throw fail("bad npy shape (" + dims + ")");
    }
    const int64_t d = std::stoll(digits);
    array.shape.push_back(d);
    if (d != 0 && count > max_bytes / static_cast<uint64_t>(d)) {
      throw fail("npy shape (" + dims + ") is larger than the file allows");
    }
    count *= static_cast<uint64_t>(d);
  }
  const size_t data_at = header_at + header_len;
  const uint64_t expected = count * static_cast<uint64_t>(item);
  if (file.size() - data_at != expected) {
    throw fail("npy data is " + std::to_string(file.size() - data_at) + " bytes, the header (" +
               array.dtype + ", shape (" + dims + ")) needs " + std::to_string(expected));
  }
  array.bytes = file.substr(data_at);
  return array;
}

std::vector<float> read_npy_f32(const std::filesystem::path& path, std::vector<int64_t>& shape,
                                uint64_t max_bytes) {
  NpyArray array = read_npy(path, max_bytes);
  if (array.dtype != "<f4") {
    throw FileError(path.string() + ": expected float32 ('<f4') npy data, found '" + array.dtype +
                    "'");
  }
  shape = array.shape;
  std::vector<float> values(static_cast<size_t>(array.size()));
  if (!values.empty()) std::memcpy(values.data(), array.bytes.data(), array.bytes.size());
  return values;
}

}  // namespace mlxocr
