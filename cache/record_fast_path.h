// A fast path of DecodePulledRecord (pullguard's own, no kubelet counterpart) for the plain JSON
// kubelet writes: one pass over the bytes, no JSON tree. It takes only what it fully understands
// (the five fields, strings of printable ASCII without escapes, JSON whitespace anywhere) and
// says no to anything else, which then goes to the strict decoder for the verdict and the error.
// So it accepts nothing that decoder refuses, with the same value (tests/fuzz/records_fuzz.cc
// checks both on every input). Measured: the index build's decoding went from ~50 k to ~3 k
// instructions per record (bench/NOTES.md).
#pragma once

#include <string_view>

#include "cache/records.h"

namespace pullguard {

// True and `out` filled when `text` is a valid record in the plain form; false says nothing
// about validity (the caller asks the strict decoder).
bool DecodePlainPulledRecord(std::string_view text, ImagePulledRecord* out);

}  // namespace pullguard
