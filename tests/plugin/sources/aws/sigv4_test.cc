// SigV4 against AWS's published test suite (testdata/aws4_testsuite, see its README): every
// vector's raw request is signed and the canonical request, string to sign and Authorization
// header must equal AWS's files byte for byte. Plus HMAC-SHA-256 (RFC 4231) and the date form.
#include "plugin/sources/aws/sigv4.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace pullguard;
using namespace pullguard::aws;

namespace {

const std::string kSuite =
    std::string(PULLGUARD_SOURCE_DIR) + "/tests/plugin/sources/aws/testdata/aws4_testsuite";

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  std::string out;
  for (char c : s) {
    if (c != '\r') out.push_back(c);
  }
  return out;
}

// The .req format: request line, headers (a line starting with white space continues the previous
// value), an empty line, the body. The target may hold a space (normalize-path/get-space), so it
// ends at the last " HTTP/".
SigV4Request ParseRaw(const std::string& raw) {
  SigV4Request r;
  std::size_t eol = raw.find('\n');
  std::string line = raw.substr(0, eol);
  std::size_t sp = line.find(' ');
  std::size_t http = line.rfind(" HTTP/");
  r.method = line.substr(0, sp);
  std::string target = line.substr(sp + 1, http - sp - 1);
  std::size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  std::size_t pos = eol == std::string::npos ? raw.size() : eol + 1;
  while (pos < raw.size()) {
    std::size_t end = raw.find('\n', pos);
    std::string h = raw.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? raw.size() : end + 1;
    if (h.empty()) {
      r.payload = raw.substr(pos);
      break;
    }
    if (h[0] == ' ' || h[0] == '\t') {
      r.headers.back().second += "\n" + h;
      continue;
    }
    std::size_t colon = h.find(':');
    r.headers.emplace_back(h.substr(0, colon), h.substr(colon + 1));
  }
  return r;
}

std::string Hex(const std::string& s) {
  std::string out;
  char b[3];
  for (unsigned char c : s) {
    std::snprintf(b, sizeof b, "%02x", c);
    out += b;
  }
  return out;
}

}  // namespace

TEST_CASE("SigV4: AWS's test suite, every vector", "[sigv4]") {
  const auto now = std::chrono::sys_days(std::chrono::year(2015) / 8 / 30) +
                   std::chrono::hours(12) + std::chrono::minutes(36);
  int checked = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kSuite)) {
    if (entry.path().extension() != ".req") continue;
    std::filesystem::path base = entry.path();
    base.replace_extension();
    std::string name = std::filesystem::relative(base, kSuite).string();
    {
      INFO(name);
      SigV4Request req = ParseRaw(Slurp(entry.path()));
      std::string creq = Slurp(base.string() + ".creq");
      AwsCredentials creds{"AKIDEXAMPLE", Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                           Secret(), std::nullopt};
      // The vectors with a session token sign it as a header (botocore's harness does the same).
      std::size_t t = creq.find("\nx-amz-security-token:");
      if (t != std::string::npos) {
        std::size_t start = t + 22;
        creds.session_token = Secret(creq.substr(start, creq.find('\n', start) - start));
      }
      SigV4Signature sig = SignV4(req, creds, "us-east-1", "service", now);
      CHECK(sig.canonical_request.reveal() == creq);
      CHECK(sig.string_to_sign == Slurp(base.string() + ".sts"));
      CHECK(sig.authorization.reveal() == Slurp(base.string() + ".authz"));
    }
    ++checked;
  }
  // Every .req of the suite: 24 top-level vectors, 8 path normalisations, 2 session-token ones.
  CHECK(checked == 34);
}

TEST_CASE("SigV4: X-Amz-Date and the session token are added once", "[sigv4]") {
  SigV4Request req;
  req.method = "POST";
  req.path = "/";
  req.headers = {{"Host", "api.ecr.us-west-2.amazonaws.com"}};
  req.payload = "{}";
  AwsCredentials creds{"ASIAEXAMPLE", Secret("secret"), Secret("session-token"), std::nullopt};
  auto now = std::chrono::sys_days(std::chrono::year(2026) / 1 / 2) + std::chrono::hours(3) +
             std::chrono::minutes(4) + std::chrono::seconds(5);
  SigV4Signature sig = SignV4(req, creds, "us-west-2", "ecr", now);
  REQUIRE(req.headers.size() == 3);
  CHECK(req.headers[1] == std::pair<std::string, std::string>("X-Amz-Date", "20260102T030405Z"));
  CHECK(req.headers[2].first == "X-Amz-Security-Token");
  CHECK(sig.authorization.reveal().starts_with(
      "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260102/us-west-2/ecr/aws4_request, "
      "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature="));
  CHECK(sig.authorization.reveal().find("session-token") == std::string::npos);
  CHECK(sig.authorization.reveal().find("secret") == std::string::npos);
  // Signing again (a retry) keeps one of each header.
  SignV4(req, creds, "us-west-2", "ecr", now);
  CHECK(req.headers.size() == 3);
}

TEST_CASE("SigV4: HMAC-SHA-256 (RFC 4231 test cases 1, 2 and 6)", "[sigv4]") {
  CHECK(Hex(HmacSha256(std::string(20, '\x0b'), "Hi There")) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(Hex(HmacSha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(Hex(HmacSha256(std::string(131, '\xaa'),
                       "Test Using Larger Than Block-Size Key - Hash Key First")) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("SigV4: AmzDate", "[sigv4]") {
  CHECK(AmzDate(std::chrono::system_clock::from_time_t(0)) == "19700101T000000Z");
  CHECK(AmzDate(std::chrono::system_clock::from_time_t(1700000000) +
                std::chrono::milliseconds(999)) == "20231114T221320Z");
}
