#include "text/tokenizer.h"

#include <algorithm>
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

std::unique_ptr<Tokenizer> load_tokenizer(const fs::path& model_dir) {
  std::error_code ec;
  if (!fs::is_directory(model_dir, ec)) {
    throw TokenizerError(model_dir.string() +
                         ": not a folder (expected a model folder with "
                         "tokenizer files)");
  }
  auto has = [&](const char* name) { return fs::exists(model_dir / name, ec); };
  const text::TokenizerFiles files = text::read_tokenizer_files(model_dir);
  // A SentencePiece model means the XLM-R layout, whatever else is there: a tokenizer.json next to
  // it is the converted fast tokenizer, and we follow the slow one, which runs the model itself.
  if (has("sentencepiece.bpe.model")) return text::load_xlmr_sentencepiece(files);
  if (has("tokenizer.json")) return text::load_bpe_tokenizer_json(files);
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
