// nlohmann's parser keeps the last of duplicated keys; a parse callback sees every key first and
// lets us refuse them (Kubernetes' strict decoding does the same).
#include "cache/strict_json.h"

#include <set>
#include <string>
#include <vector>

namespace pullguard {

Result<nlohmann::json> ParseStrictJson(std::string_view text) {
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  auto cb = [&](int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) {
      keys.emplace_back();
    } else if (event == E::object_end) {
      if (!keys.empty()) keys.pop_back();
    } else if (event == E::key && !keys.empty()) {
      std::string k = parsed.get<std::string>();
      if (!keys.back().insert(k).second && duplicate.empty()) duplicate = k;
    }
    return true;
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/true);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." -> keep the tail.
    auto pos = what.find("] ");
    return MakeError(ErrorKind::kInvalidArgument,
                     "invalid JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
  }
  if (!duplicate.empty()) {
    std::string shown = duplicate.size() > 64 ? duplicate.substr(0, 64) + "..." : duplicate;
    return MakeError(ErrorKind::kInvalidArgument, "duplicate field \"" + shown + "\"");
  }
  return j;
}

Status CheckKnownFields(const nlohmann::json& obj, std::initializer_list<std::string_view> allowed,
                        std::string_view what) {
  if (!obj.is_object()) {
    return MakeError(ErrorKind::kInvalidArgument, std::string(what) + " must be a JSON object");
  }
  for (const auto& [k, v] : obj.items()) {
    bool ok = false;
    for (auto a : allowed) ok = ok || a == k;
    if (!ok) {
      std::string shown = k.size() > 64 ? k.substr(0, 64) + "..." : k;
      return MakeError(ErrorKind::kInvalidArgument,
                       "unknown field \"" + shown + "\" in " + std::string(what));
    }
  }
  return Status::Ok();
}

}  // namespace pullguard
