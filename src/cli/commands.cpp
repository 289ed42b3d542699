#include "cli/commands.h"

#include <map>
#include <string_view>
#include <utility>

#include "core/backend.h"
#include "mlxocr/error.h"

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
