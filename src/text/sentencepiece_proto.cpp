#include "text/sentencepiece_proto.h"

#include <cstdint>
#include <cstring>

namespace mlxocr::text {

namespace {

// ModelProto field numbers (sentencepiece_model.proto).
constexpr uint32_t kTrainerSpecField = 2;
constexpr uint32_t kSelfTestDataField = 4;
// TrainerSpec.model_type.
constexpr uint32_t kModelTypeField = 3;

// One field of a message: its number, wire type, and where its value lies.
struct Field {
  uint32_t number = 0;
  uint32_t wire_type = 0;
  size_t begin = 0;        // the field's first byte (its key)
  size_t value_begin = 0;  // the value (for length-delimited: the payload, after the length)
  size_t end = 0;          // one past the field's last byte
  uint64_t varint = 0;     // the value of a varint field
};

bool read_varint(const std::string& data, size_t& pos, size_t end, uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= end) return false;
    const auto byte = static_cast<uint8_t>(data[pos++]);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// Reads the field at `pos` of the message data[.., end); false when malformed.
bool read_field(const std::string& data, size_t pos, size_t end, Field& field) {
  field.begin = pos;
  uint64_t key = 0;
  if (!read_varint(data, pos, end, key)) return false;
  field.number = static_cast<uint32_t>(key >> 3);
  field.wire_type = static_cast<uint32_t>(key & 7);
  field.value_begin = pos;
  uint64_t length = 0;
  switch (field.wire_type) {
    case 0:
      if (!read_varint(data, pos, end, field.varint)) return false;
      break;
    case 1:
      length = 8;
      break;
    case 2:
      if (!read_varint(data, pos, end, length)) return false;
      field.value_begin = pos;
      break;
    case 5:
      length = 4;
      break;
    default:
      return false;
  }
  if (length > end - pos) return false;
  field.end = pos + static_cast<size_t>(length);
  return true;
}

// The position of trainer_spec.model_type's value byte, 0 when absent; false when malformed.
bool find_model_type(const std::string& proto, size_t& position, uint64_t& value) {
  position = 0;
  value = static_cast<uint64_t>(SentencePieceModelType::kUnigram);
  for (size_t pos = 0; pos < proto.size();) {
    Field field;
    if (!read_field(proto, pos, proto.size(), field)) return false;
    pos = field.end;
    if (field.number != kTrainerSpecField || field.wire_type != 2) continue;
    for (size_t inner = field.value_begin; inner < field.end;) {
      Field spec;
      if (!read_field(proto, inner, field.end, spec)) return false;
      inner = spec.end;
      if (spec.number == kModelTypeField && spec.wire_type == 0) {
        position = spec.value_begin;
        value = spec.varint;
      }
    }
  }
  return true;
}

void write_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

void write_key(std::string& out, uint32_t field, uint32_t wire_type) {
  write_varint(out, (static_cast<uint64_t>(field) << 3) | wire_type);
}

void write_bytes(std::string& out, uint32_t field, const std::string& bytes) {
  write_key(out, field, 2);
  write_varint(out, bytes.size());
  out += bytes;
}

void write_float(std::string& out, uint32_t field, float value) {
  write_key(out, field, 5);
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  for (int i = 0; i < 4; ++i)
    out += static_cast<char>((bits >> (8 * i)) & 0xff);  // little-endian, as protobuf stores it
}

}  // namespace

std::string unigram_sentencepiece_proto(const std::vector<SentencePieceEntry>& pieces,
                                        const std::string& precompiled_charsmap) {
  std::string out;
  for (const SentencePieceEntry& entry : pieces) {
    std::string piece;
    write_bytes(piece, 1, entry.piece);
    write_float(piece, 2, entry.score);
    write_key(piece, 3, 0);
    write_varint(piece, static_cast<uint64_t>(entry.type));
    write_bytes(out, 1, piece);
  }
  std::string trainer;
  write_key(trainer, kModelTypeField, 0);
  write_varint(trainer, static_cast<uint64_t>(SentencePieceModelType::kUnigram));
  write_bytes(out, kTrainerSpecField, trainer);
  std::string normalizer;
  write_bytes(normalizer, 1, precompiled_charsmap.empty() ? "identity" : "user_defined");
  if (!precompiled_charsmap.empty()) write_bytes(normalizer, 2, precompiled_charsmap);
  write_bytes(out, 3, normalizer);
  return out;
}

std::optional<SentencePieceModelType> sentencepiece_model_type(const std::string& proto) {
  size_t position = 0;
  uint64_t value = 0;
  if (!find_model_type(proto, position, value) || value < 1 || value > 4) return std::nullopt;
  return static_cast<SentencePieceModelType>(value);
}

std::optional<std::string> sentencepiece_as_unigram(const std::string& proto) {
  size_t position = 0;
  uint64_t value = 0;
  if (!find_model_type(proto, position, value)) return std::nullopt;
  std::string out;
  out.reserve(proto.size());
  for (size_t pos = 0; pos < proto.size();) {
    Field field;
    if (!read_field(proto, pos, proto.size(), field)) return std::nullopt;
    if (field.number != kSelfTestDataField) out.append(proto, field.begin, field.end - field.begin);
    pos = field.end;
  }
  if (position != 0) {
    // The value is one byte (1..4); UNIGRAM (1) is one byte too, so it is rewritten in place.
    // Fields before it keep their offsets: self_test_data (4) comes after trainer_spec (2).
    size_t shift = 0;
    for (size_t pos = 0; pos < position;) {
      Field field;
      if (!read_field(proto, pos, proto.size(), field)) return std::nullopt;
      if (field.number == kSelfTestDataField) shift += field.end - field.begin;
      pos = field.end;
    }
    out[position - shift] = static_cast<char>(SentencePieceModelType::kUnigram);
  }
  return out;
}

}  // namespace mlxocr::text
