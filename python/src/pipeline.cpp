// mlxocr._core.Pipeline: include/mlxocr/pipeline.h's Pipeline over files, each page's result as
// the JSON text `mlxocr ocr --format json` prints for it (pipeline/writers.h), so that Python
// reads exactly the CLI's records.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <string>
#include <vector>

#include "bindings.h"
#include "mlxocr/pipeline.h"
#include "pipeline/writers.h"

namespace nb = nanobind;

namespace mlxocr::python {

namespace {

std::vector<std::string> run(Pipeline& pipeline, const std::vector<std::string>& files) {
  std::vector<std::string> pages;
  for (const PageResult& page : pipeline.run(files))
    pages.push_back(to_json(page).dump());
  return pages;
}

}  // namespace

void add_pipeline(nb::module_& m) {
  nb::enum_<RegionMode>(m, "RegionMode")
      .value("line", RegionMode::kLine)
      .value("page", RegionMode::kPage)
      .value("form", RegionMode::kForm);
  nb::enum_<LayoutEngine>(m, "LayoutEngine")
      .value("tesseract", LayoutEngine::kTesseract)
      .value("simple", LayoutEngine::kSimple);
  using O = PipelineOptions;
  nb::class_<O>(m, "PipelineOptions")
      .def(nb::init<>())
      .def_rw("models", &O::models)
      .def_rw("dtype", &O::dtype)
      .def_rw("mode", &O::mode)
      .def_rw("layout", &O::layout)
      .def_rw("detect_orientation", &O::detect_orientation)
      .def_rw("dpi", &O::dpi)
      .def_rw("pages", &O::pages)
      .def_rw("max_pixels", &O::max_pixels)
      .def_rw("batch_size", &O::batch_size)
      .def_rw("max_new_tokens", &O::max_new_tokens)
      .def_rw("num_beams", &O::num_beams)
      .def_rw("min_confidence", &O::min_confidence)
      .def_rw("template_file", &O::template_file)
      .def_rw("align", &O::align)
      .def_rw("fields_file", &O::fields_file)
      .def_rw("inset", &O::inset)
      .def_rw("fit_to_ink", &O::fit_to_ink)
      .def_rw("contrast", &O::contrast)
      .def_rw("brightness", &O::brightness);
  nb::class_<Pipeline>(m, "Pipeline")
      .def(nb::init<PipelineOptions>(), nb::arg("options"),
           nb::call_guard<nb::gil_scoped_release>())
      .def("run", &run, nb::arg("files"), nb::call_guard<nb::gil_scoped_release>());
}

}  // namespace mlxocr::python
