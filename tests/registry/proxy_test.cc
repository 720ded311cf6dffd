// The proxy decision (registry/proxy.h), a port of golang.org/x/net/http/httpproxy: the test table
// of its proxy_test.go (TestProxyForURL, TestUseProxy, TestInvalidNoProxy, TestAllNoProxy,
// TestFromEnvironment*), then what pullguard adds on top (libcurl's proxy strings).
#include "registry/proxy.h"

#include <catch2/catch.hpp>
#include <map>

using namespace pullguard;
using namespace pullguard::registry;

namespace {

struct ProxyForUrlCase {
  ProxyConfig cfg;
  std::string req;   // "" means http://example.com
  std::string want;  // "" means no proxy (Go's "<nil>")
  bool want_error = false;
};

}  // namespace

TEST_CASE("proxy: Go's proxyForURLTests", "[proxy]") {
  const std::vector<ProxyForUrlCase> cases = {
      {{"127.0.0.1:8080", "", "", false}, "", "http://127.0.0.1:8080"},
      {{"cache.corp.example.com:1234", "", "", false}, "", "http://cache.corp.example.com:1234"},
      {{"cache.corp.example.com", "", "", false}, "", "http://cache.corp.example.com"},
      // single label domain is recognized as scheme by url.Parse
      {{"localhost", "", "", false}, "", "http://localhost"},
      {{"https://cache.corp.example.com", "", "", false}, "", "https://cache.corp.example.com"},
      {{"http://127.0.0.1:8080", "", "", false}, "", "http://127.0.0.1:8080"},
      {{"https://127.0.0.1:8080", "", "", false}, "", "https://127.0.0.1:8080"},
      {{"socks5://127.0.0.1", "", "", false}, "", "socks5://127.0.0.1"},
      // Preserve unknown schemes.
      {{"foo://host", "", "", false}, "", "foo://host"},
      // Don't use secure for http
      {{"http.proxy.tld", "secure.proxy.tld", "", false},
       "http://insecure.tld/",
       "http://http.proxy.tld"},
      // Use secure for https.
      {{"http.proxy.tld", "secure.proxy.tld", "", false},
       "https://secure.tld/",
       "http://secure.proxy.tld"},
      {{"http.proxy.tld", "https://secure.proxy.tld", "", false},
       "https://secure.tld/",
       "https://secure.proxy.tld"},
      {{"http.proxy.tld", "", "", false}, "https://secure.tld/", ""},
      // (Go's "ftp://insecure.tld/" case: pullguard has no ftp URL to ask about; ParseUrl refuses.)
      // Issue 16405: don't use HTTP_PROXY in a CGI environment, where HTTP_PROXY can be
      // attacker-controlled.
      {{"http://10.1.2.3:8080", "", "", true}, "", "", true},
      // HTTPS proxy is still used even in CGI environment.
      {{"", "https://secure.proxy.tld", "", true},
       "https://secure.tld/",
       "https://secure.proxy.tld"},
      {{}, "", ""},
      {{"proxy", "", "example.com", false}, "http://example.com/", ""},
      {{"proxy", "", ".example.com", false}, "http://example.com/", "http://proxy"},
      {{"proxy", "", "ample.com", false}, "http://example.com/", "http://proxy"},
      {{"proxy", "", "example.com", false}, "http://foo.example.com/", ""},
      {{"proxy", "", ".foo.com", false}, "http://example.com/", "http://proxy"},
      // Go's IDN cases whose request host is ASCII (pullguard's URLs are ASCII only).
      {{"proxy", "", "示例.com", false}, "http://www.xn--fsq092h.com", ""},
      {{"proxy", "", ".示例.com", false}, "http://www.xn--fsq092h.com", ""},
      {{"proxy", "", "xn--fsq092h.com", false}, "http://www.xn--fsq092h.com", ""},
      // (Go's "http://[1000::%25.example.com]:123": a zone in a URL; ParseUrl refuses it.)
  };
  for (const auto& c : cases) {
    std::string req = c.req.empty() ? "http://example.com" : c.req;
    CAPTURE(c.cfg.http_proxy, c.cfg.https_proxy, c.cfg.no_proxy, c.cfg.cgi, req);
    auto url = ParseUrl(req);
    REQUIRE(url.ok());
    auto got = ProxyForUrl(c.cfg, *url);
    if (c.want_error) {
      REQUIRE_FALSE(got.ok());
      CHECK(got.error().message ==
            "refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy");
      continue;
    }
    REQUIRE(got.ok());
    CHECK(*got == c.want);
  }
}

namespace {

const char* kNoProxy =
    "foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, "
    "10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, "
    "2002:db8:a::45/64";

// Go's UseProxyTests: host (as in a URL) and whether a request to it on port 80 is proxied.
const std::vector<std::pair<std::string, bool>> kUseProxy = {
    // Never proxy localhost:
    {"localhost", false},
    {"127.0.0.1", false},
    {"127.0.0.2", false},
    {"[::1]", false},
    {"[::2]", true},                        // not a loopback address
    {"192.168.1.1", false},                 // matches exact IPv4
    {"192.168.1.2", true},                  // ports do not match
    {"192.168.1.3", false},                 // matches exact IPv4:port
    {"192.168.1.4", true},                  // no match
    {"10.0.0.2", false},                    // matches IPv4/CIDR
    {"[2001:db8::52:0:1]", false},          // matches exact IPv6
    {"[2001:db8::52:0:2]", true},           // no match
    {"[2001:db8::52:0:3]", false},          // matches exact [IPv6]:port
    {"[2002:db8:a::123]", false},           // matches IPv6/CIDR
    {"[fe80::424b:c8be:1643:a1b6]", true},  // no match
    {"barbaz.net", true},                   // does not match as .barbaz.net
    {"www.barbaz.net", false},              // does match as .barbaz.net
    {"foobar.com", false},                  // does match as foobar.com
    {"www.foobar.com", false},              // match because NO_PROXY includes "foobar.com"
    {"foofoobar.com", true},                // not match as a part of foobar.com
    {"baz.com", true},                      // not match as a part of barbaz.com
    {"localhost.net", true},                // not match as suffix of address
    {"local.localhost", true},              // not match as prefix as address
    {"barbarbaz.net", true},                // not match, wrong domain
    {"wildcard.io", true},                  // does not match as *.wildcard.io
    {"nested.wildcard.io", false},          // match as *.wildcard.io
    {"awildcard.io", true},                 // not a match because of '*'
};

std::string Unbracket(const std::string& h) {
  return h.front() == '[' ? h.substr(1, h.size() - 2) : h;
}

}  // namespace

TEST_CASE("proxy: Go's TestUseProxy, TestAllNoProxy and TestInvalidNoProxy", "[proxy]") {
  ProxyConfig cfg{"", "", kNoProxy, false};
  for (const auto& [host, proxied] : kUseProxy) {
    CAPTURE(host);
    CHECK(UseProxy(cfg, Unbracket(host), "80") == proxied);
    // The same through a whole request (canonicalAddr, then proxyForURL).
    ProxyConfig with_proxy = cfg;
    with_proxy.http_proxy = "http://proxy.example:3128";
    auto url = ParseUrl("http://" + host + ":80/v2/");
    REQUIRE(url.ok());
    CHECK(ProxyForUrl(with_proxy, *url)->empty() == !proxied);
  }
  ProxyConfig all{"", "", "*", false};
  for (const auto& [host, proxied] : kUseProxy) {
    CAPTURE(host);
    CHECK_FALSE(UseProxy(all, Unbracket(host), "80"));
  }
  ProxyConfig invalid{"", "", ":1", false};
  CHECK(UseProxy(invalid, "example.com", "80"));  // should not panic
}

TEST_CASE("proxy: Go's TestFromEnvironment (upper case first, then lower case)", "[proxy]") {
  std::map<std::string, std::string> env = {
      {"HTTP_PROXY", "httpproxy"}, {"HTTPS_PROXY", "httpsproxy"}, {"NO_PROXY", "noproxy"},
      {"REQUEST_METHOD", ""},      {"http_proxy", "lower-http"},  {"no_proxy", "lower-no"}};
  auto getenv = [&](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  ProxyConfig c = ProxyConfigFromEnvironment(getenv);
  CHECK(c.http_proxy == "httpproxy");
  CHECK(c.https_proxy == "httpsproxy");
  CHECK(c.no_proxy == "noproxy");
  CHECK_FALSE(c.cgi);
  env["REQUEST_METHOD"] = "PUT";  // TestFromEnvironmentWithRequestMethod
  CHECK(ProxyConfigFromEnvironment(getenv).cgi);
  // TestFromEnvironmentLowerCase: an empty upper-case value gives way to the lower-case one.
  env["HTTP_PROXY"] = "";
  env.erase("NO_PROXY");
  env["https_proxy"] = "lower-https";
  ProxyConfig lower = ProxyConfigFromEnvironment(getenv);
  CHECK(lower.http_proxy == "lower-http");
  CHECK(lower.https_proxy == "httpsproxy");
  CHECK(lower.no_proxy == "lower-no");
}

TEST_CASE("proxy: loopback registries never go through a proxy", "[proxy]") {
  ProxyConfig cfg{"http://proxy.example:3128", "http://proxy.example:3128", "", false};
  for (const char* u :
       {"http://127.0.0.1:5000/v2/", "http://localhost:5000/token", "https://127.9.9.9/v2/",
        "http://[::1]:5000/v2/", "http://[::ffff:127.0.0.1]:5000/v2/"}) {
    CAPTURE(u);
    CHECK(ProxyForUrl(cfg, *ParseUrl(u))->empty());
  }
  CHECK(*ProxyForUrl(cfg, *ParseUrl("http://192.0.2.10:5000/v2/")) == "http://proxy.example:3128");
}

TEST_CASE("proxy: libcurl's proxy strings", "[proxy]") {
  CHECK(*CurlProxyString("http://p:3128") == "http://p:3128");
  CHECK(*CurlProxyString("https://u:pw@p:3128") == "https://u:pw@p:3128");
  CHECK(*CurlProxyString("socks5://127.0.0.1:1080") == "socks5h://127.0.0.1:1080");
  auto foo = CurlProxyString("foo://host");
  REQUIRE_FALSE(foo.ok());
  CHECK(foo.error().message.find("not supported") != std::string::npos);
}

TEST_CASE("proxy: NO_PROXY names through punycode (RFC 3492 sample strings)", "[proxy]") {
  CHECK(*IdnaToAscii("示例.com") == "xn--fsq092h.com");
  CHECK(*IdnaToAscii(".example.com") == ".example.com");  // ASCII as is (Go: callers lower-case)
  // RFC 3492 7.1 (A) Arabic (Egyptian) and (L) 3<nen>B<gumi><kinpachi><sensei>.
  CHECK(*IdnaToAscii("\u0644\u064A\u0647\u0645\u0627\u0628\u062A\u0643\u0644\u0645\u0648"
                     "\u0634\u0639\u0631\u0628\u064A\u061F") == "xn--egbpdaj6bu4bxfgehfvwxn");
  CHECK(*IdnaToAscii("3\u5E74B\u7D44\u91D1\u516B\u5148\u751F") == "xn--3b-ww4c5e180e575a65lsy2b");
  CHECK_FALSE(IdnaToAscii("bad\xff.com").has_value());
}
