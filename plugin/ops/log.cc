// The JSON-lines logger behind plugin/ops/log.h. Work happens only for enabled records.
#include "plugin/ops/log.h"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/quote.h"

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
  return key == "time" || key == "level" || key == "event" || key == "command" ||
         key == "truncated";
}

std::string Dump(const nlohmann::ordered_json& j) {
  // Invalid UTF-8 in a value (an image name from a hostile request) becomes U+FFFD rather than
  // an exception or a broken line.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// How many bytes `s` takes in a line (escapes and U+FFFD make it more than s.size()).
std::size_t InLine(const std::string& s) {
  return Dump(nlohmann::ordered_json(s)).size() - 2;
}

// `s` cut to at most `keep` bytes at a UTF-8 character boundary, then the mark.
std::string CutValue(const std::string& s, std::size_t keep) {
  keep = std::min(keep, s.size());
  while (keep > 0 && keep < s.size() && (static_cast<unsigned char>(s[keep]) & 0xC0) == 0x80) {
    --keep;
  }
  return s.substr(0, keep) + std::string(kLogCutMark);
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

LogScope::LogScope(LogLevel lvl, Output& o,
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
  std::string line = Dump(j);
  if (line.size() <= kMaxErrorLineBytes) return line;
  // Too long (an image name or other input carried whole): cut string field values, never the
  // JSON around them, so the line stays one valid record; "truncated": true says so.
  j["truncated"] = true;
  struct Value {
    std::string* text;
    std::size_t in_line;
  };
  std::vector<Value> values;
  std::size_t all_values = 0;
  for (const LogField& f : fields) {
    if (f.value.kind() != LogValue::Kind::kString) continue;
    auto& v = j[Reserved(f.key) ? "field." + std::string(f.key) : std::string(f.key)];
    if (!v.is_string()) continue;
    std::string* text = &v.get_ref<std::string&>();
    if (std::any_of(values.begin(), values.end(), [&](const Value& x) { return x.text == text; })) {
      continue;  // a key given twice
    }
    values.push_back({text, InLine(*text)});
    all_values += values.back().in_line;
  }
  // Share the room the line has fairly (water filling): short values stay whole, the long ones
  // get equal parts of the rest, each cut in proportion to its escapes.
  std::size_t fixed = Dump(j).size() - all_values;
  std::size_t room = kMaxErrorLineBytes > fixed ? kMaxErrorLineBytes - fixed : 0;
  std::sort(values.begin(), values.end(),
            [](const Value& a, const Value& b) { return a.in_line < b.in_line; });
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::size_t share = room / (values.size() - i);
    Value& v = values[i];
    if (v.in_line <= share) {
      room -= v.in_line;
      continue;
    }
    room -= share;
    std::size_t keep = share > kLogCutMark.size() ? share - kLogCutMark.size() : 0;
    *v.text = CutValue(*v.text, v.text->size() * keep / v.in_line);
  }
  line = Dump(j);
  // Uneven escapes can leave it a little long: cut the longest value again until it fits.
  for (int round = 0; line.size() > kMaxErrorLineBytes && round < 64; ++round) {
    Value* longest = nullptr;
    for (Value& v : values) {
      v.in_line = InLine(*v.text);
      if (v.in_line > kLogCutMark.size() && (!longest || v.in_line > longest->in_line)) {
        longest = &v;
      }
    }
    if (!longest) break;
    std::size_t over = line.size() - kMaxErrorLineBytes + kLogCutMark.size();
    std::string& text = *longest->text;
    std::size_t keep =
        longest->in_line > over ? text.size() * (longest->in_line - over) / longest->in_line : 0;
    text = CutValue(text, std::min(keep, text.size() - 1));
    line = Dump(j);
  }
  if (line.size() <= kMaxErrorLineBytes) return line;
  // Still too long with every value cut (keys and the event are pullguard's own words, so never
  // in practice): the logger's own fields only.
  nlohmann::ordered_json minimal;
  minimal["time"] = j["time"];
  minimal["level"] = j["level"];
  minimal["event"] = CapErrorLine(event, 64);
  minimal["truncated"] = true;
  return Dump(minimal);
}

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  if (!LogEnabled(level)) return;
  LogScope& s = *g_scope;
  s.out << FormatLogRecord(s.now(), level, s.command, event, fields) << '\n';
  s.out.Flush();
}

}  // namespace pullguard
