// Registration of the CLI subcommands, one file each (inspect.cpp, ...).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace mlxocr::cli {

// "mlxocr 0.1.0 (MLX 0.32.4, backend cpu)".
std::string version_text();

// Adds every subcommand to `app`.
void register_commands(CLI::App& app);

// Runs the subcommand the user picked; returns the process exit code.
int run_selected(CLI::App& app);

// Each subcommand file provides one of these: it adds its subcommand and returns the action to run.
using Action = std::function<int()>;
Action add_inspect(CLI::App& app);

// mlxocr preprocess: the pixel tensor of one image as .npy (preprocess.cpp).
Action add_preprocess(CLI::App& app);

// The arguments of `sub` that are not options, verbatim (for subcommands that allow_extras()),
// followed by those after a "--" (set aside by split_at_separator). Throws UsageError when there
// are none, naming them `what`, or when one before "--" starts with "--" (a mistyped option, most
// likely; after "--" it is taken as it is).
std::vector<std::string> verbatim_arguments(const CLI::App& sub, const std::string& what);

// --max-pixels N on `cmd`: the image pixel budget (image/image.h) of this run, 1..2^30 (OpenCV
// refuses images above 2^30 pixels itself); refused with a LimitError outside that.
void add_max_pixels_option(CLI::App* cmd);

// --min-confidence must be a number in [0, 1] (NaN is not): LimitError otherwise.
void check_min_confidence(double value);

// "--" ends the options of every command. CLI11 handles it for commands with declared positional
// arguments; for those that take their arguments verbatim (allow_extras(), no positionals) it
// would hand "--" back to the main app, which rejects it. So for those this removes the first "--"
// after the subcommand's name and what follows it from argv, keeping it for verbatim_arguments.
// Returns the new argc.
int split_at_separator(CLI::App& app, int argc, char** argv);

Action add_tokenize(CLI::App& app);    // tokenize.cpp
Action add_detokenize(CLI::App& app);  // detokenize.cpp
Action add_recognize(CLI::App& app);   // recognize.cpp
Action add_ocr(CLI::App& app);         // ocr.cpp
Action add_convert(CLI::App& app);     // convert.cpp
Action add_models(CLI::App& app);      // models.cpp
Action add_eval(CLI::App& app);        // eval.cpp
Action add_bench(CLI::App& app);       // bench.cpp
Action add_train(CLI::App& app);       // train.cpp
Action add_serve(CLI::App& app);       // serve.cpp

}  // namespace mlxocr::cli
