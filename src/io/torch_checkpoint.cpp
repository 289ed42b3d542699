#include "io/torch_checkpoint.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "io/array_bytes.h"
#include "io/mapped_file.h"
#include "io/torch_pickle.h"
#include "io/zip_reader.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;

namespace {

// data.pkl of a real state dict is a few hundred bytes per tensor.
constexpr std::uint64_t kMaxPickleBytes = 256ull << 20;
// Views may repeat a storage's bytes (a weight and its transpose, say), but a hostile pickle must
// not turn a small file into unbounded memory: the loaded tensors may take at most this many
// times the size of the file, plus a little.
constexpr std::uint64_t kMaxExpansion = 4;
constexpr std::uint64_t kExpansionSlack = 64ull << 20;

// The zip entry holding data.pkl: "<folder>/data.pkl" for one top folder, whose name varies
// ("archive", the file's stem...).
const ZipArchive::Entry& find_pickle(const ZipArchive& zip, const std::string& where) {
  const ZipArchive::Entry* found = nullptr;
  constexpr std::string_view kPickleName = "data.pkl";
  for (const auto& [name, entry] : zip.entries()) {
    if (name.size() < kPickleName.size() ||
        name.compare(name.size() - kPickleName.size(), kPickleName.size(), kPickleName) != 0)
      continue;
    const std::string_view folder(name.data(), name.size() - kPickleName.size());
    // "data.pkl" at the root, or directly inside one folder.
    if (!folder.empty() && (folder.back() != '/' || folder.find('/') != folder.size() - 1))
      continue;
    if (found != nullptr)
      throw CheckpointError(where + ": the archive holds several pickles ('" + found->name +
                            "' and '" + name + "'); expected one torch.save archive");
    found = &entry;
  }
  if (found == nullptr)
    throw CheckpointError(where +
                          ": zip archive without a data.pkl, so not a torch.save checkpoint");
  return *found;
}

void check_byte_order(const ZipArchive& zip, const std::string& folder, const std::string& where) {
  const ZipArchive::Entry* entry = zip.find(folder + "byteorder");
  if (entry == nullptr) return;  // torch before 1.13 wrote none, and only little-endian files
  if (entry->size > 16)
    throw CheckpointError(where + ": byteorder entry is " + std::to_string(entry->size) +
                          " bytes, expected \"little\"");
  const std::string_view order = zip.contents(*entry, true);
  if (order == "little") return;
  if (order == "big")
    throw CheckpointError(where +
                          ": checkpoint was saved on a big-endian machine; only little-endian "
                          "checkpoints are supported");
  throw CheckpointError(where + ": byteorder entry says '" + std::string(order) +
                        "', expected \"little\"");
}

// The view of `view` into `storage_bytes`, checked to lie inside the storage.
StoredTensor checked_view(const TorchTensorView& view, std::string_view storage_bytes,
                          const std::string& context, const std::string& storage_name) {
  const TorchStorage& storage = *view.storage;
  const std::uint64_t item = mx::size_of(storage.dtype);
  std::uint64_t storage_bytes_needed = 0;
  if (__builtin_mul_overflow(static_cast<std::uint64_t>(storage.numel), item,
                             &storage_bytes_needed) ||
      storage_bytes_needed > storage_bytes.size()) {
    throw CheckpointError(context + "storage " + storage_name + " holds " +
                          std::to_string(storage_bytes.size()) + " bytes, fewer than the " +
                          std::to_string(storage.numel) + " " + storage.type_name +
                          " elements the pickle announces");
  }
  const std::string view_text = "(offset " + std::to_string(view.offset) + ", size " +
                                shape_string(view.size) + ", stride " + shape_string(view.stride) +
                                ")";
  if (view.offset < 0)
    throw CheckpointError(context + "negative storage offset in view " + view_text);
  bool empty = false;
  for (std::size_t axis = 0; axis < view.size.size(); ++axis) {
    if (view.size[axis] < 0 || view.stride[axis] < 0)
      throw CheckpointError(context + "negative size or stride in view " + view_text);
    if (view.size[axis] > kMaxDimension)
      throw CheckpointError(context + "view " + view_text + " has a dimension above " +
                            std::to_string(kMaxDimension) + ", the largest MLX supports");
    empty = empty || view.size[axis] == 0;
  }
  if (!empty) {
    // The last element the view touches must lie inside the storage.
    std::int64_t last = view.offset;
    bool overflow = false;
    for (std::size_t axis = 0; axis < view.size.size(); ++axis) {
      std::int64_t reach = 0;
      overflow = overflow || __builtin_mul_overflow(view.size[axis] - 1, view.stride[axis], &reach);
      overflow = overflow || __builtin_add_overflow(last, reach, &last);
    }
    if (overflow || last >= storage.numel) {
      throw CheckpointError(context + "view " + view_text + " reaches past the end of storage " +
                            storage_name + ", which holds " + std::to_string(storage.numel) + " " +
                            storage.type_name + " elements");
    }
  }
  StoredTensor stored;
  stored.base = reinterpret_cast<const std::uint8_t*>(storage_bytes.data());
  stored.dtype = storage.dtype;
  stored.offset = view.offset;
  stored.shape = view.size;
  stored.strides = view.stride;
  return stored;
}

}  // namespace

TensorMap load_torch_checkpoint(const fs::path& file) {
  const std::string where = file.string();
  const MappedFile mapped(file);
  const std::string_view bytes = mapped.bytes();
  if (bytes.size() >= 2 && static_cast<std::uint8_t>(bytes[0]) == 0x80 &&
      static_cast<std::uint8_t>(bytes[1]) <= 5) {
    throw CheckpointError(where +
                          ": saved in torch's legacy (pre-1.6) format, which is not supported; "
                          "load it with torch and save it again with torch.save, or convert it "
                          "to safetensors");
  }
  if (bytes.substr(0, 4) != std::string_view("PK\x03\x04", 4))
    throw CheckpointError(where + ": not a torch.save checkpoint (expected a zip archive)");

  const ZipArchive zip(bytes, where);
  const ZipArchive::Entry& pickle_entry = find_pickle(zip, where);
  const std::string folder = pickle_entry.name.substr(0, pickle_entry.name.size() - 8);
  check_byte_order(zip, folder, where);
  if (pickle_entry.size > kMaxPickleBytes)
    throw CheckpointError(where + ": " + pickle_entry.name + " is " +
                          std::to_string(pickle_entry.size) + " bytes, more than the " +
                          std::to_string(kMaxPickleBytes) + " bytes allowed for a state dict");
  const std::map<std::string, TorchTensorView> views =
      unpickle_torch_state_dict(zip.contents(pickle_entry, true), where);

  const std::string data_folder = folder + "data/";
  const std::uint64_t budget = bytes.size() * kMaxExpansion + kExpansionSlack;
  std::uint64_t loaded_bytes = 0;

  // Tensors that are the same view of the same storage (tied weights) share one array.
  using ViewKey = std::tuple<std::string, int, std::int64_t, std::vector<std::int64_t>,
                             std::vector<std::int64_t>>;
  std::map<ViewKey, mx::array> loaded;
  TensorMap tensors;
  for (const auto& [name, view] : views) {
    const std::string context = where + ": tensor '" + name + "': ";
    const std::string storage_name = data_folder + view.storage->key;
    const ZipArchive::Entry* entry = zip.find(storage_name);
    if (entry == nullptr)
      throw CheckpointError(context + "its storage " + storage_name +
                            " is missing from the archive");
    const ViewKey key{view.storage->key, static_cast<int>(view.storage->dtype.val()), view.offset,
                      view.size, view.stride};
    if (const auto it = loaded.find(key); it != loaded.end()) {
      tensors.insert_or_assign(name, it->second);
      continue;
    }
    const StoredTensor stored = checked_view(view, zip.contents(*entry), context, storage_name);
    std::uint64_t bytes_needed = mx::size_of(loaded_dtype(stored.dtype));
    bool overflow = false;
    for (std::int64_t dim : stored.shape)
      overflow = overflow || __builtin_mul_overflow(bytes_needed, static_cast<std::uint64_t>(dim),
                                                    &bytes_needed);
    overflow = overflow || __builtin_add_overflow(loaded_bytes, bytes_needed, &loaded_bytes);
    if (overflow || loaded_bytes > budget)
      throw CheckpointError(context + "the tensors' views add up to more than " +
                            std::to_string(kMaxExpansion) + " times the size of the file (" +
                            std::to_string(bytes.size()) +
                            " bytes); refusing to expand it further");
    mx::array array = materialise(stored);
    loaded.emplace(key, array);
    tensors.insert_or_assign(name, std::move(array));
  }
  return tensors;
}

}  // namespace mlxocr
