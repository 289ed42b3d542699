#include "train/run_output.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "core/file_util.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;

namespace {

// The checkpoint-<step> folders of an earlier run in `output`, by step.
std::vector<fs::path> earlier_checkpoints(const fs::path& output) {
  std::vector<std::pair<long long, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(output, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("checkpoint-", 0) != 0 || !entry.is_directory(ec)) continue;
    char* end = nullptr;
    const long long step = std::strtoll(name.c_str() + 11, &end, 10);
    found.push_back({*end == '\0' ? step : -1, entry.path()});
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> folders;
  for (auto& [step, folder] : found)
    folders.push_back(std::move(folder));
  return folders;
}

// An earlier run in `output` is continued (TrainOptions::resume), replaced (overwrite) or refused,
// never overwritten checkpoint by checkpoint.
void handle_earlier_run(const TrainOptions& o) {
  const std::vector<fs::path> earlier = earlier_checkpoints(o.output);
  if (earlier.empty() || !o.resume.empty()) return;
  if (!o.overwrite) {
    std::string names;
    for (size_t i = 0; i < earlier.size() && i < 3; ++i)
      names += (i ? ", " : "") + earlier[i].filename().string();
    if (earlier.size() > 3) names += ", ...";
    throw UsageError(o.output.string() + " holds checkpoints of an earlier run (" + names +
                     "); set TrainOptions::resume to " + earlier.back().string() +
                     " to continue it, TrainOptions::overwrite to replace it, or choose another "
                     "TrainOptions::output folder");
  }
  std::vector<fs::path> doomed = earlier;
  for (const char* file : {"metrics.jsonl", "training.png"})
    doomed.push_back(o.output / file);
  for (const fs::path& path : doomed) {
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec)
      throw FileError(path.string() +
                      ": cannot remove it (TrainOptions::overwrite): " + ec.message());
  }
}

}  // namespace

std::unique_ptr<OutputLock> prepare_output(const TrainOptions& o) {
  const fs::path& output = o.output;
  std::error_code ec;
  fs::create_directories(output, ec);
  if (ec || !fs::is_directory(output))
    throw FileError(output.string() + ": cannot create the output folder" +
                    (ec ? ": " + ec.message() : ""));
  auto lock = std::make_unique<OutputLock>(OutputLock::inside(output), output, "train");
  handle_earlier_run(o);
  const fs::path probe = output / (".write-test-" + std::to_string(::getpid()));
  try {
    write_file_atomic(probe, "ok");
  } catch (const Error&) {
    throw FileError(output.string() + ": the output folder is not writable");
  }
  fs::remove(probe, ec);
  return lock;
}

}  // namespace mlxocr
