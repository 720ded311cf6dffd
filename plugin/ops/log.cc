// The JSON-lines logger behind plugin/ops/log.h. Work happens only for enabled records.
#include "plugin/ops/log.h"

#include <ctime>
#include <nlohmann/json.hpp>
#include <ostream>

namespace pullguard {
namespace {

LogScope* g_scope = nullptr;

std::string Rfc3339Millis(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  long frac = static_cast<long>(ms % 1000);
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03ldZ", frac);
  return buf;
}

bool Reserved(std::string_view key) {
  return key == "time" || key == "level" || key == "event" || key == "command";
}

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warn" || text == "warning") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  if (text == "off") return LogLevel::kOff;
  return std::nullopt;
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      return "off";
  }
  return "off";
}

LogScope::LogScope(LogLevel lvl, std::ostream& o,
                   std::function<std::chrono::system_clock::time_point()> clock, std::string cmd)
    : level(lvl), out(o), now(std::move(clock)), command(std::move(cmd)), outer_(g_scope) {
  g_scope = this;
}

LogScope::~LogScope() {
  g_scope = outer_;
}

bool LogEnabled(LogLevel level) {
  return g_scope != nullptr && level != LogLevel::kOff && level >= g_scope->level;
}

std::string FormatLogRecord(std::chrono::system_clock::time_point time, LogLevel level,
                            std::string_view command, std::string_view event,
                            std::initializer_list<LogField> fields) {
  nlohmann::ordered_json j;
  j["time"] = Rfc3339Millis(time);
  j["level"] = LogLevelName(level);
  j["event"] = event;
  if (!command.empty()) j["command"] = command;
  for (const LogField& f : fields) {
    std::string key = Reserved(f.key) ? "field." + std::string(f.key) : std::string(f.key);
    switch (f.value.kind()) {
      case LogValue::Kind::kString:
        j[key] = f.value.str();
        break;
      case LogValue::Kind::kInt:
        j[key] = f.value.integer();
        break;
      case LogValue::Kind::kBool:
        j[key] = f.value.integer() != 0;
        break;
      case LogValue::Kind::kDouble:
        j[key] = f.value.real();
        break;
      case LogValue::Kind::kRedacted:
        j[key] = "<redacted>";
        break;
    }
  }
  // Invalid UTF-8 in a value (an image name from a hostile request) becomes U+FFFD rather than
  // an exception or a broken line.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  if (!LogEnabled(level)) return;
  LogScope& s = *g_scope;
  s.out << FormatLogRecord(s.now(), level, s.command, event, fields) << '\n';
  s.out.flush();
}

}  // namespace pullguard
