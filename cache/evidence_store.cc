// Same discipline as the record store: strict decoding, atomic replace, flock around updates.
#include "cache/evidence_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/go_json.h"
#include "base/rfc3339.h"
#include "base/strict_json.h"

namespace pullguard {
namespace {

constexpr const char* kKind = "PullguardRepositoryEvidence";
constexpr const char* kApi = "pullguard.io/v1alpha1";

Error Corrupt(const std::string& m) {
  return MakeError(ErrorKind::kCorrupt, "evidence: " + m);
}

Result<std::string> Str(const nlohmann::json& j, const char* f, bool required) {
  auto it = j.find(f);
  if (it == j.end() || it->is_null()) {
    if (required) return Corrupt(std::string("missing field \"") + f + "\"");
    return std::string();
  }
  if (!it->is_string()) return Corrupt(std::string("field \"") + f + "\" must be a string");
  return it->get<std::string>();
}

}  // namespace

std::string EncodeEvidence(const std::string& repository, const std::vector<RepositoryProof>& ps) {
  std::string out = "{\"kind\":\"";
  out += kKind;
  out += "\",\"apiVersion\":\"";
  out += kApi;
  out += "\",\"repository\":";
  AppendGoJsonString(out, repository);
  out += ",\"proofs\":[";
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const auto& p = ps[i];
    if (i) out.push_back(',');
    out += "{\"credentialHash\":";
    AppendGoJsonString(out, p.credential_hash);
    out += ",\"provenAt\":\"" + FormatRfc3339(p.proven_at) + "\"";
    if (p.valid_until) out += ",\"validUntil\":\"" + FormatRfc3339(*p.valid_until) + "\"";
    if (!p.digest.empty()) {
      out += ",\"digest\":";
      AppendGoJsonString(out, p.digest);
    }
    out += ",\"source\":{\"kind\":";
    out += p.source.kind == ProofSource::Kind::kNode ? "\"node\"" : "\"serviceAccount\"";
    if (p.source.kind == ProofSource::Kind::kServiceAccount) {
      out += ",\"namespace\":";
      AppendGoJsonString(out, p.source.ns);
      out += ",\"name\":";
      AppendGoJsonString(out, p.source.name);
      out += ",\"uid\":";
      AppendGoJsonString(out, p.source.uid);
    }
    out += "}}";
  }
  out += "]}\n";
  return out;
}

Result<EvidenceStore::Entry> DecodeEvidence(std::string_view text) {
  auto parsed = ParseStrictJson(text, "evidence file");
  if (!parsed.ok()) return Corrupt(parsed.error().message);
  const auto& j = *parsed;
  auto st = CheckKnownFields(j, {"kind", "apiVersion", "repository", "proofs"}, "evidence");
  if (!st.ok()) return Corrupt(st.error().message);
  auto kind = Str(j, "kind", true);
  if (!kind.ok()) return kind.error();
  auto api = Str(j, "apiVersion", true);
  if (!api.ok()) return api.error();
  if (*kind != kKind || *api != kApi) return Corrupt("unexpected kind or apiVersion");
  EvidenceStore::Entry e;
  auto repo = Str(j, "repository", true);
  if (!repo.ok()) return repo.error();
  e.repository = *repo;
  auto it = j.find("proofs");
  if (it == j.end() || !it->is_array()) return Corrupt("proofs must be a list");
  for (const auto& pj : *it) {
    auto s2 = CheckKnownFields(pj, {"credentialHash", "provenAt", "validUntil", "digest", "source"},
                               "proof");
    if (!s2.ok()) return Corrupt(s2.error().message);
    RepositoryProof p;
    auto h = Str(pj, "credentialHash", false);
    if (!h.ok()) return h.error();
    p.credential_hash = *h;
    auto at = Str(pj, "provenAt", true);
    if (!at.ok()) return at.error();
    auto t = ParseRfc3339(*at);
    if (!t.ok()) return Corrupt(t.error().message);
    p.proven_at = *t;
    auto until = Str(pj, "validUntil", false);
    if (!until.ok()) return until.error();
    if (!until->empty()) {
      auto u = ParseRfc3339(*until);
      if (!u.ok()) return Corrupt(u.error().message);
      p.valid_until = *u;
    }
    auto d = Str(pj, "digest", false);
    if (!d.ok()) return d.error();
    p.digest = *d;
    auto sit = pj.find("source");
    if (sit == pj.end() || !sit->is_object()) return Corrupt("proof source must be an object");
    auto s3 = CheckKnownFields(*sit, {"kind", "namespace", "name", "uid"}, "proof source");
    if (!s3.ok()) return Corrupt(s3.error().message);
    auto sk = Str(*sit, "kind", true);
    if (!sk.ok()) return sk.error();
    if (*sk == "node") {
      p.source.kind = ProofSource::Kind::kNode;
    } else if (*sk == "serviceAccount") {
      p.source.kind = ProofSource::Kind::kServiceAccount;
      auto ns = Str(*sit, "namespace", true), name = Str(*sit, "name", true),
           uid = Str(*sit, "uid", true);
      if (!ns.ok()) return ns.error();
      if (!name.ok()) return name.error();
      if (!uid.ok()) return uid.error();
      p.source.ns = *ns;
      p.source.name = *name;
      p.source.uid = *uid;
    } else {
      return Corrupt("unknown proof source kind");
    }
    e.proofs.push_back(std::move(p));
  }
  return e;
}

EvidenceStore::EvidenceStore(Env& env, std::string dir, std::chrono::milliseconds lock_timeout)
    : env_(env), dir_(std::move(dir)), lock_timeout_(lock_timeout) {
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
}

Status EvidenceStore::Init() {
  return env_.CreateDirs(dir_, 0700);
}

std::string EvidenceStore::PathFor(const std::string& repository) const {
  return dir_ + "/" + RecordFileName(repository);
}

Result<std::vector<RepositoryProof>> EvidenceStore::Get(const std::string& repository) const {
  auto data = env_.ReadFile(PathFor(repository), 16u << 20);
  if (!data.ok()) {
    if (data.error().kind == ErrorKind::kNotFound) return std::vector<RepositoryProof>();
    return data.error();
  }
  auto e = DecodeEvidence(*data);
  if (!e.ok()) return e.error();
  if (e->repository != repository) return std::vector<RepositoryProof>();
  return std::move(e->proofs);
}

bool EvidenceStore::AllExpired(const std::string& credential_hash, const std::string& repository,
                               RecordTime now) const {
  auto proofs = Get(repository);
  if (!proofs.ok()) return false;
  bool any = false;
  for (const auto& p : *proofs) {
    if (p.credential_hash != credential_hash) continue;
    any = true;
    if (!p.valid_until || now < *p.valid_until) return false;
  }
  return any;
}

Status EvidenceStore::Add(const std::string& repository, const RepositoryProof& proof,
                          RecordTime now) {
  PG_TRY(Init());
  auto lock = env_.LockFile(dir_ + "/.lock", lock_timeout_);
  if (!lock.ok()) return lock.error();
  auto current = Get(repository);
  if (!current.ok()) return current.error();  // never overwrite what we cannot read
  std::vector<RepositoryProof> proofs = std::move(*current);
  proofs.erase(std::remove_if(proofs.begin(), proofs.end(),
                              [&](const RepositoryProof& p) {
                                return p.credential_hash == proof.credential_hash &&
                                       p.source == proof.source;
                              }),
               proofs.end());
  proofs.push_back(proof);
  if (proofs.size() > kMaxProofsPerRepository) {
    // Expired proofs go first, then the oldest.
    std::stable_sort(proofs.begin(), proofs.end(), [&](const auto& a, const auto& b) {
      bool av = a.ValidAt(now), bv = b.ValidAt(now);
      if (av != bv) return !av;
      return a.proven_at < b.proven_at;
    });
    proofs.erase(proofs.begin(),
                 proofs.begin() + static_cast<long>(proofs.size() - kMaxProofsPerRepository));
  }
  return env_.WriteFileAtomic(PathFor(repository), EncodeEvidence(repository, proofs), 0600);
}

Result<std::vector<EvidenceStore::Entry>> EvidenceStore::List() const {
  auto names = env_.ListDir(dir_);
  if (!names.ok()) return names.error();
  std::vector<Entry> out;
  for (const auto& n : *names) {
    if (!IsRecordFileName(n)) continue;
    auto data = env_.ReadFile(dir_ + "/" + n, 16u << 20);
    if (!data.ok()) return data.error();
    auto e = DecodeEvidence(*data);
    if (!e.ok()) return MakeError(ErrorKind::kCorrupt, n + ": " + e.error().message);
    out.push_back(std::move(*e));
  }
  return out;
}

}  // namespace pullguard
