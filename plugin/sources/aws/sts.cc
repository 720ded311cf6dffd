// STS query API as its reference documents it (Action, Version=2011-06-15, RoleArn,
// RoleSessionName, WebIdentityToken, DurationSeconds; answers in the
// https://sts.amazonaws.com/doc/2011-06-15/ namespace). The XML is read with expat (Debian's
// libexpat): element names only (no namespace processing), no DTD, no entities.
#include "plugin/sources/aws/sts.h"

#include <expat.h>

#include <map>
#include <set>
#include <vector>

#include "base/ascii.h"
#include "plugin/sources/aws/aws_call.h"
#include "registry/token_flow.h"
#include "registry/url.h"

namespace pullguard::aws {
namespace {

constexpr std::size_t kMaxStsAnswerBytes = 64 * 1024;
constexpr std::size_t kMaxDepth = 16;
constexpr std::size_t kMaxFieldBytes = 16 * 1024;

struct XmlState {
  XML_Parser parser = nullptr;
  std::string action;
  std::vector<std::string> stack;
  std::set<std::string> wanted;
  std::map<std::string, std::string> values;
  std::string capturing;  // path of the wanted element being read, or empty
  std::string text;
  std::string failure;  // set when a handler stopped the parser

  void Fail(std::string why) {
    if (failure.empty()) failure = std::move(why);
    XML_StopParser(parser, XML_FALSE);
  }
  std::string Path() const {
    std::string p;
    for (const std::string& s : stack) p += (p.empty() ? "" : "/") + s;
    return p;
  }
};

void XMLCALL OnStart(void* user, const XML_Char* name, const XML_Char** /*attrs*/) {
  auto* s = static_cast<XmlState*>(user);
  if (!s->failure.empty()) return;
  if (!s->capturing.empty()) return s->Fail("element inside a text field");
  s->stack.emplace_back(name);
  if (s->stack.size() > kMaxDepth) return s->Fail("nested deeper than 16 elements");
  if (s->stack.size() == 1) {
    const std::string& root = s->stack[0];
    std::string ok = s->action + "Response";
    if (root == ok) {
      std::string creds = ok + "/" + s->action + "Result/Credentials/";
      for (const char* f : {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}) {
        s->wanted.insert(creds + f);
      }
      s->wanted.insert(ok + "/" + s->action + "Result/AssumedRoleUser/Arn");
    } else if (root == "ErrorResponse") {
      s->wanted.insert("ErrorResponse/Error/Code");
      s->wanted.insert("ErrorResponse/Error/Message");
    } else {
      return s->Fail("unexpected root element (want " + ok + " or ErrorResponse)");
    }
  }
  std::string path = s->Path();
  if (s->wanted.count(path) != 0) {
    if (s->values.count(path) != 0) return s->Fail("repeated element " + s->stack.back());
    s->capturing = path;
    s->text.clear();
  }
}

void XMLCALL OnEnd(void* user, const XML_Char* /*name*/) {
  auto* s = static_cast<XmlState*>(user);
  if (!s->failure.empty()) return;
  if (!s->capturing.empty()) {
    s->values[s->capturing] = std::move(s->text);
    s->text.clear();
    s->capturing.clear();
  }
  s->stack.pop_back();
}

void XMLCALL OnText(void* user, const XML_Char* data, int len) {
  auto* s = static_cast<XmlState*>(user);
  if (!s->failure.empty() || s->capturing.empty()) return;
  if (s->text.size() + static_cast<std::size_t>(len) > kMaxFieldBytes) {
    return s->Fail("a field is longer than 16 KiB");
  }
  s->text.append(data, static_cast<std::size_t>(len));
}

void XMLCALL OnDoctype(void* user, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  static_cast<XmlState*>(user)->Fail("a DOCTYPE (STS sends none)");
}

void XMLCALL OnEntity(void* user, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                      const XML_Char*, const XML_Char*, const XML_Char*) {
  static_cast<XmlState*>(user)->Fail("an entity declaration (STS sends none)");
}

std::string TrimSpace(std::string s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.back())) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && space(s[i])) ++i;
  return s.substr(i);
}

Error Corrupt(const std::string& why) {
  return MakeError(ErrorKind::kCorrupt, "STS answer is not usable: " + why);
}

// Sends one STS action (form fields after Action and Version) and reads its credentials.
Result<StsCredentials> Call(const ExchangeContext& ctx, const AwsEndpoint& sts,
                            const std::string& action, const std::string& role_arn,
                            std::vector<std::pair<std::string, std::string>> fields,
                            const AwsCredentials* signer, const std::string& region,
                            const Secret* token) {
  std::string where = "STS " + action + " at " + sts.url + " (role " + role_arn + ")";
  auto url = registry::ParseUrl(sts.url + "/");
  if (!url.ok()) return MakeError(ErrorKind::kInvalidArgument, where + ": " + url.error().message);
  fields.insert(fields.begin(), {{"Action", action}, {"Version", "2011-06-15"}});
  Secret body = registry::FormEncode(fields);
  for (auto& [k, v] : fields) std::fill(v.begin(), v.end(), '\0');
  std::string host = url->Origin().substr(url->Origin().find("://") + 3);
  auto build = [&]() {
    registry::HttpRequest req;
    req.method = "POST";
    req.url = url->ToString();
    req.body = body;
    req.content_type = "application/x-www-form-urlencoded; charset=utf-8";
    req.follow_redirects = false;
    req.headers = {{"Host", host}, {"Accept", "text/xml"}};
    if (signer != nullptr) {
      SigV4Request s{"POST", url->path, url->query, req.headers, body.reveal()};
      s.headers.emplace_back("Content-Type", req.content_type);
      SigV4Signature sig = SignV4(s, *signer, region, "sts", ctx.now());
      // The date and token headers SignV4 added go out as signed.
      for (const auto& h : s.headers) {
        bool sent = AsciiEqualFold(h.first, "content-type") || AsciiEqualFold(h.first, "host") ||
                    AsciiEqualFold(h.first, "accept");
        if (!sent) req.headers.push_back(h);
      }
      req.authorization = sig.authorization;
    }
    return req;
  };
  auto client = ctx.new_client(sts.transport);
  AwsCallOptions options;
  options.deadline = ctx.deadline;
  auto r = CallWithRetries(
      *client, build,
      [action](const registry::HttpResponse& resp) -> std::optional<AwsErrorAnswer> {
        auto a = ParseStsAnswer(resp.body, action);
        if (a.ok() && a->error) return a->error;
        return std::nullopt;
      },
      options);
  if (!r.ok()) return MakeError(r.error().kind, where + ": " + r.error().message);
  if (r->error) {
    Error e = AwsCallError(where, r->response, *r->error, ctx.now(),
                           {token, signer ? &signer->session_token : nullptr});
    if (IsThrottling(r->error->code)) {
      e.message += " (after " + std::to_string(r->attempts) + " attempts)";
    }
    return e;
  }
  if (r->response.status < 200 || r->response.status > 299) {
    return StatusError(where, r->response.status);
  }
  auto a = ParseStsAnswer(r->response.body, action);
  if (!a.ok()) return MakeError(a.error().kind, where + ": " + a.error().message);
  if (!a->result) return MakeError(ErrorKind::kCorrupt, where + ": an error body with HTTP 200");
  return *a->result;
}

}  // namespace

Result<StsAnswer> ParseStsAnswer(std::string_view xml, std::string_view action) {
  if (xml.size() > kMaxStsAnswerBytes) return Corrupt("larger than 64 KiB");
  XmlState s;
  s.action = std::string(action);
  s.parser = XML_ParserCreate(nullptr);
  if (s.parser == nullptr) return MakeError(ErrorKind::kInternal, "cannot create an XML parser");
  XML_SetUserData(s.parser, &s);
  XML_SetElementHandler(s.parser, OnStart, OnEnd);
  XML_SetCharacterDataHandler(s.parser, OnText);
  XML_SetStartDoctypeDeclHandler(s.parser, OnDoctype);
  XML_SetEntityDeclHandler(s.parser, OnEntity);
  XML_Status st = XML_Parse(s.parser, xml.data(), static_cast<int>(xml.size()), XML_TRUE);
  std::string expat_error;
  if (st == XML_STATUS_ERROR && s.failure.empty()) {
    expat_error = std::string(XML_ErrorString(XML_GetErrorCode(s.parser))) + " at line " +
                  std::to_string(XML_GetCurrentLineNumber(s.parser));
  }
  XML_ParserFree(s.parser);
  if (!s.failure.empty()) return Corrupt(s.failure);
  if (!expat_error.empty()) return Corrupt("not XML (" + expat_error + ")");

  StsAnswer out;
  if (s.values.count("ErrorResponse/Error/Code") != 0) {
    out.error = AwsErrorAnswer{TrimSpace(s.values["ErrorResponse/Error/Code"]),
                               TrimSpace(s.values["ErrorResponse/Error/Message"])};
    if (out.error->code.empty()) return Corrupt("an empty error code");
    return out;
  }
  if (s.wanted.count("ErrorResponse/Error/Code") != 0) return Corrupt("an error without a code");
  std::string creds = s.action + "Response/" + s.action + "Result/Credentials/";
  auto field = [&](const char* name) { return TrimSpace(s.values[creds + name]); };
  StsCredentials c;
  c.credentials.access_key_id = field("AccessKeyId");
  c.credentials.secret_access_key = Secret(field("SecretAccessKey"));
  c.credentials.session_token = Secret(field("SessionToken"));
  std::string expiration = field("Expiration");
  if (c.credentials.access_key_id.empty() || c.credentials.secret_access_key.empty() ||
      c.credentials.session_token.empty() || expiration.empty()) {
    return Corrupt("Credentials lack AccessKeyId, SecretAccessKey, SessionToken or Expiration");
  }
  if (registry::HasControlCharacter(c.credentials.secret_access_key.reveal()) ||
      registry::HasControlCharacter(c.credentials.session_token.reveal())) {
    return Corrupt("a control character in SecretAccessKey or SessionToken");
  }
  for (char ch : c.credentials.access_key_id) {
    bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z');
    if (!ok || c.credentials.access_key_id.size() > 128) return Corrupt("a malformed AccessKeyId");
  }
  auto exp = ParseCredentialExpiration(expiration);
  if (!exp) return Corrupt("Expiration is not an RFC 3339 time from 1970 to 2200");
  c.credentials.expires_at = *exp;
  c.assumed_role_arn =
      TrimSpace(s.values[s.action + "Response/" + s.action + "Result/AssumedRoleUser/Arn"]);
  out.result = std::move(c);
  return out;
}

Result<StsCredentials> AssumeRoleWithWebIdentity(const ExchangeContext& ctx, const AwsEndpoint& sts,
                                                 const std::string& role_arn,
                                                 const std::string& session_name,
                                                 const Secret& web_identity_token) {
  return Call(ctx, sts, "AssumeRoleWithWebIdentity", role_arn,
              {{"RoleArn", role_arn},
               {"RoleSessionName", session_name},
               {"WebIdentityToken", web_identity_token.reveal()},
               {"DurationSeconds", std::to_string(kStsSessionSeconds)}},
              nullptr, "", &web_identity_token);
}

Result<StsCredentials> AssumeRole(const ExchangeContext& ctx, const AwsEndpoint& sts,
                                  const std::string& region, const std::string& role_arn,
                                  const std::string& session_name, const AwsCredentials& caller) {
  return Call(ctx, sts, "AssumeRole", role_arn,
              {{"RoleArn", role_arn},
               {"RoleSessionName", session_name},
               {"DurationSeconds", std::to_string(kStsSessionSeconds)}},
              &caller, region, nullptr);
}

}  // namespace pullguard::aws
