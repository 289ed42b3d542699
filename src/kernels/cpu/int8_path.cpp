#include "kernels/cpu/int8_path.h"

#include <cstdlib>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif

#include "mlxocr/error.h"

namespace mlxocr::kernel {

namespace {

// Fastest first: the order in which an unset MLXOCR_INT8_PATH is resolved.
constexpr Int8Path kAll[] = {Int8Path::kAvx512Vnni, Int8Path::kAvxVnni, Int8Path::kAvx2,
                             Int8Path::kPortable, Int8Path::kOff};

std::string names() {
  std::string out;
  for (Int8Path p : kAll)
    out += std::string(out.empty() ? "" : ", ") + int8_path_name(p);
  return out;
}

std::string available_names() {
  std::string out;
  for (Int8Path p : kAll)
    if (int8_path_available(p)) out += std::string(out.empty() ? "" : ", ") + int8_path_name(p);
  return out;
}

#if defined(__x86_64__) && defined(__GNUC__)
// AVX-VNNI (VEX-encoded vpdpbusd): CPUID leaf 7, sub-leaf 1, EAX bit 4. Asked of CPUID itself
// because clang 14's __builtin_cpu_supports does not know "avxvnni"; the OS's saving of the YMM
// registers is what __builtin_cpu_supports("avx2") checks already.
bool cpu_has_avx_vnni() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) return false;
  return (eax >> 4) & 1u;
}
#endif

Int8Path choose() {
  if (std::getenv("MLXOCR_INT8_LINEAR") != nullptr)
    throw UsageError(
        "MLXOCR_INT8_LINEAR is no longer read: MLXOCR_INT8_PATH=off turns the int8 products off "
        "(or names the path to take: " +
        names() + ")");
  const char* env = std::getenv("MLXOCR_INT8_PATH");
  if (env != nullptr && *env != '\0') return parse_int8_path(env);
  for (Int8Path p : {Int8Path::kAvx512Vnni, Int8Path::kAvxVnni, Int8Path::kAvx2})
    if (int8_path_available(p)) return p;
  return Int8Path::kOff;
}

}  // namespace

const char* int8_path_name(Int8Path path) {
  switch (path) {
    case Int8Path::kAvx512Vnni:
      return "avx512vnni";
    case Int8Path::kAvxVnni:
      return "avxvnni";
    case Int8Path::kAvx2:
      return "avx2";
    case Int8Path::kPortable:
      return "portable";
    case Int8Path::kOff:
      break;
  }
  return "off";
}

bool int8_path_available(Int8Path path) {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool vnni = __builtin_cpu_supports("avx512f") &&
                           __builtin_cpu_supports("avx512bw") &&
                           __builtin_cpu_supports("avx512vnni");
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  static const bool avx_vnni = avx2 && cpu_has_avx_vnni();
#else
  constexpr bool vnni = false, avx_vnni = false, avx2 = false;
#endif
  switch (path) {
    case Int8Path::kAvx512Vnni:
      return vnni;
    case Int8Path::kAvxVnni:
      return avx_vnni;
    case Int8Path::kAvx2:
      return avx2;
    case Int8Path::kPortable:
    case Int8Path::kOff:
      break;
  }
  return true;
}

std::vector<Int8Path> int8_paths_available() {
  std::vector<Int8Path> out;
  for (Int8Path p : kAll)
    if (p != Int8Path::kOff && int8_path_available(p)) out.push_back(p);
  return out;
}

Int8Path parse_int8_path(const std::string& value) {
  for (Int8Path p : kAll) {
    if (value != int8_path_name(p)) continue;
    if (!int8_path_available(p))
      throw UsageError("MLXOCR_INT8_PATH=" + value +
                       ": this CPU cannot run that path (it can: " + available_names() + ")");
    return p;
  }
  throw UsageError("MLXOCR_INT8_PATH=" + value + ": not a path (one of " + names() + ")");
}

Int8Path int8_path() {
  // A throwing initialiser leaves the static unset, so every call reports the same error.
  static const Int8Path path = choose();
  return path;
}

}  // namespace mlxocr::kernel
