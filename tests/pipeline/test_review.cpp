// review.csv / review.html: which fields go in, and what a person sees of each.
#include <gtest/gtest.h>

#include "pipeline/review.h"

namespace mlxocr {
namespace {

TEST(Review, Base64IsRfc4648) {
  // RFC 4648 section 10's test vectors.
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64(std::string("\xFF\x00\x10", 3)), "/wAQ");
}

TEST(Review, DoubtfulOrInvalidFieldsNeedReview) {
  FieldResult sure;
  sure.confidence = 0.95;
  EXPECT_FALSE(needs_review(sure, 0.8));
  FieldResult unsure = sure;
  unsure.confidence = 0.5;
  EXPECT_TRUE(needs_review(unsure, 0.8));
  FieldResult invalid = sure;
  invalid.type = "date";
  invalid.valid = false;
  EXPECT_TRUE(needs_review(invalid, 0.0));
}

TEST(Review, CsvAndHtmlShowEveryModelAndTheCrop) {
  PageResult page;
  page.source = "scans/a<1>.png";
  page.page = 2;
  FieldResult f;
  f.index = 3;
  f.name = "date of birth";
  f.type = "date";
  f.valid = false;
  f.text = "12.03.";
  f.confidence = 0.4;
  f.models = {{"base", "12.03.", 0.4, false}, {"tuned", "12.03.1990", 0.9, true}};
  const std::vector<ReviewItem> items = {{&page, &f, std::string("\x89PNG", 4)}};
  const std::string csv = format_review_csv(items);
  EXPECT_EQ(csv,
            "file,page,index,name,type,valid,text,confidence,model1,model1_text,"
            "model1_confidence,model2,model2_text,model2_confidence\n"
            "scans/a<1>.png,2,3,date of birth,date,no,12.03.,0.4000,base,12.03.,0.4000,tuned,"
            "12.03.1990,0.9000\n");
  const std::string html = format_review_html(items, 0.8);
  EXPECT_NE(html.find("scans/a&lt;1&gt;.png"), std::string::npos);
  EXPECT_NE(html.find("data:image/png;base64,iVBORw=="), std::string::npos);
  EXPECT_NE(html.find("12.03.1990"), std::string::npos);
  EXPECT_NE(html.find("not a valid date"), std::string::npos);
  EXPECT_NE(html.find("confidence 0.4000 &lt; 0.8000"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);  // self-contained
}

}  // namespace
}  // namespace mlxocr
