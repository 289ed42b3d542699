// mlxocr._core.Recognizer: a model loaded once, reading text lines from image files or from
// uint8 arrays (H x W, or H x W x C with C = 1, 3 or 4), with transformers' generate() arguments.
#include <nanobind/ndarray.h>
#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "bindings.h"
#include "image/cv_convert.h"
#include "io/model_resolver.h"
#include "mlxocr/limit_error.h"
#include "mlxocr/pipeline.h"
#include "pipeline/recognizer.h"

namespace nb = nanobind;

namespace mlxocr::python {

namespace {

using Pixels = nb::ndarray<const std::uint8_t, nb::device::cpu>;

// An array as the RGB image load_image makes of a file with the same pixels (image/image.h):
// gray replicated into R, G and B, alpha dropped. Any strides (views, slices) are read.
RgbImage to_rgb(const Pixels& array, size_t index) {
  const std::string name = "image " + std::to_string(index);
  const size_t ndim = array.ndim();
  const size_t channels = ndim == 2 ? 1 : ndim == 3 ? array.shape(2) : 0;
  if (channels != 1 && channels != 3 && channels != 4) {
    throw ImageError(name + ": expected a uint8 array of shape (H, W) or (H, W, C) with C 1, 3 " +
                     "or 4; got " + std::to_string(ndim) + " dimensions" +
                     (ndim == 3 ? " and " + std::to_string(array.shape(2)) + " channels" : ""));
  }
  const std::uint64_t height = array.shape(0), width = array.shape(1);
  if (width == 0 || height == 0) throw ImageError(name + ": the array has no pixels");
  if (width * height > kMaxImagePixels) {
    throw LimitError(name, "", std::to_string(width) + "x" + std::to_string(height) + " pixels",
                     std::to_string(kMaxImagePixels));
  }
  RgbImage image;
  image.width = static_cast<int>(width);
  image.height = static_cast<int>(height);
  image.pixels.resize(width * height * 3);
  const std::int64_t sy = array.stride(0), sx = array.stride(1);
  const std::int64_t sc = ndim == 3 ? array.stride(2) : 0;
  const std::uint8_t* base = array.data();
  std::uint8_t* out = image.pixels.data();
  for (std::uint64_t y = 0; y < height; ++y) {
    for (std::uint64_t x = 0; x < width; ++x, out += 3) {
      const std::uint8_t* p = base + y * sy + x * sx;
      out[0] = p[0];
      out[1] = channels == 1 ? p[0] : p[sc];
      out[2] = channels == 1 ? p[0] : p[2 * sc];
    }
  }
  return image;
}

// The checkpoint's generation settings with transformers-named overrides (a JSON object, e.g.
// {"num_beams": 4}), checked against the model.
GenerationConfig settings(const Recognizer& recognizer, const std::string& generate_kwargs) {
  GenerationConfig config = recognizer.default_config();
  apply_generate_kwargs(config, nlohmann::json::parse(generate_kwargs), "generate arguments");
  validate_generation_config(config, recognizer.model().config);
  return config;
}

void check_batch_size(int batch_size) {
  if (batch_size < 1) throw UsageError("batch_size must be at least 1");
  if (batch_size > kMaxBatchSize) {
    throw LimitError("", "batch_size", std::to_string(batch_size) + " is too large",
                     std::to_string(kMaxBatchSize));
  }
}

void check_min_confidence(double threshold) {
  if (!(threshold >= 0 && threshold <= 1))
    throw UsageError("min_confidence must be between 0 and 1");
}

std::vector<RecognizedLine> recognize_files(const Recognizer& recognizer,
                                            const std::vector<std::string>& files,
                                            const std::string& generate_kwargs, int batch_size,
                                            double min_confidence) {
  check_batch_size(batch_size);
  check_min_confidence(min_confidence);
  const GenerationConfig config = settings(recognizer, generate_kwargs);
  std::vector<std::filesystem::path> paths(files.begin(), files.end());
  auto lines = recognizer.recognize(paths, config, batch_size);
  apply_min_confidence(lines, min_confidence);
  return lines;
}

std::vector<RecognizedLine> recognize_arrays(const Recognizer& recognizer,
                                             const std::vector<Pixels>& arrays,
                                             const std::string& generate_kwargs, int batch_size,
                                             double min_confidence) {
  check_batch_size(batch_size);
  check_min_confidence(min_confidence);
  std::vector<RgbImage> images;
  images.reserve(arrays.size());
  for (size_t i = 0; i < arrays.size(); ++i)
    images.push_back(to_rgb(arrays[i], i));
  // The pixels are copied: the computation no longer touches Python objects.
  nb::gil_scoped_release release;
  const GenerationConfig config = settings(recognizer, generate_kwargs);
  // An image the encoder cannot take (a processor that does not resize) fails its own line.
  std::vector<RecognizedLine> lines(images.size());
  std::vector<RgbImage> readable;
  std::vector<size_t> where;
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string problem = recognizer.size_problem(images[i]);
    if (!problem.empty()) {
      lines[i].error = "image " + std::to_string(i) + ": " + problem;
      continue;
    }
    readable.push_back(std::move(images[i]));
    where.push_back(i);
  }
  auto read = recognizer.recognize_images(readable, config, batch_size);
  for (size_t k = 0; k < read.size(); ++k)
    lines[where[k]] = std::move(read[k]);
  apply_min_confidence(lines, min_confidence);
  return lines;
}

// A lossless PNG of an array's RGB image: how an in-memory page reaches Pipeline, which reads
// files (page analysis opens documents, PDFs and TIFFs included, by name).
void write_png(const Pixels& array, const std::string& file) {
  const RgbImage image = to_rgb(array, 0);
  nb::gil_scoped_release release;
  if (!cv::imwrite(file, to_bgr(image))) throw FileError(file + ": cannot write the PNG");
}

void add_results(nb::module_& m) {
  nb::class_<WordConfidence>(m, "WordConfidence")
      .def_ro("text", &WordConfidence::text)
      .def_ro("confidence", &WordConfidence::confidence);
  nb::class_<LineHypothesis>(m, "LineHypothesis")
      .def_ro("text", &LineHypothesis::text)
      .def_ro("token_ids", &LineHypothesis::token_ids)
      .def_ro("token_logprobs", &LineHypothesis::token_logprobs)
      .def_ro("confidence", &LineHypothesis::confidence)
      .def_ro("words", &LineHypothesis::words)
      .def_ro("sequence_score", &LineHypothesis::sequence_score)
      .def_ro("finished", &LineHypothesis::finished);
  nb::class_<RecognizedLine>(m, "RecognizedLine")
      .def_ro("source", &RecognizedLine::source)
      .def_ro("text", &RecognizedLine::text)
      .def_ro("confidence", &RecognizedLine::confidence)
      .def_ro("token_ids", &RecognizedLine::token_ids)
      .def_ro("token_logprobs", &RecognizedLine::token_logprobs)
      .def_ro("finished", &RecognizedLine::finished)
      .def_ro("error", &RecognizedLine::error)
      .def_ro("words", &RecognizedLine::words)
      .def_ro("sequence_score", &RecognizedLine::sequence_score)
      .def_ro("alternatives", &RecognizedLine::alternatives);
}

}  // namespace

void add_recognizer(nb::module_& m) {
  add_results(m);
  m.def(
      "resolve_model", [](const std::string& spec) { return resolve_model(spec); }, nb::arg("spec"),
      nb::call_guard<nb::gil_scoped_release>(),
      "The folder of a model folder, hub id (from the cache, downloaded when absent) or '' (the "
      "bundled default).");
  m.def("write_png", &write_png, nb::arg("array"), nb::arg("file"));
  nb::class_<Recognizer>(m, "Recognizer")
      // dtype: "float32", "float16" or "bfloat16" (mlxocr convert's --dtype); "": load_model's
      // default.
      .def(
          "__init__",
          [](Recognizer* self, const std::filesystem::path& model_dir, const std::string& dtype) {
            std::optional<mx::Dtype> compute;
            if (!dtype.empty()) compute = parse_float_dtype(dtype);
            new (self) Recognizer(model_dir, compute);
          },
          nb::arg("model_dir"), nb::arg("dtype") = "", nb::call_guard<nb::gil_scoped_release>())
      .def_prop_ro("dtype", [](const Recognizer& r) { return dtype_name(r.model().dtype); })
      .def("recognize_files", &recognize_files, nb::arg("files"), nb::arg("generate_kwargs"),
           nb::arg("batch_size"), nb::arg("min_confidence"),
           nb::call_guard<nb::gil_scoped_release>())
      .def("recognize_arrays", &recognize_arrays, nb::arg("arrays"), nb::arg("generate_kwargs"),
           nb::arg("batch_size"), nb::arg("min_confidence"))
      .def_prop_ro("default_generate_kwargs", [](const Recognizer& r) {
        const GenerationConfig& c = r.default_config();
        return nlohmann::json{{"max_new_tokens", c.max_new_tokens},
                              {"num_beams", c.num_beams},
                              {"do_sample", c.do_sample},
                              {"length_penalty", c.length_penalty},
                              {"no_repeat_ngram_size", c.no_repeat_ngram_size},
                              {"repetition_penalty", c.repetition_penalty}}
            .dump();
      });
}

}  // namespace mlxocr::python
