// records recover (cache/record_recovery.h): kubelet's initialize over the operator's image list.
#include "cache/record_recovery.h"

#include <algorithm>
#include <map>

#include "cache/pull_manager.h"
#include "matcher/reference.h"

namespace pullguard {
namespace {

// The reference as the runtime names it: "name@digest" when there is a digest (containerd's
// repoDigests carry no tag), else "name:tag". Empty when it does not parse.
std::string NormalisedKey(const std::string& image) {
  auto r = ParseNormalizedReference(image);
  if (!r.ok()) return "";
  if (!r->digest.empty()) return r->Name() + "@" + r->digest;
  return r->Name() + ":" + (r->tag.empty() ? std::string("latest") : r->tag);
}

// searchForExistingTagDigest for one intent: the ID of the first image naming it, exactly first.
std::optional<std::string> FindImage(const std::string& image, const RuntimeImageList& list,
                                     const std::map<std::string, std::string>& by_key) {
  // (by_key is empty unless normalised names are matched)
  for (const RuntimeImage& img : list.images) {
    for (const auto* names : {&img.repo_digests, &img.repo_tags}) {
      if (std::find(names->begin(), names->end(), image) != names->end()) return img.id;
    }
  }
  std::string key = NormalisedKey(image);
  if (key.empty()) return std::nullopt;
  auto it = by_key.find(key);
  if (it == by_key.end()) return std::nullopt;
  return it->second;
}

}  // namespace

std::string_view RecoveryActionName(RecoveryEntry::Action a) {
  switch (a) {
    case RecoveryEntry::Action::kRecorded:
      return "recorded";
    case RecoveryEntry::Action::kRemoved:
      return "removed";
    case RecoveryEntry::Action::kWouldRecord:
      return "would-record";
    case RecoveryEntry::Action::kWouldRemove:
      return "would-remove";
    case RecoveryEntry::Action::kKept:
      return "kept";
  }
  return "";
}

Result<RecoveryReport> RecoverIntents(RecordAccessor& store, PullManager& writer,
                                      const RuntimeImageList& list,
                                      const RecoveryOptions& options) {
  auto intents = store.ListIntents();
  if (!intents.ok()) return intents.error();

  std::map<std::string, std::string> by_key;  // normalised name -> image ID
  for (const RuntimeImage& img : list.images) {
    if (!options.match_normalised) break;
    for (const auto* names : {&img.repo_digests, &img.repo_tags}) {
      for (const std::string& n : *names) {
        std::string k = NormalisedKey(n);
        if (!k.empty()) by_key.emplace(k, img.id);
      }
    }
  }

  std::vector<std::size_t> order(intents->items.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](auto a, auto b) { return intents->files[a] < intents->files[b]; });
  RecoveryReport report;
  for (std::size_t i : order) {
    const std::string& image = intents->items[i].image;
    RecoveryEntry e;
    e.file = "pulling/" + intents->files[i];
    e.image = image;
    if (RecordFileName(image) != intents->files[i]) {
      // kubelet's ImagePullIntentExists reads such a file as no intent; deleting by image would
      // remove another file.
      e.action = RecoveryEntry::Action::kKept;
      e.error = "misfiled: the file holds an intent for another image";
      report.entries.push_back(std::move(e));
      continue;
    }
    auto id = FindImage(image, list, by_key);
    if (id) {
      e.image_ref = *id;
      e.record_file = "pulled/" + RecordFileName(*id);
      if (options.dry_run) {
        e.action = RecoveryEntry::Action::kWouldRecord;
      } else if (auto w = writer.WritePulledRecordIfChanged(image, *id, std::nullopt); !w.ok()) {
        e.action = RecoveryEntry::Action::kKept;  // as kubelet: the intent stays
        e.error = w.error().message;
      } else {
        e.action = RecoveryEntry::Action::kRecorded;
        e.record_changed = *w;
      }
    } else if (!options.remove_absent) {
      continue;  // kubelet leaves it
    } else {
      e.action =
          options.dry_run ? RecoveryEntry::Action::kWouldRemove : RecoveryEntry::Action::kRemoved;
    }
    if (e.action == RecoveryEntry::Action::kRecorded ||
        e.action == RecoveryEntry::Action::kRemoved) {
      Status st = store.DeleteIntent(image);
      if (!st.ok() && st.error().kind != ErrorKind::kNotFound) {
        e.action = RecoveryEntry::Action::kKept;
        e.error = "intent not removed: " + st.error().message;
      }
    }
    report.entries.push_back(std::move(e));
  }
  for (const StoreProblem& p : intents->problems) {
    RecoveryEntry e;
    e.action = RecoveryEntry::Action::kKept;
    e.file = p.file;
    e.error = p.error.message;
    report.entries.push_back(std::move(e));
  }
  return report;
}

}  // namespace pullguard
