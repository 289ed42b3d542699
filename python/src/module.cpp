// mlxocr._core: the C++ engine for Python. Thin on purpose: the package's Python code
// (python/mlxocr) shapes the API; this module converts arguments, releases the GIL around every
// computation and turns mlxocr's error types into a Python exception hierarchy.
#include <nanobind/nanobind.h>

#include "bindings.h"
#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"

namespace nb = nanobind;

namespace {

// Each C++ error type gets a Python class of the same name under mlxocr.Error, so that
// `except mlxocr.UsageError` catches what the CLI reports with exit status 2. nanobind tries the
// translators last registered first: derived types are registered after their bases.
void add_errors(nb::module_& m) {
  const nb::exception<mlxocr::Error> error(m, "Error");
  nb::exception<mlxocr::FileError>(m, "FileError", error);
  nb::exception<mlxocr::CheckpointError>(m, "CheckpointError", error);
  nb::exception<mlxocr::ConfigError>(m, "ConfigError", error);
  nb::exception<mlxocr::ImageError>(m, "ImageError", error);
  nb::exception<mlxocr::TokenizerError>(m, "TokenizerError", error);
  nb::exception<mlxocr::DataError>(m, "DataError", error);
  nb::exception<mlxocr::TrainingError>(m, "TrainingError", error);
  // A bad option or value is also a ValueError, as Python code expects of a bad argument.
  const nb::exception<mlxocr::UsageError> usage(
      m, "UsageError", nb::make_tuple(error, nb::handle(PyExc_ValueError)));
  nb::exception<mlxocr::LimitError>(m, "LimitError", usage);
  const nb::exception<mlxocr::HubError> hub(m, "HubError", error);
  nb::exception<mlxocr::HubNetworkError>(m, "HubNetworkError", hub);
}

}  // namespace

NB_MODULE(_core, m) {
  m.doc() = "mlxocr's C++ engine (use the mlxocr package, not this module)";
  m.attr("__version__") = MLXOCR_VERSION;
  add_errors(m);
  mlxocr::python::add_recognizer(m);
  mlxocr::python::add_pipeline(m);
}
