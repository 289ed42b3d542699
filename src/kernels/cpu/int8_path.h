// Which code multiplies 8-bit linear layers as integer products (int8_linear.cpp): chosen
// once per process from the CPU's features, or forced with MLXOCR_INT8_PATH.
//
//   avx512vnni  vpdpbusd on 512-bit vectors (AVX-512 F, BW and VNNI)
//   avxvnni     vpdpbusd on 256-bit vectors, VEX-encoded (AVX-VNNI, AVX2 and FMA): client CPUs
//               with VNNI but no AVX-512 (Intel Alder Lake and later, AMD Zen 5 client parts)
//   avx2        vpmaddwd on 256-bit vectors (AVX2 and FMA): the codes widened to 16 bits, so
//               no product or pair sum saturates (vpmaddubsw's int16 pair sums would)
//   portable    plain C++ for any CPU (the compiler vectorises what it can)
//   off         no integer products: 8-bit weights are dequantized for float32 sgemm
//
// Every path computes the same int32 sums and scales them with the same float operations in the
// same order, so all give bit-identical outputs. Unset, the fastest path the CPU has is taken:
// avx512vnni, else avxvnni, else avx2, else off (the portable path is not faster than sgemm on the
// dequantized weight where it has been measured; it is there to be forced and tested).
#pragma once

#include <string>
#include <vector>

namespace mlxocr::kernel {

enum class Int8Path { kAvx512Vnni, kAvxVnni, kAvx2, kPortable, kOff };

const char* int8_path_name(Int8Path path);
// Whether this CPU can run `path` (always true for portable and off).
bool int8_path_available(Int8Path path);
// The paths with integer products this CPU can run, fastest first; portable is always last.
std::vector<Int8Path> int8_paths_available();
// `value` as MLXOCR_INT8_PATH spells it; UsageError for an unknown name or a path this CPU lacks.
Int8Path parse_int8_path(const std::string& value);
// The process's path: MLXOCR_INT8_PATH if set and not empty, else the fastest available. Throws
// UsageError (every call) when the variable names an unknown path or one this CPU lacks, or when
// the retired MLXOCR_INT8_LINEAR is set.
Int8Path int8_path();

}  // namespace mlxocr::kernel
