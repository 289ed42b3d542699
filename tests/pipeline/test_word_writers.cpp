// Every writer carries the words with their boxes and confidences: JSON, hOCR, ALTO, PAGE and
// Tesseract's TSV, from a page result written out by hand here (expected texts written from
// the formats' specifications, not copied from our output); ALTO and PAGE with words stay
// valid against the official schemas.
#include <gtest/gtest.h>

#include "pipeline/schema_validation.h"
#include "pipeline/tesseract_tsv.h"
#include "pipeline/writers.h"
#include "pipeline/xml_writers.h"
#include "temp_dir.h"

namespace mlxocr {
namespace {

// Two blocks: block 1 has a paragraph with a line of two words and a paragraph with an empty
// line; block 2 a line whose crop showed no ink (text, no word boxes).
PageResult page_with_words() {
  PageResult page;
  page.source = "scan <1>.png";
  page.width = 400, page.height = 200;
  FieldResult hello;
  hello.index = 1, hello.block = 1, hello.paragraph = 1, hello.line = 1;
  hello.box = {10, 20, 200, 30};
  hello.text = "Hello w&rld";
  hello.confidence = 0.8;
  hello.models = {{"m", hello.text, 0.8}};
  hello.words = {{"Hello", {12, 22, 80, 26}, 0.9}, {"w&rld", {100, 21, 100, 28}, 0.555}};
  hello.has_baseline = true;
  hello.baseline_start = {10, 45}, hello.baseline_end = {210, 45};
  FieldResult empty;
  empty.index = 2, empty.block = 1, empty.paragraph = 2, empty.line = 1;
  empty.box = {10, 60, 100, 30};
  empty.models = {{"m", "", 0.1}};
  FieldResult no_ink;
  no_ink.index = 3, no_ink.block = 2, no_ink.paragraph = 1, no_ink.line = 1;
  no_ink.box = {10, 100, 150, 30};
  no_ink.text = "no ink";
  no_ink.confidence = 0.3;
  no_ink.models = {{"m", no_ink.text, 0.3}};
  page.fields = {hello, empty, no_ink};
  return page;
}

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

TEST(WordWriters, JsonHasEveryFieldsWords) {
  const nlohmann::json j = to_json(page_with_words());
  const auto& words = j["fields"][0]["words"];
  ASSERT_EQ(words.size(), 2u);
  EXPECT_EQ(words[1]["text"], "w&rld");
  EXPECT_EQ(words[1]["box"], nlohmann::json({{"x", 100}, {"y", 21}, {"w", 100}, {"h", 28}}));
  EXPECT_DOUBLE_EQ(words[1]["confidence"].get<double>(), 0.555);
  EXPECT_TRUE(j["fields"][1]["words"].is_array());
  EXPECT_TRUE(j["fields"][1]["words"].empty());
}

TEST(WordWriters, HocrLinesHoldOcrxWordsWithBboxAndConfidence) {
  const std::string hocr = format_hocr(page_with_words(), RegionMode::kPage);
  EXPECT_TRUE(has(hocr, "content=\"ocr_page ocr_carea ocr_line ocrx_word\"")) << hocr;
  EXPECT_TRUE(has(hocr,
                  "<span class=\"ocr_line\" id=\"line_1\" title=\"bbox 10 20 210 50; "
                  "x_wconf 80\"><span class=\"ocrx_word\" id=\"word_1_1\" title=\"bbox 12 "
                  "22 92 48; x_wconf 90\">Hello</span> <span class=\"ocrx_word\" "
                  "id=\"word_1_2\" title=\"bbox 100 21 200 49; x_wconf 56\">w&amp;rld"
                  "</span></span>"))
      << hocr;
  EXPECT_TRUE(has(hocr, "title=\"bbox 10 100 160 130; x_wconf 30\">no ink</span>")) << hocr;
  EXPECT_FALSE(has(hocr, "ocrx_line")) << "not an hOCR class";
  EXPECT_TRUE(has(hocr, "<title>scan &lt;1&gt;.png</title>"));
  // Form mode: each field an ocr_carea around its line.
  const std::string form = format_hocr(page_with_words(), RegionMode::kForm);
  EXPECT_TRUE(has(form,
                  "<div class=\"ocr_carea\" id=\"region_1\" title=\"bbox 10 20 210 50\">\n"
                  "   <span class=\"ocr_line\" id=\"line_1\""))
      << form;
  // Well-formed XML (no validation: the XHTML DTD is not fetched).
  testing::TempDir dir;
  for (const std::string& text : {hocr, form}) {
    const auto file = dir / "page.hocr";
    std::ofstream(file) << text;
    EXPECT_EQ(std::system(("xmllint --nonet --noout '" + file.string() + "' 2>/dev/null").c_str()),
              0)
        << text;
  }
}

TEST(WordWriters, AltoStringsHaveBoxesAndConfidencesAndStayValid) {
  const std::string alto = format_alto(page_with_words(), RegionMode::kPage);
  EXPECT_TRUE(has(alto,
                  "<String ID=\"p1_l1_w1\" HPOS=\"12\" VPOS=\"22\" WIDTH=\"80\" HEIGHT=\"26\" "
                  "WC=\"0.9000\" CONTENT=\"Hello\"/>\n            <SP/>\n"
                  "            <String ID=\"p1_l1_w2\" HPOS=\"100\" VPOS=\"21\" WIDTH=\"100\" "
                  "HEIGHT=\"28\" WC=\"0.5550\" CONTENT=\"w&amp;rld\"/>"))
      << alto;
  // Without word boxes: the words without positions.
  EXPECT_TRUE(has(alto,
                  "<String CONTENT=\"no\"/>\n            <SP/>\n"
                  "            <String CONTENT=\"ink\"/>"))
      << alto;
  EXPECT_FALSE(has(alto, "no word boxes yet"));
  ASSERT_TRUE(testing::have_xmllint());
  testing::TempDir dir;
  const auto file = dir / "page.alto.xml";
  std::ofstream(file) << alto;
  EXPECT_EQ(testing::validate(file, "alto-4-4.xsd"), "");
}

TEST(WordWriters, PageWordsComeBetweenBaselineAndTextEquivAndStayValid) {
  const std::string xml = format_page_xml(page_with_words(), RegionMode::kPage, utc_now());
  const std::string word =
      "        <Word id=\"p1_l1_w2\">\n"
      "          <Coords points=\"100,21 200,21 200,49 100,49\"/>\n"
      "          <TextEquiv conf=\"0.5550\">\n"
      "            <Unicode>w&amp;rld</Unicode>\n"
      "          </TextEquiv>\n"
      "        </Word>\n";
  ASSERT_TRUE(has(xml, word)) << xml;
  const size_t baseline = xml.find("<Baseline points=\"10,45 210,45\"/>");
  const size_t first_word = xml.find("<Word id=\"p1_l1_w1\">");
  const size_t line_text = xml.find("<TextEquiv conf=\"0.8000\">");
  EXPECT_LT(baseline, first_word);
  EXPECT_LT(xml.find(word), line_text);
  EXPECT_EQ(xml.find("<Word id=\"p1_l3"), std::string::npos) << "no boxes, no Word";
  ASSERT_TRUE(testing::have_xmllint());
  testing::TempDir dir;
  const auto file = dir / "page.page.xml";
  std::ofstream(file) << xml;
  EXPECT_EQ(testing::validate(file, "pagecontent-2019-07-15.xsd"), "");
  // The schema's order is enforced: a line's TextEquiv before its Words is refused.
  std::string swapped = xml;
  const size_t text_at = swapped.find("        <TextEquiv conf=\"0.8000\">");
  const size_t text_end = swapped.find("</TextEquiv>\n", text_at) + 13;
  const std::string line_equiv = swapped.substr(text_at, text_end - text_at);
  swapped.erase(text_at, line_equiv.size());
  swapped.insert(swapped.find("        <Word id=\"p1_l1_w1\">"), line_equiv);
  std::ofstream(file) << swapped;
  EXPECT_NE(testing::validate(file, "pagecontent-2019-07-15.xsd"), "");
}

TEST(WordWriters, TesseractTsvHasTesseractsLevelsAndColumns) {
  // As `tesseract IMAGE OUT tsv` (Tesseract 5) writes it: conf -1 and empty text above words.
  const std::string want =
      "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\t"
      "text\n"
      "1\t1\t0\t0\t0\t0\t0\t0\t400\t200\t-1\t\n"
      "2\t1\t1\t0\t0\t0\t10\t20\t200\t70\t-1\t\n"
      "3\t1\t1\t1\t0\t0\t10\t20\t200\t30\t-1\t\n"
      "4\t1\t1\t1\t1\t0\t10\t20\t200\t30\t-1\t\n"
      "5\t1\t1\t1\t1\t1\t12\t22\t80\t26\t90.000000\tHello\n"
      "5\t1\t1\t1\t1\t2\t100\t21\t100\t28\t55.500000\tw&rld\n"
      "3\t1\t1\t2\t0\t0\t10\t60\t100\t30\t-1\t\n"
      "4\t1\t1\t2\t1\t0\t10\t60\t100\t30\t-1\t\n"
      "2\t1\t2\t0\t0\t0\t10\t100\t150\t30\t-1\t\n"
      "3\t1\t2\t1\t0\t0\t10\t100\t150\t30\t-1\t\n"
      "4\t1\t2\t1\t1\t0\t10\t100\t150\t30\t-1\t\n";
  EXPECT_EQ(format_tesseract_tsv(page_with_words(), RegionMode::kPage), want);
  // Later pages of a file: no header, their page number.
  PageResult second = page_with_words();
  second.page = 2;
  const std::string rows = format_tesseract_tsv(second, RegionMode::kPage, false);
  EXPECT_EQ(rows.rfind("1\t2\t0\t0\t0\t0\t0\t0\t400\t200\t-1\t\n", 0), 0u) << rows;
}

TEST(WordWriters, TesseractTsvNumbersFormFieldsAsBlocksAndPageLinesInOneBlock) {
  PageResult page = page_with_words();
  for (FieldResult& f : page.fields)
    f.block = f.paragraph = f.line = 0;  // no Tesseract layout
  const std::string form = format_tesseract_tsv(page, RegionMode::kForm, false);
  EXPECT_TRUE(has(form, "4\t1\t3\t1\t1\t0\t10\t100\t150\t30\t-1\t\n")) << form;
  const std::string lines = format_tesseract_tsv(page, RegionMode::kLine, false);
  EXPECT_TRUE(has(lines, "2\t1\t1\t0\t0\t0\t10\t20\t200\t110\t-1\t\n")) << lines;
  EXPECT_TRUE(has(lines, "4\t1\t1\t1\t3\t0\t10\t100\t150\t30\t-1\t\n")) << lines;
  EXPECT_TRUE(has(lines, "5\t1\t1\t1\t1\t2\t100\t21\t100\t28\t55.500000\tw&rld\n")) << lines;
}

}  // namespace
}  // namespace mlxocr
