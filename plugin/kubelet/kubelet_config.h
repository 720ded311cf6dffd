// kubelet's CredentialProviderConfig (kubelet.config.k8s.io/v1, v1beta1, v1alpha1): strict decoding
// and every validation rule kubelet applies, for a file or a directory merged in lexical order.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/env.h"
#include "base/secret.h"
#include "plugin/kubelet/duration.h"

namespace pullguard {

inline constexpr std::size_t kMaxKubeletConfigBytes = 1024 * 1024;

struct KubeletExecEnvVar {
  std::string name;
  Secret value;  // often a proxy URL, sometimes a credential: never printed
};

// KEP-4412 (v1 only): kubelet sends the pod's service-account token to the provider.
struct KubeletTokenAttributes {
  std::string service_account_token_audience;
  std::string cache_type;  // "ServiceAccount" | "Token"
  std::optional<bool> require_service_account;
  std::vector<std::string> required_service_account_annotation_keys;
  std::vector<std::string> optional_service_account_annotation_keys;
};

struct KubeletCredentialProvider {
  std::string name;
  std::vector<std::string> match_images;
  std::optional<GoDuration> default_cache_duration;
  std::string api_version;  // credentialprovider.kubelet.k8s.io/...
  std::vector<std::string> args;
  std::vector<KubeletExecEnvVar> env;
  std::optional<KubeletTokenAttributes> token_attributes;
  // Where it came from, for messages: the file and the index in that file's providers list.
  std::string file;
  std::size_t index = 0;
  // Fields present but of the wrong type (already reported): validation does not pile a
  // "Required value" on top of the type error.
  std::vector<std::string> undecodable;
};

struct KubeletConfig {
  std::vector<std::string> files;  // the files read, in merge order
  std::vector<KubeletCredentialProvider> providers;
};

// Every problem found, one line each, each naming the file and, where there is one, the provider
// and the field ("cp.yaml: provider \"acme\": providers[0].defaultCacheDuration: Required value").
// Values that could be secrets (env values, args) are never quoted.
struct KubeletConfigCheck {
  KubeletConfig config;
  std::vector<std::string> problems;
  // Some file or provider could not be decoded at all, so "no providers" would be misleading.
  bool incomplete = false;
  bool ok() const { return problems.empty(); }
};

// Decodes one document (YAML or JSON) strictly, naming `file` in problems, and appends its
// providers to `into`. Validation rules that span providers are ValidateKubeletConfig's job.
void DecodeKubeletConfigFile(std::string_view text, const std::string& file,
                             KubeletConfigCheck& into);

// kubelet's validateCredentialProviderConfig over the merged providers (plus a non-empty name),
// with duplicate names caught across files. `origin` names the path when no provider exists.
void ValidateKubeletConfig(const std::string& origin, KubeletConfigCheck& check);

// apimachinery's validation.IsQualifiedName (annotation keys, lower-cased first): the messages,
// none when `value` is one.
std::vector<std::string> IsQualifiedName(std::string_view value);

// A file, or a directory whose *.json, *.yaml and *.yml regular files are merged in lexical
// order; each file at most kMaxKubeletConfigBytes. Decodes and validates everything it can.
KubeletConfigCheck CheckKubeletConfig(const std::string& path, Env& env);

}  // namespace pullguard
