// doctor --records DIR (plugin/ops/doctor.h): kubelet's image_manager directory read as `records
// audit` reads it, reduced to what an operator must act on.
#include <string>

#include "base/go_json.h"
#include "cache/record_store.h"
#include "cache/shared_digest.h"
#include "plugin/ops/doctor.h"

namespace pullguard {

void CheckRecords(const std::string& dir, Env& env, Report& report) {
  FileRecordStore store(env, dir);
  const std::string name = "records " + dir;
  if (auto st = store.CheckExists(); !st.ok()) {
    report.push_back({CheckState::kFail, name, st.error().message,
                      "give kubelet's image_manager directory (default "
                      "/var/lib/kubelet/image_manager)"});
    return;
  }
  auto records = store.ListRecords();
  auto intents = store.ListIntents();
  if (!records.ok() || !intents.ok()) {
    report.push_back({CheckState::kFail, name,
                      (!records.ok() ? records.error() : intents.error()).message,
                      "make the directory readable by this user (run doctor as kubelet's user)"});
    return;
  }
  std::size_t unreadable = records->problems.size() + intents->problems.size();
  if (unreadable > 0) {
    const StoreProblem& first =
        records->problems.empty() ? intents->problems.front() : records->problems.front();
    report.push_back({CheckState::kFail, name + " files",
                      std::to_string(unreadable) + " unreadable record files (first: " +
                          first.file + ": " + first.error.message + ")",
                      "kubelet pulls again for each (it fails closed); inspect them with "
                      "'pullguard records ls', then remove or restore them"});
  } else {
    report.push_back({CheckState::kOk, name + " files",
                      std::to_string(records->items.size()) + " records and " +
                          std::to_string(intents->items.size()) + " intents read",
                      ""});
  }
  std::size_t shared = 0;
  std::string examples;
  for (const ImagePulledRecord& r : records->items) {
    std::vector<std::string> repos = MappedRepositories(r);
    if (repos.size() < 2) continue;
    if (++shared > 3) continue;
    examples += examples.empty() ? "" : "; ";
    examples += GoJsonString(r.image_ref) + " from";
    for (const std::string& repo : repos) examples += " " + repo;
  }
  if (shared == 0) {
    report.push_back({CheckState::kOk, name + " shared digests",
                      "no imageRef is reached from images of several repositories", ""});
    return;
  }
  report.push_back(
      {CheckState::kWarn, name + " shared digests",
       std::to_string(shared) + " imageRefs are reached from images of several repositories (" +
           examples + (shared > 3 ? "; ..." : "") +
           "): under NeverVerifyPreloadedImages any other name of that content (a preloaded "
           "image) must now verify, and with imagePullPolicy Never its pods fail "
           "(kubernetes/kubernetes#138175)",
       "list them with 'pullguard records audit --dir " + dir +
           "' (finding shared-digest); for a preloaded name pods rely on, record it as node-wide "
           "('pullguard records add' with nodePodsAccessible) or use decide's "
           "separateSharedDigests"});
}

}  // namespace pullguard
