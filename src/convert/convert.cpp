#include "convert/convert.h"

#include <mlx/ops.h>
#include <algorithm>
#include <random>
#include <system_error>

#include "core/file_util.h"
#include "core/output_lock.h"
#include "image/processor.h"
#include "image/processor_fit.h"
#include "io/checkpoint.h"
#include "io/model_resolver.h"
#include "io/safetensors.h"
#include "io/torch_checkpoint.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;

namespace {

// Tokenizer files of both kinds transformers writes; a folder has a tokenizer when it holds one of
// the model files (kTokenizerModels), and then all of these it holds are copied together.
const std::vector<std::string> kTokenizerFiles = {
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json",
    "merges.txt",     "added_tokens.json",     "sentencepiece.bpe.model",
};
const std::vector<std::vector<std::string>> kTokenizerModels = {
    {"sentencepiece.bpe.model"}, {"vocab.json", "merges.txt"}, {"tokenizer.json"}};
const std::vector<std::string> kOtherFiles = {"generation_config.json"};
// Copied when the source has it, without a warning when not (few models are calibrated).
const std::vector<std::string> kOptionalFiles = {"calibration.json"};

bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

bool has_tokenizer(const fs::path& folder) {
  for (const auto& files : kTokenizerModels) {
    bool all = true;
    for (const auto& f : files)
      all = all && is_file(folder / f);
    if (all) return true;
  }
  return false;
}

std::string random_suffix() {
  std::random_device rd;
  return std::to_string(rd() % 1000000000u);
}

class Quantizer : public ParameterVisitor {
 public:
  Quantizer(int bits, int group_size, bool encoder)
      : bits_(bits), group_size_(group_size), encoder_(encoder) {}
  QuantizationReport report;

  void tensor(const std::string&, mx::array&) override {}
  void linear(const std::string& name, Linear& layer, LinearKind kind) override {
    if (kind == LinearKind::patch_embedding) return;
    if (kind == LinearKind::encoder && !encoder_) return;
    if (layer.quantized) {
      report.quantized.push_back(name);
      return;
    }
    const int width = layer.in_features();
    if (width % group_size_ != 0) {
      report.skipped.push_back(name + " (input width " + std::to_string(width) + ")");
      return;
    }
    layer = quantize_linear(layer, group_size_, bits_);
    report.quantized.push_back(name);
  }

 private:
  int bits_, group_size_;
  bool encoder_;
};

class TensorWriter : public ParameterVisitor {
 public:
  explicit TensorWriter(mx::Dtype dtype) : dtype_(dtype) {}
  TensorMap tensors;

  void tensor(const std::string& name, mx::array& value) override {
    tensors.insert_or_assign(name, cast(value));
  }
  void linear(const std::string& name, Linear& layer, LinearKind) override {
    if (layer.quantized) {
      tensors.insert_or_assign(name + ".weight", layer.quantized->packed);
      tensors.insert_or_assign(name + ".scales", cast(layer.quantized->scales));
      tensors.insert_or_assign(name + ".biases", cast(layer.quantized->biases));
    } else {
      tensors.insert_or_assign(name + ".weight", cast(layer.weight));
    }
    if (layer.bias) tensors.insert_or_assign(name + ".bias", cast(*layer.bias));
  }

 private:
  mx::array cast(const mx::array& a) const {
    return a.dtype() == dtype_ ? a : mx::astype(a, dtype_);
  }
  mx::Dtype dtype_;
};

// Where each part of the conversion comes from.
struct Sources {
  std::string description;          // for the "source" field and messages
  std::optional<fs::path> folder;   // the input's folder (none for a weights file)
  std::optional<fs::path> weights;  // the input's weights file (none for a folder)
  std::optional<fs::path> base;     // --base, resolved
  fs::path config_folder;           // holds the config.json used
};

// The first of `folders` for which `pred` holds.
template <class Pred>
std::optional<fs::path> first_folder(const std::vector<std::optional<fs::path>>& folders,
                                     Pred pred) {
  for (const auto& folder : folders)
    if (folder && pred(*folder)) return folder;
  return std::nullopt;
}

bool has_image_processor(const fs::path& folder) {
  return is_file(folder / "preprocessor_config.json") || is_file(folder / "processor_config.json");
}

// Writes the image processor's settings as a flat preprocessor_config.json (which transformers 4
// and 5 both read), from either layout of the source, with the Pillow resize order it will run
// with recorded in it (so the converted folder says which Pillow it matches).
void copy_image_processor(const std::vector<std::optional<fs::path>>& folders,
                          const EncoderConfig& encoder, const fs::path& config_file,
                          const fs::path& output, Conversion& result) {
  const auto from = first_folder(folders, has_image_processor);
  if (!from) {
    result.warnings.push_back(
        "preprocessor_config.json is missing from the source (and there is no "
        "processor_config.json): recognize will refuse the converted model until one is added");
    return;
  }
  const ImageProcessorSource source = read_image_processor_json(*from);
  const ImageProcessorConfig config = load_image_processor_config(source);  // validates it
  // A folder recognize would refuse is not written.
  check_processor_fits_encoder(config, source.source, encoder, config_file.string());
  nlohmann::json settings = source.settings;
  settings[kPillowResizeOrderKey] = pillow_resize_order_name(config.resize_order);
  write_file_atomic(output / "preprocessor_config.json", settings.dump(2) + "\n");
  result.copied_files.push_back("preprocessor_config.json");
}

Sources locate_sources(const ConvertOptions& options) {
  Sources s;
  s.description = options.input;
  std::error_code ec;
  if (!options.base.empty()) s.base = resolve_model(options.base);
  if (fs::is_regular_file(options.input, ec)) {
    s.weights = fs::path(options.input);
    if (!s.base) {
      throw UsageError(
          options.input +
          " is a weights file: give ConvertOptions::base MODEL, the model it was fine-tuned from, "
          "for config.json and the tokenizer");
    }
  } else {
    s.folder = resolve_model(options.input);
  }
  const auto config = first_folder({s.folder, s.base},
                                   [](const fs::path& f) { return is_file(f / "config.json"); });
  if (!config) {
    throw ConfigError(
        options.input + ": no config.json in " + (s.folder ? s.folder->string() : options.input) +
        (s.base ? " nor in " + s.base->string()
                : std::string(" (give ConvertOptions::base MODEL to take it from the model it "
                              "was fine-tuned from)")));
  }
  s.config_folder = *config;
  return s;
}

TensorMap load_weights_file(const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".safetensors") return load_safetensors(file);
  if (ext == ".bin" || ext == ".pt" || ext == ".pth") return load_torch_checkpoint(file);
  throw UsageError(file.string() +
                   ": unknown weights file type (expected .safetensors or a PyTorch .bin)");
}

// Size of the weights the source holds (one form only, where a folder holds several).
std::uintmax_t weights_bytes(const Sources& s) {
  std::error_code ec;
  if (s.weights) return fs::file_size(*s.weights, ec);
  for (const char* name : {"model.safetensors", kConvertedWeightsFile, "pytorch_model.bin"}) {
    if (is_file(*s.folder / name)) return fs::file_size(*s.folder / name, ec);
  }
  std::uintmax_t safetensors = 0, bin = 0;  // shards
  for (const auto& entry : fs::directory_iterator(*s.folder, ec)) {
    const std::string name = entry.path().filename().string();
    std::error_code size_ec;
    if (!entry.is_regular_file(size_ec)) continue;
    if (name.ends_with(".safetensors")) safetensors += entry.file_size(size_ec);
    if (name.starts_with("pytorch_model") && name.ends_with(".bin"))
      bin += entry.file_size(size_ec);
  }
  return safetensors ? safetensors : bin;
}

// Loads the source as a float32 model (the precision every conversion starts from).
TrOCRModel load_source(const Sources& s) {
  if (s.weights) {
    const ModelConfig config = load_model_config(s.config_folder);
    return build_model(config, load_weights_file(*s.weights), s.weights->string(), mx::float32);
  }
  if (s.config_folder == *s.folder) return load_model(*s.folder, mx::float32);
  const ModelConfig config = load_model_config(s.config_folder);
  return build_model(config, load_checkpoint_tensors(*s.folder), s.folder->string(), mx::float32);
}

void check_options(const ConvertOptions& options) {
  if (options.bits != 0 && options.bits != 4 && options.bits != 8) {
    throw UsageError("unsupported quantization: " + std::to_string(options.bits) +
                     " bits (use ConvertOptions::bits 4 or ConvertOptions::bits 8)");
  }
  if (options.group_size != 32 && options.group_size != 64 && options.group_size != 128) {
    throw UsageError("unsupported group size " + std::to_string(options.group_size) +
                     " (use ConvertOptions::group_size 32, 64 or 128)");
  }
  if (!options.dtype.empty()) {
    try {
      parse_float_dtype(options.dtype);
    } catch (const UsageError& e) {
      throw UsageError(std::string("ConvertOptions::dtype: ") + e.what());
    }
  }
  if (options.output.empty())
    throw UsageError("give the output folder (ConvertOptions::output DIR)");
}

// Refuses an existing output unless ConvertOptions::force (checked before anything is downloaded or
// loaded).
void check_output_exists(const ConvertOptions& options) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(options.output, ec))) return;
  if (!fs::is_directory(options.output, ec)) {
    throw UsageError(options.output.string() + " exists and is not a folder");
  }
  if (!options.force) {
    throw UsageError(
        options.output.string() +
        " already exists; pass ConvertOptions::force to replace it with the converted model");
  }
}

// Refuses an output that is, or contains, a source: ConvertOptions::force would delete it.
void check_output_spares_sources(const ConvertOptions& options, const Sources& sources) {
  std::error_code ec;
  const fs::path out = fs::weakly_canonical(fs::absolute(options.output), ec);
  for (const auto& folder : {sources.folder, sources.base}) {
    if (!folder) continue;
    const fs::path in = fs::weakly_canonical(fs::absolute(*folder), ec);
    const auto [out_end, in_end] = std::mismatch(out.begin(), out.end(), in.begin(), in.end());
    if (out_end == out.end()) {
      throw UsageError("the output folder " + options.output.string() +
                       " is (or holds) the source " + folder->string() +
                       "; choose another ConvertOptions::output");
    }
  }
}

// Removes a temporary folder unless released.
class TemporaryFolder {
 public:
  explicit TemporaryFolder(fs::path path) : path_(std::move(path)) {}
  ~TemporaryFolder() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  const fs::path& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  fs::path path_;
};

void copy_into(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) throw FileError(from.string() + ": cannot copy to " + to.string() + ": " + ec.message());
}

bool all_digits(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// What a convert killed mid-way (kill -9, power loss) left beside `output`: its hidden
// temporary folder (.NAME.tmp-N) is removed; a previous output moved aside (.NAME.old-N) is
// removed when the new output took its place, and moved back when the run died in between.
// Safe because the caller holds the output's lock: no live convert owns these folders.
std::vector<std::string> clean_up_killed_runs(const fs::path& output) {
  std::vector<std::string> notes;
  const std::string name = "." + output.filename().string();
  std::error_code ec;
  std::vector<fs::path> temporaries, previous;
  for (const auto& entry : fs::directory_iterator(output.parent_path(), ec)) {
    const std::string entry_name = entry.path().filename().string();
    if (entry_name.rfind(name + ".tmp-", 0) == 0 &&
        all_digits(entry_name.substr(name.size() + 5))) {
      temporaries.push_back(entry.path());
    } else if (entry_name.rfind(name + ".old-", 0) == 0 &&
               all_digits(entry_name.substr(name.size() + 5))) {
      previous.push_back(entry.path());
    }
  }
  for (const fs::path& folder : temporaries) {
    fs::remove_all(folder, ec);
    notes.push_back("removed " + folder.string() + ", left by a convert that was killed");
  }
  for (const fs::path& folder : previous) {
    if (!fs::exists(fs::symlink_status(output, ec))) {
      fs::rename(folder, output, ec);
      if (!ec) {
        notes.push_back("moved " + folder.string() + " back to " + output.string() +
                        ": a convert was killed while replacing it");
        continue;
      }
    }
    fs::remove_all(folder, ec);
    notes.push_back("removed " + folder.string() + ", left by a convert that was killed");
  }
  return notes;
}

// Moves the finished temporary folder to `output`, replacing an existing one (--force) only
// once the new one is complete.
void move_into_place(const fs::path& temporary, const fs::path& output) {
  std::error_code ec;
  const fs::path parent = temporary.parent_path();
  fs::path previous;
  if (fs::exists(fs::symlink_status(output, ec))) {
    previous = parent / ("." + output.filename().string() + ".old-" + random_suffix());
    fs::rename(output, previous, ec);
    if (ec)
      throw FileError(output.string() + ": cannot move the old folder aside: " + ec.message());
  }
  fs::rename(temporary, output, ec);
  if (ec) {
    std::error_code ignored;
    if (!previous.empty()) fs::rename(previous, output, ignored);
    throw FileError(output.string() +
                    ": cannot move the converted folder into place: " + ec.message());
  }
  if (!previous.empty()) fs::remove_all(previous, ec);
}

}  // namespace

QuantizationReport quantize_model(TrOCRModel& model, int bits, int group_size, bool encoder) {
  Quantizer quantizer(bits, group_size, encoder);
  visit_parameters(model, quantizer);
  return quantizer.report;
}

TensorMap converted_tensors(TrOCRModel& model, mx::Dtype dtype) {
  TensorWriter writer(dtype);
  visit_parameters(model, writer);
  return writer.tensors;
}

std::uintmax_t folder_bytes(const fs::path& folder) {
  std::error_code ec;
  std::uintmax_t total = 0;
  for (fs::recursive_directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) total += it->file_size(size_ec);
  }
  return total;
}

Conversion convert_model(const ConvertOptions& options) {
  check_options(options);
  // "out/" and "out" are one folder: name it without the trailing separator.
  fs::path output = fs::absolute(options.output).lexically_normal();
  if (!output.has_filename()) output = output.parent_path();
  // One convert per output at a time: held until the new folder is in place.
  const OutputLock lock(OutputLock::beside(output), options.output, "convert");
  const std::vector<std::string> cleanup_notes = clean_up_killed_runs(output);
  check_output_exists(options);
  const Sources sources = locate_sources(options);
  check_output_spares_sources(options, sources);

  TrOCRModel model = load_source(sources);
  if (model.config.converted && model.config.converted->quantization) {
    throw UsageError(options.input + " is already quantized (" +
                     std::to_string(model.config.converted->quantization->bits) +
                     "-bit); convert from the original checkpoint instead");
  }
  // The dtype asked for (checked above), else the one the source stores (float32 for others).
  const bool half = model.stored_dtype == "float16" || model.stored_dtype == "bfloat16";
  const std::string stored = half ? model.stored_dtype : "float32";
  const mx::Dtype dtype = parse_float_dtype(options.dtype.empty() ? stored : options.dtype);

  Conversion result;
  result.output = options.output;
  result.warnings = cleanup_notes;
  result.warnings.insert(result.warnings.end(), model.warnings.begin(), model.warnings.end());
  result.format.dtype = dtype_name(dtype);
  result.format.source = sources.description;
  if (options.bits) {
    result.quantization =
        quantize_model(model, options.bits, options.group_size, options.quantize_encoder);
    result.format.quantization = QuantizationConfig{
        options.bits, options.group_size, options.quantize_encoder, result.quantization.skipped};
  }
  const TensorMap tensors = converted_tensors(model, dtype);

  // Which folder gives the tokenizer and the other files.
  const std::vector<std::optional<fs::path>> folders = {sources.folder, sources.base};
  const auto tokenizer_folder = first_folder(folders, has_tokenizer);
  if (!tokenizer_folder) {
    throw TokenizerError(
        options.input +
        ": no tokenizer files (looked for sentencepiece.bpe.model, vocab.json + merges.txt, "
        "tokenizer.json)" +
        (sources.base
             ? " there or in " + sources.base->string()
             : std::string("; give ConvertOptions::base MODEL to take them from the model it was "
                           "fine-tuned from")));
  }

  // Write everything into a temporary folder beside the output, then rename it into place.
  std::error_code ec;
  const fs::path parent = output.parent_path();
  fs::create_directories(parent, ec);
  if (ec) throw FileError(parent.string() + ": cannot create the output's folder: " + ec.message());
  const fs::path temporary_path =
      parent / ("." + output.filename().string() + ".tmp-" + random_suffix());
  if (!fs::create_directory(temporary_path, ec) || ec) {
    throw FileError(options.output.string() + ": cannot write in " + parent.string() + ": " +
                    (ec ? ec.message() : "a temporary folder of that name exists"));
  }
  TemporaryFolder temporary(temporary_path);

  save_safetensors(
      temporary.path() / kConvertedWeightsFile, tensors,
      {{"format", "mlx"}, {"mlxocr_format_version", std::to_string(kConvertedFormatVersion)}});
  for (const std::string& name : kTokenizerFiles) {
    if (is_file(*tokenizer_folder / name)) {
      copy_into(*tokenizer_folder / name, temporary.path() / name);
      result.copied_files.push_back(name);
    }
  }
  copy_image_processor(folders, model.config.encoder, sources.config_folder / "config.json",
                       temporary.path(), result);
  for (const std::string& name : kOtherFiles) {
    const auto from = first_folder(folders, [&](const fs::path& f) { return is_file(f / name); });
    if (from) {
      copy_into(*from / name, temporary.path() / name);
      result.copied_files.push_back(name);
    } else {
      result.warnings.push_back(name + " is missing from the source");
    }
  }
  for (const std::string& name : kOptionalFiles) {
    const auto from = first_folder(folders, [&](const fs::path& f) { return is_file(f / name); });
    if (!from) continue;
    copy_into(*from / name, temporary.path() / name);
    result.copied_files.push_back(name);
  }
  nlohmann::json config = model.config.raw;
  config["mlxocr"] = converted_format_json(result.format);
  write_file_atomic(temporary.path() / "config.json", config.dump(2) + "\n");

  move_into_place(temporary.path(), output);
  temporary.release();
  result.source_weight_bytes = weights_bytes(sources);
  result.output_weight_bytes = fs::file_size(output / kConvertedWeightsFile, ec);
  return result;
}

}  // namespace mlxocr
