// kubelet's ParseSchemelessURL / SplitURL / URLsMatch (pkg/credentialprovider/keyring.go), on top
// of the Go net/url and filepath.Match ports, so patterns match exactly where kubelet's do.
#include "matcher/urls_match.h"

#include <vector>

#include "base/quote.h"
#include "matcher/glob.h"
#include "matcher/go_url.h"

namespace pullguard {
namespace {

std::vector<std::string_view> SplitLabels(std::string_view host) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t dot = host.find('.', start);
    if (dot == std::string_view::npos) {
      parts.push_back(host.substr(start));
      return parts;
    }
    parts.push_back(host.substr(start, dot - start));
    start = dot + 1;
  }
}

}  // namespace

Result<SchemelessUrl> ParseSchemelessUrl(std::string_view s) {
  auto url = ParseGoUrl(s);
  if (!url.ok()) return url.error();
  SchemelessUrl out;
  HostPort hp;
  // SplitURL: when net.SplitHostPort fails kubelet keeps the whole host and no port.
  if (GoSplitHostPort(url->host, &hp)) {
    out.host = std::move(hp.host);
    out.port = std::move(hp.port);
  } else {
    out.host = url->host;
  }
  out.path = std::move(url->path);
  return out;
}

Result<bool> UrlsMatch(std::string_view pattern, std::string_view image) {
  auto glob = ParseSchemelessUrl(pattern);
  if (!glob.ok()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "pattern " + Quote(pattern) + ": " + glob.error().message);
  }
  auto target = ParseSchemelessUrl(image);
  if (!target.ok()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "image " + Quote(image) + ": " + target.error().message);
  }
  if (glob->port != target->port) return false;
  std::vector<std::string_view> glob_parts = SplitLabels(glob->host);
  std::vector<std::string_view> target_parts = SplitLabels(target->host);
  if (glob_parts.size() != target_parts.size()) return false;
  // A plain string prefix, as kubelet does: "/pong" covers "/pongz".
  if (target->path.compare(0, glob->path.size(), glob->path) != 0) return false;
  for (size_t i = 0; i < glob_parts.size(); ++i) {
    auto m = GoFilepathMatch(glob_parts[i], target_parts[i]);
    if (!m.ok()) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "pattern " + Quote(pattern) + ": " + m.error().message);
    }
    if (!*m) return false;
  }
  return true;
}

}  // namespace pullguard
