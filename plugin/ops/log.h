// Structured logs: one JSON object per line on stderr ({"time","level","event","command",...}).
// Off below the level chosen by --log-level / $PULLGUARD_LOG_LEVEL (default warn), so kubelet's
// log stays quiet on success. Fields are typed values; a Secret is always written "<redacted>".
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "base/output.h"
#include "base/secret.h"

namespace pullguard {

enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };

inline constexpr LogLevel kDefaultLogLevel = LogLevel::kWarn;

// "debug", "info", "warn" (or "warning"), "error", "off"; anything else is nullopt.
std::optional<LogLevel> ParseLogLevel(std::string_view text);
std::string_view LogLevelName(LogLevel level);

// One field value. Views only: a LogField lives no longer than the Log() call that takes it.
class LogValue {
 public:
  enum class Kind { kString, kInt, kBool, kDouble, kRedacted };
  LogValue(std::string_view s) : kind_(Kind::kString), s_(s) {}    // NOLINT: implicit by design
  LogValue(const std::string& s) : kind_(Kind::kString), s_(s) {}  // NOLINT
  LogValue(const char* s) : kind_(Kind::kString), s_(s) {}         // NOLINT
  LogValue(bool b) : kind_(Kind::kBool), i_(b ? 1 : 0) {}          // NOLINT
  LogValue(double d) : kind_(Kind::kDouble), d_(d) {}              // NOLINT
  template <std::integral T>
  requires(!std::same_as<T, bool>) LogValue(T i)
      : kind_(Kind::kInt), i_(static_cast<std::int64_t>(i)) {}  // NOLINT
  // The value of a Secret never reaches a log line, whatever the caller meant.
  LogValue(const Secret&) : kind_(Kind::kRedacted) {}  // NOLINT

  Kind kind() const { return kind_; }
  std::string_view str() const { return s_; }
  std::int64_t integer() const { return i_; }
  double real() const { return d_; }

 private:
  Kind kind_;
  std::string_view s_;
  std::int64_t i_ = 0;
  double d_ = 0;
};

struct LogField {
  std::string_view key;
  LogValue value;
};

// Is a record of this level written? Callers that compute fields can skip the work when not.
bool LogEnabled(LogLevel level);

// Writes one line when enabled. Keys time, level, event, command and truncated are the logger's
// own; a field with one of those names is written with a "field." prefix instead.
void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

// The logger of one command run (set up by RunMain): level, stream and clock. Nested scopes
// restore the outer one when they end; without any scope nothing is logged.
class LogScope {
 public:
  LogScope(LogLevel level, Output& out, std::function<std::chrono::system_clock::time_point()> now,
           std::string command);
  ~LogScope();
  LogScope(const LogScope&) = delete;
  LogScope& operator=(const LogScope&) = delete;

  LogLevel level;
  Output& out;
  std::function<std::chrono::system_clock::time_point()> now;
  std::string command;

 private:
  LogScope* outer_;
};

// What ends a string value that a record longer than kMaxErrorLineBytes had to cut.
inline constexpr std::string_view kLogCutMark = " ... (cut)";

// One record as text (no newline), for tests and for Log itself. At most kMaxErrorLineBytes
// (base/quote.h), as an error line: a longer record has its longest string values cut (each ends
// with kLogCutMark) and gains "truncated": true; it stays one valid JSON object.
std::string FormatLogRecord(std::chrono::system_clock::time_point time, LogLevel level,
                            std::string_view command, std::string_view event,
                            std::initializer_list<LogField> fields);

}  // namespace pullguard
