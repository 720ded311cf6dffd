// ParseHttpDate (registry/http_date.h): IMF-fixdate only, and only years a real server sends.
#include "registry/http_date.h"

#include <catch2/catch.hpp>

using pullguard::registry::ParseHttpDate;
using std::chrono::seconds;

TEST_CASE("http date: IMF-fixdate", "[http_date]") {
  auto date = ParseHttpDate("Tue, 01 Dec 2026 12:00:00 GMT");
  REQUIRE(date);
  CHECK(std::chrono::duration_cast<seconds>(date->time_since_epoch()).count() == 1796126400);
  // RFC 9110's own example.
  auto rfc = ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT");
  REQUIRE(rfc);
  CHECK(std::chrono::duration_cast<seconds>(rfc->time_since_epoch()).count() == 784111777);
}

TEST_CASE("http date: anything else is no date", "[http_date]") {
  CHECK_FALSE(ParseHttpDate("yesterday"));
  CHECK_FALSE(ParseHttpDate(""));
  CHECK_FALSE(ParseHttpDate("Tue, 01 Dec 2026 12:00:00 GMT trailing"));
  CHECK_FALSE(ParseHttpDate("Tue, 01 Dec 2026 12:00:00 UTC"));
  // Years a 64-bit nanosecond clock cannot hold, or before the epoch.
  CHECK_FALSE(ParseHttpDate("Sat, 01 Jan 4018 00:00:00 GMT"));
  CHECK_FALSE(ParseHttpDate("Thu, 01 Jan 1885 00:00:00 GMT"));
  CHECK(ParseHttpDate("Fri, 01 Jan 2100 00:00:00 GMT"));
}
