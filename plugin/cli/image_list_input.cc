// --images FILE|- (plugin/cli/image_list_input.h).
#include "plugin/cli/image_list_input.h"

#include "plugin/cli/records_json.h"

namespace pullguard {
namespace {

RecordTime Seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t);
}

}  // namespace

Result<ImageListInput> ReadImageListInput(const std::string& path, Io& io, const char* flag) {
  ImageListInput out;
  std::string text;
  if (path == "-") {
    out.taken = Seconds(io.now());  // read before the list: a pipe from crictl is not older
    auto in = ReadAllInput(io, kMaxImageListBytes);
    if (!in.ok()) return in.error();
    text = std::move(*in);
  } else {
    auto file = io.env.ReadOperatorFile(path, kMaxImageListBytes);
    if (!file.ok()) {
      return MakeError(file.error().kind, std::string(flag) + ": " + file.error().message);
    }
    out.taken = Seconds(file->info.mtime);
    text = std::move(file->data);
  }
  auto list = ParseRuntimeImageList(text);
  if (!list.ok()) return list.error();
  if (list->images.empty()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "the image list holds no images; refusing to act on it (a node has at "
                     "least its pause image: was the list taken?)");
  }
  out.list = std::move(*list);
  return out;
}

}  // namespace pullguard
