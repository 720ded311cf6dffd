// STS answers read with expat: the documented AssumeRoleWithWebIdentity / AssumeRole responses
// and ErrorResponse (examples from the STS API reference), and what must be refused: DTDs and
// entities (billion laughs), other roots, repeated or missing fields, deep nesting, size.
#include "plugin/sources/aws/sts.h"

#include <catch2/catch.hpp>

#include "base/rfc3339.h"

using namespace pullguard;
using namespace pullguard::aws;

namespace {

// The STS API reference's AssumeRoleWithWebIdentity sample response, abridged.
const char* kWebIdentityAnswer =
    R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:team:puller</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>2014-10-24T23:00:23Z</Expiration>
      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
    <Provider>www.amazon.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>)";

std::string Wrap(const std::string& action, const std::string& creds) {
  return "<" + action + "Response><" + action + "Result><Credentials>" + creds +
         "</Credentials></" + action + "Result></" + action + "Response>";
}

const char* kCreds =
    "<AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>s3cr3t</SecretAccessKey>"
    "<SessionToken>tok</SessionToken><Expiration>2026-01-01T01:00:00Z</Expiration>";

}  // namespace

TEST_CASE("STS XML: the documented answer", "[sts]") {
  auto a = ParseStsAnswer(kWebIdentityAnswer, "AssumeRoleWithWebIdentity");
  REQUIRE(a.ok());
  REQUIRE(a->result);
  CHECK_FALSE(a->error);
  const AwsCredentials& c = a->result->credentials;
  CHECK(c.access_key_id == "ASgeIAIOSFODNN7EXAMPLE");
  CHECK(c.secret_access_key.reveal() == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
  CHECK(c.session_token.reveal() == "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE");
  REQUIRE(c.expires_at);
  CHECK(*c.expires_at == *ParseRfc3339("2014-10-24T23:00:23Z"));
  CHECK(a->result->assumed_role_arn ==
        "arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1");

  auto r = ParseStsAnswer(Wrap("AssumeRole", kCreds), "AssumeRole");
  REQUIRE(r.ok());
  CHECK(r->result->credentials.access_key_id == "ASIAX");
  // The action must be the one asked for.
  CHECK_FALSE(ParseStsAnswer(Wrap("AssumeRole", kCreds), "AssumeRoleWithWebIdentity").ok());
}

TEST_CASE("STS XML: ErrorResponse", "[sts]") {
  auto a = ParseStsAnswer(
      "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender"
      "</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::123456789012:assumed-role/"
      "node/i-0 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::"
      "123456789012:role/pull</Message></Error><RequestId>x</RequestId></ErrorResponse>",
      "AssumeRole");
  REQUIRE(a.ok());
  REQUIRE(a->error);
  CHECK_FALSE(a->result);
  CHECK(a->error->code == "AccessDenied");
  CHECK(a->error->message.find("not authorized to perform: sts:AssumeRole") != std::string::npos);
  // Entities in text are XML's own and decode (&amp; -> &).
  auto e = ParseStsAnswer(
      "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>a &amp; b</Message>"
      "</Error></ErrorResponse>",
      "AssumeRoleWithWebIdentity");
  REQUIRE(e.ok());
  CHECK(e->error->message == "a & b");
}

TEST_CASE("STS XML: refusals", "[sts]") {
  const std::pair<std::string, const char*> bad[] = {
      {"", "not XML"},
      {"not xml at all", "not XML"},
      {"<AssumeRoleResponse>", "not XML"},
      {"<Other/>", "unexpected root"},
      {Wrap("AssumeRole", "<AccessKeyId>A</AccessKeyId>"), "lack"},
      {Wrap("AssumeRole", std::string(kCreds) + "<AccessKeyId>B</AccessKeyId>"), "repeated"},
      {Wrap("AssumeRole",
            "<AccessKeyId>A</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
            "<SessionToken>t</SessionToken><Expiration>tomorrow</Expiration>"),
       "RFC 3339"},
      // Found by the fuzzer: years outside the nanosecond clock's range (1677..2262) overflowed it.
      {Wrap("AssumeRole",
            "<AccessKeyId>A</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
            "<SessionToken>t</SessionToken><Expiration>4198-01-01T00:00:00Z</Expiration>"),
       "from 1970 to 2200"},
      {Wrap("AssumeRole",
            "<AccessKeyId>A</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
            "<SessionToken>t</SessionToken><Expiration>0805-01-01T00:00:00Z</Expiration>"),
       "from 1970 to 2200"},
      {Wrap("AssumeRole",
            "<AccessKeyId>A</AccessKeyId><SecretAccessKey>s&#10;x</SecretAccessKey>"
            "<SessionToken>t</SessionToken><Expiration>2026-01-01T00:00:00Z</Expiration>"),
       "control character"},
      {Wrap("AssumeRole",
            "<AccessKeyId>A B</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
            "<SessionToken>t</SessionToken><Expiration>2026-01-01T00:00:00Z</Expiration>"),
       "AccessKeyId"},
      {Wrap("AssumeRole",
            "<AccessKeyId><b>A</b></AccessKeyId><SecretAccessKey>s</SecretAccessKey>"),
       "element inside"},
      // Billion laughs and external entities: no DTD at all.
      {"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
       "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><ErrorResponse><Error><Code>"
       "&lol2;</Code></Error></ErrorResponse>",
       "DOCTYPE"},
      {"<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/shadow\">]><ErrorResponse><Error><Code>&x;"
       "</Code></Error></ErrorResponse>",
       "DOCTYPE"},
      {"<ErrorResponse><Error><Code></Code></Error></ErrorResponse>", "empty error code"},
      {"<ErrorResponse><Error><Message>m</Message></Error></ErrorResponse>", "without a code"},
      {"<ErrorResponse>" + std::string(17 * 3, ' ') + std::string(20, '<') + "</ErrorResponse>",
       "not XML"},
      {std::string(65 * 1024, ' '), "64 KiB"},
  };
  for (const auto& [xml, needle] : bad) {
    INFO(xml.substr(0, 120));
    auto a = ParseStsAnswer(xml, "AssumeRole");
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().kind == ErrorKind::kCorrupt);
    CHECK(a.error().message.find(needle) != std::string::npos);
    CHECK(a.error().message.find("s3cr3t") == std::string::npos);
  }
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += "<a>";
  auto d = ParseStsAnswer("<AssumeRoleResponse>" + deep, "AssumeRole");
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().message.find("deeper than 16") != std::string::npos);
}
