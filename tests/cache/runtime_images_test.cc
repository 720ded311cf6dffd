// The runtime's image list (cache/runtime_images.h): crictl's JSON as crictl 1.26-1.31 prints it,
// the plain ID list, and every malformed input refused with its place named.
#include <catch2/catch.hpp>

#include "cache/runtime_images.h"

using namespace pullguard;

namespace {

const std::string kHex = "0c1e5a9b6e7c2f4d8a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f";

}  // namespace

TEST_CASE("crictl images -o json") {
  // The shape of `crictl images -o json` against containerd (fields crictl adds are ignored).
  std::string json = R"({
  "images": [
    {
      "id": "sha256:)" +
                     kHex + R"(",
      "repoTags": ["registry.k8s.io/pause:3.9"],
      "repoDigests": ["registry.k8s.io/pause@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097"],
      "size": "321520",
      "uid": {"value": "65535"},
      "username": "",
      "spec": null,
      "pinned": true
    },
    {"id": "sha256:)" +
                     std::string(64, 'a') + R"(", "repoTags": null, "repoDigests": [], "size": "1"}
  ]
})";
  auto l = ParseRuntimeImageList(json);
  REQUIRE(l.ok());
  CHECK(l->format == RuntimeImageList::Format::kCrictlJson);
  REQUIRE(l->images.size() == 2);
  CHECK(l->images[0].id == "sha256:" + kHex);
  CHECK(l->images[0].repo_tags == std::vector<std::string>{"registry.k8s.io/pause:3.9"});
  CHECK(l->images[0].repo_digests.size() == 1);
  CHECK(l->images[1].repo_tags.empty());
  CHECK(l->has_names);
  // protobuf JSON prints an empty list as null or leaves it out
  auto empty = ParseRuntimeImageList(R"({"images":null})");
  REQUIRE(empty.ok());
  CHECK(empty->images.empty());
}

TEST_CASE("plain text: one ID per line, names optional") {
  std::string text =
      "# taken with ctr\n\nsha256:" + kHex + "\r\n" + std::string(64, 'b') +
      "\tdocker.io/library/busybox:1.36  docker.io/library/busybox@sha256:" + std::string(64, 'c') +
      "\n";
  auto l = ParseRuntimeImageList(text);
  REQUIRE(l.ok());
  CHECK(l->format == RuntimeImageList::Format::kPlainText);
  REQUIRE(l->images.size() == 2);
  CHECK(l->images[0].id == "sha256:" + kHex);
  CHECK(l->images[0].repo_tags.empty());
  CHECK(l->images[1].id == std::string(64, 'b'));  // CRI-O prints IDs without the prefix
  CHECK(l->images[1].repo_tags == std::vector<std::string>{"docker.io/library/busybox:1.36"});
  CHECK(l->images[1].repo_digests.size() == 1);
  CHECK(l->has_names);
  auto ids = ParseRuntimeImageList("sha256:" + kHex + "\n");
  REQUIRE(ids.ok());
  CHECK_FALSE(ids->has_names);
  CHECK(ParseRuntimeImageList("")->images.empty());
}

TEST_CASE("malformed lists are refused with the place named") {
  struct C {
    std::string text, needle;
  };
  std::vector<C> cases = {
      {"IMAGE ID  CREATED\n", "line 1: \"IMAGE\" is not an image ID"},
      {"sha256:" + kHex + "\nsha256:abc\n", "line 2"},
      {"sha256:" + kHex.substr(0, 63) + "G\n", "line 1"},
      {"SHA256:" + kHex + "\n", "line 1"},
      {"sha256:" + kHex + " bad\x01name\n", "is not an image name"},
      {"{\"images\":[{\"id\":\"x\"}", "crictl image list"},
      {"{\"images\":{}}", "images: want an array"},
      {"{\"images\":[1]}", "images[0]: want an object"},
      {"{\"images\":[{\"repoTags\":[]}]}", "images[0].id"},
      {"{\"images\":[{\"id\":\"\"}]}", "images[0].id"},
      {"{\"images\":[{\"id\":\"a\",\"repoTags\":\"x\"}]}", "images[0].repoTags: want an array"},
      {"{\"images\":[{\"id\":\"a\",\"repoDigests\":[7]}]}", "images[0].repoDigests[0]"},
      {"{\"images\":[{\"id\":\"a\",\"id\":\"b\"}]}", "crictl image list"},  // duplicate key
      {"{\"imgs\":[]}", "want {\"images\""},
      {"[]", "crictl"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto l = ParseRuntimeImageList(c.text);
    REQUIRE_FALSE(l.ok());
    CHECK(l.error().kind == ErrorKind::kInvalidArgument);
    CHECK_THAT(l.error().message, Catch::Contains(c.needle));
  }
}
