// Decoding of the identity-exchange sources (tokenExchange, refreshToken, federatedToken, gcp, acr)
// and of `verify` for one registry entry; plugin/config/config.cc calls it while decoding the
// entry.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "plugin/config/config.h"

namespace pullguard {

// Decodes whichever of tokenExchange / refreshToken / federatedToken / gcp / acr / ecr the entry
// `e` holds into out.source (only when `source_taken` is false: another source already claimed it)
// and `verify` into out.verify. Problems are appended with their path. Returns how many of the
// source keys were present, so the caller can count sources.
int DecodeExchangeSources(const nlohmann::json& e, const std::string& where, bool source_taken,
                          RegistryEntry& out, std::vector<std::string>& problems);

// `password` (inline) or `passwordFile` (an absolute path) in `s`, exactly one: the rule the
// static and refreshToken logins share. `hint` follows "needs password or passwordFile".
void DecodePassword(const nlohmann::json& s, const std::string& where, const std::string& hint,
                    std::optional<Secret>& password, std::string& password_file,
                    std::vector<std::string>& problems);

// The problem with `v` where a string (a Go duration string when `duration`) belongs. YAML is
// typed as kubelet types it, so an unquoted number or boolean is told to be quoted.
std::string NotAString(const nlohmann::json& v, bool duration = false);

// obj[name] as a boolean field: true, false, or the quoted "true"/"false"; absent or null: unset.
// Anything else is a problem at `path`.
std::optional<bool> DecodeBool(const nlohmann::json& obj, const char* name, const std::string& path,
                               std::vector<std::string>& problems);

// arn:<partition>:iam::<12-digit account>:role/<path and name>: an IAM role that STS can assume
// (the ecr source's roleArn and the pod's role annotation).
bool IsIamRoleArn(std::string_view arn);

// Shaped like an AWS region: lower-case words joined by '-', ending in a number ("us-west-2",
// "us-gov-east-1", "eusc-de-east-1").
bool IsAwsRegion(std::string_view region);

// Whether any source of the config holds an inline password (the config file must then be
// private).
bool HoldsInlinePassword(const RegistryEntry& e);

}  // namespace pullguard
