// The ecr source against scripted IMDSv2, container-credentials, STS and ECR endpoints: the
// identity chain's order, the requests each link sends (IMDSv2's token header, the web identity
// token and role, SigV4 by the right key), caching keyed by the signing identity, cacheDuration,
// faults as one-line errors without secrets, and the answer's keys.
#include <catch2/catch.hpp>
#include <map>

#include "base/base64.h"
#include "base/env_posix.h"
#include "cache/proof_sink.h"
#include "plugin/answer/resolve.h"
#include "plugin/config/config.h"
#include "plugin/sources/aws/identity.h"
#include "plugin/sources/exchange_context.h"
#include "plugin/sources/source.h"
#include "tests/support/exchange_fixture.h"
#include "tests/support/run.h"

using namespace pullguard;
using namespace pullguard::testing;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

const system_clock::time_point kNow = system_clock::from_time_t(1700000000);
const std::string kHost = "123456789012.dkr.ecr.us-west-2.amazonaws.com";
const std::string kImage = kHost + "/team/app";

std::string Iso(system_clock::time_point t) {
  std::time_t tt = system_clock::to_time_t(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
  return buf;
}

std::string CredJson(const std::string& akid, const std::string& secret, const std::string& token) {
  return R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":")" + akid +
         R"(","SecretAccessKey":")" + secret + R"(","Token":")" + token + R"(","Expiration":")" +
         Iso(kNow + hours(6)) + R"("})";
}

std::string StsXml(const std::string& action, const std::string& akid) {
  return "<" + action + "Response><" + action + "Result><AssumedRoleUser><Arn>arn:aws:sts::" +
         "123456789012:assumed-role/r/s</Arn></AssumedRoleUser><Credentials><AccessKeyId>" + akid +
         "</AccessKeyId><SecretAccessKey>secret-" + akid +
         "</SecretAccessKey><SessionToken>token-" + akid + "</SessionToken><Expiration>" +
         Iso(kNow + hours(1)) + "</Expiration></Credentials></" + action + "Result></" + action +
         "Response>";
}

std::string Header(const registry::HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    std::string lk = k;
    for (char& c : lk) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lk == name) return v;
  }
  return "";
}

// Which access key signed an AWS request ("" when unsigned).
std::string Signer(const registry::HttpRequest& r) {
  if (!r.authorization) return "";
  const std::string& a = r.authorization->reveal();
  auto c = a.find("Credential=");
  return c == std::string::npos ? "" : a.substr(c + 11, a.find('/', c) - c - 11);
}

// Scripted AWS: IMDS at http://169.254.169.254, container credentials at http://127.0.0.1:9/creds,
// STS at https://sts.test, ECR at https://ecr.test. The ECR password names its signer.
struct FakeAws {
  int ecr_throttles = 0;      // answer ThrottlingException this many times first
  bool ecr_skew = false;      // answer InvalidSignatureException "Signature expired"
  bool sts_deny = false;      // AccessDenied to every STS call
  bool imds_timeout = false;  // the token PUT never answers (hop limit)
  bool imds_no_role = false;  // 404 on the role list
  system_clock::duration ecr_lifetime = hours(12);
  system_clock::time_point now = kNow;  // ECR's clock: tokens are issued from it
  std::map<std::string, int> count;

  Result<registry::HttpResponse> Handle(const registry::HttpRequest& r) {
    if (r.url.starts_with("http://169.254.169.254")) {
      ++count["imds"];
      if (r.method == "PUT") {
        if (imds_timeout) return MakeError(ErrorKind::kNetwork, "request to x timed out");
        if (Header(r, "x-aws-ec2-metadata-token-ttl-seconds").empty()) return Response(400);
        return Response(200, "imds-session");
      }
      // IMDSv1 (no token) is what pullguard must never do.
      if (Header(r, "x-aws-ec2-metadata-token") != "imds-session") {
        ++count["imds-v1"];
        return Response(401);
      }
      if (r.url == "http://169.254.169.254/latest/meta-data/iam/security-credentials/") {
        return imds_no_role ? Response(404) : Response(200, "node-role");
      }
      if (r.url == "http://169.254.169.254/latest/meta-data/iam/security-credentials/node-role") {
        return Response(200, CredJson("ASIANODE", "node-secret", "node-token"));
      }
      return Response(404);
    }
    if (r.url == "http://127.0.0.1:9/creds") {
      ++count["container"];
      if (!r.authorization || r.authorization->reveal() != "pod-identity-token") {
        return Response(401);
      }
      return Response(200, CredJson("ASIACONTAINER", "c-secret", "c-token"));
    }
    if (r.url == "https://sts.test/") {
      ++count["sts"];
      std::string body = r.body.reveal();
      std::string action = FormField(body, "Action");
      last_sts_form = body;
      if (sts_deny) {
        return Response(403,
                        "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not authorized "
                        "to assume " +
                            FormField(body, "RoleArn") + "</Message></Error></ErrorResponse>",
                        {});
      }
      if (action == "AssumeRoleWithWebIdentity") {
        if (r.authorization) return Response(400);  // an unsigned call
        std::string role = FormField(body, "RoleArn");
        std::string akid = role.ends_with("/pod-b") ? "ASIAPODB" : "ASIAWEB";
        if (role.ends_with("/pod-a")) akid = "ASIAPODA";
        return Response(200, StsXml(action, akid));
      }
      if (action == "AssumeRole") {
        if (Signer(r).empty()) return Response(403);
        assume_signer = Signer(r);
        return Response(200, StsXml(action, "ASIAROLE"));
      }
      return Response(400);
    }
    if (r.url == "https://ecr.test/") {
      ++count["ecr"];
      last_ecr = r;
      if (Header(r, "x-amz-target") !=
              "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken" ||
          r.content_type != "application/x-amz-json-1.1" || r.body.reveal() != "{}") {
        return Response(400, R"({"__type":"SerializationException"})");
      }
      if (ecr_throttles > 0) {
        --ecr_throttles;
        return Response(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
      }
      if (ecr_skew) {
        return Response(400,
                        R"({"__type":"InvalidSignatureException","message":"Signature expired: )"
                        R"(20231114T221320Z is now earlier than 20231114T215320Z"})",
                        {{"date", "Tue, 14 Nov 2023 21:58:20 GMT"}});
      }
      auto expires =
          std::chrono::duration_cast<seconds>((now + ecr_lifetime).time_since_epoch()).count();
      return Response(200, R"({"authorizationData":[{"authorizationToken":")" +
                               Base64Encode("AWS:pw-" + Signer(r)) + R"(","expiresAt":)" +
                               std::to_string(expires) + "}]}");
    }
    return MakeError(ErrorKind::kNetwork, "unexpected request to " + r.url);
  }

  registry::HttpRequest last_ecr;
  std::string last_sts_form;
  std::string assume_signer;
};

EcrSourceSpec Spec() {
  EcrSourceSpec s;
  s.ecr_endpoint = "https://ecr.test";
  s.sts_endpoint = "https://sts.test";
  s.imds_endpoint = "http://169.254.169.254";
  return s;
}

struct World {
  TempDir tmp;
  FakeAws aws;
  FakeHttpClient fake{[this](const registry::HttpRequest& r) { return aws.Handle(r); }};
  std::map<std::string, std::string> env;
  ExchangeContext ctx;
  explicit World(const std::string& sa = "") {
    ctx = FakeContext(fake, tmp.path(), kNow, sa);
    ctx.getenv = [this](const std::string& k) -> std::optional<std::string> {
      auto it = env.find(k);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
  }
  Result<SourceAnswer> Ask(const EcrSourceSpec& spec = Spec(), const std::string& image = kImage,
                           CacheKeyType scope = CacheKeyType::kImage,
                           std::vector<std::string> match = {"*.dkr.ecr.*.amazonaws.com"}) {
    CredentialQuery q{image, scope, &ctx};
    return MakeEcrSource(spec, match)->Answer(q, DefaultEnv());
  }
};

}  // namespace

TEST_CASE("ecr: IMDSv2 node identity, signed call, answer keyed by the host, cached", "[ecr]") {
  World w;
  auto a = w.Ask();
  REQUIRE(a.ok());
  REQUIRE(a->auth.size() == 1);
  CHECK(a->auth[0].key == kHost);
  CHECK(a->auth[0].credential.username == "AWS");
  CHECK(a->auth[0].credential.password.reveal() == "pw-ASIANODE");
  CHECK_FALSE(a->from_service_account);
  CHECK(*a->expires_at == kNow + hours(12));
  CHECK(*a->issued_at == kNow);
  // 12 h minus the 5-minute margin.
  CHECK(CacheDurationUntil(*a->issued_at, *a->expires_at, kNow) == 11 * kHour + 55 * kMinute);
  CHECK(w.aws.count["imds"] == 3);  // PUT token, GET role, GET credentials
  CHECK(w.aws.count["imds-v1"] == 0);
  CHECK(w.aws.count["ecr"] == 1);
  CHECK(w.aws.count["sts"] == 0);
  // SigV4 for ECR in the host's region, with the session token signed.
  const registry::HttpRequest& r = w.aws.last_ecr;
  CHECK(r.method == "POST");
  CHECK(r.authorization->reveal().starts_with(
      "AWS4-HMAC-SHA256 Credential=ASIANODE/20231114/us-west-2/ecr/aws4_request, "
      "SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
      "Signature="));
  CHECK(Header(r, "x-amz-security-token") == "node-token");
  CHECK(Header(r, "x-amz-date") == "20231114T221320Z");
  CHECK(Header(r, "host") == "ecr.test");
  CHECK_FALSE(r.follow_redirects);

  auto again = w.Ask();
  REQUIRE(again.ok());
  CHECK(again->auth[0].credential.password.reveal() == "pw-ASIANODE");
  CHECK(w.aws.count["imds"] == 3);  // from the token cache: no network at all
  CHECK(w.aws.count["ecr"] == 1);
}

TEST_CASE("ecr: the chain's order: environment, web identity, container, IMDS", "[ecr]") {
  World w;
  (void)DefaultEnv().WriteFileAtomic(w.tmp.path() + "/web-token", "web-identity-jwt\n", 0600);
  (void)DefaultEnv().WriteFileAtomic(w.tmp.path() + "/pod-token", "pod-identity-token", 0600);
  w.env = {{"AWS_ACCESS_KEY_ID", "AKIAENV"},
           {"AWS_SECRET_ACCESS_KEY", "env-secret"},
           {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web"},
           {"AWS_WEB_IDENTITY_TOKEN_FILE", w.tmp.path() + "/web-token"},
           {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds"},
           {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", w.tmp.path() + "/pod-token"}};
  auto a = w.Ask();
  REQUIRE(a.ok());
  CHECK(a->auth[0].credential.password.reveal() == "pw-AKIAENV");
  CHECK(Header(w.aws.last_ecr, "x-amz-security-token").empty());  // long-term keys: no token
  CHECK(w.aws.count["sts"] + w.aws.count["container"] + w.aws.count["imds"] == 0);

  w.env.erase("AWS_ACCESS_KEY_ID");
  w.env.erase("AWS_SECRET_ACCESS_KEY");
  a = w.Ask();
  REQUIRE(a.ok());
  CHECK(a->auth[0].credential.password.reveal() == "pw-ASIAWEB");
  CHECK(w.aws.count["sts"] == 1);
  CHECK(FormField(w.aws.last_sts_form, "WebIdentityToken") == "web-identity-jwt");
  CHECK(FormField(w.aws.last_sts_form, "RoleArn") == "arn:aws:iam::123456789012:role/web");
  CHECK(FormField(w.aws.last_sts_form, "RoleSessionName") == "pullguard-node");
  CHECK(FormField(w.aws.last_sts_form, "Version") == "2011-06-15");

  w.env.erase("AWS_ROLE_ARN");
  a = w.Ask();
  REQUIRE(a.ok());
  CHECK(a->auth[0].credential.password.reveal() == "pw-ASIACONTAINER");
  CHECK(w.aws.count["container"] == 1);

  w.env.clear();
  a = w.Ask();
  REQUIRE(a.ok());
  CHECK(a->auth[0].credential.password.reveal() == "pw-ASIANODE");
  CHECK(w.aws.count["ecr"] == 4);

  // AWS_EC2_METADATA_DISABLED and nothing else: no credentials, one clear line.
  w.env = {{"AWS_EC2_METADATA_DISABLED", "true"}};
  auto none = w.Ask();
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message.starts_with("ecr: no AWS credentials"));
  w.env = {{"AWS_ACCESS_KEY_ID", "AKIAENV"}};
  auto half = w.Ask();
  REQUIRE_FALSE(half.ok());
  CHECK(half.error().message.find("AWS_SECRET_ACCESS_KEY is not") != std::string::npos);
}

TEST_CASE("ecr: identity plans name the identity, never a secret", "[ecr]") {
  World w;
  auto host = *aws::ParseEcrHost(kHost);
  w.env = {{"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", "env-secret"}};
  auto p = aws::PlanIdentity(Spec(), w.ctx, host, "us-west-2");
  REQUIRE(p.ok());
  CHECK(p->link == aws::IdentityLink::kEnvironment);
  CHECK(p->cache_identity == "environment\nAKIAENV");
  EcrSourceSpec with_role = Spec();
  with_role.role_arn = "arn:aws:iam::123456789012:role/pull";
  p = aws::PlanIdentity(with_role, w.ctx, host, "us-west-2");
  CHECK(p->cache_identity ==
        "environment\nAKIAENV\nassume-role\narn:aws:iam::123456789012:role/pull");
  w.env = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.0.0.1/creds"}};
  auto bad = aws::PlanIdentity(Spec(), w.ctx, host, "us-west-2");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("AWS_CONTAINER_CREDENTIALS_FULL_URI: plain HTTP") !=
        std::string::npos);
  w.env = {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x"},
           {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok"}};
  p = aws::PlanIdentity(Spec(), w.ctx, host, "us-west-2");
  REQUIRE(p.ok());
  CHECK(p->url == "http://169.254.170.2/v2/credentials/x");
  CHECK(p->cache_identity.find("tok") == std::string::npos);
  w.env = {{"AWS_ROLE_ARN", "not-an-arn"}, {"AWS_WEB_IDENTITY_TOKEN_FILE", "/x"}};
  CHECK_FALSE(aws::PlanIdentity(Spec(), w.ctx, host, "us-west-2").ok());
}

TEST_CASE("ecr: roleArn is assumed with the node identity, then signs the call", "[ecr]") {
  World w;
  EcrSourceSpec spec = Spec();
  spec.role_arn = "arn:aws:iam::123456789012:role/pull";
  auto a = w.Ask(spec);
  REQUIRE(a.ok());
  CHECK(a->auth[0].credential.password.reveal() == "pw-ASIAROLE");
  CHECK(w.aws.assume_signer == "ASIANODE");
  CHECK(FormField(w.aws.last_sts_form, "Action") == "AssumeRole");
  CHECK(FormField(w.aws.last_sts_form, "RoleArn") == spec.role_arn);
  CHECK(FormField(w.aws.last_sts_form, "DurationSeconds") == "3600");

  w.aws.sts_deny = true;
  spec.role_arn = "arn:aws:iam::123456789012:role/other";
  auto denied = w.Ask(spec);
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.error().kind == ErrorKind::kUnauthorized);
  CHECK(denied.error().message.starts_with(
      "ecr: STS AssumeRole at https://sts.test (role arn:aws:iam::123456789012:role/other) "
      "answered HTTP 403 AccessDenied: not authorized"));
  CHECK(denied.error().message.find("node-token") == std::string::npos);
}

TEST_CASE("ecr: per-pod role from the service account's annotation (KEP-4412)", "[ecr]") {
  const std::string sa = ServiceAccountJwt(1700003600);
  World w(sa);
  w.ctx.service_account_annotations = {
      {"eks.amazonaws.com/ecr-role-arn", "arn:aws:iam::123456789012:role/pod-a"}};
  auto a = w.Ask();
  REQUIRE(a.ok());
  CHECK(a->auth[0].credential.password.reveal() == "pw-ASIAPODA");
  CHECK(a->from_service_account);
  CHECK(w.aws.count["imds"] == 0);  // the pod's role replaces the node identity
  CHECK(FormField(w.aws.last_sts_form, "WebIdentityToken") == sa);
  CHECK(FormField(w.aws.last_sts_form, "RoleArn") == "arn:aws:iam::123456789012:role/pod-a");
  CHECK(FormField(w.aws.last_sts_form, "RoleSessionName") == "pullguard-pod");

  // Another role is another identity: never the first pod's password.
  w.ctx.service_account_annotations["eks.amazonaws.com/ecr-role-arn"] =
      "arn:aws:iam::123456789012:role/pod-b";
  auto b = w.Ask();
  REQUIRE(b.ok());
  CHECK(b->auth[0].credential.password.reveal() == "pw-ASIAPODB");
  CHECK(w.aws.count["ecr"] == 2);
  // The same role with another pod's token is another exchange too (STS judges each token).
  w.ctx.service_account_annotations["eks.amazonaws.com/ecr-role-arn"] =
      "arn:aws:iam::123456789012:role/pod-a";
  w.ctx.service_account_token = Secret(ServiceAccountJwt(1700003600, "other", "sa2"));
  REQUIRE(w.Ask().ok());
  CHECK(w.aws.count["sts"] == 3);

  // Without the annotation: the node's identity (cloud-provider-aws PR #1281).
  w.ctx.service_account_annotations.clear();
  auto node = w.Ask();
  REQUIRE(node.ok());
  CHECK(node->auth[0].credential.password.reveal() == "pw-ASIANODE");
  CHECK_FALSE(node->from_service_account);

  // A configured annotation name, and a value that is not a role.
  EcrSourceSpec spec = Spec();
  spec.service_account_role_annotation = "example.com/role";
  w.ctx.service_account_annotations = {
      {"example.com/role", "arn:aws:iam::123456789012:role/pod-b"}};
  CHECK(w.Ask(spec)->auth[0].credential.password.reveal() == "pw-ASIAPODB");
  w.ctx.service_account_annotations = {{"example.com/role", "admin"}};
  auto bad = w.Ask(spec);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("is not an IAM role ARN") != std::string::npos);
}

TEST_CASE("ecr: throttling is retried within the budget, then one line", "[ecr]") {
  World w;
  w.aws.ecr_throttles = 2;
  auto a = w.Ask();
  REQUIRE(a.ok());
  CHECK(w.aws.count["ecr"] == 3);
  // Each attempt is signed afresh: one date header, one token header.
  int dates = 0;
  for (const auto& h : w.aws.last_ecr.headers) dates += h.first == "X-Amz-Date";
  CHECK(dates == 1);

  World t;
  t.aws.ecr_throttles = 100;
  auto r = t.Ask();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::kUnavailable);
  CHECK(t.aws.count["ecr"] == 4);
  CHECK(
      r.error().message.starts_with("ecr: ECR GetAuthorizationToken at https://ecr.test "
                                    "answered HTTP 400 ThrottlingException: Rate exceeded "
                                    "(after 4 attempts"));
  // An exhausted budget stops the retries at once.
  World b;
  b.aws.ecr_throttles = 100;
  b.ctx.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  REQUIRE_FALSE(b.Ask().ok());
  CHECK(b.aws.count["ecr"] == 1);
}

TEST_CASE("ecr: faults are one clear line without secrets", "[ecr]") {
  World skew;
  skew.aws.ecr_skew = true;
  auto s = skew.Ask();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message.find("the node's clock is 900 s ahead of AWS's") != std::string::npos);

  World hop;
  hop.aws.imds_timeout = true;
  auto h = hop.Ask();
  REQUIRE_FALSE(h.ok());
  CHECK(h.error().kind == ErrorKind::kNetwork);
  CHECK(h.error().message.find("hop limit") != std::string::npos);
  CHECK(hop.aws.count["imds"] == 1);

  World role;
  role.aws.imds_no_role = true;
  auto n = role.Ask();
  REQUIRE_FALSE(n.ok());
  CHECK(n.error().message.find("no instance profile") != std::string::npos);

  World soon;
  soon.aws.ecr_lifetime = minutes(5);
  auto e = soon.Ask();
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message.find("expires in 300 s") != std::string::npos);

  for (auto* r : {&s, &h, &n, &e}) {
    const std::string& m = r->error().message;
    CHECK(m.find('\n') == std::string::npos);
    for (const char* secret : {"node-secret", "node-token", "imds-session", "pw-"}) {
      CHECK(m.find(secret) == std::string::npos);
    }
  }
}

TEST_CASE("ecr: hosts, keys and scopes", "[ecr]") {
  World w;
  // A non-ECR host that the entry's patterns cover is a config mistake.
  auto bad = w.Ask(Spec(), "registry.example/team/app", CacheKeyType::kImage, {"registry.example"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.starts_with("ecr: \"registry.example\" is not an Amazon ECR"));
  // The entry is in the answer only because kubelet caches it globally: nothing to say.
  auto global = w.Ask(Spec(), "docker.io/library/nginx", CacheKeyType::kGlobal);
  REQUIRE(global.ok());
  CHECK(global->auth.empty());
  CHECK(w.aws.count["ecr"] == 0);
  // Patterns with paths narrow the key to those paths on this host.
  auto paths = w.Ask(Spec(), kImage, CacheKeyType::kRegistry,
                     {kHost + "/team", "*.dkr.ecr.*.amazonaws.com/other", "elsewhere.io/x"});
  REQUIRE(paths.ok());
  REQUIRE(paths->auth.size() == 2);
  CHECK(paths->auth[0].key == kHost + "/team");
  CHECK(paths->auth[1].key == kHost + "/other");
  // region overrides the host's: the signature's scope follows it.
  EcrSourceSpec spec = Spec();
  spec.region = "us-east-1";
  World r;
  REQUIRE(r.Ask(spec).ok());
  CHECK(r.aws.last_ecr.authorization->reveal().find("/us-east-1/ecr/aws4_request") !=
        std::string::npos);
  // Check() refuses plain HTTP to a remote endpoint.
  spec.ecr_endpoint = "http://ecr.internal";
  auto c = MakeEcrSource(spec, {"*.dkr.ecr.*.amazonaws.com"})->Check(DefaultEnv());
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message.starts_with("ecr.ecrEndpoint: plain HTTP to http://ecr.internal/"));
}

TEST_CASE("ecr: a cached token is renewed before kubelet could hold an expired one", "[ecr]") {
  World w;
  REQUIRE(w.Ask().ok());
  // 6 minutes before expiry the token is still handed out (margin 5 min + 1 min)...
  w.ctx.now = [] { return kNow + hours(12) - minutes(6) - seconds(1); };
  auto late = w.Ask();
  REQUIRE(late.ok());
  CHECK(w.aws.count["ecr"] == 1);
  auto d = CacheDurationUntil(*late->issued_at, *late->expires_at, w.ctx.now());
  CHECK(d >= kMinute);
  // ...and renewed after that, never answered with a zero cacheDuration.
  w.ctx.now = [] { return kNow + hours(12) - minutes(5); };
  w.aws.now = kNow + hours(12) - minutes(5);
  auto renewed = w.Ask();
  REQUIRE(renewed.ok());
  CHECK(*renewed->expires_at == w.aws.now + hours(12));
  CHECK(w.aws.count["ecr"] == 2);
}

namespace {
struct Proofs : ProofSink {
  std::vector<PullProof> got;
  Status RecordProof(const PullProof& p) override {
    got.push_back(p);
    return Status::Ok();
  }
};
}  // namespace

TEST_CASE("ecr: verify: true proves the password against the registry", "[ecr]") {
  TempDir tmp;
  FakeAws aws;
  int tags = 0;
  FakeHttpClient fake([&](const registry::HttpRequest& r) -> Result<registry::HttpResponse> {
    if (r.url.starts_with("https://" + kHost)) {
      std::string ok = "Basic " + Base64Encode("AWS:pw-ASIANODE");
      if (!r.authorization || r.authorization->reveal() != ok) {
        return Response(401, "", {{"www-authenticate", "Basic realm=\"" + kHost + "\""}});
      }
      if (r.url.find("/tags/list") != std::string::npos) ++tags;
      return Response(200, R"({"name":"team/app","tags":["v1"]})");
    }
    return aws.Handle(r);
  });
  Config config;
  config.state_dir = tmp.path();
  RegistryEntry e;
  e.match = {"*.dkr.ecr.*.amazonaws.com"};
  e.source = Spec();
  e.verify = true;
  e.cache_duration = 12 * kHour;
  config.registries.push_back(e);
  ExchangeContext ctx = FakeContext(fake, tmp.path(), kNow);
  Proofs proofs;
  CredentialProviderRequest req;
  req.image = kImage;
  auto resp = Resolve(config, req, DefaultEnv(), ResolveOptions{&ctx, &proofs});
  REQUIRE(resp.ok());
  REQUIRE(resp->auth.size() == 1);
  CHECK(resp->auth[0].key == kHost);
  CHECK(*resp->cache_duration == 11 * kHour + 55 * kMinute);
  CHECK(tags == 1);
  REQUIRE(proofs.got.size() == 1);
}
