// Tokenizer files. The first input byte picks which file of a fixture tokenizer folder the rest
// replaces (tokenizer.json, vocab.json, merges.txt, the special-token files, the SentencePiece
// model); the tokenizer is loaded as a model load does, then used on a fixed text.
#include <array>
#include <filesystem>
#include <string>

#include "fuzz_support.h"
#include "text/tokenizer.h"

namespace {

namespace fs = std::filesystem;

struct Variant {
  const char* fixture;       // folder under tests/fixtures/tokenizers
  const char* fuzzed;        // the file the input replaces
  bool drop_tokenizer_json;  // so that vocab.json + merges.txt are read instead
};

constexpr std::array<Variant, 8> kVariants{{
    {"roberta-bpe", "tokenizer.json", false},
    {"roberta-bpe", "vocab.json", true},
    {"roberta-bpe", "merges.txt", true},
    {"roberta-bpe", "tokenizer_config.json", false},
    {"roberta-bpe", "special_tokens_map.json", true},
    {"roberta-bpe", "added_tokens.json", true},
    {"xlmr-spm", "sentencepiece.bpe.model", false},
    {"xlmr-spm", "tokenizer_config.json", false},
}};

// One folder per variant, copied from the fixtures once.
fs::path variant_dir(std::size_t index) {
  const Variant& variant = kVariants[index];
  const fs::path dir = mlxocr::fuzz::scratch_dir() / ("tokenizer-" + std::to_string(index));
  if (!fs::exists(dir)) {
    fs::create_directories(dir);
    for (const auto& file :
         fs::directory_iterator(fs::path(MLXOCR_FIXTURES_DIR "/tokenizers") / variant.fixture)) {
      if (variant.drop_tokenizer_json && file.path().filename() == "tokenizer.json") continue;
      fs::copy_file(file.path(), dir / file.path().filename());
    }
  }
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mlxocr;
  if (size == 0) return 0;
  const std::size_t index = data[0] % kVariants.size();
  const fs::path dir = variant_dir(index);
  {
    std::ofstream out(dir / kVariants[index].fuzzed, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  fuzz::expect_only_mlxocr_errors([&] {
    const auto tokenizer = load_tokenizer(dir);
    const auto ids = tokenizer->encode("Invoice 42: <s>Grüße, naïve café</s> 12.50 €");
    tokenizer->decode(ids, /*skip_special_tokens=*/false);
    tokenizer->decode(ids, /*skip_special_tokens=*/true);
    for (int id = 0; id < std::min(tokenizer->vocab_size(), 64); ++id)
      tokenizer->id_to_token(id);
  });
  return 0;
}
