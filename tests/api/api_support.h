// Helpers shared by the public API's tests. tests/test_support.h has the same error_of, but it
// includes MLX and engine headers that these tests, compiled with the public headers alone, must
// not see.
#pragma once

#include <gtest/gtest.h>

#include <string>

// The message of the E that f throws; a test failure when it throws none.
template <typename E, typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return "";
}
