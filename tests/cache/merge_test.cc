// Merge rules ported from kubelet's Test_pulledRecordMergeNewCreds and
// Test_mergePullServiceAccounts (image_pull_manager_test.go), and the batch form group commit
// uses checked against them on random sequences.
#include <catch2/catch.hpp>
#include <random>

#include "cache/merge.h"

using namespace pullguard;

namespace {

using Secrets = std::vector<ImagePullSecret>;
using SAs = std::vector<ImagePullServiceAccount>;

ImagePulledRecord TestRecord() {
  ImagePulledRecord r;
  r.image_ref = "testImageRef";
  r.credential_mapping["test-image1"].kubernetes_secrets = {
      {"uid1", "namespace1", "name1", "hash1"}};
  r.credential_mapping["test-image2"].kubernetes_secrets = {
      {"uid1", "namespace1", "name1", "hash1"}, {"uid2", "namespace2", "name2", "hash2"}};
  r.credential_mapping["test-image-with-sa"].kubernetes_service_accounts = {
      {"sa-uid1", "default", "sa1"}};
  r.credential_mapping["test-image-mixed"].kubernetes_secrets = {
      {"secret-uid1", "kube-system", "secret1", "secret-hash1"}};
  r.credential_mapping["test-image-mixed"].kubernetes_service_accounts = {
      {"sa-uid2", "kube-system", "sa2"}};
  r.credential_mapping["test-nodewide"].node_pods_accessible = true;
  return r;
}

ImagePulledRecord With(const std::string& image, ImagePullCredentials c) {
  auto r = TestRecord();
  r.credential_mapping[image] = std::move(c);
  return r;
}

struct MergeCase {
  const char* name;
  const char* image;
  ImagePullCredentials creds;
  ImagePulledRecord expected;
  bool want_update;
};

ImagePullCredentials S(Secrets s) {
  return ImagePullCredentials{std::move(s), {}, false};
}
ImagePullCredentials A(SAs s) {
  return ImagePullCredentials{{}, std::move(s), false};
}
ImagePullCredentials Node() {
  return ImagePullCredentials{{}, {}, true};
}

}  // namespace

TEST_CASE("pulledRecordMergeNewCreds (upstream table)") {
  std::vector<MergeCase> cases = {
      {"create a new image record", "new-image",
       S({{"newuid", "newnamespace", "newname", "newhash"}}),
       With("new-image", S({{"newuid", "newnamespace", "newname", "newhash"}})), true},
      {"merge with an existing image secret", "test-image1",
       S({{"newuid", "newnamespace", "newname", "newhash"}}),
       With("test-image1", S({{"uid1", "namespace1", "name1", "hash1"},
                              {"newuid", "newnamespace", "newname", "newhash"}})),
       true},
      {"merge with existing image record secrets", "test-image2",
       S({{"newuid", "namespace1", "newname", "newhash"}}),
       With("test-image2", S({{"uid1", "namespace1", "name1", "hash1"},
                              {"newuid", "namespace1", "newname", "newhash"},
                              {"uid2", "namespace2", "name2", "hash2"}})),
       true},
      {"node-accessible overrides all secrets", "test-image2", Node(), With("test-image2", Node()),
       true},
      {"same secret coordinates but a different hash", "test-image2",
       S({{"uid2", "namespace2", "name2", "newhash"}}),
       With("test-image2", S({{"uid1", "namespace1", "name1", "hash1"},
                              {"uid2", "namespace2", "name2", "newhash"}})),
       true},
      {"same hash but different coordinates", "test-image2",
       S({{"uid3", "namespace2", "name3", "hash2"}}),
       With("test-image2", S({{"uid1", "namespace1", "name1", "hash1"},
                              {"uid2", "namespace2", "name2", "hash2"},
                              {"uid3", "namespace2", "name3", "hash2"}})),
       true},
      {"new image record with service accounts", "new-sa-image",
       A({{"new-sa-uid", "default", "new-sa"}}),
       With("new-sa-image", A({{"new-sa-uid", "default", "new-sa"}})), true},
      {"merge with existing service account", "test-image-with-sa",
       A({{"new-sa-uid", "kube-system", "new-sa"}}),
       With("test-image-with-sa",
            A({{"sa-uid1", "default", "sa1"}, {"new-sa-uid", "kube-system", "new-sa"}})),
       true},
      {"no update when service account is identical", "test-image-with-sa",
       A({{"sa-uid1", "default", "sa1"}}), TestRecord(), false},
      {"add service account to image with only secrets", "test-image2",
       A({{"new-sa-uid", "default", "new-sa"}}),
       With("test-image2", ImagePullCredentials{{{"uid1", "namespace1", "name1", "hash1"},
                                                 {"uid2", "namespace2", "name2", "hash2"}},
                                                {{"new-sa-uid", "default", "new-sa"}},
                                                false}),
       true},
      {"add secret to image with only service accounts", "test-image-with-sa",
       S({{"new-secret-uid", "default", "new-secret", "new-secret-hash"}}),
       With("test-image-with-sa",
            ImagePullCredentials{{{"new-secret-uid", "default", "new-secret", "new-secret-hash"}},
                                 {{"sa-uid1", "default", "sa1"}},
                                 false}),
       true},
      {"node-accessible overrides mixed credentials", "test-image-mixed", Node(),
       With("test-image-mixed", Node()), true},
      {"no update for secrets on a node-accessible image", "test-nodewide",
       S({{"any-uid", "any-namespace", "any-name", "any-hash"}}), TestRecord(), false},
      {"no update for service accounts on a node-accessible image", "test-nodewide",
       A({{"any-sa-uid", "any-namespace", "any-sa"}}), TestRecord(), false},
      {"empty credentials should not update", "test-image1", ImagePullCredentials{}, TestRecord(),
       false},
      {"multiple secrets keep their given order on a new key", "new-sorted-image",
       S({{"uid-z", "z-namespace", "z-name", "hash-z"},
          {"uid-a", "a-namespace", "a-name", "hash-a"},
          {"uid-m", "m-namespace", "m-name", "hash-m"}}),
       With("new-sorted-image", S({{"uid-z", "z-namespace", "z-name", "hash-z"},
                                   {"uid-a", "a-namespace", "a-name", "hash-a"},
                                   {"uid-m", "m-namespace", "m-name", "hash-m"}})),
       true},
      {"multiple service accounts keep their given order on a new key", "new-sorted-sa-image",
       A({{"sa-uid-z", "z-namespace", "z-sa"},
          {"sa-uid-a", "a-namespace", "a-sa"},
          {"sa-uid-m", "m-namespace", "m-sa"}}),
       With("new-sorted-sa-image", A({{"sa-uid-z", "z-namespace", "z-sa"},
                                      {"sa-uid-a", "a-namespace", "a-sa"},
                                      {"sa-uid-m", "m-namespace", "m-sa"}})),
       true},
      {"service account with same namespace and name but different UID", "test-image-with-sa",
       A({{"different-uid", "default", "sa1"}}),
       With("test-image-with-sa",
            A({{"different-uid", "default", "sa1"}, {"sa-uid1", "default", "sa1"}})),
       true},
      {"an identical secret changes nothing", "test-image2",
       S({{"uid2", "namespace2", "name2", "hash2"}}), TestRecord(), false},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      auto r = TestRecord();
      bool updated = MergeCredentials(r, c.image, c.creds);
      CHECK(updated == c.want_update);
      CHECK(r == c.expected);
    }
  }
}

TEST_CASE("mergePullServiceAccounts (upstream table)") {
  struct C {
    const char* name;
    SAs orig, add, expected;
    bool changed;
  };
  std::vector<C> cases = {
      {"merge empty slices", {}, {}, {}, false},
      {"add to empty",
       {},
       {{"sa1", "default", "serviceaccount1"}},
       {{"sa1", "default", "serviceaccount1"}},
       true},
      {"duplicate - no change",
       {{"sa1", "default", "serviceaccount1"}},
       {{"sa1", "default", "serviceaccount1"}},
       {{"sa1", "default", "serviceaccount1"}},
       false},
      {"merge different",
       {{"sa1", "default", "serviceaccount1"}},
       {{"sa2", "kube-system", "serviceaccount2"}},
       {{"sa1", "default", "serviceaccount1"}, {"sa2", "kube-system", "serviceaccount2"}},
       true},
      {"sorting by namespace, name, uid",
       {{"sa2", "kube-system", "z-sa"}},
       {{"sa1", "default", "a-sa"}, {"sa3", "kube-system", "a-sa"}},
       {{"sa1", "default", "a-sa"}, {"sa3", "kube-system", "a-sa"}, {"sa2", "kube-system", "z-sa"}},
       true},
      {"some duplicates",
       {{"sa1", "default", "serviceaccount1"}, {"sa2", "kube-system", "serviceaccount2"}},
       {{"sa1", "default", "serviceaccount1"}, {"sa3", "default", "serviceaccount3"}},
       {{"sa1", "default", "serviceaccount1"},
        {"sa3", "default", "serviceaccount3"},
        {"sa2", "kube-system", "serviceaccount2"}},
       true},
      {"same namespace and name, different UID",
       {{"sa1", "default", "serviceaccount1"}},
       {{"sa2", "default", "serviceaccount1"}},
       {{"sa1", "default", "serviceaccount1"}, {"sa2", "default", "serviceaccount1"}},
       true},
  };
  for (auto& c : cases) {
    SECTION(c.name) {
      SAs got = c.orig;
      CHECK(MergePullServiceAccounts(got, c.add) == c.changed);
      CHECK(got == c.expected);
    }
  }
}

TEST_CASE("mergePullSecrets: new hash wins, sorted by namespace, name, uid") {
  Secrets orig = {{"u2", "b", "x", "h2"}, {"u1", "a", "y", "h1"}};
  CHECK_FALSE(MergePullSecrets(orig, {{"u1", "a", "y", "h1"}}));
  CHECK(orig[0].uid == "u2");  // untouched when nothing changed
  CHECK(MergePullSecrets(orig, {{"u1", "a", "y", "rotated"}, {"u0", "a", "y", "h0"}}));
  CHECK(orig ==
        Secrets{{"u0", "a", "y", "h0"}, {"u1", "a", "y", "rotated"}, {"u2", "b", "x", "h2"}});
}

TEST_CASE("MergeCredentialsInOrder: the same record and answers as one MergeCredentials per add") {
  std::mt19937 rng(20261202);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto secret = [&] {
    std::string i = std::to_string(pick(6));
    return ImagePullSecret{"uid" + i, "ns" + std::to_string(pick(2)), "name" + i,
                           "hash" + std::to_string(pick(3))};
  };
  auto creds = [&] {
    ImagePullCredentials c;
    switch (pick(8)) {
      case 0:
        break;  // empty: changes nothing
      case 1:
        c.node_pods_accessible = true;
        break;
      case 2:
        c.kubernetes_service_accounts.push_back({"sa" + std::to_string(pick(3)), "ns", "sa"});
        break;
      case 3:  // secrets and a service account: kubelet merges only the secrets
        c.kubernetes_service_accounts.push_back({"sa9", "ns", "sa"});
        c.kubernetes_secrets.push_back(secret());
        break;
      default:
        for (int n = 1 + pick(3); n > 0; --n) c.kubernetes_secrets.push_back(secret());
    }
    return c;
  };
  const std::vector<std::string> images = {"test-image1",        "test-image2",
                                           "test-image-with-sa", "test-image-mixed",
                                           "test-nodewide",      "new-image"};
  for (int round = 0; round < 2000; ++round) {
    ImagePulledRecord start = TestRecord();
    // Entries as another writer left them: unsorted, with repeated coordinates.
    start.credential_mapping["test-image2"].kubernetes_secrets.push_back(
        {"uid0", "namespace0", "name0", "hash0"});
    start.credential_mapping["test-image2"].kubernetes_secrets.push_back(
        {"uid1", "namespace1", "name1", "hashX"});
    std::vector<std::pair<std::string, ImagePullCredentials>> adds;
    for (int n = pick(12); n > 0; --n) adds.emplace_back(images[pick(6)], creds());
    ImagePulledRecord one = start, batch = start;
    std::vector<bool> want;
    for (const auto& [image, c] : adds) want.push_back(MergeCredentials(one, image, c));
    std::vector<bool> got = MergeCredentialsInOrder(batch, adds);
    INFO("round " << round);
    REQUIRE(got == want);
    REQUIRE(batch == one);
  }
}

TEST_CASE("CredentialSetMerges: a pod's whole set, by kubelet's rules") {
  const ImagePullSecret a{"uid-a", "ns", "a", "hash-a"};
  const ImagePullSecret a2{"uid-a", "ns", "a", "hash-a2"};  // a, rotated
  const ImagePullSecret b{"uid-b", "ns", "b", "hash-b"};
  const ImagePullServiceAccount sa{"sa-uid", "ns", "sa"};
  const ImagePullServiceAccount sb{"sb-uid", "ns", "sb"};
  struct C {
    const char* name;
    Secrets secrets;
    SAs accounts;
    bool node;
    std::vector<ImagePullCredentials> want;
  };
  const std::vector<C> cases = {
      {"empty: one empty merge", {}, {}, false, {ImagePullCredentials{}}},
      {"secrets sorted by namespace, name, uid", {b, a}, {}, false, {S({a, b})}},
      {"an identical repeat counts once", {a, b, a}, {}, false, {S({a, b})}},
      {"a repeat with another hash: the later wins", {a, b, a2}, {}, false, {S({a2, b})}},
      {"repeated service accounts count once", {}, {sb, sa, sb}, false, {A({sa, sb})}},
      {"secrets and service accounts: two merges, secrets first",
       {b},
       {sa},
       false,
       {S({b}), A({sa})}},
      {"node access alone", {}, {}, true, {Node()}},
      {"node access absorbs pod credentials", {a}, {sa}, true, {Node()}},
  };
  for (const C& c : cases) {
    INFO(c.name);
    CHECK(CredentialSetMerges(c.secrets, c.accounts, c.node) == c.want);
  }

  // Merged into records, the set ends as kubelet's merges make it: an empty set changes no
  // existing entry and makes a new one that verifies nobody; the new-key quirk (credentials as
  // given) sees the set already sorted.
  ImagePulledRecord r = TestRecord();
  for (const auto& m : CredentialSetMerges({}, {}, false)) {
    CHECK_FALSE(MergeCredentials(r, "test-image1", m));
  }
  CHECK(r == TestRecord());
  bool changed = false;
  for (const auto& m : CredentialSetMerges({b, a2, a}, {sb, sa}, false)) {
    changed = MergeCredentials(r, "new-image", m) || changed;
  }
  CHECK(changed);
  CHECK(r.credential_mapping["new-image"] == ImagePullCredentials{{a, b}, {sa, sb}, false});
  // Into an existing entry of secrets: both parts land (one kubelet merge would drop the
  // service accounts, as pulledRecordMergeNewCreds merges secrets or service accounts).
  for (const auto& m : CredentialSetMerges({b}, {sa}, false)) MergeCredentials(r, "test-image1", m);
  CHECK(r.credential_mapping["test-image1"] ==
        ImagePullCredentials{{{"uid1", "namespace1", "name1", "hash1"}, b}, {sa}, false});
}
