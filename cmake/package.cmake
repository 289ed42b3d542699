# The installable package (docs/api.md): `cmake --install build --prefix P` puts
#   P/lib/libmlxocr.so.*                  the engine, one shared library (the static library's
#                                         objects, whole), found by consumers through
#   P/lib/cmake/mlxocr/                   mlxocrConfig.cmake + ConfigVersion + mlxocrTargets
#   P/include/mlxocr/                     the public headers (no MLX, OpenCV or internal ones)
#   P/bin/mlxocr                          the CLI
#   P/share/mlxocr/models/mlxocr-fields-tiny/   the bundled default model, which the CLI and the
#                                         library find from their own place (io/default_model.h)
# Both binaries keep an RPATH to the libraries they were linked with outside the build tree:
# MLX's libmlx.so in the venv's mlx wheel, OpenBLAS. A consumer finds MLX the same way: the
# package config looks for MLX's CMake package where this build found it (MLX_DIR), unless the
# consumer points MLX_DIR / MLX_ROOT elsewhere.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# CMake wants a source for a library; the code is mlxocr_lib's, linked in whole below.
file(CONFIGURE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/package/mlxocr_shared.cpp
     CONTENT "// libmlxocr.so: its code is the static library's objects (cmake/package.cmake).\n")
add_library(mlxocr_shared SHARED ${CMAKE_CURRENT_BINARY_DIR}/package/mlxocr_shared.cpp)
# The whole static library: an application may call any public entry point.
target_link_libraries(mlxocr_shared PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,mlxocr_lib>")
target_include_directories(mlxocr_shared INTERFACE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(mlxocr_shared INTERFACE cxx_std_20)
# SOVERSION: the public headers are pimpl classes and plain structs, so the ABI changes only when
# those structs or signatures do (docs/api.md, "Stability").
# The installed binaries find libmlx.so where this build found it (CMake's own
# INSTALL_RPATH_USE_LINK_PATH leaves out folders inside the source tree, where dev.sh's venv is).
get_target_property(mlx_location mlx IMPORTED_LOCATION_RELEASE)
if(NOT mlx_location)
  get_target_property(mlx_location mlx IMPORTED_LOCATION)
endif()
get_filename_component(mlx_lib_dir "${mlx_location}" DIRECTORY)
set(MLXOCR_INSTALL_RPATH "${mlx_lib_dir}")
if(MLXOCR_OPENBLAS)
  get_filename_component(openblas_dir "${MLXOCR_OPENBLAS}" DIRECTORY)
  list(APPEND MLXOCR_INSTALL_RPATH "${openblas_dir}")
endif()
set_target_properties(mlxocr_shared PROPERTIES
  OUTPUT_NAME mlxocr EXPORT_NAME mlxocr VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
  INSTALL_RPATH "${MLXOCR_INSTALL_RPATH}")
mlxocr_link_openblas(mlxocr_shared)
add_library(mlxocr::mlxocr ALIAS mlxocr_shared)

install(TARGETS mlxocr_shared EXPORT mlxocrTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/mlxocr DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set_target_properties(mlxocr PROPERTIES INSTALL_RPATH "${MLXOCR_INSTALL_RPATH}")
install(TARGETS mlxocr RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${MLXOCR_BUNDLED_MODEL_DIR}/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/mlxocr/models/mlxocr-fields-tiny)

set(MLXOCR_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mlxocr)
install(EXPORT mlxocrTargets NAMESPACE mlxocr:: DESTINATION ${MLXOCR_CMAKE_DIR})
configure_package_config_file(cmake/mlxocrConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/package/mlxocrConfig.cmake INSTALL_DESTINATION ${MLXOCR_CMAKE_DIR})
# 0.x: a minor version may change the API (semantic versioning's rule for 0.y.z).
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/package/mlxocrConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/package/mlxocrConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/package/mlxocrConfigVersion.cmake
        DESTINATION ${MLXOCR_CMAKE_DIR})
