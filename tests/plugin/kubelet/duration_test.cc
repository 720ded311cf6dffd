// Go duration parsing and formatting, with the vectors of Go's own src/time/time_test.go.
#include "plugin/kubelet/duration.h"

#include <catch2/catch.hpp>
#include <limits>

using namespace pullguard;

namespace {
constexpr GoDuration kMax = std::numeric_limits<GoDuration>::max();
constexpr GoDuration kMin = std::numeric_limits<GoDuration>::min();
}  // namespace

TEST_CASE("FormatGoDuration prints what Go's Duration.String() prints") {
  struct V {
    const char* want;
    GoDuration d;
  };
  const V vectors[] = {
      {"0s", 0},
      {"1ns", 1 * kNanosecond},
      {"1.1\xc2\xb5s", 1100 * kNanosecond},
      {"2.2ms", 2200 * kMicrosecond},
      {"3.3s", 3300 * kMillisecond},
      {"4m5s", 4 * kMinute + 5 * kSecond},
      {"4m5.001s", 4 * kMinute + 5001 * kMillisecond},
      {"5h6m7.001s", 5 * kHour + 6 * kMinute + 7001 * kMillisecond},
      {"8m0.000000001s", 8 * kMinute + 1 * kNanosecond},
      {"2562047h47m16.854775807s", kMax},
      {"-2562047h47m16.854775808s", kMin},
      {"5m0s", 5 * kMinute},
      {"1h0m0s", kHour},
      {"1h30m0s", 90 * kMinute},
      {"1m30s", 90 * kSecond},
      {"12h0m0s", 12 * kHour},
      {"-1m0s", -kMinute},
  };
  for (const V& v : vectors) {
    INFO(v.want);
    CHECK(FormatGoDuration(v.d) == v.want);
  }
}

TEST_CASE("FormatCompactDuration drops zero trailing units only") {
  CHECK(FormatCompactDuration(0) == "0s");
  CHECK(FormatCompactDuration(5 * kMinute) == "5m");
  CHECK(FormatCompactDuration(90 * kMinute) == "1h30m");
  CHECK(FormatCompactDuration(90 * kSecond) == "1m30s");
  CHECK(FormatCompactDuration(kHour) == "1h");
  CHECK(FormatCompactDuration(12 * kHour) == "12h");
  CHECK(FormatCompactDuration(kHour + 5 * kSecond) == "1h0m5s");
  CHECK(FormatCompactDuration(10 * kSecond) == "10s");
  CHECK(FormatCompactDuration(kHour + 10 * kMinute) == "1h10m");
  CHECK(FormatCompactDuration(20 * kSecond) == "20s");
  CHECK(FormatCompactDuration(100 * kHour) == "100h");
  CHECK(FormatCompactDuration(-5 * kMinute) == "-5m");
  // Sub-second values keep Go's exact form (the config never produces them).
  CHECK(FormatCompactDuration(1500 * kMillisecond) == "1.5s");
  CHECK(FormatCompactDuration(kMinute + 500 * kMillisecond) == "1m0.5s");
}

TEST_CASE("compact and Go forms parse back to the same value") {
  for (GoDuration d : {GoDuration{0}, 1 * kSecond, 59 * kSecond, kMinute, 61 * kSecond, kHour,
                       kHour + kSecond, 25 * kHour + 59 * kMinute, 1000 * kHour}) {
    auto a = ParseGoDuration(FormatCompactDuration(d));
    auto b = ParseGoDuration(FormatGoDuration(d));
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(*a == d);
    CHECK(*b == d);
  }
}

TEST_CASE("ParseGoDuration accepts what time.ParseDuration accepts") {
  struct V {
    const char* in;
    GoDuration want;
  };
  const V vectors[] = {
      {"0", 0},
      {"5s", 5 * kSecond},
      {"30s", 30 * kSecond},
      {"1478s", 1478 * kSecond},
      {"-5s", -5 * kSecond},
      {"+5s", 5 * kSecond},
      {"-0", 0},
      {"+0", 0},
      {"5.0s", 5 * kSecond},
      {"5.6s", 5 * kSecond + 600 * kMillisecond},
      {"5.s", 5 * kSecond},
      {".5s", 500 * kMillisecond},
      {"1.0s", 1 * kSecond},
      {"1.00s", 1 * kSecond},
      {"1.004s", 1 * kSecond + 4 * kMillisecond},
      {"1.0040s", 1 * kSecond + 4 * kMillisecond},
      {"100.00100s", 100 * kSecond + 1 * kMillisecond},
      {"10ns", 10 * kNanosecond},
      {"11us", 11 * kMicrosecond},
      {"12\xc2\xb5s", 12 * kMicrosecond},
      {"12\xce\xbcs", 12 * kMicrosecond},
      {"13ms", 13 * kMillisecond},
      {"14s", 14 * kSecond},
      {"15m", 15 * kMinute},
      {"16h", 16 * kHour},
      {"3h30m", 3 * kHour + 30 * kMinute},
      {"10.5s4m", 4 * kMinute + 10 * kSecond + 500 * kMillisecond},
      {"-2m3.4s", -(2 * kMinute + 3 * kSecond + 400 * kMillisecond)},
      {"1h2m3s4ms5us6ns",
       1 * kHour + 2 * kMinute + 3 * kSecond + 4 * kMillisecond + 5 * kMicrosecond + 6},
      {"39h9m14.425s", 39 * kHour + 9 * kMinute + 14 * kSecond + 425 * kMillisecond},
      {"52763797000ns", 52763797000},
      {"0.3333333333333333333h", 20 * kMinute},
      {"9007199254740993ns", (GoDuration{1} << 53) + 1},
      {"9223372036854775807ns", kMax},
      {"9223372036854775.807us", kMax},
      {"9223372036s854ms775us807ns", kMax},
      {"-9223372036854775808ns", kMin},
      {"-9223372036854775.808us", kMin},
      {"-9223372036s854ms775us808ns", kMin},
      {"-2562047h47m16.854775808s", kMin},
      {"0.100000000000000000000h", 6 * kMinute},
      {"0.830103483285477580700h", 49 * kMinute + 48 * kSecond + 372539827},
  };
  for (const V& v : vectors) {
    INFO(v.in);
    auto r = ParseGoDuration(v.in);
    REQUIRE(r.ok());
    CHECK(*r == v.want);
  }
}

TEST_CASE("ParseGoDuration rejects what time.ParseDuration rejects") {
  const char* bad[] = {"",
                       "3",
                       "-",
                       "s",
                       ".",
                       "-.",
                       ".s",
                       "+.s",
                       "1d",
                       "\x85\x85",
                       "\xff"
                       "ff",
                       "hello \xff"
                       "ff world",
                       "\xef\xbf\xbd",
                       "9223372036854775810ns",
                       "9223372036854775808ns",
                       "-9223372036854775809ns",
                       "9223372036854776us",
                       "3000000h",
                       "9223372036854775.808us",
                       "9223372036854ms775us808ns",
                       "5 m",
                       "5M"};
  for (const char* s : bad) {
    INFO(s);
    auto r = ParseGoDuration(s);
    REQUIRE_FALSE(r.ok());
    // One printable line, whatever the input held.
    for (char c : r.error().message) {
      CHECK(static_cast<unsigned char>(c) >= 0x20);
      CHECK(static_cast<unsigned char>(c) < 0x7f);
    }
  }
  CHECK(ParseGoDuration("1d").error().message == "unknown unit \"d\" in duration \"1d\"");
  CHECK(ParseGoDuration("3").error().message == "missing unit in duration \"3\"");
  CHECK(ParseGoDuration("").error().message == "invalid duration \"\"");
}
