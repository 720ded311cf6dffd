// `pullguard decide --dir DIR [--evidence DIR] [--kubelet-version MAJOR.MINOR]`: kubelet's answer
// to "may this pod use the image already on the node?" for one container, with the reason, and
// kubelet's record updates.

#include "base/go_json.h"
#include "base/strict_json.h"
#include "cache/decision.h"
#include "cache/record_store.h"
#include "plugin/cli/command_line.h"
#include "plugin/cli/commands.h"
#include "plugin/cli/records_json.h"
#include "plugin/kubelet/duration.h"

namespace pullguard {
namespace {

constexpr const char* kCmd = "decide";

int Fail(Io& io, const std::string& msg) {
  PrintError(io, kCmd, msg);
  return 1;
}

struct DecideInput {
  DecisionRequest req;
  VerificationPolicy policy = VerificationPolicy::kNeverVerifyPreloadedImages;
  std::vector<std::string> allowlist;
  bool separate_shared_digests = false;
  std::optional<std::chrono::seconds> max_record_age;
};

Result<DecideInput> ParseInput(const std::string& text) {
  auto parsed = ParseStrictJson(text, "decide input");
  if (!parsed.ok()) return parsed.error();
  const auto& j = *parsed;
  PG_TRY(
      CheckKnownFields(j,
                       {"image", "imageRef", "imagePresent", "pullPolicy", "policy", "allowlist",
                        "podSecrets", "podServiceAccount", "separateSharedDigests", "maxRecordAge"},
                       "input"));
  DecideInput in;
  auto image = JsonString(j, "image", true, "input");
  if (!image.ok()) return image.error();
  if (image->empty()) return MakeError(ErrorKind::kInvalidArgument, "input: image is empty");
  if (auto t = TrimImageTagDigest(*image); !t.ok()) {
    return MakeError(ErrorKind::kInvalidArgument, "input: invalid image: " + t.error().message);
  }
  in.req.image = *image;
  auto ref = JsonString(j, "imageRef", false, "input");
  if (!ref.ok()) return ref.error();
  in.req.image_ref = *ref;
  auto present = JsonBool(j, "imagePresent", "input");
  if (!present.ok()) return present.error();
  if (!present->has_value()) {
    return MakeError(ErrorKind::kInvalidArgument, "input: missing field \"imagePresent\"");
  }
  in.req.image_present = **present;
  auto pp = JsonString(j, "pullPolicy", false, "input");
  if (!pp.ok()) return pp.error();
  if (!pp->empty()) {
    auto p = ParsePullPolicy(*pp);
    if (!p.ok()) return p.error();
    in.req.pull_policy = *p;
  }
  auto pol = JsonString(j, "policy", false, "input");
  if (!pol.ok()) return pol.error();
  if (!pol->empty()) {
    auto p = ParseVerificationPolicy(*pol);
    if (!p.ok()) return p.error();
    in.policy = *p;
  }
  if (auto it = j.find("allowlist"); it != j.end() && !it->is_null()) {
    if (!it->is_array())
      return MakeError(ErrorKind::kInvalidArgument, "input: allowlist must be a list");
    for (const auto& e : *it) {
      if (!e.is_string()) {
        return MakeError(ErrorKind::kInvalidArgument, "input: allowlist entries must be strings");
      }
      in.allowlist.push_back(e.get<std::string>());
    }
  }
  if (auto it = j.find("podSecrets"); it != j.end() && !it->is_null()) {
    if (!it->is_array())
      return MakeError(ErrorKind::kInvalidArgument, "input: podSecrets must be a list");
    for (std::size_t i = 0; i < it->size(); ++i) {
      auto s = SecretFromJson((*it)[i], "podSecrets[" + std::to_string(i) + "]");
      if (!s.ok()) return s.error();
      in.req.pod_secrets.push_back(std::move(*s));
    }
  }
  if (auto it = j.find("podServiceAccount"); it != j.end() && !it->is_null()) {
    auto sa = ServiceAccountFromJson(*it, "podServiceAccount");
    if (!sa.ok()) return sa.error();
    in.req.pod_service_account = *sa;
  }
  auto sep = JsonBool(j, "separateSharedDigests", "input");
  if (!sep.ok()) return sep.error();
  in.separate_shared_digests = sep->value_or(false);
  auto age = JsonString(j, "maxRecordAge", false, "input");
  if (!age.ok()) return age.error();
  if (!age->empty()) {
    auto d = ParseGoDuration(*age);
    if (!d.ok())
      return MakeError(ErrorKind::kInvalidArgument, "input: maxRecordAge: " + d.error().message);
    if (*d <= 0)
      return MakeError(ErrorKind::kInvalidArgument, "input: maxRecordAge must be positive");
    in.max_record_age = std::chrono::seconds(*d / kSecond);
  }
  return in;
}

}  // namespace

int RunDecide(const std::vector<std::string>& args, Io& io) {
  DecideArgs a;
  if (auto rc = ParseCommandLine(args, io, a)) return *rc;
  auto text = ReadAllInput(io);
  if (!text.ok()) return Fail(io, text.error().message);
  auto in = ParseInput(*text);
  if (!in.ok()) return Fail(io, in.error().message);
  // Checked while parsing the command line; unset: the newest released behaviour.
  KubeletVersion kubelet = KubeletVersion::Default();
  if (a.kubelet_version) kubelet = *ParseKubeletVersion(*a.kubelet_version);
  auto enforcer = PolicyEnforcer::Make(in->policy, in->allowlist, kubelet);
  if (!enforcer.ok()) return Fail(io, enforcer.error().message);

  FileRecordStore store(io.env, a.dir);
  // A missing directory must not read as "no records", which would be looser than the truth.
  if (auto st = store.CheckExists(); !st.ok()) return Fail(io, st.error().message);
  std::optional<EvidenceStore> evidence;
  if (a.evidence) {
    auto info = io.env.Stat(*a.evidence);
    if (!info.ok()) return Fail(io, info.error().message);
    if (!info->exists || !info->is_dir)
      return Fail(io, "--evidence " + *a.evidence + " is not a directory");
    evidence.emplace(io.env, *a.evidence);
  }
  RecordTime now = std::chrono::floor<std::chrono::seconds>(io.now());
  PullManagerOptions opts;
  opts.now = [now] { return now; };
  opts.separate_shared_digests = in->separate_shared_digests;
  opts.max_record_age = in->max_record_age;
  opts.kubelet = kubelet;
  // Asked for one release: its exact key lookup, without pullguard's tolerance of the other
  // spelling (docs/verification-cache.md, "Kubelet versions").
  opts.any_key_spelling = !a.kubelet_version;
  if (evidence) {
    const EvidenceStore* ev = &*evidence;
    opts.credential_expired = [ev, now](const std::string& hash, const std::string& repo) {
      return ev->AllExpired(hash, repo, now);
    };
  }
  PullManager manager(store, std::move(*enforcer), opts);
  Verdict v = Decide(manager, in->req, evidence ? &*evidence : nullptr, now);
  std::string out = "{\"action\":\"";
  out += ActionName(v.action);
  out += "\",\"reason\":";
  AppendGoJsonString(out, v.reason);
  out += "}\n";
  io.out << out;
  return 0;
}

}  // namespace pullguard
