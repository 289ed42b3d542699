#include "cli/commands.h"

#include <cstdlib>
#include <map>
#include <string_view>
#include <utility>

#include "core/backend.h"
#include "image/image.h"
#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"

namespace mlxocr::cli {

namespace {
// The arguments after "--" of a verbatim subcommand (see split_at_separator).
std::vector<std::string>& after_separator() {
  static std::vector<std::string> args;
  return args;
}

// Subcommand -> action, filled by register_commands.
std::map<const CLI::App*, Action>& actions() {
  static std::map<const CLI::App*, Action> table;
  return table;
}

void add(CLI::App& app, Action (*adder)(CLI::App&)) {
  const size_t before = app.get_subcommands({}).size();
  Action action = adder(app);
  const auto subs = app.get_subcommands({});
  if (subs.size() > before) actions()[subs.back()] = std::move(action);
}
}  // namespace

std::string version_text() {
  return "mlxocr " MLXOCR_VERSION " (MLX " + mlx_version() + ", backend " + backend_name() + ")";
}

void register_commands(CLI::App& app) {
  add(app, add_inspect);
  add(app, add_preprocess);
  add(app, add_tokenize);
  add(app, add_detokenize);
  add(app, add_recognize);
  add(app, add_ocr);
  add(app, add_convert);
  add(app, add_models);
  add(app, add_eval);
  add(app, add_bench);
  add(app, add_train);
  add(app, add_serve);
}

std::vector<std::string> verbatim_arguments(const CLI::App& sub, const std::string& what) {
  std::vector<std::string> args = sub.remaining();
  for (const std::string& a : args) {
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      throw UsageError(sub.get_name() + ": unknown option " + a +
                       " (see --help; put \"--\" before a text that starts with \"--\")");
    }
  }
  args.insert(args.end(), after_separator().begin(), after_separator().end());
  if (args.empty()) throw UsageError(sub.get_name() + ": give at least one " + what);
  return args;
}

void add_max_pixels_option(CLI::App* cmd) {
  constexpr std::uint64_t kMost = std::uint64_t{1} << 30;
  cmd->add_option_function<std::uint64_t>(
      "--max-pixels",
      [](const std::uint64_t& pixels) {
        if (pixels < 1 || pixels > kMost) {
          throw LimitError("", "--max-pixels", std::to_string(pixels) + " is outside the range",
                           "1.." + std::to_string(kMost));
        }
        // The library's budget (image/image.h), checked from the header before any decode.
        // OpenCV's OPENCV_IO_MAX_IMAGE_PIXELS cannot follow it: OpenCV reads that variable
        // once, when it is loaded, before main() runs.
        set_default_max_pixels(pixels);
      },
      "Refuse images whose header declares more pixels than this, before decoding (default " +
          std::to_string(kDefaultMaxPixels) + ", PIL's MAX_IMAGE_PIXELS; at most 2^30)");
}

void check_min_confidence(double value) {
  if (!(value >= 0 && value <= 1)) {
    throw LimitError("", "--min-confidence", std::to_string(value) + " is not a confidence",
                     "0..1");
  }
}

int split_at_separator(CLI::App& app, int argc, char** argv) {
  if (argc < 2) return argc;
  const std::function<bool(const CLI::App*)> named = [&](const CLI::App* s) {
    return s->check_name(argv[1]);
  };
  const auto subs = std::as_const(app).get_subcommands(named);
  if (subs.empty() || !subs.front()->get_allow_extras()) return argc;
  for (int i = 2; i < argc; ++i) {
    if (std::string_view(argv[i]) != "--") continue;
    after_separator().assign(argv + i + 1, argv + argc);
    return i;
  }
  return argc;
}

int run_selected(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands()) {
    auto it = actions().find(sub);
    if (it != actions().end()) return it->second();
  }
  return 0;
}

}  // namespace mlxocr::cli
