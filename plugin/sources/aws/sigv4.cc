// SigV4 as AWS's "Create a signed AWS API request" guide defines it for every service but S3:
// the path's dot segments and repeated slashes removed, then URI-encoded; query parameters
// decoded, re-encoded and sorted; header names lower-cased, values trimmed with inner runs of
// white space collapsed, repeated headers joined with ','; the payload's SHA-256; the signing key
// derived from the date, region and service.
#include "plugin/sources/aws/sigv4.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

#include "base/ascii.h"
#include "base/rfc3339.h"
#include "base/sha256.h"
#include "registry/url.h"

namespace pullguard::aws {
namespace {

std::string Hex(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(kHex[u >> 4]);
    out.push_back(kHex[u & 15]);
  }
  return out;
}

std::string Sha256Raw(std::string_view data) {
  Sha256 h;
  h.Update(data);
  auto d = h.Finish();
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = AsciiLower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// %XX decoded; anything else (a stray '%', '+') kept as is.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// RFC 3986 section 5.2.4 without the dot segments, and no empty segments (AWS services want
// repeated slashes removed); a trailing slash stays.
std::string CanonicalPath(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    std::string_view seg =
        path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  std::string s = path.front() == '/' ? "/" : "";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) s += '/';
    // The path is encoded again even when it already holds %XX: every service but S3 signs the
    // double-encoded form.
    s += registry::PercentEncode(out[i]);
  }
  if (path.back() == '/' && !out.empty()) s += '/';
  return s;
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t pos = 0;
  while (!query.empty() && pos <= query.size()) {
    std::size_t amp = query.find('&', pos);
    std::string_view part =
        query.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    std::size_t eq = part.find('=');
    std::string_view k = part.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    pairs.emplace_back(registry::PercentEncode(PercentDecode(k)),
                       registry::PercentEncode(PercentDecode(v)));
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  // By encoded name, then by value for a repeated name.
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) out += (out.empty() ? "" : "&") + k + "=" + v;
  return out;
}

// Trimall: no leading or trailing white space, inner runs become one space.
std::string TrimAll(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view data) {
  std::array<char, 64> block{};
  std::string k = key.size() > 64 ? Sha256Raw(key) : std::string(key);
  std::copy(k.begin(), k.end(), block.begin());
  std::string ipad(64, '\0'), opad(64, '\0');
  for (int i = 0; i < 64; ++i) {
    ipad[i] = static_cast<char>(block[i] ^ 0x36);
    opad[i] = static_cast<char>(block[i] ^ 0x5c);
  }
  std::fill(block.begin(), block.end(), '\0');
  std::fill(k.begin(), k.end(), '\0');
  Sha256 inner;
  inner.Update(ipad);
  inner.Update(data);
  auto ih = inner.Finish();
  Sha256 outer;
  outer.Update(opad);
  outer.Update(std::string_view(reinterpret_cast<const char*>(ih.data()), ih.size()));
  auto oh = outer.Finish();
  return std::string(reinterpret_cast<const char*>(oh.data()), oh.size());
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  auto day = std::chrono::floor<std::chrono::days>(secs);
  std::chrono::year_month_day ymd(day);
  std::chrono::hh_mm_ss hms(secs - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02ld%02ld%02ldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long>(hms.seconds().count()));
  return buf;
}

SigV4Signature SignV4(SigV4Request& request, const AwsCredentials& credentials,
                      std::string_view region, std::string_view service,
                      std::chrono::system_clock::time_point now) {
  auto has = [&](std::string_view name) {
    return std::any_of(request.headers.begin(), request.headers.end(),
                       [&](const auto& h) { return AsciiEqualFold(h.first, name); });
  };
  std::string amz_date;
  for (const auto& [name, value] : request.headers) {
    if (AsciiEqualFold(name, "x-amz-date")) amz_date = TrimAll(value);
  }
  if (amz_date.empty()) {
    amz_date = AmzDate(now);
    request.headers.emplace_back("X-Amz-Date", amz_date);
  }
  if (!credentials.session_token.empty() && !has("x-amz-security-token")) {
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token.reveal());
  }

  // Lower-cased names in order; values of a repeated name joined with ',' in arrival order.
  std::map<std::string, std::string> canonical;
  for (const auto& [name, value] : request.headers) {
    std::string lname = AsciiLower(TrimAll(name));
    auto [it, fresh] = canonical.try_emplace(lname, TrimAll(value));
    if (!fresh) it->second += "," + TrimAll(value);
  }
  std::string headers, signed_headers;
  for (const auto& [name, value] : canonical) {
    headers += name + ":" + value + "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + name;
  }

  std::string creq = request.method + "\n" + CanonicalPath(request.path) + "\n" +
                     CanonicalQuery(request.query) + "\n" + headers + "\n" + signed_headers + "\n" +
                     Sha256Hex(request.payload);
  std::string date = amz_date.substr(0, 8);
  std::string scope =
      date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  std::string sts = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(creq);

  std::string k = HmacSha256("AWS4" + credentials.secret_access_key.reveal(), date);
  k = HmacSha256(k, region);
  k = HmacSha256(k, service);
  k = HmacSha256(k, "aws4_request");
  std::string signature = Hex(HmacSha256(k, sts));
  std::fill(k.begin(), k.end(), '\0');

  SigV4Signature out;
  out.canonical_request = Secret(std::move(creq));
  out.string_to_sign = std::move(sts);
  out.authorization =
      Secret("AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
             ", SignedHeaders=" + signed_headers + ", Signature=" + signature);
  return out;
}

std::optional<std::chrono::system_clock::time_point> ParseCredentialExpiration(
    std::string_view rfc3339) {
  // 7258118400 is 2200-01-01T00:00:00Z.
  constexpr std::chrono::sys_seconds kLatest{std::chrono::seconds(7258118400)};
  auto t = ParseRfc3339(rfc3339);
  if (!t.ok() || *t < std::chrono::sys_seconds{} || *t >= kLatest) return std::nullopt;
  return std::chrono::system_clock::time_point(*t);
}

}  // namespace pullguard::aws
