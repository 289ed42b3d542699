// mlxocr — the command-line front end. Each subcommand lives in its own file and registers itself
// here; errors of the library reach this file only, which prints them as one line and exits 2 for
// a user's error (a bad option, a file beyond a limit), 1 for any other refused input or failure,
// and 3 for an internal error (a bug: nothing a user gives should ever lead there).
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "kernels/cpu/int8_path.h"
#include "mlxocr/error.h"

int main(int argc, char** argv) {
  CLI::App app{
      "mlxocr — TrOCR text recognition on MLX (C++).\n"
      "Runs Hugging Face TrOCR checkpoints (ViT/DeiT encoder + TrOCR decoder) with the same "
      "results\n"
      "as transformers, on CPU, Apple Metal or NVIDIA CUDA through MLX.",
      "mlxocr"};
  app.require_subcommand(0, 1);
  app.set_version_flag("-V,--version", mlxocr::cli::version_text(),
                       "Print mlxocr's and MLX's versions and the backend in use");
  mlxocr::cli::register_commands(app);
  try {
    app.parse(mlxocr::cli::split_at_separator(app, argc, argv), argv);
    if (app.get_subcommands().empty()) {
      std::cout << app.help();
      return 0;
    }
    // A wrong MLXOCR_INT8_PATH is refused before any work, not at the first 8-bit layer.
    mlxocr::kernel::int8_path();
    return mlxocr::cli::run_selected(app);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the reason (or the help) and gives its own codes (104 conversion, 105
    // validation, 109 unknown option, ...): every one of them is a user's error, exit 2.
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const mlxocr::UsageError& e) {
    std::cerr << "mlxocr: error: " << mlxocr::cli::with_flag_names(e.what()) << "\n";
    return 2;
  } catch (const mlxocr::Error& e) {
    std::cerr << "mlxocr: error: " << mlxocr::cli::with_flag_names(e.what()) << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "mlxocr: internal error: " << e.what() << "\n";
    return 3;
  }
}
