// The error of an input beyond a documented limit; included where limits are checked.
#pragma once

#include <string>
#include <utility>

#include "mlxocr/error.h"

namespace mlxocr {

// An input (config value, image, checkpoint header, option, saved state) is beyond a documented
// limit: refused before anything is allocated for it. `file` and `field` say where, `limit` the
// bound that was exceeded; what() is the whole one-line message. A UsageError, so the CLI exits 2.
class LimitError : public UsageError {
 public:
  LimitError(std::string file, std::string field, const std::string& problem, std::string limit)
      : UsageError((file.empty() ? "" : file + ": ") + (field.empty() ? "" : field + ": ") +
                   problem + (limit.empty() ? "" : " (limit: " + limit + ")")),
        file_(std::move(file)),
        field_(std::move(field)),
        limit_(std::move(limit)) {}
  const std::string& file() const { return file_; }
  const std::string& field() const { return field_; }
  const std::string& limit() const { return limit_; }

 private:
  std::string file_, field_, limit_;
};

}  // namespace mlxocr
