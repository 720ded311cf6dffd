// Retry-After parsing and the back-off schedule.
#include "registry/retry.h"

#include <catch2/catch.hpp>
#include <ctime>

using namespace pullguard::registry;
using std::chrono::milliseconds;

TEST_CASE("retryable statuses", "[retry]") {
  for (long s : {429L, 500L, 502L, 503L, 504L}) CHECK(IsRetryableStatus(s));
  for (long s : {200L, 301L, 400L, 401L, 403L, 404L, 501L, 505L}) CHECK_FALSE(IsRetryableStatus(s));
}

TEST_CASE("Retry-After in seconds and as a date", "[retry]") {
  auto now = std::chrono::system_clock::from_time_t(1445412480);  // Wed, 21 Oct 2015 07:28:00 GMT
  CHECK(ParseRetryAfter("1", now) == milliseconds(1000));
  CHECK(ParseRetryAfter(" 120 ", now) == milliseconds(120000));
  CHECK(ParseRetryAfter("0", now) == milliseconds(0));
  CHECK(ParseRetryAfter("Wed, 21 Oct 2015 07:28:05 GMT", now) == milliseconds(5000));
  CHECK(ParseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now) == milliseconds(0));
  CHECK(ParseRetryAfter("99999999999999999999999", now).value() > milliseconds(3600000));
  CHECK_FALSE(ParseRetryAfter("Fri, 01 Jan 9999 00:00:00 GMT", now).has_value());
  CHECK_FALSE(ParseRetryAfter("", now).has_value());
  CHECK_FALSE(ParseRetryAfter("-1", now).has_value());
  CHECK_FALSE(ParseRetryAfter("1.5", now).has_value());
  CHECK_FALSE(ParseRetryAfter("soon", now).has_value());
  CHECK_FALSE(ParseRetryAfter("Wed, 21 Oct 2015 07:28:05 GMT trailing", now).has_value());
}

TEST_CASE("back-off doubles, is capped, and jitter adds at most half", "[retry]") {
  CHECK(Backoff(1, milliseconds(200), 0.0) == milliseconds(200));
  CHECK(Backoff(2, milliseconds(200), 0.0) == milliseconds(400));
  CHECK(Backoff(3, milliseconds(200), 0.0) == milliseconds(800));
  CHECK(Backoff(30, milliseconds(200), 0.0) == milliseconds(8000));
  CHECK(Backoff(1, milliseconds(200), 0.999) <= milliseconds(300));
  CHECK(Backoff(1, milliseconds(200), 0.999) > milliseconds(290));
}
