// mlxocr models: the models this machine has — in the Hugging Face hub cache and in model folders
// (converted or not) — with their size and kind.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "convert/convert.h"
#include "io/hub.h"
#include "model/config.h"

namespace mlxocr::cli {

namespace {

namespace fs = std::filesystem;

struct ModelsArgs {
  std::vector<std::string> folders;
  bool json = false;
  bool verify = false;
};

std::string human(std::uintmax_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// "mlxocr float16, 4-bit g64" / "huggingface float32" / "not TrOCR (model_type bert)".
std::string folder_kind(const fs::path& folder) {
  nlohmann::json config;
  try {
    std::ifstream in(folder / "config.json");
    config = nlohmann::json::parse(in);
    const ModelConfig parsed = parse_model_config(config, (folder / "config.json").string());
    if (parsed.converted) {
      std::string kind = "mlxocr " + parsed.converted->dtype;
      if (const auto& q = parsed.converted->quantization) {
        kind += ", " + std::to_string(q->bits) + "-bit g" + std::to_string(q->group_size) +
                (q->encoder ? " (encoder too)" : "");
      }
      return kind;
    }
    std::string weights = "no weights";
    for (const char* name : {"model.safetensors", "model.safetensors.index.json",
                             "pytorch_model.bin", "pytorch_model.bin.index.json"}) {
      if (is_file(folder / name)) {
        weights = name;
        break;
      }
    }
    const std::string dtype = config.value("torch_dtype", std::string());
    return "huggingface " + (dtype.empty() ? std::string() : dtype + " ") + "(" + weights + ")";
  } catch (const std::exception& e) {
    if (config.is_object() && config.contains("model_type") && config["model_type"].is_string())
      return "not TrOCR (model_type " + config["model_type"].get<std::string>() + ")";
    return "unreadable config.json";
  }
}

// Model folders under `path`: itself when it holds config.json, else its sub-folders that do.
std::vector<fs::path> model_folders(const fs::path& path) {
  if (is_file(path / "config.json")) return {path};
  std::vector<fs::path> folders;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (entry.is_directory(ec) && is_file(entry.path() / "config.json") &&
        entry.path().filename().string().rfind(".", 0) != 0) {
      folders.push_back(entry.path());
    }
  }
  std::sort(folders.begin(), folders.end());
  return folders;
}

}  // namespace

Action add_models(CLI::App& app) {
  auto args = std::make_shared<ModelsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "models", "List the models in the Hugging Face cache and in model folders");
  cmd->add_option("FOLDER", args->folders,
                  "Model folders, or folders of model folders, to list (default: ./models)");
  cmd->add_flag("--json", args->json, "Print JSON");
  cmd->add_flag("--verify", args->verify,
                "Check every cached file against its name (reads them all): an LFS file's\n"
                "sha256, a regular file's git blob hash; exit 1 when one is corrupted");
  cmd->footer(
      "The hub cache is the one transformers uses: HF_HUB_CACHE, else HF_HOME/hub, else\n"
      "~/.cache/huggingface/hub. Hub models are used as --model org/name[@revision].");
  return [args]() {
    const HubSettings settings = HubSettings::from_environment();
    nlohmann::json out = {{"cache", settings.cache.string()},
                          {"hub", nlohmann::json::array()},
                          {"folders", nlohmann::json::array()}};
    bool corrupted = false;
    for (const CachedRepo& repo : list_hub_cache(settings.cache)) {
      for (const CachedSnapshot& s : repo.snapshots) {
        std::string kind = s.has_config && !s.weights.empty() ? "hub cache (" + s.weights + ")"
                                                              : "hub cache, incomplete";
        nlohmann::json row = {{"name", repo.repo}, {"commit", s.commit},
                              {"refs", s.refs},    {"kind", kind},
                              {"bytes", s.bytes},  {"path", s.folder.string()}};
        out["hub"].push_back(row);
      }
      if (repo.incomplete_bytes) {
        out["hub"].push_back({{"name", repo.repo},
                              {"kind", "partial download (resumed on next use)"},
                              {"bytes", repo.incomplete_bytes},
                              {"path", (repo.folder / "blobs").string()}});
      }
      if (args->verify) {
        for (const fs::path& blob : corrupted_blobs(repo.folder)) {
          corrupted = true;
          std::cerr
              << "mlxocr: corrupted: " << blob.string() << " (" << repo.repo
              << "): its contents do not hash to its name (sha256 or git blob hash); delete it "
                 "to download it again\n";
        }
      }
    }
    std::vector<std::string> roots = args->folders;
    if (roots.empty() && fs::is_directory("models")) roots.push_back("models");
    for (const std::string& root : roots) {
      if (!fs::is_directory(root)) {
        std::cerr << "mlxocr: warning: " << root << " is not a folder\n";
        continue;
      }
      for (const fs::path& folder : model_folders(root)) {
        out["folders"].push_back({{"name", folder.filename().string()},
                                  {"kind", folder_kind(folder)},
                                  {"bytes", folder_bytes(folder)},
                                  {"path", folder.string()}});
      }
    }
    if (args->json) {
      std::cout << out.dump(2) << "\n";
    } else {
      std::printf("%-44s %-40s %10s  %s\n", "MODEL", "KIND", "SIZE", "PATH");
      for (const auto& group : {"hub", "folders"}) {
        for (const auto& row : out[group]) {
          std::string name = row["name"].get<std::string>();
          if (row.contains("refs") && !row["refs"].empty()) {
            name += "@" + row["refs"][0].get<std::string>();
          } else if (row.contains("commit")) {
            name += "@" + row["commit"].get<std::string>().substr(0, 12);
          }
          std::printf("%-44s %-40s %10s  %s\n", name.c_str(),
                      row["kind"].get<std::string>().c_str(),
                      human(row["bytes"].get<std::uintmax_t>()).c_str(),
                      row["path"].get<std::string>().c_str());
        }
      }
      if (out["hub"].empty() && out["folders"].empty()) {
        std::printf("(no models in %s%s)\n", settings.cache.string().c_str(),
                    roots.empty() ? "" : " nor in the folders given");
      }
    }
    return corrupted ? 1 : 0;
  };
}

}  // namespace mlxocr::cli
