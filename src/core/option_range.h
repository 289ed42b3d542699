// Numeric options in their documented ranges, checked before anything is sized from them.
#pragma once

namespace mlxocr {

// Throws LimitError "OPTION: VALUE is outside WHY (limit: LEAST..MOST)" unless
// least <= value <= most. NaN fails both comparisons, so it is refused too; integers up to 2^53
// are exact as doubles.
void check_option_range(const char* option, double value, double least, double most,
                        const char* why = "the supported range");

}  // namespace mlxocr
