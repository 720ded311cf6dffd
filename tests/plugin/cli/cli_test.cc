#include <catch2/catch.hpp>
#include <sstream>

#include "tests/support/run.h"

using pullguard::testing::Run;

TEST_CASE("unknown command: one stderr line, exit 2, empty stdout") {
  auto r = Run({"no-such-command"});
  CHECK(r.rc == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "pullguard: unknown command \"no-such-command\" (see 'pullguard --help')\n");
}

TEST_CASE("version prints the project version") {
  auto r = Run({"version"});
  CHECK(r.rc == 0);
  CHECK(r.out.rfind("pullguard ", 0) == 0);
}
