#include "core/option_range.h"

#include <cstdio>
#include <string>

#include "mlxocr/limit_error.h"

namespace mlxocr {

void check_option_range(const char* option, double value, double least, double most,
                        const char* why) {
  if (value >= least && value <= most) return;
  char got[32], range[64];
  std::snprintf(got, sizeof got, "%.15g", value);
  std::snprintf(range, sizeof range, "%.15g..%.15g", least, most);
  throw LimitError("", option, std::string(got) + " is outside " + why, range);
}

}  // namespace mlxocr
