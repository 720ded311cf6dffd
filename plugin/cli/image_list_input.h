// The runtime's image list as `records gc` and `records recover` take it (--images FILE, or "-"
// for stdin): read, parsed (cache/runtime_images.h), and dated, since gc keeps every record
// updated after the list was taken.
#pragma once

#include <optional>
#include <string>

#include "base/result.h"
#include "cache/records.h"
#include "cache/runtime_images.h"
#include "plugin/cli/command.h"

namespace pullguard {

struct ImageListInput {
  RuntimeImageList list;
  // When the list was taken at the latest: the file's modification time, or now for stdin.
  RecordTime taken{};
};

// Refuses an unreadable file, a list that does not parse and an empty list (a node always holds
// at least its pause image: an empty list is far likelier a failed `crictl` than an empty node,
// and read as one it would make gc remove every record).
// `flag` names the option in errors.
Result<ImageListInput> ReadImageListInput(const std::string& path, Io& io,
                                          const char* flag = "--images");

}  // namespace pullguard
