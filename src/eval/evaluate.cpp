#include "eval/evaluate.h"

#include <algorithm>

#include "image/image.h"
#include "mlxocr/error.h"

namespace mlxocr {

Evaluation evaluate(const Recognizer& recognizer, const std::vector<Sample>& samples,
                    const GenerationConfig& generation, const EvalOptions& options) {
  if (options.batch_size < 1) throw UsageError("EvalOptions::batch_size must be at least 1");
  Evaluation result;
  const size_t batch = static_cast<size_t>(options.batch_size);
  for (size_t start = 0; start < samples.size(); start += batch) {
    const size_t end = std::min(samples.size(), start + batch);
    std::vector<RgbImage> images;
    std::vector<const Sample*> decoded;
    for (size_t i = start; i < end; ++i) {
      try {
        RgbImage image = load_image(samples[i].image);
        if (const std::string why = recognizer.size_problem(image); !why.empty())
          throw ImageError(samples[i].image.string() + ": " + why);
        images.push_back(std::move(image));
        decoded.push_back(&samples[i]);
      } catch (const Error& e) {
        result.problems.push_back(e.what());  // names the file
      }
    }
    const std::vector<RecognizedLine> lines =
        recognizer.recognize_images(images, generation, options.batch_size);
    for (size_t k = 0; k < lines.size(); ++k) {
      result.images.push_back(decoded[k]->image);
      result.references.push_back(decoded[k]->text);
      result.predictions.push_back(lines[k].text);
    }
    if (options.progress) options.progress(end, samples.size());
  }
  result.metrics = compute_metrics(result.predictions, result.references, options.worst_count);
  return result;
}

}  // namespace mlxocr
