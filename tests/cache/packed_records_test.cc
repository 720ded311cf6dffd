// The index's packed records: every field of kubelet's record survives the packing, and a seeded
// run of puts, replacements and erases (with compactions) agrees with a plain std::map.
#include "cache/packed_records.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>

using namespace pullguard;

namespace {

const std::string kHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

ImagePulledRecord Sample(int i, std::size_t pad = 0) {
  ImagePulledRecord r;
  r.image_ref = i % 3 == 0 ? "sha256:" + kHex.substr(0, 56) + std::to_string(10000000 + i)
                           : "ref-" + std::to_string(i);
  r.api_version = i % 4 == 0 ? kApiV1Alpha1 : kApiV1Beta1;
  if (i % 5 != 0) r.last_updated_time = RecordTime(std::chrono::seconds(1700000000 - 997 * i));
  if (i % 7 == 0) r.last_updated_time = RecordTime(std::chrono::seconds(-86400 * i));
  for (int e = 0; e < i % 4; ++e) {
    auto& c = r.credential_mapping["registry.example/team-" + std::to_string(e) + "/app"];
    c.node_pods_accessible = (i + e) % 3 == 0;
    for (int s = 0; s < (i + e) % 3; ++s) {
      c.kubernetes_secrets.push_back({"uid-" + std::to_string(s), "ns-" + std::to_string(i % 5),
                                      "pull" + std::string(pad, 'p'),
                                      s == 0 ? kHex : "h-" + std::to_string(i)});
    }
    if ((i + e) % 2 == 0) c.kubernetes_service_accounts.push_back({"sa-uid", "ns", "sa"});
  }
  return r;
}

}  // namespace

TEST_CASE("packed records: every field reads back as it was put") {
  PackedRecords packed;
  for (int i = 0; i < 200; ++i) REQUIRE(packed.Put(Sample(i)));
  CHECK(packed.size() == 200);
  for (int i = 0; i < 200; ++i) {
    INFO(i);
    ImagePulledRecord got;
    REQUIRE(packed.Get(Sample(i).image_ref, &got));
    CHECK(got == Sample(i));
    CHECK(got.api_version.data() == Sample(i).api_version.data());  // still one of the constants
  }
  ImagePulledRecord none;
  CHECK_FALSE(packed.Get("absent", &none));
  CHECK_FALSE(packed.Get("sha256:" + kHex, &none));
  std::size_t visited = 0;
  packed.ForEach([&](const ImagePulledRecord& r) {
    ++visited;
    CHECK_FALSE(r.image_ref.empty());
  });
  CHECK(visited == 200);
}

TEST_CASE("packed records: puts, replacements and erases agree with a std::map") {
  PackedRecords packed;
  std::map<std::string, ImagePulledRecord> model;
  std::mt19937 rng(7);
  // 75 000 puts over 3000 keys leave several MiB of replaced records: compaction runs.
  for (int step = 0; step < 100000; ++step) {
    int i = static_cast<int>(rng() % 3000);
    ImagePulledRecord r = Sample(i, rng() % 2 == 0 ? 0 : 200);
    if (rng() % 4 == 0) {
      CHECK(packed.Erase(r.image_ref) == (model.erase(r.image_ref) == 1));
    } else {
      REQUIRE(packed.Put(r));
      model[r.image_ref] = r;
    }
  }
  CHECK(packed.size() == model.size());
  for (int i = 0; i < 3000; ++i) {
    std::string ref = Sample(i).image_ref;
    ImagePulledRecord got;
    bool found = packed.Get(ref, &got);
    auto it = model.find(ref);
    REQUIRE(found == (it != model.end()));
    if (found) CHECK(got == it->second);
  }
  std::size_t visited = 0;
  packed.ForEach([&](const ImagePulledRecord& r) {
    ++visited;
    REQUIRE(model.count(r.image_ref) == 1);
    CHECK(r == model.at(r.image_ref));
  });
  CHECK(visited == model.size());
  packed.Clear();
  CHECK(packed.size() == 0);
}
