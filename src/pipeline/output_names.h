// The names under which `mlxocr ocr -o DIR` writes each input's results.
#pragma once

#include <string>
#include <vector>

namespace mlxocr {

// One name per input, unique and stable: the input's path relative to the deepest folder holding
// all inputs, without its extension ("a/x" and "b/x" for a/x.png and b/x.png; "x" alone). Where
// two inputs would still share a name (x.png beside x.jpg), or a name would be that of the
// aggregate files ("results"), those inputs keep their extension ("x.png", "x.jpg"). A name
// depends on the set of inputs only, never on their order, so a rerun writes the same files; the
// same file given twice is one input with one name.
std::vector<std::string> output_names(const std::vector<std::string>& files);

}  // namespace mlxocr
