// YAML -> JSON conversion with yaml-cpp, and the JSON path through the strict parser.
#include "plugin/config/config_document.h"

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>

#include "base/strict_json.h"
#include "plugin/kubelet/protocol.h"
#include "plugin/kubelet/yaml_json.h"

namespace pullguard {
namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxNodes = 200000;

struct Converter {
  std::size_t nodes = 0;
  std::string error;

  bool Convert(const YAML::Node& n, json& out, int depth) {
    if (++nodes > kMaxNodes) {
      error = "config expands to more than " + std::to_string(kMaxNodes) + " nodes";
      return false;
    }
    if (depth > kMaxJsonDepth) {
      error = "config is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
      return false;
    }
    switch (n.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out = nullptr;
        return true;
      case YAML::NodeType::Scalar:
        out = n.Scalar();
        return true;
      case YAML::NodeType::Sequence:
        out = json::array();
        for (const YAML::Node& item : n) {
          json v;
          if (!Convert(item, v, depth + 1)) return false;
          out.push_back(std::move(v));
        }
        return true;
      case YAML::NodeType::Map:
        out = json::object();
        for (const auto& kv : n) {
          if (!kv.first.IsScalar()) {
            error = "config has a map key that is not a plain string (line " +
                    std::to_string(kv.first.Mark().line + 1) + ")";
            return false;
          }
          const std::string& key = kv.first.Scalar();
          if (out.contains(key)) {
            error = "config has duplicate key " + QuoteForError(key) + " (line " +
                    std::to_string(kv.first.Mark().line + 1) + ")";
            return false;
          }
          json v;
          if (!Convert(kv.second, v, depth + 1)) return false;
          out[key] = std::move(v);
        }
        return true;
    }
    return true;
  }
};

}  // namespace

Result<json> ReadConfigDocument(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return MakeError(ErrorKind::kInvalidArgument, "config is empty");
  }
  if (text[first] == '{') return ParseStrictJson(text, "config");
  auto loaded = LoadYamlDocuments(text, "config");
  if (!loaded.ok()) return loaded.error();
  const std::vector<YAML::Node>& docs = *loaded;
  if (docs.size() != 1) {
    return MakeError(
        ErrorKind::kInvalidArgument,
        "config must hold exactly one YAML document, found " + std::to_string(docs.size()));
  }
  Converter c;
  json out;
  if (!c.Convert(docs[0], out, 0)) return MakeError(ErrorKind::kInvalidArgument, c.error);
  return out;
}

}  // namespace pullguard
