#include "io/safetensors.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>
#include <nlohmann/json.hpp>

#include "io/array_bytes.h"
#include "io/mapped_array.h"
#include "io/mapped_file.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The reference implementation refuses headers above 100 MB; so do we, before reading one.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
// A valid header nests three levels deep (header, tensor, shape); leave room for extra fields.
constexpr int kMaxJsonDepth = 16;
constexpr std::string_view kMetadataKey = "__metadata__";

struct DtypeName {
  std::string_view name;
  mx::Dtype dtype;
};

constexpr std::array<DtypeName, 13> kDtypes{{
    {"BOOL", mx::bool_},
    {"U8", mx::uint8},
    {"I8", mx::int8},
    {"U16", mx::uint16},
    {"I16", mx::int16},
    {"F16", mx::float16},
    {"BF16", mx::bfloat16},
    {"U32", mx::uint32},
    {"I32", mx::int32},
    {"F32", mx::float32},
    {"U64", mx::uint64},
    {"I64", mx::int64},
    {"F64", mx::float64},
}};

// Dtypes the safetensors format defines but MLX cannot hold.
constexpr std::array<std::string_view, 7> kUnsupportedDtypes{
    "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64"};

std::string known_dtype_list() {
  std::string list;
  for (const auto& entry : kDtypes) {
    if (!list.empty()) list += ", ";
    list += entry.name;
  }
  return list;
}

std::optional<std::string_view> dtype_name(mx::Dtype dtype) {
  for (const auto& entry : kDtypes)
    if (entry.dtype == dtype) return entry.name;
  return std::nullopt;
}

struct HeaderEntry {
  std::string name;
  std::string dtype_name;
  mx::Dtype dtype = mx::float32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

struct Header {
  std::map<std::string, std::string> metadata;
  std::vector<HeaderEntry> tensors;
  std::uint64_t data_start = 0;  // byte offset of the data section in the file
};

std::string offsets_string(std::uint64_t begin, std::uint64_t end) {
  std::string text = "[";  // built by appending: GCC 12 warns falsely on "literal" + string&&
  text += std::to_string(begin);
  text += ", ";
  text += std::to_string(end);
  text += "]";
  return text;
}

std::string json_type(const json& value) {
  if (value.is_number_float()) return "a fractional number";
  if (value.is_number_integer() && !value.is_number_unsigned()) return "a negative number";
  return std::string("a JSON ") + value.type_name();
}

json parse_header_json(std::string_view text, const std::string& where) {
  // Bound the nesting so a hostile header cannot exhaust the stack of whoever walks the tree.
  const json::parser_callback_t limit_depth = [&where](int depth, json::parse_event_t event,
                                                       json&) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth) {
      throw CheckpointError(where + ": header JSON nests deeper than " +
                            std::to_string(kMaxJsonDepth) + " levels");
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), limit_depth);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e400
    throw CheckpointError(where + ": header is not valid JSON (" + e.what() + ")");
  }
}

HeaderEntry parse_entry(const std::string& name, const json& info, std::uint64_t data_size,
                        const std::string& where) {
  const std::string context = where + ": tensor '" + name + "': ";
  if (!info.is_object())
    throw CheckpointError(context + "expected an object with dtype, shape and data_offsets, got " +
                          json_type(info));
  HeaderEntry entry;
  entry.name = name;

  const auto dtype_field = info.find("dtype");
  if (dtype_field == info.end() || !dtype_field->is_string())
    throw CheckpointError(context + "missing \"dtype\" string");
  entry.dtype_name = dtype_field->get<std::string>();
  const auto known = std::find_if(kDtypes.begin(), kDtypes.end(),
                                  [&](const DtypeName& d) { return d.name == entry.dtype_name; });
  if (known == kDtypes.end()) {
    if (std::find(kUnsupportedDtypes.begin(), kUnsupportedDtypes.end(), entry.dtype_name) !=
        kUnsupportedDtypes.end()) {
      throw CheckpointError(context + "dtype " + entry.dtype_name +
                            " is not supported (MLX has no such type; expected one of " +
                            known_dtype_list() + ")");
    }
    throw CheckpointError(context + "unknown dtype '" + entry.dtype_name + "' (expected one of " +
                          known_dtype_list() + ")");
  }
  entry.dtype = known->dtype;

  const auto shape_field = info.find("shape");
  if (shape_field == info.end() || !shape_field->is_array())
    throw CheckpointError(context + "missing \"shape\" list");
  if (shape_field->size() > 64)
    throw CheckpointError(context + "shape has " + std::to_string(shape_field->size()) +
                          " dimensions, more than the 64 allowed");
  std::uint64_t byte_count = mx::size_of(entry.dtype);
  bool too_large = false;
  for (const json& dim : *shape_field) {
    if (!dim.is_number_unsigned())
      throw CheckpointError(context + "shape " + shape_field->dump() +
                            " must hold non-negative integers, found " + json_type(dim));
    const std::uint64_t value = dim.get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(kMaxDimension))
      throw CheckpointError(context + "shape " + shape_field->dump() + " has a dimension above " +
                            std::to_string(kMaxDimension) + ", the largest MLX supports");
    too_large = too_large || __builtin_mul_overflow(byte_count, value, &byte_count);
    entry.shape.push_back(static_cast<std::int64_t>(value));
  }

  const auto offsets_field = info.find("data_offsets");
  if (offsets_field == info.end() || !offsets_field->is_array() || offsets_field->size() != 2 ||
      !(*offsets_field)[0].is_number_unsigned() || !(*offsets_field)[1].is_number_unsigned()) {
    throw CheckpointError(
        context +
        "\"data_offsets\" must be a list of two non-negative integers [begin, "
        "end], got " +
        (offsets_field == info.end() ? std::string("nothing") : offsets_field->dump()));
  }
  entry.begin = (*offsets_field)[0].get<std::uint64_t>();
  entry.end = (*offsets_field)[1].get<std::uint64_t>();
  const std::string offsets = offsets_string(entry.begin, entry.end);
  if (entry.begin > entry.end)
    throw CheckpointError(context + "data_offsets " + offsets + " end before they begin");
  if (entry.end > data_size)
    throw CheckpointError(context + "data_offsets " + offsets +
                          " point outside the data section, which holds " +
                          std::to_string(data_size) + " bytes (truncated file?)");
  if (too_large || entry.end - entry.begin != byte_count) {
    throw CheckpointError(context + "data_offsets " + offsets + " do not match shape " +
                          shape_string(entry.shape) + " of " + entry.dtype_name + " (" +
                          (too_large ? std::string("more than 2^64") : std::to_string(byte_count)) +
                          " bytes)");
  }
  return entry;
}

Header parse_header(std::string_view text, std::uint64_t data_size, const std::string& where) {
  const json root = parse_header_json(text, where);
  if (!root.is_object())
    throw CheckpointError(where + ": header must be a JSON object, got " + json_type(root));
  Header header;
  for (const auto& [key, value] : root.items()) {
    if (key == kMetadataKey) {
      if (value.is_null()) continue;
      if (!value.is_object())
        throw CheckpointError(where + ": __metadata__ must be an object of strings, got " +
                              json_type(value));
      for (const auto& [meta_key, meta_value] : value.items()) {
        if (!meta_value.is_string())
          throw CheckpointError(where + ": __metadata__ entry '" + meta_key +
                                "' must be a string, got " + json_type(meta_value));
        header.metadata.emplace(meta_key, meta_value.get<std::string>());
      }
      continue;
    }
    header.tensors.push_back(parse_entry(key, value, data_size, where));
  }

  // Tensors must not share bytes: besides being what the reference requires, this bounds the
  // memory a load can take by the size of the file.
  std::vector<const HeaderEntry*> by_offset;
  for (const auto& entry : header.tensors)
    if (entry.end > entry.begin) by_offset.push_back(&entry);
  std::sort(by_offset.begin(), by_offset.end(), [](const HeaderEntry* a, const HeaderEntry* b) {
    return std::pair(a->begin, a->end) < std::pair(b->begin, b->end);
  });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const HeaderEntry& previous = *by_offset[i - 1];
    const HeaderEntry& current = *by_offset[i];
    if (current.begin < previous.end) {
      throw CheckpointError(where + ": tensors '" + previous.name + "' (data_offsets " +
                            offsets_string(previous.begin, previous.end) + ") and '" +
                            current.name + "' (data_offsets " +
                            offsets_string(current.begin, current.end) + ") overlap");
    }
  }
  return header;
}

// Checks the 8-byte length prefix against the file and parses the header it announces.
Header read_header(const MappedFile& file, const std::string& where) {
  const std::uint64_t file_size = file.size();
  if (file_size < 8)
    throw CheckpointError(where + ": file is " + std::to_string(file_size) +
                          " bytes, too short for the 8-byte header length of a safetensors file");
  std::uint64_t header_size = 0;
  std::memcpy(&header_size, file.data(), sizeof header_size);  // little-endian, as is the host
  if (header_size > kMaxHeaderBytes)
    throw CheckpointError(where + ": header length " + std::to_string(header_size) +
                          " is larger than the " + std::to_string(kMaxHeaderBytes) +
                          " bytes allowed (not a safetensors file, or corrupt)");
  if (header_size > file_size - 8)
    throw CheckpointError(where + ": header length " + std::to_string(header_size) +
                          " is larger than the file (" + std::to_string(file_size) +
                          " bytes; truncated or not a safetensors file)");
  const std::string_view text(reinterpret_cast<const char*>(file.data()) + 8, header_size);
  Header header = parse_header(text, file_size - 8 - header_size, where);
  header.data_start = 8 + header_size;
  return header;
}

std::string safetensors_dtype_name(mx::Dtype dtype, const std::string& tensor,
                                   const std::string& where) {
  const auto name = dtype_name(dtype);
  if (!name) {
    throw CheckpointError(where + ": tensor '" + tensor +
                          "' has a dtype safetensors cannot store (complex64); expected one of " +
                          known_dtype_list());
  }
  return std::string(*name);
}

// Writes through a temporary file in the destination folder, renamed into place at the end, like
// write_file_atomic but streaming so a multi-gigabyte checkpoint is never built in memory.
template <typename WriteBody>
void write_atomically(const fs::path& path, WriteBody&& write_body) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw FileError(dir.string() + ": cannot create folder: " + ec.message());
  std::random_device random;
  std::string tmp_name = ".";
  tmp_name += path.filename().string();
  tmp_name += ".tmp";
  tmp_name += std::to_string(random());
  const fs::path tmp = dir / tmp_name;
  auto remove_tmp = [&tmp] {
    std::error_code ignored;
    fs::remove(tmp, ignored);
  };
  try {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw FileError(tmp.string() + ": cannot open for writing");
    write_body(out);
    out.flush();
    if (!out) throw FileError(path.string() + ": write failed (disk full?)");
  } catch (...) {
    remove_tmp();
    throw;
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    remove_tmp();
    throw FileError(path.string() + ": cannot move the written file into place: " + ec.message());
  }
}

}  // namespace

TensorMap load_safetensors(const fs::path& file) {
  const std::string where = file.string();
  const bool map_arrays = mapped_arrays_supported();
  const auto mapped = std::make_shared<const MappedFile>(
      file, map_arrays ? MappedFile::Access::copy_on_write : MappedFile::Access::read_only);
  const Header header = read_header(*mapped, where);
  TensorMap tensors;
  std::vector<MappedFile::Range> verbatim;  // tensors loaded as stored: read straight into place
  for (const HeaderEntry& entry : header.tensors) {
    const std::size_t offset = header.data_start + entry.begin;
    if (loaded_dtype(entry.dtype) == entry.dtype && entry.dtype != mx::bool_) {
      if (map_arrays) {
        mx::Shape shape(entry.shape.begin(), entry.shape.end());
        if (auto array = array_over_mapping(mapped, offset, shape, entry.dtype)) {
          tensors.insert_or_assign(entry.name, std::move(*array));
          continue;
        }
      }
      mx::array array = allocate_array(entry.shape, entry.dtype);
      if (array.nbytes() > 0)
        verbatim.push_back({offset, array.nbytes(), array.data<std::uint8_t>()});
      tensors.insert_or_assign(entry.name, std::move(array));
      continue;
    }
    StoredTensor stored;  // float64 narrowed, booleans normalised, element by element
    stored.base = mapped->data() + offset;
    stored.dtype = entry.dtype;
    stored.shape = entry.shape;
    stored.strides = row_major_strides(entry.shape);
    tensors.insert_or_assign(entry.name, materialise(stored));
    mapped->release(offset, entry.end - entry.begin);
  }
  mapped->read(verbatim);
  return tensors;
}

std::map<std::string, std::string> read_safetensors_metadata(const fs::path& file) {
  const std::string where = file.string();
  const MappedFile mapped(file);
  return read_header(mapped, where).metadata;
}

void save_safetensors(const fs::path& file, const TensorMap& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const std::string where = file.string();
  struct Item {
    const std::string* name;
    std::string dtype_name;
    mx::array values;
  };
  std::vector<Item> items;
  items.reserve(tensors.size());
  for (const auto& [name, array] : tensors) {
    if (name == kMetadataKey)
      throw CheckpointError(where + ": a tensor cannot be named \"__metadata__\"");
    items.push_back(
        {&name, safetensors_dtype_name(array.dtype(), name, where), mx::contiguous(array)});
  }
  {
    std::vector<mx::array> pending;
    for (const Item& item : items)
      pending.push_back(item.values);
    mx::eval(pending);
  }
  // Larger elements first, as the reference does: with an 8-byte aligned data section every
  // tensor then starts at a multiple of its element size.
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.values.itemsize() > b.values.itemsize();
  });

  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header[std::string(kMetadataKey)] = metadata;
  std::uint64_t offset = 0;
  for (const Item& item : items) {
    nlohmann::ordered_json shape = nlohmann::ordered_json::array();
    for (int dim : item.values.shape())
      shape.push_back(dim);
    const std::uint64_t end = offset + item.values.nbytes();
    header[*item.name] = {
        {"dtype", item.dtype_name}, {"shape", std::move(shape)}, {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string header_text;
  try {
    header_text = header.dump();
  } catch (const nlohmann::ordered_json::exception& e) {
    throw CheckpointError(where +
                          ": cannot write the header: tensor names and metadata must be "
                          "valid UTF-8 (" +
                          e.what() + ")");
  }
  header_text.append((8 - header_text.size() % 8) % 8, ' ');

  write_atomically(file, [&](std::ofstream& out) {
    const std::uint64_t header_size = header_text.size();
    out.write(reinterpret_cast<const char*>(&header_size), sizeof header_size);
    out.write(header_text.data(), static_cast<std::streamsize>(header_text.size()));
    for (const Item& item : items) {
      if (item.values.nbytes() == 0) continue;
      out.write(item.values.data<char>(), static_cast<std::streamsize>(item.values.nbytes()));
    }
  });
}

}  // namespace mlxocr
