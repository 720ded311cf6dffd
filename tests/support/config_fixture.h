// Test helpers for code that starts from a pullguard config: the document head, a decode that must
// succeed, a request for one image, and the keys of an auth answer.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "plugin/config/config.h"
#include "plugin/kubelet/protocol.h"

namespace pullguard::testing {

inline const std::string kConfigHead = "apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\n";

inline Config MustDecode(const std::string& yaml) {
  ConfigDecode d = DecodeConfig(yaml);
  INFO(yaml);
  for (const auto& p : d.problems) INFO(p);
  REQUIRE(d.ok());
  return d.config;
}

inline CredentialProviderRequest RequestFor(const std::string& image) {
  CredentialProviderRequest r;
  r.image = image;
  return r;
}

inline std::vector<std::string> Keys(const std::vector<KeyedCredential>& v) {
  std::vector<std::string> out;
  for (const auto& k : v) out.push_back(k.key);
  return out;
}

}  // namespace pullguard::testing
