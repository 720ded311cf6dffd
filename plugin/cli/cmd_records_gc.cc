// `pullguard records gc --dir DIR --images FILE [--dry-run] [--evidence DIR] [--listed-at TIME]`:
// kubelet's PruneUnknownRecords over the runtime's image list (cache/record_gc.h), one JSON
// object per line (docs/verification-cache.md, "records gc").

#include "base/go_json.h"
#include "base/rfc3339.h"
#include "cache/record_gc.h"
#include "cache/record_store.h"
#include "plugin/cli/command_line.h"
#include "plugin/cli/commands.h"
#include "plugin/cli/image_list_input.h"

namespace pullguard {
namespace {

constexpr const char* kCmd = "records gc";

std::string_view KindName(GcEntry::Kind k) {
  switch (k) {
    case GcEntry::Kind::kRecord:
      return "ImagePulledRecord";
    case GcEntry::Kind::kEvidence:
      return "PullguardRepositoryEvidence";
    case GcEntry::Kind::kCorruptFile:
      return "CorruptFile";
  }
  return "";
}

std::string Line(const GcEntry& e) {
  std::string out = "{\"action\":\"";
  out += GcActionName(e.action);
  out += "\",\"kind\":\"";
  out += KindName(e.kind);
  out += "\",\"file\":";
  AppendGoJsonString(out, e.file);
  if (e.kind == GcEntry::Kind::kRecord) {
    out += ",\"imageRef\":";
    AppendGoJsonString(out, e.key);
    out += ",\"lastUpdatedTime\":";
    out += e.last_updated_time ? "\"" + FormatRfc3339(*e.last_updated_time) + "\"" : "null";
  } else if (e.kind == GcEntry::Kind::kEvidence) {
    out += ",\"repository\":";
    AppendGoJsonString(out, e.key);
  }
  if (!e.reason.empty()) out += ",\"reason\":\"" + e.reason + "\"";
  if (!e.error.empty()) {
    out += ",\"error\":";
    AppendGoJsonString(out, e.error);
  }
  out += "}\n";
  return out;
}

}  // namespace

int RunRecordsGc(const RecordsArgs& a, Io& io) {
  RecordGcOptions o;
  o.dry_run = a.dry_run;
  o.evidence_dir = a.evidence;
  o.now = std::chrono::floor<std::chrono::seconds>(io.now());
  if (a.kubelet_version) o.kubelet = *ParseKubeletVersion(*a.kubelet_version);  // checked
  std::optional<RecordTime> listed_at;
  if (a.listed_at) {
    auto t = ParseRfc3339(*a.listed_at);
    if (!t.ok()) {
      PrintUsageError(io, kCmd, "--listed-at wants an RFC 3339 time (2026-12-02T04:00:00Z)");
      return 2;
    }
    listed_at = *t;
  }
  auto input = ReadImageListInput(a.images, io);
  if (!input.ok()) {
    PrintError(io, kCmd, input.error().message);
    return 1;
  }
  o.until = listed_at.value_or(input->taken);
  FileRecordStore store(io.env, a.dir);
  if (auto st = store.CheckExists(); !st.ok()) {
    PrintError(io, kCmd, st.error().message);
    return 1;
  }
  if (a.evidence) {
    // Refuse a wrong --evidence before any record is touched.
    auto info = io.env.Stat(*a.evidence);
    if (!info.ok() || !info->exists || !info->is_dir) {
      PrintError(io, kCmd, "evidence directory " + *a.evidence + " does not exist");
      return 1;
    }
  }
  std::vector<std::string> ids;
  for (const RuntimeImage& img : input->list.images) ids.push_back(img.id);
  auto report = CollectRecordGarbage(store, ids, o);
  if (report.ok()) {
    if (auto st = CollectEvidenceGarbage(io.env, o, *report); !st.ok()) report = st.error();
  }
  if (!report.ok()) {
    PrintError(io, kCmd, report.error().message);
    return 1;
  }
  std::size_t removed = 0, would = 0, kept = 0, failed = 0;
  for (const GcEntry& e : report->entries) {
    io.out << Line(e);
    switch (e.action) {
      case GcEntry::Action::kRemoved:
        ++removed;
        break;
      case GcEntry::Action::kWouldRemove:
        ++would;
        break;
      case GcEntry::Action::kKept:
        ++kept;
        if (e.kind == GcEntry::Kind::kCorruptFile) {
          PrintError(io, kCmd, "kept unreadable file " + e.file + ": " + e.error);
        } else if (e.reason == "misfiled") {
          PrintError(io, kCmd, "kept misfiled record " + e.file);
        }
        break;
      case GcEntry::Action::kFailed:
        ++failed;
        PrintError(io, kCmd, "could not remove " + e.file + ": " + e.error);
        break;
    }
  }
  std::string s = "{\"kind\":\"Summary\",\"dryRun\":";
  s += o.dry_run ? "true" : "false";
  s += ",\"imageList\":\"";
  s += FormatName(input->list.format);
  s += "\",\"images\":" + std::to_string(input->list.images.size());
  s += ",\"listedAt\":\"" + FormatRfc3339(o.until) + "\"";
  s += ",\"records\":" + std::to_string(report->records_seen);
  if (o.evidence_dir) s += ",\"evidenceFiles\":" + std::to_string(report->evidence_seen);
  s += ",\"removed\":" + std::to_string(removed);
  s += ",\"wouldRemove\":" + std::to_string(would);
  s += ",\"kept\":" + std::to_string(kept);
  s += ",\"failed\":" + std::to_string(failed) + "}\n";
  io.out << s;
  return failed == 0 ? 0 : 1;
}

}  // namespace pullguard
