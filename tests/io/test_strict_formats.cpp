// Formats read as strictly as their reference implementations, and file-system oddities named
// for what they are: safetensors data covered exactly (the safetensors library's validate), a
// shard that is a FIFO, an output folder that cannot be written.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "core/file_util.h"
#include "io/checkpoint.h"
#include "io/io_test_util.h"
#include "io/safetensors.h"
#include "mlxocr/error.h"
#include "temp_dir.h"

namespace mlxocr::io_test {
namespace {

// A safetensors file: 8-byte little-endian header length (`declared`, or the real one), the
// header, then `data`.
std::string safetensors_bytes(const std::string& header, const std::string& data,
                              int64_t length_delta = 0) {
  const uint64_t length = header.size() + length_delta;
  std::string out(8, '\0');
  std::memcpy(out.data(), &length, 8);
  return out + header + data;
}

std::string checkpoint_error(const fs::path& file) {
  try {
    load_safetensors(file);
  } catch (const CheckpointError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a CheckpointError, got: " << e.what();
    return "";
  }
  ADD_FAILURE() << "the file was accepted";
  return "";
}

const std::string kTwoFloats = std::string("\x00\x00\x80\x3f\x00\x00\x00\x40", 8);  // 1, 2

TEST(StrictSafetensors, AHeaderLengthOneByteShortIsRefused) {
  testing::TempDir dir("st-short");
  // The reference pads its header with spaces; one byte less still parses as JSON, and every
  // tensor would then start one byte early.
  const std::string header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} )";
  const fs::path good = dir / "good.safetensors", shifted = dir / "shifted.safetensors";
  write_bytes(good, safetensors_bytes(header, kTwoFloats));
  const TensorMap tensors = load_safetensors(good);
  EXPECT_EQ(mx::sum(tensors.at("w")).item<float>(), 3.0f);
  write_bytes(shifted, safetensors_bytes(header, kTwoFloats, -1));
  const std::string message = checkpoint_error(shifted);
  EXPECT_NE(message.find(shifted.string()), std::string::npos) << message;
  EXPECT_NE(message.find("cover 8 bytes of a data section of 9"), std::string::npos) << message;
}

TEST(StrictSafetensors, GapsAndTrailingBytesAreRefused) {
  testing::TempDir dir("st-gap");
  const fs::path gap = dir / "gap.safetensors", tail = dir / "tail.safetensors";
  write_bytes(gap, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                     kTwoFloats));
  std::string message = checkpoint_error(gap);
  EXPECT_NE(message.find("bytes [0, 4] of the data section belong to no tensor"), std::string::npos)
      << message;
  write_bytes(tail, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                                      kTwoFloats + "junk"));
  message = checkpoint_error(tail);
  EXPECT_NE(message.find("cover 8 bytes of a data section of 12"), std::string::npos) << message;
  // The header must open with '{', as the reference requires.
  write_bytes(tail, safetensors_bytes(R"( {"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                                      kTwoFloats));
  message = checkpoint_error(tail);
  EXPECT_NE(message.find("does not start with '{'"), std::string::npos) << message;
}

TEST(StrictFiles, AShardThatIsAFifoIsNamedAsOne) {
  testing::TempDir dir("fifo-shard");
  const fs::path model = dir / "model";
  fs::copy(fixture("sharded"), model, fs::copy_options::recursive);
  const fs::path shard = model / "model-00002-of-00002.safetensors";
  fs::remove(shard);
  ASSERT_EQ(::mkfifo(shard.c_str(), 0600), 0) << std::strerror(errno);
  try {
    load_checkpoint_tensors(model);
    FAIL() << "a FIFO shard was accepted";
  } catch (const CheckpointError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("model-00002-of-00002.safetensors"), std::string::npos) << message;
    EXPECT_NE(message.find("is a FIFO (named pipe), not a regular file"), std::string::npos)
        << message;
    EXPECT_EQ(message.find("does not exist"), std::string::npos) << message;
  }
  // read_file never opens it (opening a FIFO blocks until a writer comes).
  try {
    read_file(shard, 1 << 20);
    FAIL() << "read_file accepted a FIFO";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("is a FIFO"), std::string::npos) << e.what();
  }
}

TEST(StrictFiles, AnUnwritableFolderIsNamedWithTheReason) {
  testing::TempDir dir("readonly");
  fs::path folder = dir / "out";
  fs::create_directories(folder);
  ::chmod(folder.c_str(), 0555);
  // root writes into read-only folders; /proc takes no new files from anyone.
  if (::geteuid() == 0) folder = "/proc";
  const fs::path target = folder / "results.json";
  try {
    write_file_atomic(target, "{}");
    ADD_FAILURE() << "wrote into " << folder;
  } catch (const FileError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find(target.string() + ": cannot write into " + folder.string() + ": "), 0u)
        << message;
    EXPECT_EQ(message.find(".tmp"), std::string::npos) << message;
    if (::geteuid() != 0) {
      EXPECT_NE(message.find("Permission denied"), std::string::npos) << message;
    }
  }
  ::chmod((dir / "out").c_str(), 0755);
}

}  // namespace
}  // namespace mlxocr::io_test
