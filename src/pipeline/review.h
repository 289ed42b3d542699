// `mlxocr ocr --review-below X`: the fields a person should check, as review.csv and a
// self-contained review.html (each field's crop embedded as a PNG, what every model read, the
// confidences, whether the text fits the field's type).
#pragma once

#include <string>
#include <vector>

#include "mlxocr/pipeline.h"

namespace mlxocr {

struct ReviewItem {
  const PageResult* page = nullptr;
  const FieldResult* field = nullptr;
  // What the model read, or a check box's inside (read from its ink); "" for an empty box.
  std::string crop_png;
};

// Whether `field` needs a person: its confidence is below `below`, or its text fails its type.
bool needs_review(const FieldResult& field, double below);

// One row per item: file,page,index,name,type,valid,text,confidence, then model,text,confidence
// for every model.
std::string format_review_csv(const std::vector<ReviewItem>& items);
// One HTML page, no outside references (crops are data: URLs).
std::string format_review_html(const std::vector<ReviewItem>& items, double below);

// RFC 4648 base64 of `bytes`.
std::string base64(const std::string& bytes);

}  // namespace mlxocr
