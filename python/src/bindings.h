// The parts of mlxocr._core, one per file (python/src/module.cpp puts them together).
#pragma once

#include <nanobind/nanobind.h>

namespace mlxocr::python {

// Recognizer: model loading and line recognition over files and arrays.
void add_recognizer(nanobind::module_& m);
// Pipeline: line, page and form reading, results as the CLI's JSON.
void add_pipeline(nanobind::module_& m);

}  // namespace mlxocr::python
