// The evidence store and the proof sink: repository-level proofs, their validity window, the
// 100-proof cap, and proofs with a digest becoming kubelet-format records.
#include <catch2/catch.hpp>

#include "base/env_posix.h"
#include "cache/decision.h"
#include "cache/proof_sink.h"
#include "cache/record_store.h"
#include "tests/support/run.h"

using namespace pullguard;
using pullguard::testing::TempDir;

namespace {

RecordTime T(long s) {
  return RecordTime(std::chrono::seconds(s));
}

}  // namespace

TEST_CASE("evidence round-trips and validity windows hold") {
  TempDir dir;
  EvidenceStore ev(DefaultEnv(), dir.path() + "/evidence");
  RepositoryProof p{"hash1", T(1000), T(2000), "sha256:abc", {}};
  REQUIRE(ev.Add("docker.io/library/busybox", p, T(1000)).ok());
  auto got = ev.Get("docker.io/library/busybox");
  REQUIRE(got.ok());
  REQUIRE(got->size() == 1);
  CHECK((*got)[0].credential_hash == "hash1");
  CHECK((*got)[0].valid_until == T(2000));
  CHECK((*got)[0].ValidAt(T(1500)));
  CHECK_FALSE((*got)[0].ValidAt(T(2000)));
  CHECK_FALSE((*got)[0].ValidAt(T(999)));
  CHECK_FALSE(ev.AllExpired("hash1", "docker.io/library/busybox", T(1500)));
  CHECK(ev.AllExpired("hash1", "docker.io/library/busybox", T(2500)));
  CHECK_FALSE(ev.AllExpired("unknown", "docker.io/library/busybox", T(2500)));
  CHECK(ev.Get("docker.io/library/other")->empty());
  // Re-proving replaces the proof for the same credential and source.
  REQUIRE(ev.Add("docker.io/library/busybox", RepositoryProof{"hash1", T(3000), T(4000), "", {}},
                 T(3000))
              .ok());
  REQUIRE(ev.Get("docker.io/library/busybox")->size() == 1);
  CHECK(ev.Get("docker.io/library/busybox")->at(0).proven_at == T(3000));
}

TEST_CASE("the evidence store keeps at most 100 proofs per repository, dropping expired first") {
  TempDir dir;
  EvidenceStore ev(DefaultEnv(), dir.path());
  for (int i = 0; i < 105; ++i) {
    RepositoryProof p{"h" + std::to_string(i),
                      T(1000 + i),
                      i < 10 ? std::optional<RecordTime>(T(1001)) : std::nullopt,
                      "",
                      {}};
    REQUIRE(ev.Add("r.io/x", p, T(5000)).ok());
  }
  auto got = ev.Get("r.io/x");
  REQUIRE(got->size() == 100);
  int expired = 0;
  for (const auto& p : *got) expired += p.ValidAt(T(5000)) ? 0 : 1;
  CHECK(expired == 5);
}

TEST_CASE(
    "a proof with a digest becomes a kubelet record; decide --evidence uses repository proofs") {
  TempDir dir;
  std::string root = dir.path() + "/image_manager", evdir = dir.path() + "/evidence";
  FileRecordStore store(DefaultEnv(), root);
  REQUIRE(store.Init().ok());
  EvidenceStore ev(DefaultEnv(), evdir);
  PullManager records(store,
                      *PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyPreloadedImages, {}));
  StoreProofSink sink(ev, &records);
  ProofSource sa{ProofSource::Kind::kServiceAccount, "team-a", "builder", "sa-uid"};
  REQUIRE(sink.RecordProof(PullProof{"", "r.io/team/app:v1", "sha256:feed", T(1000), T(9000), sa})
              .ok());
  auto r = store.GetRecord("sha256:feed");
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  CHECK((*r)->credential_mapping.at("r.io/team/app").kubernetes_service_accounts ==
        std::vector<ImagePullServiceAccount>{{"sa-uid", "team-a", "builder"}});
  // A repository proof without a digest: evidence only.
  ProofSource other_sa{ProofSource::Kind::kServiceAccount, "team-b", "deployer", "sa-2"};
  REQUIRE(
      sink.RecordProof(PullProof{"cafe", "r.io/team/lib:v2", "", T(1000), T(2000), other_sa}).ok());
  CHECK(ev.Get("r.io/team/lib")->size() == 1);

  // An image present under another imageRef, no record for it: AlwaysVerify must pull, unless a
  // pod credential was proven for the repository and the proof is still valid.
  PullManager always(store, *PolicyEnforcer::Make(VerificationPolicy::kAlwaysVerify, {}));
  DecisionRequest req;
  req.image = "r.io/team/lib:v2";
  req.image_ref = "sha256:other";
  req.image_present = true;
  req.pod_secrets = {{"u", "ns", "s", "cafe"}};
  CHECK(Decide(always, req, nullptr, T(1500)).action == Action::kPull);
  auto v = Decide(always, req, &ev, T(1500));
  CHECK(v.action == Action::kUseLocal);
  CHECK(v.reason.find("proven") != std::string::npos);
  CHECK(Decide(always, req, &ev, T(2500)).action == Action::kPull);  // expired
  req.pod_secrets = {{"u", "ns", "s", "other-hash"}};
  CHECK(Decide(always, req, &ev, T(1500)).action == Action::kPull);
  // Never with a required pull still fails with kubelet's message even when evidence is absent.
  req.pull_policy = PullPolicy::kNever;
  CHECK(Decide(always, req, &ev, T(1500)).reason == NeverPullMessage("r.io/team/lib:v2"));
}
