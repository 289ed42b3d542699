// Greedy decoding is one mode of generate(): see generate/generate.h. GreedyOptions, the options
// type of the first greedy-only version, is GenerationConfig now.
#pragma once

#include "generate/generate.h"

namespace mlxocr {

using GreedyOptions = GenerationConfig;

}  // namespace mlxocr
