// Quote and CapErrorLine: user input in an error line is escaped and capped, so no input can make
// a line longer than 1 KiB (issue 13, item 10) or break it in two.
#include "base/quote.h"

#include <catch2/catch.hpp>
#include <string>

using pullguard::CapErrorLine;
using pullguard::kMaxErrorLineBytes;
using pullguard::kMaxQuotedChars;
using pullguard::Quote;

TEST_CASE("quote: escapes what could break the line", "[quote]") {
  CHECK(Quote("") == "\"\"");
  CHECK(Quote("registry.internal:5000/team/app:v1") == "\"registry.internal:5000/team/app:v1\"");
  CHECK(Quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(Quote("a\nb\rc\td") == "\"a\\nb\\rc\\td\"");
  CHECK(Quote(std::string("nul\0del\x7f", 8)) == "\"nul\\x00del\\x7f\"");
  CHECK(Quote("caf\xC3\xA9") == "\"caf\\xc3\\xa9\"");
}

TEST_CASE("quote: long input is cut and the cut marked", "[quote]") {
  std::string exact(kMaxQuotedChars, 'a');
  CHECK(Quote(exact) == "\"" + exact + "\"");
  std::string huge(1 << 20, 'a');
  std::string q = Quote(huge);
  CHECK(q == "\"" + exact + "\"...");
  // Escapes count with their rendering: 1 MB of NULs stays short too.
  std::string nuls(1 << 20, '\0');
  CHECK(Quote(nuls).size() <= kMaxQuotedChars + 4 + 2 + 3);
  CHECK(Quote(nuls).substr(Quote(nuls).size() - 4) == "\"...");
}

TEST_CASE("CapErrorLine: at most max_bytes, never inside a UTF-8 character", "[quote]") {
  CHECK(CapErrorLine("short line", 1023) == "short line");
  std::string exact(1023, 'x');
  CHECK(CapErrorLine(exact, 1023) == exact);
  std::string huge = "pullguard get-credentials: config /" + std::string(1 << 20, 'c');
  std::string cut = CapErrorLine(huge, kMaxErrorLineBytes - 1);
  CHECK(cut.size() <= kMaxErrorLineBytes - 1);
  CHECK(cut.substr(0, 35) == huge.substr(0, 35));
  CHECK(cut.substr(cut.size() - 10) == " ... (cut)");
  // "é" (2 bytes) repeated: the cut lands between characters, never after a lead byte alone.
  std::string accents;
  for (int i = 0; i < 1000; ++i) accents += "\xC3\xA9";
  for (std::size_t max : {std::size_t{100}, std::size_t{101}, std::size_t{1023}}) {
    std::string c = CapErrorLine("x" + accents, max);
    CHECK(c.size() <= max);
    std::string kept = c.substr(0, c.size() - 10);
    // "x" then whole two-byte characters only.
    CHECK((kept.size() - 1) % 2 == 0);
    CHECK(static_cast<unsigned char>(kept.back()) == 0xA9);
  }
}
