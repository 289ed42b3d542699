#include "io/checkpoint.h"

#include <map>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "io/safetensors.h"
#include "io/torch_checkpoint.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxIndexBytes = 64ull << 20;

using ShardLoader = TensorMap (*)(const fs::path&);

bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// A shard name from an index must name a file in the model folder itself.
void check_shard_name(const std::string& shard, const std::string& tensor,
                      const std::string& where) {
  if (shard.empty() || shard == "." || shard == ".." ||
      shard.find_first_of(std::string("/\\\0:", 4)) != std::string::npos) {
    throw CheckpointError(where + ": tensor '" + tensor + "' is mapped to shard '" + shard +
                          "', which is not a plain file name in the model folder (path "
                          "separators and '..' are refused)");
  }
}

TensorMap load_sharded(const fs::path& index_path, ShardLoader load_shard) {
  const std::string where = index_path.string();
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(read_file(index_path, kMaxIndexBytes));
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400
    throw CheckpointError(where + ": not valid JSON (" + e.what() + ")");
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
    throw CheckpointError(where + ": expected a JSON object with a \"weight_map\" object");

  // Shard file -> the tensors the index says it holds.
  std::map<std::string, std::vector<std::string>> shards;
  for (const auto& [tensor, shard] : index["weight_map"].items()) {
    if (!shard.is_string())
      throw CheckpointError(where + ": weight_map entry for tensor '" + tensor +
                            "' must be a shard file name");
    const std::string shard_name = shard.get<std::string>();
    check_shard_name(shard_name, tensor, where);
    shards[shard_name].push_back(tensor);
  }
  if (shards.empty()) throw CheckpointError(where + ": weight_map names no tensors");

  const fs::path folder = index_path.parent_path();
  for (const auto& [shard, tensors] : shards) {
    if (!is_file(folder / shard)) {
      throw CheckpointError(
          where + ": shard '" + shard + "' (holding tensor '" + tensors.front() + "'" +
          (tensors.size() > 1 ? " and " + std::to_string(tensors.size() - 1) + " more"
                              : std::string()) +
          ") does not exist in " + folder.string());
    }
  }
  TensorMap result;
  for (const auto& [shard, tensors] : shards) {
    TensorMap shard_tensors = load_shard(folder / shard);
    for (const std::string& tensor : tensors) {
      auto found = shard_tensors.find(tensor);
      if (found == shard_tensors.end())
        throw CheckpointError(where + ": tensor '" + tensor + "' is mapped to shard '" + shard +
                              "', which does not contain it");
      result.insert_or_assign(tensor, std::move(found->second));
    }
  }
  return result;
}

}  // namespace

TensorMap load_checkpoint_tensors(const fs::path& model_dir) {
  std::error_code ec;
  if (!fs::is_directory(model_dir, ec))
    throw CheckpointError(model_dir.string() + ": not a model folder (no such directory)");
  if (const fs::path file = model_dir / "model.safetensors"; is_file(file))
    return load_safetensors(file);
  if (const fs::path file = model_dir / "model.safetensors.index.json"; is_file(file))
    return load_sharded(file, &load_safetensors);
  if (const fs::path file = model_dir / "pytorch_model.bin"; is_file(file))
    return load_torch_checkpoint(file);
  if (const fs::path file = model_dir / "pytorch_model.bin.index.json"; is_file(file))
    return load_sharded(file, &load_torch_checkpoint);

  std::string other;
  for (const char* unsupported : {"tf_model.h5", "flax_model.msgpack", "model.ckpt.index"})
    if (is_file(model_dir / unsupported)) other += std::string(" ") + unsupported;
  throw CheckpointError(
      model_dir.string() +
      ": no model weights found; looked for model.safetensors, "
      "model.safetensors.index.json, pytorch_model.bin and "
      "pytorch_model.bin.index.json" +
      (other.empty() ? std::string() : " (found only unsupported formats:" + other + ")"));
}

}  // namespace mlxocr
