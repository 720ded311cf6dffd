// `pullguard records recover --dir DIR --images FILE [--dry-run]`: kubelet's start-up recovery of
// pull intents over the runtime's image list (cache/record_recovery.h), one JSON object per line
// (docs/verification-cache.md, "records recover").

#include "base/go_json.h"
#include "cache/record_recovery.h"
#include "cache/record_store.h"
#include "plugin/cli/command_line.h"
#include "plugin/cli/commands.h"
#include "plugin/cli/image_list_input.h"

namespace pullguard {
namespace {

constexpr const char* kCmd = "records recover";

void Field(std::string& out, const char* name, const std::string& value) {
  out += ",\"";
  out += name;
  out += "\":";
  AppendGoJsonString(out, value);
}

std::string Line(const RecoveryEntry& e) {
  std::string out = "{\"action\":\"";
  out += RecoveryActionName(e.action);
  out += "\",\"kind\":\"";
  out += e.image.empty() ? "CorruptFile" : "ImagePullIntent";
  out += "\"";
  Field(out, "file", e.file);
  if (!e.image.empty()) Field(out, "image", e.image);
  if (!e.image_ref.empty()) {
    Field(out, "imageRef", e.image_ref);
    Field(out, "record", e.record_file);
  }
  if (e.action == RecoveryEntry::Action::kRecorded) {
    out += ",\"changed\":";
    out += e.record_changed ? "true" : "false";
  }
  if (!e.error.empty()) Field(out, "error", e.error);
  out += "}\n";
  return out;
}

}  // namespace

int RunRecordsRecover(const RecordsArgs& a, Io& io) {
  auto input = ReadImageListInput(a.images, io);
  if (!input.ok()) {
    PrintError(io, kCmd, input.error().message);
    return 1;
  }
  if (!input->list.has_names) {
    // Intents are keyed by the pod's image name; IDs alone would read as "no image present" and
    // remove every intent.
    PrintError(io, kCmd,
               "the image list names no images (IDs only): recovery matches intents by name; "
               "give crictl images -o json, or the names after each ID");
    return 1;
  }
  RecoveryOptions o;
  o.dry_run = a.dry_run;
  if (a.kubelet_version) o.kubelet = *ParseKubeletVersion(*a.kubelet_version);  // checked
  FileRecordStore store(io.env, a.dir);
  if (auto st = store.CheckExists(); !st.ok()) {
    PrintError(io, kCmd, st.error().message);
    return 1;
  }
  auto policy = PolicyEnforcer::Make(VerificationPolicy::kNeverVerifyPreloadedImages, {});
  if (!policy.ok()) {
    PrintError(io, kCmd, policy.error().message);
    return 1;
  }
  PullManagerOptions pm;
  pm.now = [&io] { return std::chrono::floor<std::chrono::seconds>(io.now()); };
  pm.kubelet = o.kubelet;
  PullManager writer(store, std::move(*policy), pm);  // the policy plays no part in writing
  auto report = RecoverIntents(store, writer, input->list, o);
  if (!report.ok()) {
    PrintError(io, kCmd, report.error().message);
    return 1;
  }
  std::size_t counts[5] = {0, 0, 0, 0, 0};
  bool failed = false;
  for (const RecoveryEntry& e : report->entries) {
    io.out << Line(e);
    ++counts[static_cast<int>(e.action)];
    if (e.action != RecoveryEntry::Action::kKept) continue;
    if (e.image.empty()) {
      PrintError(io, kCmd, "kept unreadable file " + e.file + ": " + e.error);
    } else {
      PrintError(io, kCmd, "kept intent " + e.file + ": " + e.error);
      // A present image whose record could not be written: kubelet's state is not recovered.
      failed = failed || !e.image_ref.empty();
    }
  }
  std::string s = "{\"kind\":\"Summary\",\"dryRun\":";
  s += o.dry_run ? "true" : "false";
  s += ",\"imageList\":\"";
  s += FormatName(input->list.format);
  s += "\",\"images\":" + std::to_string(input->list.images.size());
  s += ",\"recorded\":" + std::to_string(counts[0]);
  s += ",\"removed\":" + std::to_string(counts[1]);
  s += ",\"wouldRecord\":" + std::to_string(counts[2]);
  s += ",\"wouldRemove\":" + std::to_string(counts[3]);
  s += ",\"kept\":" + std::to_string(counts[4]) + "}\n";
  io.out << s;
  return failed ? 1 : 0;
}

}  // namespace pullguard
