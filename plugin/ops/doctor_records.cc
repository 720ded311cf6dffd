// doctor --records DIR (plugin/ops/doctor.h): kubelet's image_manager directory read as `records
// audit` reads it, reduced to what an operator must act on.
#include <map>
#include <string>
#include <vector>

#include "base/go_json.h"
#include "cache/record_store.h"
#include "cache/records.h"
#include "cache/shared_digest.h"
#include "plugin/ops/doctor.h"

namespace pullguard {

namespace {

// A check's line names its first three findings: `"<imageRef>" <how> <repo> <repo>...; ...`.
// `found` counts this one.
void AddExample(std::string& examples, std::size_t found, const ImagePulledRecord& r,
                const char* how, const std::vector<std::string>& repos) {
  if (found > 3) return;
  examples += examples.empty() ? "" : "; ";
  examples += GoJsonString(r.image_ref) + " " + how;
  for (const std::string& repo : repos) examples += " " + repo;
}

// With the runtime's names: records whose content the runtime also knows under a repository they
// do not map (audit's shared-digest finding with "unmapped" names: records_json.h).
void CheckUnmappedNames(const std::string& name, const std::vector<ImagePulledRecord>& records,
                        const RuntimeImageList& runtime, Report& report) {
  const auto names = NamesById(runtime);
  std::size_t found = 0;
  std::string examples;
  for (const ImagePulledRecord& r : records) {
    auto it = names.find(r.image_ref);
    if (it == names.end()) continue;
    std::vector<std::string> unmapped = UnmappedRepositories(r, it->second);
    if (unmapped.empty() || MappedRepositories(r).size() + unmapped.size() < 2) continue;
    AddExample(examples, ++found, r, "as", unmapped);
  }
  if (found == 0) {
    report.push_back({CheckState::kOk, name + " unmapped names",
                      "no image in the runtime's list has a name in a repository its record "
                      "does not map (" +
                          std::to_string(runtime.images.size()) + " images)",
                      ""});
    return;
  }
  report.push_back(
      {CheckState::kWarn, name + " unmapped names",
       std::to_string(found) + " imageRefs are known to the runtime under repositories their " +
           "record does not map (" + examples + (found > 3 ? "; ..." : "") +
           "): pods naming them must verify, and with imagePullPolicy Never they fail "
           "(kubernetes/kubernetes#138175)",
       "record those names as node-wide ('pullguard records add' with nodePodsAccessible) or "
       "decide with separateSharedDigests"});
}

}  // namespace

void CheckRecords(const std::string& dir, Env& env, Report& report,
                  const RuntimeImageList* runtime) {
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
  // A record whose file is named after another imageRef is one kubelet never reads for its own
  // (it opens the file named after the imageRef); `records audit` reports it as misfiled and
  // leaves it out of the shared-digest finding, as these checks do.
  std::vector<ImagePulledRecord> filed;
  std::string misfiled;
  for (std::size_t i = 0; i < records->items.size(); ++i) {
    if (RecordFileName(records->items[i].image_ref) == records->files[i]) {
      filed.push_back(std::move(records->items[i]));
    } else if (misfiled.empty()) {
      misfiled = records->files[i];
    }
  }
  if (!misfiled.empty()) {
    report.push_back({CheckState::kWarn, name + " file names",
                      std::to_string(records->items.size() - filed.size()) +
                          " record files hold another imageRef than their name says (first: " +
                          GoJsonString(misfiled) +
                          "); kubelet does not read them for that imageRef",
                      "list them with 'pullguard records audit --dir " + dir +
                          "' (access misfiled), then remove or rename them"});
  }
  std::size_t shared = 0;
  std::string examples;
  for (const ImagePulledRecord& r : filed) {
    std::vector<std::string> repos = MappedRepositories(r);
    if (repos.size() < 2) continue;
    AddExample(examples, ++shared, r, "from", repos);
  }
  if (shared == 0) {
    report.push_back({CheckState::kOk, name + " shared digests",
                      "no imageRef is reached from images of several repositories", ""});
  } else {
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
  if (runtime != nullptr) CheckUnmappedNames(name, filed, *runtime, report);
}

}  // namespace pullguard
