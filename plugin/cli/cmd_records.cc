// `pullguard records hash|ls|show|audit|add`: read, audit and feed kubelet's image_manager
// records (KEP-2535) from the command line.
#include <algorithm>
#include <map>

#include "base/go_json.h"
#include "base/rfc3339.h"
#include "base/strict_json.h"
#include "cache/credential_hash.h"
#include "cache/group_commit.h"
#include "cache/kubelet_version.h"
#include "cache/merge.h"
#include "cache/pull_manager.h"
#include "cache/record_codec.h"
#include "cache/record_store.h"
#include "plugin/cli/command_line.h"
#include "plugin/cli/commands.h"
#include "plugin/cli/image_list_input.h"
#include "plugin/cli/records_json.h"

namespace pullguard {
namespace {

constexpr const char* kCmd = "records";

int Fail(Io& io, const std::string& msg) {
  PrintError(io, kCmd, msg);
  return 1;
}

void PrintProblem(Io& io, const StoreProblem& p) {
  std::string out = "{\"kind\":\"CorruptFile\",\"file\":";
  AppendGoJsonString(out, p.file);
  out += ",\"error\":";
  AppendGoJsonString(out, p.error.message);
  out += "}\n";
  io.out << out;
  PrintError(io, kCmd, "unreadable record file " + p.error.message);
}

int RunHash(Io& io) {
  auto in = ReadAllInput(io);
  if (!in.ok()) return Fail(io, in.error().message);
  auto j = ParseStrictJson(*in, "auth JSON");
  if (!j.ok()) return Fail(io, j.error().message);
  auto a = AuthConfigFromJson(*j);
  if (!a.ok()) return Fail(io, a.error().message);
  io.out << CredentialHash(*a) << "\n";
  return 0;
}

template <class T>
std::vector<std::size_t> OrderByFile(const Listing<T>& l) {
  std::vector<std::size_t> idx(l.items.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return l.files[a] < l.files[b]; });
  return idx;
}

struct StoreListing {
  Listing<ImagePullIntent> intents;
  Listing<ImagePulledRecord> records;
};

// ls and audit: the directory must exist; every intent and record listed.
Result<StoreListing> ListStore(const std::string& dir, Io& io) {
  FileRecordStore store(io.env, dir);
  PG_TRY(store.CheckExists());
  auto intents = store.ListIntents();
  if (!intents.ok()) return intents.error();
  auto records = store.ListRecords();
  if (!records.ok()) return records.error();
  return StoreListing{std::move(*intents), std::move(*records)};
}

int RunLs(const std::string& dir, Io& io) {
  auto listed = ListStore(dir, io);
  if (!listed.ok()) return Fail(io, listed.error().message);
  const auto& intents = listed->intents;
  const auto& records = listed->records;
  for (auto i : OrderByFile(intents)) io.out << EncodePullIntent(intents.items[i]);
  for (auto i : OrderByFile(records)) io.out << EncodePulledRecord(records.items[i]);
  for (const auto& p : intents.problems) PrintProblem(io, p);
  for (const auto& p : records.problems) PrintProblem(io, p);
  return 0;
}

int RunShow(const std::string& dir, const std::string& ref, Io& io) {
  FileRecordStore store(io.env, dir);
  if (auto st = store.CheckExists(); !st.ok()) return Fail(io, st.error().message);
  auto r = store.GetRecord(ref);
  if (!r.ok()) return Fail(io, r.error().message);
  if (!r->has_value()) return Fail(io, "no record for imageRef " + GoJsonString(ref));
  io.out << EncodePulledRecord(**r);
  return 0;
}

void AuditLine(Io& io, const ImagePulledRecord& r, const std::string& image,
               const std::string& access, const std::string& extra) {
  std::string out = "{\"imageRef\":";
  AppendGoJsonString(out, r.image_ref);
  out += ",\"image\":";
  AppendGoJsonString(out, image);
  out += ",\"access\":\"" + access + "\"";
  out += extra;
  out += ",\"lastUpdatedTime\":";
  out += r.last_updated_time ? "\"" + FormatRfc3339(*r.last_updated_time) + "\"" : "null";
  out += "}\n";
  io.out << out;
}

std::string Coord(const std::string& ns, const std::string& name, const std::string& uid) {
  std::string out = ",\"namespace\":";
  AppendGoJsonString(out, ns);
  out += ",\"name\":";
  AppendGoJsonString(out, name);
  out += ",\"uid\":";
  AppendGoJsonString(out, uid);
  return out;
}

int RunAudit(const std::string& dir, const std::string& images, Io& io) {
  auto listed = ListStore(dir, io);
  if (!listed.ok()) return Fail(io, listed.error().message);
  // --images: the runtime's names of each imageRef, for the shared-digest finding.
  std::optional<std::map<std::string, std::vector<std::string>>> names;
  if (!images.empty()) {
    auto in = ReadImageListInput(images, io);
    if (!in.ok()) return Fail(io, in.error().message);
    names = NamesById(in->list);
  }
  const std::vector<std::string> kNoNames;
  auto* intents = &listed->intents;
  auto* records = &listed->records;
  for (auto i : OrderByFile(*records)) {
    const auto& r = records->items[i];
    if (RecordFileName(r.image_ref) != records->files[i]) {
      AuditLine(io, r, "", "misfiled", ",\"file\":\"pulled/" + records->files[i] + "\"");
      continue;
    }
    if (r.credential_mapping.empty()) {
      // Recorded with no credentials: every pod must verify (kubelet's fail-safe).
      AuditLine(io, r, "", "none", "");
    }
    for (const auto& [image, c] : r.credential_mapping) {
      if (c.node_pods_accessible) AuditLine(io, r, image, "node", "");
      for (const auto& s : c.kubernetes_secrets) {
        std::string extra =
            Coord(s.ns, s.name, s.uid) + ",\"credentialHash\":" + GoJsonString(s.credential_hash);
        AuditLine(io, r, image, "secret", extra);
      }
      for (const auto& s : c.kubernetes_service_accounts) {
        AuditLine(io, r, image, "serviceAccount", Coord(s.ns, s.name, s.uid));
      }
      if (c.Empty()) AuditLine(io, r, image, "none", "");
    }
    const std::vector<std::string>* runtime_names = nullptr;
    if (names) {
      auto it = names->find(r.image_ref);
      runtime_names = it == names->end() ? &kNoNames : &it->second;
    }
    // kubernetes#138175: "" unless several repositories
    io.out << SharedDigestFinding(r, runtime_names);
  }
  for (auto i : OrderByFile(*intents)) {
    std::string out = "{\"intent\":";
    AppendGoJsonString(out, intents->items[i].image);
    out += ",\"access\":\"in-flight\"}\n";
    io.out << out;
  }
  for (const auto& p : intents->problems) PrintProblem(io, p);
  for (const auto& p : records->problems) PrintProblem(io, p);
  return 0;
}

// A list field of the set form: absent or null is empty.
template <class T, class F>
Status ListFromJson(const nlohmann::json& j, const char* field, F parse, std::vector<T>& out) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return Status::Ok();
  if (!it->is_array()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     std::string("input: ") + field + " must be a list");
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    auto v = parse((*it)[i], std::string(field) + "[" + std::to_string(i) + "]");
    if (!v.ok()) return v.error();
    out.push_back(std::move(*v));
  }
  return Status::Ok();
}

// The credentials of one add: the single form (exactly one of secret, serviceAccount,
// nodePodsAccessible) or a pod's whole set (secrets, serviceAccounts lists), as the merges
// kubelet's rules make of it (cache/merge.h, CredentialSetMerges).
Result<std::vector<ImagePullCredentials>> CredentialsFromJson(const nlohmann::json& j) {
  bool set_form = j.contains("secrets") || j.contains("serviceAccounts");
  bool single_form = j.contains("secret") || j.contains("serviceAccount");
  if (set_form && single_form) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "input: give \"secret\"/\"serviceAccount\" or the lists \"secrets\"/"
                     "\"serviceAccounts\", not both");
  }
  auto node = JsonBool(j, "nodePodsAccessible", "input");
  if (!node.ok()) return node.error();
  if (node->has_value() && !**node) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "input: nodePodsAccessible can only be true (omit it otherwise)");
  }
  const bool node_access = node->value_or(false);
  std::vector<ImagePullSecret> secrets;
  std::vector<ImagePullServiceAccount> accounts;
  if (set_form) {
    PG_TRY(ListFromJson(j, "secrets", SecretFromJson, secrets));
    PG_TRY(ListFromJson(j, "serviceAccounts", ServiceAccountFromJson, accounts));
    if (node_access && (!secrets.empty() || !accounts.empty())) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "input: a pull is node-accessible or by pod credentials, not both (give "
                       "nodePodsAccessible alone)");
    }
    return CredentialSetMerges(secrets, accounts, node_access);
  }
  int sources = node_access ? 1 : 0;
  if (j.contains("secret") && !j["secret"].is_null()) {
    auto s = SecretFromJson(j["secret"], "secret");
    if (!s.ok()) return s.error();
    secrets.push_back(*s);
    ++sources;
  }
  if (j.contains("serviceAccount") && !j["serviceAccount"].is_null()) {
    auto s = ServiceAccountFromJson(j["serviceAccount"], "serviceAccount");
    if (!s.ok()) return s.error();
    accounts.push_back(*s);
    ++sources;
  }
  if (sources != 1) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "input: give exactly one of \"secret\", \"serviceAccount\" and "
                     "\"nodePodsAccessible\": true (or the lists \"secrets\", "
                     "\"serviceAccounts\")");
  }
  return std::vector<ImagePullCredentials>{ImagePullCredentials{secrets, accounts, node_access}};
}

int RunAdd(const RecordsArgs& a, Io& io) {
  auto in = ReadAllInput(io);
  if (!in.ok()) return Fail(io, in.error().message);
  auto parsed = ParseStrictJson(*in, "records add input");
  if (!parsed.ok()) return Fail(io, parsed.error().message);
  const auto& j = *parsed;
  if (auto st = CheckKnownFields(j,
                                 {"image", "imageRef", "secret", "serviceAccount",
                                  "nodePodsAccessible", "secrets", "serviceAccounts"},
                                 "input");
      !st.ok()) {
    return Fail(io, st.error().message);
  }
  auto image = JsonString(j, "image", true, "input");
  if (!image.ok()) return Fail(io, image.error().message);
  auto ref = JsonString(j, "imageRef", true, "input");
  if (!ref.ok()) return Fail(io, ref.error().message);
  if (ref->empty()) return Fail(io, "input: imageRef must not be empty");
  if (auto t = TrimImageTagDigest(*image); !t.ok()) {
    return Fail(io, "input: invalid image: " + t.error().message);
  }
  // Every entry is checked before anything is written: a broken entry stores nothing.
  auto merges = CredentialsFromJson(j);
  if (!merges.ok()) return Fail(io, merges.error().message);
  KubeletVersion kubelet = KubeletVersion::Default();
  if (a.kubelet_version) kubelet = *ParseKubeletVersion(*a.kubelet_version);  // checked
  if (!kubelet.ServiceAccountCredentials()) {
    for (const auto& m : *merges) {
      if (!m.kubernetes_service_accounts.empty()) {
        return Fail(io, "input: kubelet " + kubelet.String() +
                            " records no service accounts (kubernetes#132771, 1.34)");
      }
    }
  }
  // flock is not fair: under heavy contention a waiter can lose many hand-overs in a row, so an
  // explicit add waits longer than a decision would. Concurrent adds to one record are merged in
  // one write by whoever holds its lock (cache/group_commit.h).
  FileRecordStore store(io.env, a.dir, std::chrono::minutes(5));
  if (auto st = store.Init(); !st.ok()) return Fail(io, st.error().message);
  GroupCommit commit(io.env, store,
                     [&io] { return std::chrono::floor<std::chrono::seconds>(io.now()); });
  bool changed = false;
  for (std::size_t i = 0; i < merges->size(); ++i) {
    auto c = commit.Add(*image, *ref, (*merges)[i], kubelet);
    if (!c.ok()) {
      // A set with secrets and service accounts is two writes; say which part is stored.
      return Fail(io, i == 0 ? c.error().message
                             : c.error().message + " (the secrets of this set were written)");
    }
    changed = changed || *c;
  }
  std::string out = "{\"changed\":";
  out += changed ? "true" : "false";
  out += ",\"file\":\"pulled/" + RecordFileName(*ref) + "\"}\n";
  io.out << out;
  return 0;
}

}  // namespace

int RunRecords(const std::vector<std::string>& args, Io& io) {
  RecordsArgs a;
  if (auto rc = ParseCommandLine(args, io, a)) return *rc;
  switch (a.sub) {
    case RecordsArgs::Sub::kHash:
      return RunHash(io);
    case RecordsArgs::Sub::kLs:
      return RunLs(a.dir, io);
    case RecordsArgs::Sub::kShow:
      return RunShow(a.dir, a.image_ref, io);
    case RecordsArgs::Sub::kAudit:
      return RunAudit(a.dir, a.images, io);
    case RecordsArgs::Sub::kAdd:
      return RunAdd(a, io);
    case RecordsArgs::Sub::kGc:
      return RunRecordsGc(a, io);
    case RecordsArgs::Sub::kRecover:
      return RunRecordsRecover(a, io);
  }
  return 2;
}

}  // namespace pullguard
