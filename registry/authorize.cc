// GET /v2/ and the choice between Basic and Bearer for one registry call.
#include "registry/authorize.h"

namespace pullguard::registry {

Result<PingResult> Ping(HttpClient& client, const RegistryEndpoint& endpoint) {
  HttpRequest req;
  req.url = BaseUrl(endpoint) + "/v2/";
  auto r = client.Send(req);
  if (!r.ok()) return r.error();
  PingResult out;
  out.status = r->status;
  if (r->status >= 200 && r->status <= 299) return out;
  if (r->status == 401) {
    std::vector<std::string> values = r->Headers("www-authenticate");
    out.challenges = ParseChallenges(values);
    return out;
  }
  std::string msg =
      "registry " + endpoint.host + " answered " + std::to_string(r->status) + " to GET /v2/";
  if (r->status == 404) return MakeError(ErrorKind::kNotFound, msg + " (not a v2 registry)");
  if (r->status == 403) return MakeError(ErrorKind::kUnauthorized, msg);
  return MakeError(ErrorKind::kNetwork, msg);
}

Result<Authorization> Authorize(HttpClient& client, const PingResult& ping,
                                const AuthorizeInput& input,
                                std::chrono::system_clock::time_point now) {
  Authorization out;
  if (ping.status >= 200 && ping.status <= 299) return out;
  if (const Challenge* bearer = FindChallenge(ping.challenges, "bearer")) {
    auto req = TokenRequestFromChallenge(*bearer, input.scopes);
    if (!req.ok()) {
      // A challenge that repeats a parameter is a malformed answer, not a refusal.
      ErrorKind kind =
          bearer->duplicate_param.empty() ? ErrorKind::kUnauthorized : ErrorKind::kInvalidArgument;
      return MakeError(kind, req.error().message);
    }
    req->credential = input.credential;
    req->refresh_token = input.refresh_token;
    req->offline = input.offline;
    req->client_id = input.client_id;
    req->method = input.method;
    auto token = FetchToken(client, *req, now);
    if (!token.ok()) return token.error();
    out.header = BearerAuthorization(token->token);
    out.token = std::move(*token);
    return out;
  }
  if (FindChallenge(ping.challenges, "basic") != nullptr) {
    if (!input.credential.has_value()) {
      return MakeError(ErrorKind::kUnauthorized,
                       "registry asks for Basic auth and no credential was given");
    }
    out.header = BasicAuthorization(input.credential->username, input.credential->password);
    return out;
  }
  return MakeError(ErrorKind::kUnauthorized,
                   "registry answered 401 without a Basic or Bearer challenge");
}

}  // namespace pullguard::registry
