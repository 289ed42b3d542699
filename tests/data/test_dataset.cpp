// load_dataset: every layout, every kind of bad row (reported and skipped), every unusable source.
#include <gtest/gtest.h>

#include <fstream>

#include "data/dataset.h"
#include "mlxocr/error.h"
#include "temp_dir.h"
#include "test_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using testing::fixtures;
using testing::TempDir;

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

// A folder with one good line image (good.png), a truncated PNG and a text file posing as one.
class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy_file(fixtures() / "images" / "small_96x32.png", dir_ / "good.png");
    fs::copy_file(fixtures() / "images" / "small_96x32.png", dir_ / "second.png");
    fs::copy_file(fixtures() / "images" / "bad" / "truncated.png", dir_ / "truncated.png");
    fs::copy_file(fixtures() / "images" / "bad" / "text.png", dir_ / "text.png");
  }
  std::vector<Sample> load(const std::string& name, const std::string& content) {
    write(dir_ / name, content);
    return load_dataset(dir_ / name, report_);
  }
  bool has_problem(const std::string& needle) const {
    for (const auto& p : report_.problems)
      if (p.find(needle) != std::string::npos) return true;
    return false;
  }
  TempDir dir_{"dataset"};
  DatasetReport report_;
};

TEST_F(DatasetTest, CsvRowsResolveRelativeToTheFile) {
  write(dir_ / "sub" / "data.csv", "file_name,text\n../good.png,hello\n");
  const auto samples = load_dataset(dir_ / "sub" / "data.csv", report_);
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(fs::weakly_canonical(samples[0].image), fs::weakly_canonical(dir_ / "good.png"));
  EXPECT_EQ(samples[0].text, "hello");
  EXPECT_EQ(report_.rows, 1u);
  EXPECT_EQ(report_.kept, 1u);
  EXPECT_TRUE(report_.problems.empty());
}

TEST_F(DatasetTest, CsvColumnsInAnyOrderWithExtrasQuotingAndBom) {
  const auto samples = load("data.csv",
                            "\xEF\xBB\xBFid,text,file_name\n"
                            "1,\"Smith, John \"\"Jr\"\"\",good.png\n"
                            "2,\"two\nlines\",second.png\n");
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].text, "Smith, John \"Jr\"");
  EXPECT_EQ(samples[1].text, "two\nlines");
  EXPECT_EQ(samples[1].image.filename(), "second.png");
}

TEST_F(DatasetTest, AbsolutePathsAreKept) {
  const std::string abs = (dir_ / "good.png").string();
  const auto samples = load("data.csv", "file_name,text\n\"" + abs + "\",x\n");
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].image, dir_ / "good.png");
}

TEST_F(DatasetTest, BadCsvRowsAreReportedWithFileAndLineAndSkipped) {
  const auto samples = load("data.csv",
                            "file_name,text\n"        // 1
                            "good.png,kept\n"         // 2
                            "missing.png,a\n"         // 3
                            "truncated.png,b\n"       // 4
                            "text.png,c\n"            // 5
                            "good.png,\n"             // 6
                            "good.png,\"   \"\n"      // 7
                            "good.png,x,extra\n"      // 8
                            ",no image\n"             // 9
                            "good.png,\"\xff\"\n"     // 10
                            "second.png,also kept\n"  // 11
                            "good.png,\"open\n");     // 12
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].text, "kept");
  EXPECT_EQ(samples[1].text, "also kept");
  EXPECT_EQ(report_.rows, 11u);
  EXPECT_EQ(report_.kept, 2u);
  ASSERT_EQ(report_.problems.size(), 9u);
  const std::string file = (dir_ / "data.csv").string();
  EXPECT_TRUE(has_problem(file + ":3: image not found"));
  EXPECT_TRUE(has_problem(file + ":4: unreadable image"));
  EXPECT_TRUE(has_problem(file + ":5: unreadable image"));
  EXPECT_TRUE(has_problem(file + ":6: empty text"));
  EXPECT_TRUE(has_problem(file + ":7: empty text"));
  EXPECT_TRUE(has_problem(file + ":8: 3 fields, the header has 2"));
  EXPECT_TRUE(has_problem(file + ":9: empty file_name"));
  EXPECT_TRUE(has_problem(file + ":10: text is not valid UTF-8"));
  EXPECT_TRUE(has_problem(file + ":12: quoted field never closed"));
}

TEST_F(DatasetTest, TsvUsesTabs) {
  const auto samples = load("data.tsv", "file_name\ttext\ngood.png\tone, two\n");
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].text, "one, two");
}

TEST_F(DatasetTest, JsonLines) {
  const auto samples = load("data.jsonl",
                            "{\"file_name\": \"good.png\", \"text\": \"Zoë €12\"}\r\n"
                            "\n"
                            "not json\n"
                            "[1, 2]\n"
                            "{\"text\": \"no file\"}\n"
                            "{\"file_name\": \"good.png\", \"text\": 5}\n"
                            "{\"file_name\": \"missing.png\", \"text\": \"x\"}\n"
                            "{\"file_name\": \"second.png\", \"text\": \"b\", \"extra\": 1}\n");
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].text, "Zoë €12");
  EXPECT_EQ(report_.rows, 7u);
  const std::string file = (dir_ / "data.jsonl").string();
  EXPECT_TRUE(has_problem(file + ":3: not valid JSON"));
  EXPECT_TRUE(has_problem(file + ":4: not a JSON object"));
  EXPECT_TRUE(has_problem(file + ":5: no string member \"file_name\""));
  EXPECT_TRUE(has_problem(file + ":6: no string member \"text\""));
  EXPECT_TRUE(has_problem(file + ":7: image not found"));
}

TEST_F(DatasetTest, FolderOfImagesWithSidecars) {
  TempDir folder("sidecars");
  fs::copy_file(dir_ / "good.png", folder / "a.png");
  write(folder / "a.txt", "first line\r\n");
  fs::create_directories(folder / "deeper");
  fs::copy_file(dir_ / "good.png", folder.path() / "deeper" / "b.PNG");
  write(folder.path() / "deeper" / "b.txt", "second");
  fs::copy_file(dir_ / "good.png", folder / "no_text.png");
  fs::copy_file(dir_ / "good.png", folder / "blank.png");
  write(folder / "blank.txt", " \n");
  fs::copy_file(dir_ / "truncated.png", folder / "broken.png");
  write(folder / "broken.txt", "x");
  write(folder / "notes.md", "not part of the data");

  const auto samples = load_dataset(folder.path(), report_);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].text, "first line");
  EXPECT_EQ(samples[1].text, "second");
  EXPECT_EQ(report_.rows, 5u);
  EXPECT_EQ(report_.kept, 2u);
  EXPECT_TRUE(has_problem("no_text.png: no text sidecar no_text.txt"));
  EXPECT_TRUE(has_problem("blank.png: empty text in blank.txt"));
  EXPECT_TRUE(has_problem("broken.png: unreadable image"));
}

TEST_F(DatasetTest, FolderWithImagefolderMetadata) {
  write(dir_ / "metadata.jsonl", "{\"file_name\": \"good.png\", \"text\": \"meta\"}\n");
  const auto samples = load_dataset(dir_.path(), report_);
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].text, "meta");
}

TEST_F(DatasetTest, UnusableSourcesThrowDataError) {
  auto message = [&](const fs::path& source) -> std::string {
    try {
      load_dataset(source, report_);
    } catch (const DataError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(message(dir_ / "nope.csv").find("no such file"), std::string::npos);
  write(dir_ / "data.xlsx", "x");
  EXPECT_NE(message(dir_ / "data.xlsx").find("unknown dataset kind"), std::string::npos);
  write(dir_ / "empty.csv", "");
  EXPECT_NE(message(dir_ / "empty.csv").find("empty file"), std::string::npos);
  write(dir_ / "noheader.csv", "good.png,hello\n");
  EXPECT_NE(message(dir_ / "noheader.csv").find("no column 'file_name'"), std::string::npos);
  write(dir_ / "notext.csv", "file_name,label\ngood.png,x\n");
  EXPECT_NE(message(dir_ / "notext.csv").find("no column 'text'"), std::string::npos);
  // A header of one cut UTF-8 sequence used to throw std::out_of_range (found by fuzz/dataset.cpp).
  write(dir_ / "cut.tsv", "\xde");
  EXPECT_NE(message(dir_ / "cut.tsv").find("no column 'file_name'"), std::string::npos);
  TempDir empty("empty");
  EXPECT_NE(message(empty.path()).find("no images"), std::string::npos);
}

TEST_F(DatasetTest, HeaderOnlyGivesNoSamplesAndNoError) {
  const auto samples = load("data.csv", "file_name,text\n");
  EXPECT_TRUE(samples.empty());
  EXPECT_EQ(report_.rows, 0u);
}

// A BigTIFF header claiming 2^32 x 2^32 pixels: the product wraps to 0 in 64 bits, and the row
// used to be kept as a readable image (found while writing fuzz/dataset.cpp).
TEST(CheckImageFile, SidesWhoseProductWrapsAreRefused) {
  TempDir dir("bigtiff");
  std::string tiff("II\x2b\x00\x08\x00\x00\x00", 8);
  auto put_le = [&](std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i)
      tiff.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  };
  put_le(16, 8);  // first directory right after the header
  put_le(2, 8);   // two entries: ImageWidth and ImageLength, LONG8 (type 16), count 1
  for (std::uint64_t tag : {256, 257}) {
    put_le(tag, 2);
    put_le(16, 2);
    put_le(1, 8);
    put_le(std::uint64_t{1} << 32, 8);
  }
  put_le(0, 8);  // no next directory
  write(dir / "huge.tif", tiff);
  const std::string why = check_image_file(dir / "huge.tif");
  EXPECT_NE(why.find("declares 4294967296x4294967296 = more than 2^62 pixels"), std::string::npos)
      << why;
}

TEST(CheckImageFile, RefusesBombsBeforeDecoding) {
  const std::string why =
      check_image_file(fixtures() / "images" / "bad" / "bomb_100000x100000.png");
  EXPECT_NE(why.find("too large"), std::string::npos) << why;
  EXPECT_EQ(check_image_file(fixtures() / "images" / "small_96x32.png"), "");
}

}  // namespace
}  // namespace mlxocr
