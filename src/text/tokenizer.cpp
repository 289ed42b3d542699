#include "text/tokenizer.h"

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>

#include "mlxocr/error.h"
#include "text/byte_level_bpe.h"
#include "text/sentencepiece_tokenizer.h"
#include "text/tokenizer_files.h"

namespace mlxocr {

namespace fs = std::filesystem;

bool Tokenizer::is_special_id(int id) const {
  return std::binary_search(special_ids_.begin(), special_ids_.end(), id);
}

std::string clean_up_tokenization(std::string text) {
  // The replacements of PreTrainedTokenizerBase.clean_up_tokenization, in its order, each over the
  // whole string as Python's str.replace does.
  static const std::pair<std::string_view, std::string_view> kReplacements[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
  };
  for (const auto& [from, to] : kReplacements) {
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    for (size_t hit; (hit = text.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
      out.append(text, pos, hit - pos);
      out.append(to);
    }
    out.append(text, pos, std::string::npos);
    text = std::move(out);
  }
  return text;
}

TransformersVersion transformers_target() {
  const char* env = std::getenv("MLXOCR_TRANSFORMERS");
  if (env == nullptr || *env == '\0') return TransformersVersion::k5;
  const std::string_view value(env);
  if (value == "4") return TransformersVersion::k4;
  if (value == "5") return TransformersVersion::k5;
  throw UsageError(std::string("MLXOCR_TRANSFORMERS=") + env +
                   ": expected 4 or 5 (the transformers whose default tokenizer to follow)");
}

namespace {

// tokenizer.json's model type ("BPE", "Unigram", ...).
std::string tokenizer_json_model_type(const fs::path& file) {
  const nlohmann::json doc = text::read_json_file(file, text::kMaxVocabularyBytes);
  const auto model = doc.is_object() ? doc.find("model") : doc.end();
  if (model == doc.end() || !model->is_object() || !model->contains("type") ||
      !(*model)["type"].is_string()) {
    throw TokenizerError(file.string() + ": no \"model\" with a \"type\"");
  }
  return (*model)["type"].get<std::string>();
}

// Whether the SentencePiece model runs as Unigram: as tokenizer.json's model says when the folder
// has one (transformers 4 and 5 both load it), else as `target` converts the .model file.
bool sentencepiece_runs_as_unigram(const fs::path& model_dir, TransformersVersion target) {
  std::error_code ec;
  const fs::path converted = model_dir / "tokenizer.json";
  if (!fs::exists(converted, ec)) return target == TransformersVersion::k5;
  const std::string type = tokenizer_json_model_type(converted);
  if (type != "Unigram" && type != "BPE") {
    throw TokenizerError(converted.string() + ": model type \"" + type +
                         "\" beside sentencepiece.bpe.model (expected Unigram or BPE)");
  }
  return type == "Unigram";
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const fs::path& model_dir, TransformersVersion target) {
  std::error_code ec;
  if (!fs::is_directory(model_dir, ec)) {
    throw TokenizerError(model_dir.string() +
                         ": not a folder (expected a model folder with "
                         "tokenizer files)");
  }
  auto has = [&](const char* name) { return fs::exists(model_dir / name, ec); };
  const text::TokenizerFiles files = text::read_tokenizer_files(model_dir);
  // A SentencePiece model means the XLM-R layout, whatever else is there: a tokenizer.json next to
  // it is the converted fast tokenizer, which encodes as the model does (as BPE or as Unigram).
  if (has("sentencepiece.bpe.model")) {
    return text::load_xlmr_sentencepiece(files, sentencepiece_runs_as_unigram(model_dir, target));
  }
  if (has("tokenizer.json")) {
    // transformers 5 saves an XLM-R tokenizer as tokenizer.json alone, with a Unigram model.
    if (tokenizer_json_model_type(model_dir / "tokenizer.json") == "Unigram") {
      return text::load_xlmr_unigram_json(files);
    }
    return text::load_bpe_tokenizer_json(files, target);
  }
  if (has("vocab.json") && has("merges.txt")) return text::load_bpe_vocab_merges(files);
  if (has("vocab.json") || has("merges.txt")) {
    throw TokenizerError(
        model_dir.string() + ": has " +
        (has("vocab.json") ? "vocab.json but not merges.txt" : "merges.txt but not vocab.json") +
        "; a byte-level BPE tokenizer needs both (or tokenizer.json)");
  }
  throw TokenizerError(model_dir.string() +
                       ": no tokenizer files (looked for sentencepiece.bpe.model, tokenizer.json, "
                       "vocab.json + merges.txt)");
}

}  // namespace mlxocr
