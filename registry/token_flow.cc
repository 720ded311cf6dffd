// Token flows of the distribution spec: GET with Basic auth, OAuth2 POST with containerd's GET
// fall-back, and token-response decoding into Secrets with a conservative expiry.
#include "registry/token_flow.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/quote.h"
#include "base/strict_json.h"
#include "registry/url.h"

namespace pullguard::registry {
namespace {

using std::chrono::system_clock;

// RFC 3339 "2009-11-10T23:00:00Z", with optional fraction and numeric offset.
std::optional<system_clock::time_point> ParseRfc3339(std::string_view s) {
  if (s.size() < 20 || s.size() > 64) return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len, int& out) {
    auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return ec == std::errc() && p == s.data() + pos + len;
  };
  int y, mo, d, h, mi, se;
  if (!num(0, 4, y) || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' || !num(8, 2, d) ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !num(11, 2, h) || s[13] != ':' ||
      !num(14, 2, mi) || s[16] != ':' || !num(17, 2, se)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  // system_clock counts nanoseconds in 64 bits (years 1678..2262): stay well inside.
  if (y < 1970 || y > 2200) return std::nullopt;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return std::nullopt;
  }
  long offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh, om;
    if (!num(i + 1, 2, oh) || !num(i + 4, 2, om) || oh > 23 || om > 59) return std::nullopt;
    offset = (s[i] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = std::min(se, 59);
  std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return system_clock::from_time_t(t - offset);
}

std::string StringField(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

struct Outcome {
  long status = 0;
  Result<Token> token = MakeError(ErrorKind::kInternal, "no answer");
};

Error StatusError(long status, const std::string& realm, const char* how) {
  std::string msg = "token server " + realm + " answered " + std::to_string(status) + " to " + how;
  if (status == 401 || status == 403) {
    return MakeError(ErrorKind::kUnauthorized, msg + " (credential refused)");
  }
  return MakeError(ErrorKind::kNetwork, msg);
}

Outcome Finish(Result<HttpResponse> r, const Url& realm, const char* how,
               system_clock::time_point now) {
  Outcome o;
  if (!r.ok()) {
    o.token = r.error();
    return o;
  }
  o.status = r->status;
  if (r->status < 200 || r->status > 299) {
    o.token = StatusError(r->status, realm.Redacted(), how);
    return o;
  }
  o.token = ParseTokenResponse(r->body, now);
  if (!o.token.ok()) {
    o.token = MakeError(o.token.error().kind,
                        "token server " + realm.Redacted() + ": " + o.token.error().message);
  }
  return o;
}

Outcome Get(HttpClient& client, const TokenRequest& req, const Url& realm, const Secret* secret,
            system_clock::time_point now) {
  Url url = realm;
  if (!req.service.empty()) AppendQuery(url, "service", req.service);
  for (const std::string& s : req.scopes) AppendQuery(url, "scope", s);
  AppendQuery(url, "client_id", req.client_id);
  if (req.offline) AppendQuery(url, "offline_token", "true");
  HttpRequest http;
  http.url = url.ToString();
  http.credential = secret != nullptr;
  if (secret != nullptr) {
    http.authorization =
        BasicAuthorization(req.credential ? req.credential->username : std::string(), *secret);
  }
  return Finish(client.Send(http), realm, "GET", now);
}

Outcome Post(HttpClient& client, const TokenRequest& req, const Url& realm, const Secret& secret,
             system_clock::time_point now) {
  std::vector<std::pair<std::string, std::string>> form;
  if (!req.scopes.empty()) {
    std::string joined;
    for (const std::string& s : req.scopes) joined += (joined.empty() ? "" : " ") + s;
    form.emplace_back("scope", joined);
  }
  form.emplace_back("service", req.service);
  form.emplace_back("client_id", req.client_id);
  if (req.refresh_token.has_value()) {
    form.emplace_back("grant_type", "refresh_token");
    form.emplace_back("refresh_token", secret.reveal());
  } else {
    form.emplace_back("grant_type", "password");
    form.emplace_back("username", req.credential->username);
    form.emplace_back("password", secret.reveal());
  }
  if (req.offline) form.emplace_back("access_type", "offline");
  HttpRequest http;
  http.method = "POST";
  http.credential = true;
  http.url = realm.ToString();
  http.body = FormEncode(form);
  for (auto& [name, value] : form) std::fill(value.begin(), value.end(), '\0');
  http.content_type = "application/x-www-form-urlencoded; charset=utf-8";
  return Finish(client.Send(http), realm, "POST", now);
}

}  // namespace

bool HasControlCharacter(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

Result<Token> ParseTokenResponse(std::string_view body, system_clock::time_point now) {
  // Strict: with duplicate keys it is unclear which token the server meant; a NUL byte or data
  // after the object means a broken or hostile server. Errors never quote the body.
  auto parsed = ParseStrictJson(body, "token response");
  if (!parsed.ok()) return MakeError(ErrorKind::kCorrupt, parsed.error().message);
  const nlohmann::json& j = *parsed;
  if (!j.is_object()) return MakeError(ErrorKind::kCorrupt, "token response is not a JSON object");
  Token t;
  std::string token = StringField(j, "token");
  if (token.empty()) token = StringField(j, "access_token");
  if (token.empty()) return MakeError(ErrorKind::kCorrupt, "token response holds no token");
  // A NUL would cut an Authorization header (or kubelet's password) short, CR/LF would split it;
  // no real token holds a control character.
  for (const char* field : {"token", "access_token", "refresh_token"}) {
    if (HasControlCharacter(StringField(j, field))) {
      return MakeError(ErrorKind::kCorrupt,
                       std::string("token response: \"") + field + "\" holds a control character");
    }
  }
  t.token = Secret(std::move(token));
  t.refresh_token = Secret(StringField(j, "refresh_token"));
  t.scope = StringField(j, "scope");
  if (auto it = j.find("expires_in"); it != j.end() && it->is_number()) {
    double v = it->get<double>();
    // Ten years is beyond any real token; the cap keeps the arithmetic far from overflow.
    if (std::isfinite(v) && v >= 1) {
      t.expires_in = std::chrono::seconds(static_cast<long long>(std::min(v, 315360000.0)));
    }
  }
  t.issued_at = now;
  if (auto at = ParseRfc3339(StringField(j, "issued_at")); at.has_value() && *at < now) {
    t.issued_at = std::chrono::time_point_cast<system_clock::duration>(*at);
  }
  t.expires_at = t.issued_at + t.expires_in;
  return t;
}

Result<TokenRequest> TokenRequestFromChallenge(const Challenge& bearer,
                                               const std::vector<std::string>& extra_scopes) {
  if (!bearer.duplicate_param.empty()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "Bearer challenge gives the parameter " +
                         QuoteForError(bearer.duplicate_param) +
                         " twice (RFC 7235 allows one; runtimes take the last, so it is refused)");
  }
  TokenRequest req;
  req.realm = bearer.Param("realm");
  if (req.realm.empty()) {
    return MakeError(ErrorKind::kInvalidArgument, "Bearer challenge without a realm");
  }
  req.service = bearer.Param("service");
  std::string all = bearer.Param("scope");
  std::size_t pos = 0;
  while (pos < all.size()) {
    std::size_t sp = all.find(' ', pos);
    std::string one = all.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos);
    if (!one.empty()) req.scopes.push_back(one);
    if (sp == std::string::npos) break;
    pos = sp + 1;
  }
  for (const std::string& s : extra_scopes) {
    if (std::find(req.scopes.begin(), req.scopes.end(), s) == req.scopes.end()) {
      req.scopes.push_back(s);
    }
  }
  return req;
}

Result<Token> FetchToken(HttpClient& client, const TokenRequest& request,
                         system_clock::time_point now) {
  auto realm = ParseUrl(request.realm);
  if (!realm.ok()) {
    return MakeError(ErrorKind::kInvalidArgument, "bad token realm: " + realm.error().message);
  }
  if (realm->has_userinfo) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "token realm " + realm->Redacted() + " must not contain credentials");
  }
  const Secret* secret = nullptr;
  if (request.refresh_token.has_value() && !request.refresh_token->empty()) {
    secret = &*request.refresh_token;
  } else if (request.credential.has_value() && !request.credential->password.empty()) {
    secret = &request.credential->password;
  }
  bool has_username = request.credential.has_value() && !request.credential->username.empty();
  TokenMethod method = request.method;
  if (method == TokenMethod::kAuto) {
    if (secret == nullptr) return Get(client, request, *realm, nullptr, now).token;
    Outcome post = Post(client, request, *realm, *secret, now);
    long s = post.status;
    if ((s == 405 && has_username) || s == 404 || s == 401 || s == 400) {
      return Get(client, request, *realm, secret, now).token;
    }
    return std::move(post.token);
  }
  if (method == TokenMethod::kGet) return Get(client, request, *realm, secret, now).token;
  if (secret == nullptr) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "the OAuth2 POST flow needs a password or "
                     "refresh token");
  }
  if (!request.refresh_token.has_value() && !has_username) {
    return MakeError(ErrorKind::kInvalidArgument, "grant_type=password needs a username");
  }
  return Post(client, request, *realm, *secret, now).token;
}

std::string PullScope(std::string_view repository) {
  return "repository:" + std::string(repository) + ":pull";
}

Secret BasicAuthorization(std::string_view username, const Secret& password) {
  std::string plain = std::string(username) + ":" + password.reveal();
  Secret out("Basic " + Base64Encode(plain));
  std::fill(plain.begin(), plain.end(), '\0');
  return out;
}

Secret BearerAuthorization(const Secret& token) {
  return Secret("Bearer " + token.reveal());
}

}  // namespace pullguard::registry
