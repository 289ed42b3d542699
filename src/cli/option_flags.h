// The library's errors name option fields ("PipelineOptions::batch_size"); the CLI's user knows
// its flags ("--batch-size"). This maps one to the other where the CLI prints a library error.
#pragma once

#include <string>

namespace mlxocr::cli {

// `message` with every option field the CLI sets from a flag replaced by that flag.
std::string with_flag_names(const std::string& message);

}  // namespace mlxocr::cli
