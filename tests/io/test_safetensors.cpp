#include <gtest/gtest.h>

#include <algorithm>

#include <cstring>

#include "io/io_test_util.h"
#include "io/safetensors.h"
#include "io/torch_checkpoint.h"

namespace mlxocr::io_test {
namespace {

TEST(Safetensors, LoadsEveryDtypeAsTheReferenceWroteIt) {
  expect_matches_reference(load_safetensors(fixture("tensors.safetensors")), "tensors.safetensors");
}

TEST(Safetensors, KeepsHalfPrecisionAsStored) {
  const TensorMap tensors = load_safetensors(fixture("tensors.safetensors"));
  EXPECT_EQ(tensors.at("f16_vec").dtype(), mx::float16);
  EXPECT_EQ(tensors.at("bf16_mat").dtype(), mx::bfloat16);
  EXPECT_EQ(tensors.at("f64_vec").dtype(), mx::float32);  // documented: float64 -> float32
  EXPECT_EQ(tensors.at("empty_0x4").shape(), (mx::Shape{0, 4}));
  EXPECT_EQ(tensors.at("scalar_0d").ndim(), 0u);
}

TEST(Safetensors, LoadsAModuleStateDict) {
  expect_matches_reference(load_safetensors(fixture("module.safetensors")), "module.safetensors");
}

TEST(Safetensors, ReadsMetadata) {
  const auto metadata = read_safetensors_metadata(fixture("tensors.safetensors"));
  const auto want =
      expected()["metadata"]["tensors.safetensors"].get<std::map<std::string, std::string>>();
  EXPECT_EQ(metadata, want);
  EXPECT_TRUE(read_safetensors_metadata(fixture("module.safetensors")).empty());
}

TEST(Safetensors, RoundTripKeepsTheReferenceValues) {
  TempDir dir;
  const TensorMap original = load_safetensors(fixture("tensors.safetensors"));
  const std::map<std::string, std::string> metadata{{"format", "pt"}, {"note", "round trip"}};
  save_safetensors(dir.path() / "copy.safetensors", original, metadata);
  expect_matches_reference(load_safetensors(dir.path() / "copy.safetensors"),
                           "tensors.safetensors");
  EXPECT_EQ(read_safetensors_metadata(dir.path() / "copy.safetensors"), metadata);
}

TEST(Safetensors, RoundTripOfTorchViewsAndSharedStorage) {
  TempDir dir;
  save_safetensors(dir.path() / "views.safetensors", load_torch_checkpoint(fixture("tensors.bin")));
  expect_matches_reference(load_safetensors(dir.path() / "views.safetensors"), "tensors.bin");
}

TEST(Safetensors, SavesNonContiguousArraysRowMajor) {
  TempDir dir;
  const TensorMap loaded = load_torch_checkpoint(fixture("tensors.bin"));
  // MLX's transpose is a strided view; the file must hold the values of torch's weight.t().
  TensorMap to_save{
      {"transposed", mx::transpose(loaded.at("tied.a"))},
      {"expanded", mx::broadcast_to(mx::slice(loaded.at("expanded"), {0, 0}, {3, 1}), {3, 4})}};
  save_safetensors(dir.path() / "t.safetensors", to_save);
  const TensorMap back = load_safetensors(dir.path() / "t.safetensors");
  const auto& reference = expected()["files"]["tensors.bin"];
  expect_tensor_matches(back.at("transposed"), reference["transposed"], "transposed");
  expect_tensor_matches(back.at("expanded"), reference["expanded"], "expanded");
}

TEST(Safetensors, WritesAPaddedHeaderLikeTheReference) {
  TempDir dir;
  save_safetensors(dir.path() / "a.safetensors", load_safetensors(fixture("tensors.safetensors")),
                   {{"format", "pt"}});
  const std::string bytes = read_bytes(dir.path() / "a.safetensors");
  ASSERT_GE(bytes.size(), 8u);
  std::uint64_t header_size = 0;
  std::memcpy(&header_size, bytes.data(), 8);
  EXPECT_EQ(header_size % 8, 0u);
  const auto header = nlohmann::json::parse(bytes.substr(8, header_size));
  EXPECT_EQ(header["__metadata__"]["format"], "pt");
  EXPECT_EQ(header["f32_3d"]["dtype"], "F32");
  EXPECT_EQ(header["bf16_mat"]["dtype"], "BF16");
  // Tensors are laid out back to back, each aligned to its element size.
  std::uint64_t data_bytes = 0;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    const auto begin = info["data_offsets"][0].get<std::uint64_t>();
    const auto end = info["data_offsets"][1].get<std::uint64_t>();
    data_bytes += end - begin;
    const std::string dtype = info["dtype"];
    const std::uint64_t item = dtype == "F64" || dtype == "I64" || dtype == "U64"    ? 8
                               : dtype == "F32" || dtype == "I32"                    ? 4
                               : dtype == "F16" || dtype == "BF16" || dtype == "I16" ? 2
                                                                                     : 1;
    EXPECT_EQ(begin % item, 0u) << name;
  }
  EXPECT_EQ(8 + header_size + data_bytes, bytes.size());
}

TEST(Safetensors, SaveReplacesAtomicallyAndLeavesNoTemporaryFile) {
  TempDir dir;
  const fs::path file = dir.path() / "w.safetensors";
  const TensorMap tensors = load_safetensors(fixture("module.safetensors"));
  save_safetensors(file, load_safetensors(fixture("tensors.safetensors")));
  save_safetensors(file, tensors);
  expect_matches_reference(load_safetensors(file), "module.safetensors");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 1);
}

TEST(Safetensors, SaveRefusesWhatTheFormatCannotHold) {
  TempDir dir;
  const fs::path file = dir.path() / "bad.safetensors";
  expect_checkpoint_error(
      [&] {
        save_safetensors(file, {{"z", mx::astype(mx::array({1.0f, 2.0f}), mx::complex64)}});
      },
      {"bad.safetensors", "tensor 'z'", "complex64"});
  expect_checkpoint_error(
      [&] {
        save_safetensors(file, {{"__metadata__", mx::array({1.0f})}});
      },
      {"bad.safetensors", "__metadata__"});
  EXPECT_FALSE(fs::exists(file));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 0);
}

// A header holding a number beyond double: nlohmann throws out_of_range, not parse_error, and it
// escaped as an "internal error" without the file's name (found while fuzzing the JSON readers).
TEST(Safetensors, NumberBeyondDoubleInTheHeaderIsNamed) {
  TempDir dir;
  const std::string header =
      R"({"__metadata__": {"x": "y"}, "w": {"dtype": "F32", "shape": [1e400], "data_offsets": [0, 4]}})";
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  bytes += header + std::string(4, '\0');
  write_bytes(dir.path() / "big.safetensors", bytes);
  expect_checkpoint_error([&] { load_safetensors(dir.path() / "big.safetensors"); },
                          {"big.safetensors", "header is not valid JSON"});
}

TEST(Safetensors, MissingFileIsAFileError) {
  EXPECT_THROW(load_safetensors(fixture("no_such.safetensors")), FileError);
  EXPECT_THROW(read_safetensors_metadata(fixture("no_such.safetensors")), FileError);
}

struct Corruption {
  const char* file;
  std::vector<std::string> fragments;
};

TEST(Safetensors, RejectsEveryCorruptFileWithAPreciseMessage) {
  const std::vector<Corruption> cases = {
      {"short.safetensors", {"5 bytes, too short for the 8-byte header length"}},
      {"truncated.safetensors", {"tensor '", "point outside the data section"}},
      {"header_too_long.safetensors", {"header length 4096 is larger than the file (15 bytes"}},
      {"header_huge.safetensors",
       {"header length 4611686018427387904 is larger than the 100000000 bytes allowed"}},
      {"offsets_outside.safetensors",
       {"tensor 'w': data_offsets [0, 8000] point outside the data section, which holds 8 bytes"}},
      {"shape_mismatch.safetensors",
       {"shape_mismatch.safetensors: tensor 'decoder.output_projection.weight': data_offsets [0, "
        "4096] do not match shape [32, 64] of F32 (8192 bytes)"}},
      {"dtype_mismatch.safetensors",
       {"tensor 'w': data_offsets [0, 8] do not match shape [2] of F16 (4 bytes)"}},
      {"bad_json.safetensors", {"header is not valid JSON"}},
      {"unknown_dtype.safetensors", {"tensor 'w': unknown dtype 'Q4' (expected one of BOOL"}},
      {"fp8.safetensors", {"tensor 'w': dtype F8_E4M3 is not supported"}},
      {"negative_shape.safetensors",
       {"tensor 'w': shape [-1,2] must hold non-negative integers, found a negative number"}},
      {"overflow_shape.safetensors", {"tensor 'w'", "of F32 (more than 2^64 bytes)"}},
      {"overlap.safetensors", {"tensors 'a' (data_offsets [0, 8]) and 'b'", "overlap"}},
      {"bad_metadata.safetensors", {"__metadata__ entry 'format' must be a string"}},
      {"deep_json.safetensors", {"header JSON nests deeper than 16 levels"}},
  };
  // Every corrupt fixture the generator wrote is covered here.
  std::vector<std::string> covered;
  for (const auto& c : cases)
    covered.push_back(c.file);
  std::sort(covered.begin(), covered.end());
  EXPECT_EQ(covered, expected()["corrupt_safetensors"].get<std::vector<std::string>>());

  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    for (int metadata_only = 0; metadata_only < 2; ++metadata_only) {
      try {
        if (metadata_only) {
          read_safetensors_metadata(fixture(c.file));
        } else {
          load_safetensors(fixture(c.file));
        }
        ADD_FAILURE() << "expected CheckpointError";
      } catch (const CheckpointError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(c.file), std::string::npos) << message;
        for (const auto& fragment : c.fragments)
          EXPECT_NE(message.find(fragment), std::string::npos)
              << "message lacks '" << fragment << "': " << message;
      }
    }
  }
}

// Every prefix and many single-byte corruptions of a valid file either load or throw
// CheckpointError; nothing crashes or reads out of bounds.
TEST(Safetensors, SurvivesTruncationAndByteFlips) {
  TempDir dir;
  const std::string good = read_bytes(fixture("tensors.safetensors"));
  const fs::path file = dir.path() / "fuzz.safetensors";
  int rejected = 0;
  auto attempt = [&](const std::string& bytes) {
    write_bytes(file, bytes);
    try {
      load_safetensors(file);
    } catch (const CheckpointError&) {
      ++rejected;
    }
  };
  for (std::size_t length = 0; length < good.size(); length += 3)
    attempt(good.substr(0, length));
  for (std::size_t at = 0; at < good.size(); at += 5) {
    for (unsigned char flip : {0x01, 0x80, 0xFF}) {
      std::string bytes = good;
      bytes[at] = static_cast<char>(bytes[at] ^ flip);
      attempt(bytes);
    }
  }
  EXPECT_GT(rejected, 100);
}

}  // namespace
}  // namespace mlxocr::io_test
