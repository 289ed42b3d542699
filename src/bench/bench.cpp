#include "bench/bench.h"

#include <mlx/transforms.h>

#include <algorithm>
#include <chrono>
#include <opencv2/imgproc.hpp>
#include <ostream>
#include <thread>

#include "bench/arch.h"
#include "bench/machine.h"
#include "convert/convert.h"
#include "core/backend.h"
#include "core/option_range.h"
#include "generate/decoding.h"
#include "image/processor.h"
#include "image/processor_fit.h"
#include "io/model_resolver.h"
#include "kernels/cpu/blas_threads.h"
#include "kernels/cpu/enabled.h"
#include "kernels/cpu/int8_linear.h"
#include "kernels/cpu/threads.h"
#include "mlxocr/error.h"
#include "mlxocr/pipeline.h"

namespace mlxocr {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

double linear_bytes(const Linear& layer) {
  double bytes = layer.bias ? layer.bias->nbytes() : 0.0;
  if (layer.quantized) {
    const QuantizedMatrix& q = *layer.quantized;
    return bytes + q.packed.nbytes() + q.scales.nbytes() + q.biases.nbytes();
  }
  return bytes + layer.weight.nbytes();
}

// Text lines drawn with OpenCV, black on white, of varied lengths: what a form field crop looks
// like to the image processor (the workload is fixed-length anyway; only the resize cost varies).
std::vector<RgbImage> rendered_lines(int count) {
  const std::vector<std::string> words = {"invoice",   "Total",  "12.50", "received", "March",
                                          "signature", "Street", "No.",   "4711",     "payment"};
  std::vector<RgbImage> lines;
  for (int i = 0; i < count; ++i) {
    std::string text;
    for (int w = 0; w < 3 + i % 5; ++w)
      text += (w ? " " : "") + words[(i * 3 + w) % words.size()];
    const int width = 40 + 22 * static_cast<int>(text.size());
    cv::Mat image(64, width, CV_8UC3, cv::Scalar(255, 255, 255));
    cv::putText(image, text, {16, 44}, cv::FONT_HERSHEY_SIMPLEX, 1.1, cv::Scalar(0, 0, 0), 2,
                cv::LINE_AA);
    RgbImage line;
    line.width = image.cols;
    line.height = image.rows;
    line.pixels.assign(image.data, image.data + image.total() * 3);
    lines.push_back(std::move(line));
  }
  return lines;
}

std::vector<RgbImage> folder_images(const std::filesystem::path& folder) {
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec))
    throw UsageError(folder.string() + ": BenchOptions::images must be a folder of line images");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    std::string ext = entry.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    if (entry.is_regular_file() &&
        (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".tif" ||
         ext == ".tiff" || ext == ".webp"))
      files.push_back(entry.path());
  }
  if (files.empty()) throw UsageError(folder.string() + ": no images (.png, .jpg, ...) in it");
  std::sort(files.begin(), files.end());
  std::vector<RgbImage> images;
  for (const auto& file : files)
    images.push_back(load_image(file));
  return images;
}

// The quantization the model holds, whether a converted model brought it or --quantize made it:
// the most bits of its quantized linear layers, and whether the encoder's are among them.
struct Quantization {
  int bits = 0;
  bool encoder = false;
};

Quantization quantization_of(const TrOCRModel& model) {
  Quantization q;
  const auto see = [&q](const Linear& layer, bool encoder) {
    if (!layer.quantized) return;
    q.bits = std::max(q.bits, layer.quantized->bits);
    q.encoder = q.encoder || encoder;
  };
  for (const ViTLayer& layer : model.encoder.layers)
    for (const Linear* l :
         {&layer.qkv, &layer.attention_output, &layer.intermediate, &layer.output})
      see(*l, true);
  see(model.decoder.output_projection, false);
  for (const TrOCRDecoderLayer& layer : model.decoder.layers)
    for (const Linear* l :
         {&layer.self_attn.qkv_proj, &layer.self_attn.out_proj, &layer.encoder_attn.q_proj,
          &layer.encoder_attn.kv_proj, &layer.encoder_attn.out_proj, &layer.fc1, &layer.fc2})
      see(*l, false);
  return q;
}

struct LoadedModel {
  TrOCRModel model;
  ImageProcessorConfig processor;
  std::string source;
  double load_ms = 0.0;
  double quantize_ms = 0.0;
};

LoadedModel load(const BenchOptions& options) {
  LoadedModel out;
  const Clock::time_point start = Clock::now();
  if (!options.arch.empty()) {
    const ModelConfig config =
        parse_model_config(builtin_arch_config(options.arch), "BenchOptions::arch " + options.arch);
    out.model = build_model(config, random_checkpoint(config, options.seed),
                            "random " + options.arch, options.dtype.value_or(mx::float32));
    out.source = "random weights (seed " + std::to_string(options.seed) + ")";
  } else {
    const std::filesystem::path dir = resolve_model(options.model);
    out.model = load_model(dir, options.dtype);
    out.processor = load_image_processor_for(dir, out.model.config.encoder);
    out.source = dir.string();
  }
  out.load_ms = ms_since(start);
  if (options.quantize_bits) {
    const Clock::time_point q = Clock::now();
    quantize_model(out.model, options.quantize_bits, 64, options.quantize_encoder);
    out.quantize_ms = ms_since(q);
  }
  return out;
}

void check(const BenchOptions& o) {
  if (o.model.empty() == o.arch.empty())
    throw UsageError("give either BenchOptions::model or BenchOptions::arch");
  // Ranges as ocr's (batches, beams); runs and threads far beyond any measurement.
  check_option_range("BenchOptions::runs", o.runs, 1, 1000);
  check_option_range("BenchOptions::warmup", o.warmup, 0, 1000);
  check_option_range("BenchOptions::new_tokens", o.new_tokens, 1, ConfigLimits::kMaxPositions);
  check_option_range("BenchOptions::threads", o.threads, 0, 1024);
  for (int b : o.batch_sizes)
    check_option_range("BenchOptions::batch_sizes", b, 1, kMaxBatchSize);
  for (int b : o.num_beams)
    check_option_range("BenchOptions::num_beams", b, 1, kMaxNumBeams);
  if (o.quantize_bits != 0 && o.quantize_bits != 4 && o.quantize_bits != 8)
    throw UsageError("BenchOptions::quantize_bits must be 4 or 8");
  if (o.quantize_encoder && o.quantize_bits == 0)
    throw UsageError("BenchOptions::quantize_encoder needs BenchOptions::quantize_bits 8 or 4");
}

// The workload of one run, timed piece by piece; samples[metric] gets one value per run.
class Workload {
 public:
  Workload(const TrOCRModel& model, const ImageProcessor& processor,
           const std::vector<RgbImage>& images, const BenchOptions& options)
      : model_(model), processor_(processor), images_(images), options_(options) {
    one_pixels_ = processor_.batch({images_.front()});
    states_ = model_.decoder_inputs(model_.encode(one_pixels_));
    mx::eval({one_pixels_, states_});
  }

  // One greedy region at batch 1: every code path of the run is touched, for a fraction of its
  // cost (a batch-8 pass of trocr-base is most of a minute on two cores).
  void warm_up() { generate_ms(1, 1); }

  void run(std::map<std::string, std::vector<double>>* samples) {
    auto add = [&](const std::string& key, double value) {
      if (samples) (*samples)[key].push_back(value);
    };
    Clock::time_point start = Clock::now();
    mx::eval(model_.encode(one_pixels_));
    add("encoder_ms_per_image", ms_since(start));

    const decoding::Setup setup = decoding::make_setup(model_, config(1));
    start = Clock::now();
    decoding::sample_search(model_, states_, setup, {0});
    add("decoder_ms_per_token", ms_since(start) / options_.new_tokens);

    for (int batch : options_.batch_sizes) {
      const double ms = generate_ms(batch, 1);
      add("e2e_ms_per_region_batch" + std::to_string(batch), ms / batch);
      add("regions_per_s_batch" + std::to_string(batch), 1000.0 * batch / ms);
    }
    for (int beams : options_.num_beams) {
      if (beams > 1) add("ms_per_region_beams" + std::to_string(beams), generate_ms(1, beams));
    }
  }

 private:
  GenerationConfig config(int beams) const {
    GenerationConfig c;
    c.max_new_tokens = c.min_new_tokens = options_.new_tokens;
    c.num_beams = beams;
    return c;
  }

  // Images to text ids end to end: processor (resize, normalise), encoder, decoding.
  double generate_ms(int batch, int beams) {
    std::vector<RgbImage> chosen;
    for (int i = 0; i < batch; ++i)
      chosen.push_back(images_[next_image_++ % images_.size()]);
    const Clock::time_point start = Clock::now();
    generate(model_, processor_.batch(chosen), config(beams));
    return ms_since(start);
  }

  const TrOCRModel& model_;
  const ImageProcessor& processor_;
  const std::vector<RgbImage>& images_;
  const BenchOptions& options_;
  mx::array one_pixels_ = mx::array(0.0f);
  mx::array states_ = mx::array(0.0f);
  size_t next_image_ = 0;
};

}  // namespace

double encoder_flops_per_image(const ModelConfig& config) {
  const EncoderConfig& e = config.encoder;
  const double s = e.sequence_length(), h = e.hidden_size, ffn = e.intermediate_size;
  const double patch = 2.0 * e.num_patches() * e.num_channels * e.patch_height * e.patch_width * h;
  const double layer = 2.0 * s * h * 3 * h   // q, k, v
                       + 2.0 * s * h * h     // attention output
                       + 4.0 * s * s * h     // scores and mixing
                       + 4.0 * s * h * ffn;  // intermediate and output
  const double projection = config.has_enc_to_dec_proj ? 2.0 * s * h * config.decoder.d_model : 0;
  return patch + e.num_hidden_layers * layer + projection;
}

double decoder_weight_bytes_per_token(const TrOCRModel& model) {
  double bytes = linear_bytes(model.decoder.output_projection);
  for (const TrOCRDecoderLayer& layer : model.decoder.layers) {
    for (const Linear* l :
         {&layer.self_attn.qkv_proj, &layer.self_attn.out_proj, &layer.encoder_attn.q_proj,
          &layer.encoder_attn.out_proj, &layer.fc1, &layer.fc2})
      bytes += linear_bytes(*l);
  }
  return bytes;
}

nlohmann::ordered_json run_bench(const BenchOptions& options, std::ostream* log) {
  check(options);
  const bool threads_set = options.threads > 0 && kernel::set_openblas_threads(options.threads);
  if (options.threads > 0) set_cpu_kernel_threads(options.threads);
  const std::vector<RgbImage> images =
      options.images.empty() ? rendered_lines(16) : folder_images(options.images);
  if (log)
    *log << "[bench] loading " << (options.arch.empty() ? options.model : options.arch) << "\n";
  LoadedModel loaded = load(options);
  const TrOCRModel& model = loaded.model;
  const ImageProcessor processor(loaded.processor);
  Workload workload(model, processor, images, options);
  for (int i = 0; i < options.warmup; ++i) {
    if (log) *log << "[bench] warm-up " << i + 1 << "/" << options.warmup << "\n";
    workload.warm_up();
  }
  std::map<std::string, std::vector<double>> samples;
  for (int i = 0; i < options.runs; ++i) {
    if (log) *log << "[bench] run " << i + 1 << "/" << options.runs << "\n";
    workload.run(&samples);
  }

  nlohmann::ordered_json out;
  out["system"] = "mlxocr";
  out["version"] = MLXOCR_VERSION;
  out["mlx"] = mlx_version();
  out["backend"] = backend_name();
  out["blas"] = blas_library();
  out["cpu_kernels"] = cpu_kernels_apply(model.dtype);
  out["threads"] = options.threads;
  out["threads_applied"] = threads_set;
  out["model"] = options.arch.empty() ? options.model : options.arch;
  out["weights"] = loaded.source;
  out["dtype"] = dtype_name(model.dtype);
  const Quantization quantization = quantization_of(model);
  out["quantized_bits"] = quantization.bits;
  out["quantized_encoder"] = quantization.encoder;
  out["int8_linear"] = int8_linear_supports(64, 64, 64, 8);
  out["int8_path"] = kernel::int8_path_name(kernel::int8_path());
  out["workload"] = {
      {"new_tokens", options.new_tokens},
      {"runs", options.runs},
      {"warmup", options.warmup},
      {"images", images.size()},
      {"image_source", options.images.empty() ? "rendered" : options.images.string()},
      {"batch_sizes", options.batch_sizes},
      {"num_beams", options.num_beams}};
  out["load_ms"] = loaded.load_ms;
  out["quantize_ms"] = loaded.quantize_ms;
  nlohmann::ordered_json metrics, runs;
  for (const auto& [key, values] : samples) {
    metrics[key] = median(values);
    runs[key] = values;
  }
  out["metrics"] = metrics;
  out["samples"] = runs;
  const double flops = encoder_flops_per_image(model.config);
  const double weight_bytes = decoder_weight_bytes_per_token(model);
  const double encoder_ms = metrics["encoder_ms_per_image"].get<double>();
  const double decoder_ms = metrics["decoder_ms_per_token"].get<double>();
  nlohmann::ordered_json analysis = {{"encoder_gflop_per_image", flops / 1e9},
                                     {"encoder_gflops", flops / 1e9 / (encoder_ms / 1000.0)},
                                     {"decoder_weight_mb_per_token", weight_bytes / 1e6}};
  // Before the limits, whose test arrays would count otherwise.
  const double peak_rss_mb = peak_rss_bytes() / 1e6;
  if (options.limits) {
    if (log) *log << "[bench] machine limits (sgemm, memory bandwidth)\n";
    // An 8-bit model's int8 layers left OpenBLAS on one thread (kernels/cpu/blas_threads.h): the
    // machine's sgemm peak is measured on all the threads the run was given.
    if (kernel::blas_single_threaded())
      kernel::set_openblas_threads(options.threads > 0
                                       ? options.threads
                                       : static_cast<int>(std::thread::hardware_concurrency()));
    // 2048 is large enough for any BLAS to reach its peak; a slow one (the reference BLAS runs
    // about 1 GFLOP/s) is measured at 512, which tells the same story in seconds.
    const double probe = measure_sgemm_gflops(512, 0.0);
    const double sgemm = probe < 10.0 ? std::max(probe, measure_sgemm_gflops(512, 0.5))
                                      : measure_sgemm_gflops(2048, 2.0);
    const double bandwidth = measure_read_bandwidth_gbs(std::size_t{512} << 20, 1.0);
    const double bound_ms = weight_bytes / (bandwidth * 1e9) * 1000.0;
    out["limits"] = {{"sgemm_gflops", sgemm}, {"read_bandwidth_gbs", bandwidth}};
    analysis["encoder_fraction_of_sgemm"] = analysis["encoder_gflops"].get<double>() / sgemm;
    analysis["decoder_bound_ms_per_token"] = bound_ms;
    analysis["decoder_ms_over_bound"] = decoder_ms / bound_ms;
  }
  out["analysis"] = analysis;
  out["peak_rss_mb"] = peak_rss_mb;
  return out;
}

}  // namespace mlxocr
