#include <gtest/gtest.h>

#include "io/io_test_util.h"
#include "io/mapped_file.h"
#include "io/safetensors.h"
#include "io/torch_checkpoint.h"
#include "io/torch_pickle.h"
#include "io/zip_reader.h"

namespace mlxocr::io_test {
namespace {

constexpr const char* kPwned = "/tmp/mlxocr_pwned";

TEST(TorchCheckpoint, LoadsTensorsViewsAndTiedWeightsAsTorchSeesThem) {
  // Every dtype, plus tied weights, a transposed view, a sliced view (storage offset), a strided
  // view, an expanded (stride 0) view, a Parameter, a 0-d and an empty tensor; non-tensor entries
  // (epoch, note, lr, flags) are ignored.
  expect_matches_reference(load_torch_checkpoint(fixture("tensors.bin")), "tensors.bin");
}

TEST(TorchCheckpoint, ResultsAreContiguousAndKeepStoredDtypes) {
  const TensorMap tensors = load_torch_checkpoint(fixture("tensors.bin"));
  for (const auto& [name, array] : tensors) {
    EXPECT_TRUE(array.flags().row_contiguous) << name;
  }
  EXPECT_EQ(tensors.at("bf16_mat").dtype(), mx::bfloat16);
  EXPECT_EQ(tensors.at("half_t").dtype(), mx::float16);
  EXPECT_EQ(tensors.at("transposed").shape(), (mx::Shape{6, 4}));
}

TEST(TorchCheckpoint, LoadsPickleProtocol4) {
  expect_matches_reference(load_torch_checkpoint(fixture("tensors_proto4.bin")),
                           "tensors_proto4.bin");
}

TEST(TorchCheckpoint, LoadsAModuleStateDictWithItsMetadata) {
  expect_matches_reference(load_torch_checkpoint(fixture("module.bin")), "module.bin");
}

TEST(TorchCheckpoint, FindsNestedStateDicts) {
  expect_matches_reference(load_torch_checkpoint(fixture("nested_state_dict.bin")),
                           "nested_state_dict.bin");
  expect_matches_reference(load_torch_checkpoint(fixture("nested_model.bin")), "nested_model.bin");
}

TEST(TorchCheckpoint, AgreesWithSafetensorsOfTheSameTensors) {
  for (const auto& [bin, safetensors] : {std::pair{"tensors.bin", "tensors.safetensors"},
                                         std::pair{"module.bin", "module.safetensors"}}) {
    SCOPED_TRACE(bin);
    const TensorMap from_bin = load_torch_checkpoint(fixture(bin));
    const TensorMap from_safetensors = load_safetensors(fixture(safetensors));
    for (const auto& [name, array] : from_safetensors) {
      ASSERT_TRUE(from_bin.count(name)) << name;
      EXPECT_EQ(from_bin.at(name).dtype(), array.dtype()) << name;
      EXPECT_EQ(from_bin.at(name).shape(), array.shape()) << name;
      EXPECT_EQ(element_bits(from_bin.at(name)), element_bits(array)) << name;
    }
  }
}

TEST(TorchCheckpoint, RefusesMaliciousPicklesWithoutRunningThem) {
  std::error_code ignored;
  fs::remove(kPwned, ignored);
  ASSERT_FALSE(fs::exists(kPwned));
  const auto& cases = expected()["malicious"];
  ASSERT_EQ(cases.size(), 4u);
  for (const auto& item : cases.items()) {
    // Not a structured binding: clang 14 (the sanitizer build) cannot capture one in a lambda.
    const std::string& file = item.key();
    const auto& global = item.value();
    SCOPED_TRACE(file);
    expect_checkpoint_error(
        [&] { load_torch_checkpoint(fixture(file)); },
        {file, "refusing to load: the pickle asks for '" + global.get<std::string>() +
                   "', which is not a tensor or dict constructor (only torch "
                   "tensor storages and OrderedDict are allowed)"});
  }
  EXPECT_FALSE(fs::exists(kPwned)) << "a malicious pickle ran";
}

TEST(TorchCheckpoint, RejectsBrokenArchivesWithPreciseMessages) {
  const std::vector<std::pair<const char*, std::vector<std::string>>> cases = {
      {"deflated.bin",
       {"entry 'tensors/", "' is compressed (deflate)", "re-save it with torch.save"}},
      {"bigendian.bin", {"saved on a big-endian machine"}},
      {"missing_storage.bin",
       {"tensor '", "its storage tensors/data/1 is missing from the archive"}},
      {"truncated.bin", {"no end-of-central-directory record found"}},
      {"legacy.bin", {"torch's legacy (pre-1.6) format, which is not supported"}},
      {"not_a_dict.bin", {"data.pkl holds a list, expected a dict of tensors"}},
      {"view_out_of_bounds.bin",
       {"tensor 'weight': view (offset 4, size [3], stride [1]) reaches past the end of storage "
        "view_out_of_bounds/data/0, which holds 6 FloatStorage elements"}},
      {"view_overflow.bin", {"tensor 'weight': view (offset 0", "reaches past the end of storage"}},
      {"view_expansion.bin",
       {"tensor 'weight': the tensors' views add up to more than 4 times the size of the file"}},
  };
  for (const auto& [file, fragments] : cases) {
    SCOPED_TRACE(file);
    try {
      load_torch_checkpoint(fixture(file));
      ADD_FAILURE() << "expected CheckpointError";
    } catch (const CheckpointError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(file), std::string::npos) << message;
      for (const auto& fragment : fragments)
        EXPECT_NE(message.find(fragment), std::string::npos)
            << "message lacks '" << fragment << "': " << message;
    }
  }
}

TEST(TorchCheckpoint, RejectsFilesThatAreNotCheckpoints) {
  TempDir dir;
  write_bytes(dir.path() / "text.bin", "this is not a checkpoint at all");
  expect_checkpoint_error([&] { load_torch_checkpoint(dir.path() / "text.bin"); },
                          {"text.bin", "not a torch.save checkpoint (expected a zip archive)"});
  write_bytes(dir.path() / "empty.bin", "");
  expect_checkpoint_error([&] { load_torch_checkpoint(dir.path() / "empty.bin"); },
                          {"empty.bin", "not a torch.save checkpoint"});
  EXPECT_THROW(load_torch_checkpoint(dir.path() / "missing.bin"), FileError);
}

// The pickle of a real torch.save archive, for feeding the unpickler directly.
std::string real_pickle() {
  const MappedFile file(fixture("tensors.bin"));
  const ZipArchive zip(file.bytes(), "tensors.bin");
  return std::string(zip.contents(*zip.find("tensors/data.pkl"), true));
}

TEST(TorchPickle, DescribesViewsAsTorchPickledThem) {
  const auto views = unpickle_torch_state_dict(real_pickle(), "tensors.bin");
  const TorchTensorView& sliced = views.at("sliced");
  EXPECT_EQ(sliced.offset, 6);
  EXPECT_EQ(sliced.size, (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(sliced.stride, (std::vector<std::int64_t>{3, 1}));
  EXPECT_EQ(sliced.storage->type_name, "FloatStorage");
  EXPECT_EQ(views.at("transposed").stride, (std::vector<std::int64_t>{1, 6}));
  EXPECT_EQ(views.at("expanded").stride, (std::vector<std::int64_t>{1, 0}));
  EXPECT_EQ(views.at("tied.a").storage->key, views.at("tied.b").storage->key);
  EXPECT_EQ(views.at("tied.a").storage->key, views.at("transposed").storage->key);
  EXPECT_EQ(views.count("epoch"), 0u);
}

TEST(TorchPickle, SurvivesTruncationAndByteFlips) {
  const std::string good = real_pickle();
  const std::size_t tensor_count = unpickle_torch_state_dict(good, "p").size();
  int rejected = 0;
  auto attempt = [&](const std::string& bytes) {
    try {
      unpickle_torch_state_dict(bytes, "p");
    } catch (const CheckpointError&) {
      ++rejected;
    }
  };
  for (std::size_t length = 0; length < good.size(); ++length)
    attempt(good.substr(0, length));
  EXPECT_EQ(rejected, static_cast<int>(good.size()));  // every proper prefix lacks its STOP
  for (std::size_t at = 0; at < good.size(); ++at) {
    for (unsigned char flip : {0x01, 0x10, 0x80, 0xFF}) {
      std::string bytes = good;
      bytes[at] = static_cast<char>(bytes[at] ^ flip);
      attempt(bytes);
    }
  }
  EXPECT_GT(tensor_count, 20u);
}

TEST(TorchPickle, HostileStructuresAreRefusedWithoutExhaustingTheStack) {
  // 300000 nested lists: building and freeing them must not recurse.
  std::string nested = "\x80\x02";
  nested += std::string(300000, ']');
  nested += std::string(299999, 'a');
  nested += '.';
  expect_checkpoint_error([&] { unpickle_torch_state_dict(nested, "nested.bin"); },
                          {"nested.bin", "data.pkl holds a list, expected a dict"});

  // A list that contains itself.
  const std::string cycle = std::string("\x80\x02]q\x00h\x00", 7) + "a}.";
  EXPECT_TRUE(unpickle_torch_state_dict(cycle, "cycle.bin").empty());

  // More stack entries than any state dict needs.
  std::string tall = "\x80\x02";
  tall += std::string(1'100'000, 'N');
  tall += '.';
  expect_checkpoint_error([&] { unpickle_torch_state_dict(tall, "tall.bin"); },
                          {"tall.bin", "pickle stack grows beyond"});

  // A memo index that was never stored, and a huge announced string length.
  expect_checkpoint_error(
      [&] { unpickle_torch_state_dict(std::string("\x80\x02j\xff\xff\xff\x7f.", 8), "g.bin"); },
      {"g.bin", "data.pkl byte 2", "memo entry 2147483647 was never stored"});
  expect_checkpoint_error(
      [&] { unpickle_torch_state_dict(std::string("\x80\x02X\xff\xff\xff\xff", 7), "s.bin"); },
      {"s.bin", "BINUNICODE (0x58) announces 4294967295 bytes, more than remain"});
}

TEST(TorchPickle, RefusesOpcodesTorchDoesNotWriteByName) {
  expect_checkpoint_error(
      [&] { unpickle_torch_state_dict(std::string("\x80\x02i", 3), "inst.bin"); },
      {"inst.bin", "unsupported pickle opcode INST (0x69)"});
  expect_checkpoint_error(
      [&] { unpickle_torch_state_dict(std::string("\x80\x02\x81", 3), "newobj.bin"); },
      {"newobj.bin", "unsupported pickle opcode NEWOBJ (0x81)"});
  expect_checkpoint_error(
      [&] { unpickle_torch_state_dict(std::string("\x80\x02\xf0", 3), "junk.bin"); },
      {"junk.bin", "unknown opcode 0xf0"});
  // A whitelisted storage class may not be called, only named in a persistent id.
  expect_checkpoint_error(
      [&] { unpickle_torch_state_dict("\x80\x02\x63torch\nFloatStorage\n)R.", "call.bin"); },
      {"call.bin", "'torch.FloatStorage' may only appear as the storage type"});
  // builtins reached through STACK_GLOBAL.
  expect_checkpoint_error(
      [&] {
        unpickle_torch_state_dict("\x80\x04\x8c\x08\x62uiltins\x8c\x04\x65xec\x93.", "exec.bin");
      },
      {"exec.bin", "refusing to load: the pickle asks for 'builtins.exec'"});
}

}  // namespace
}  // namespace mlxocr::io_test
