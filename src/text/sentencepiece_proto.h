// Edits of a serialized SentencePiece ModelProto, done on the protobuf wire format (Debian's
// libsentencepiece ships no generated protobuf headers).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mlxocr::text {

// SentencePiece's TrainerSpec.ModelType.
enum class SentencePieceModelType { kUnigram = 1, kBpe = 2, kWord = 3, kChar = 4 };

// The model type the proto records (trainer_spec.model_type; UNIGRAM when absent), or
// std::nullopt when the bytes are not a well-formed proto.
std::optional<SentencePieceModelType> sentencepiece_model_type(const std::string& proto);

// The same model read as a Unigram model over its pieces and scores: trainer_spec.model_type
// set to UNIGRAM, and self_test_data (samples of the original model's output, which
// SentencePiece checks on load) dropped. std::nullopt when the bytes are not a well-formed proto.
std::optional<std::string> sentencepiece_as_unigram(const std::string& proto);

// One piece of a SentencePiece model (SentencePiece.Type: 1 normal, 2 unknown, 3 control).
struct SentencePieceEntry {
  std::string piece;
  float score = 0.0f;
  int type = 1;
};

// A Unigram ModelProto over `pieces` (piece 0 must be the unknown piece) with the normaliser's
// precompiled character map (empty: no normalisation) and SentencePiece's default white-space
// handling (dummy prefix, extra white space removed, spaces escaped as "▁"): what
// tokenizer.json's Unigram model with a Precompiled normaliser and a WhitespaceSplit + Metaspace
// pre-tokeniser does.
std::string unigram_sentencepiece_proto(const std::vector<SentencePieceEntry>& pieces,
                                        const std::string& precompiled_charsmap);

}  // namespace mlxocr::text
