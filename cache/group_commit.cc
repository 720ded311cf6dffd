// A queued add is one file, <pending>/<record file>.<id>.<state>, moved from state to state by
// rename (atomic, so every file is always whole and in exactly one state):
//   .add      written (temp + rename, no fsync) by its writer, waiting
//   .claimed  taken into a batch by the lock holder
//   .changed  claimed, and about to change the record (marked before the record is written, so
//             that a later committer answers "changed" even if the write happened and the
//             committer died before answering)
//   .done-changed / .done-same   in the durably written record; the writer reads and removes it
//   .rejected does not decode (never written by pullguard as such); the writer reports an error
//   .withdrawn  its writer gave up waiting for the lock before any batch took it
// .claimed and .changed left behind by a committer that died are merged again by the next one
// (merging an add twice changes nothing the second time). Only the lock holder claims, so a
// writer's withdrawal (a rename from .add) and a claim never both succeed: an add is either in a
// batch or withdrawn. Waiting writers never need the lock to learn their answer: they look for
// it every kPollEvery while trying the lock, so a committer can go on with the next batch.
#include "cache/group_commit.h"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "cache/merge.h"
#include "cache/pull_manager.h"
#include "cache/record_codec.h"

namespace pullguard {
namespace {

constexpr mode_t kDirMode = 0700;
constexpr mode_t kFileMode = 0600;
constexpr std::size_t kMaxPendingBytes = 1u << 20;

// Sorts by queue time: 16 hex digits of nanoseconds, then the writer's pid and a random part.
std::string NewId() {
  static const char* kHex = "0123456789abcdef";
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  std::string id(16, '0');
  auto v = static_cast<unsigned long long>(ns);
  for (int i = 15; i >= 0; --i, v >>= 4) id[static_cast<std::size_t>(i)] = kHex[v & 0xf];
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return id + "-" + std::to_string(getpid()) + "-" + std::to_string(rng() % 1000000000ULL);
}

// "<record file>.<id>.<state>" -> (id, state) when the name belongs to `record_file`.
bool SplitName(const std::string& name, const std::string& record_file, std::string* id,
               std::string* state) {
  if (name.size() <= record_file.size() + 1 || name.compare(0, record_file.size(), record_file) ||
      name[record_file.size()] != '.') {
    return false;
  }
  auto dot = name.rfind('.');
  if (dot <= record_file.size()) return false;
  *id = name.substr(record_file.size() + 1, dot - record_file.size() - 1);
  *state = name.substr(dot + 1);
  return !id->empty();
}

bool Answered(const std::string& state) {
  return state == "done-changed" || state == "done-same" || state == "rejected" ||
         state == "withdrawn" || state == "tmp";
}

}  // namespace

GroupCommit::GroupCommit(Env& env, FileRecordStore& store, std::function<RecordTime()> now)
    : env_(env), store_(store), now_(std::move(now)) {}

std::string GroupCommit::PendingDir() const {
  return store_.root() + "/pending";
}

Result<bool> GroupCommit::Add(const std::string& image, const std::string& image_ref,
                              const ImagePullCredentials& creds, KubeletVersion kubelet) {
  auto key = MappingKey(image, kubelet);
  if (!key.ok()) {
    return MakeError(ErrorKind::kInvalidArgument, "invalid image name: " + key.error().message);
  }
  if (image_ref.empty()) return MakeError(ErrorKind::kInvalidArgument, "empty imageRef");
  PG_TRY(store_.Init());
  PG_TRY(env_.CreateDirs(PendingDir(), kDirMode));
  const std::string record_file = RecordFileName(image_ref);
  const std::string id = NewId();
  const std::string base = PendingDir() + "/" + record_file + "." + id;

  // The queued add is the record this add alone would write (kubelet's codec, strict on read).
  ImagePulledRecord add;
  add.image_ref = image_ref;
  add.credential_mapping[*key] = creds;
  // No fsync: until the writer is answered the add is its own to lose (a crash of the machine
  // ends the writer too); the record write that answers it is durable.
  PG_TRY(env_.WriteFileAtomicNoSync(base + ".add", EncodePulledRecord(add), kFileMode));

  // A batch that took this add answers it through a rename.
  auto answered = [&]() -> std::optional<Result<bool>> {
    for (const char* state : {"done-changed", "done-same"}) {
      auto info = env_.Stat(base + "." + state);
      if (info.ok() && info->exists) {
        (void)env_.RemoveFile(base + "." + state);
        return Result<bool>(std::string_view(state) == "done-changed");
      }
    }
    auto info = env_.Stat(base + ".rejected");
    if (info.ok() && info->exists) {
      (void)env_.RemoveFile(base + ".rejected");
      return Result<bool>(
          MakeError(ErrorKind::kCorrupt, "the queued add in pending/ did not decode"));
    }
    return std::nullopt;
  };

  auto deadline = std::chrono::steady_clock::now() + store_.lock_timeout();
  Result<std::unique_ptr<FileLock>> lock = MakeError(ErrorKind::kInternal, "not locked yet");
  for (;;) {
    if (auto r = answered()) return *r;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    lock = store_.LockRecordWithin(image_ref, std::min(left, kPollEvery));
    if (lock.ok() || lock.error().kind != ErrorKind::kUnavailable) break;
  }
  if (!lock.ok()) {
    // Withdraw the add, unless a batch has taken it already (then the rename finds no .add).
    if (env_.Rename(base + ".add", base + ".withdrawn").ok()) {
      (void)env_.RemoveFile(base + ".withdrawn");
      return lock.error();
    }
    if (auto r = answered()) return *r;
    return MakeError(lock.error().kind,
                     lock.error().message +
                         " (the add was already in another writer's batch and may still be "
                         "written)");
  }
  if (auto r = answered()) return *r;
  auto own = Session(image_ref, record_file, base);
  if (own.ok() && own->has_value()) return **own;
  if (auto r = answered()) return *r;
  // Not answered: the commit failed before the record was written (it put every other add back
  // for its own writer to try), or this add vanished. Either way it is not in the record.
  for (const char* state : {".add", ".claimed", ".changed"}) (void)env_.RemoveFile(base + state);
  if (!own.ok()) return own.error();
  return MakeError(ErrorKind::kInternal, "the queued add " + record_file + "." + id +
                                             " disappeared from pending/ before it was written");
}

Result<std::optional<bool>> GroupCommit::Session(const std::string& image_ref,
                                                 const std::string& record_file,
                                                 const std::string& own) {
  const std::string dir = PendingDir();
  const auto started = std::chrono::steady_clock::now();
  // Every queued add for this record, oldest first; answered files nobody waits for are swept.
  std::map<std::string, std::string> queued;  // id -> "add", "claimed" or "changed"
  auto scan = [&](bool sweep) -> Status {
    auto names = env_.ListDir(dir);
    if (!names.ok()) return names.error();
    queued.clear();
    RecordTime now = now_();
    for (const std::string& name : *names) {
      std::string id, state;
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) state = "tmp";
      if (state.empty() && !SplitName(name, record_file, &id, &state)) continue;
      if (state == "add" || state == "claimed" || state == "changed") {
        queued[id] = state;
      } else if (sweep && Answered(state)) {
        auto info = env_.Stat(dir + "/" + name);
        if (info.ok() && info->exists && info->mtime + kSweepAfter < now) {
          (void)env_.RemoveFile(dir + "/" + name);
        }
      }
    }
    return Status::Ok();
  };

  struct Item {
    std::string base;
    std::string found;  // the state it was found in: "add", or an orphan's "claimed"/"changed"
    std::string state;  // now: "claimed" or "changed"
    std::string key;
    ImagePullCredentials creds;
    bool changed = false;
  };
  // The record as this session last read or wrote it: while the lock is held, nobody else
  // writes it, so later batches skip the read and decode.
  std::optional<std::optional<ImagePulledRecord>> current;
  std::optional<bool> mine;
  std::size_t expected = 0;  // writers answered by the last batch, other than this one
  bool returning = false;    // this session's answered writers have come back with more adds
  for (int round = 0;; ++round) {
    // A failure after the first batch is not this writer's: the writers of the failed batch get
    // their adds back and meet it themselves.
    auto fail = [&](const Error& e) -> Result<std::optional<bool>> {
      if (round == 0) return e;
      return mine;
    };
    if (Status st = scan(/*sweep=*/round == 0); !st.ok()) return fail(st.error());
    // Other writers are queueing: give them a moment to join this batch, since every add that
    // misses this write costs a write of its own. After a batch, wait for as many adds as it
    // answered, other than this committer's own (writers in a loop are back with their next add a
    // few milliseconds later, and the queue may well be empty the moment the batch is answered:
    // the session goes on, sparing the next committer a read and decode of the whole record). An
    // empty queue is waited on for kReturnWithin only, unless this session's writers have come
    // back before: one-shot writers never return, and the lock (a stripe other records share) is
    // not held for them. Otherwise, until the queue stops growing. A lone writer (nothing queued
    // but its own add) does not wait at all, and nobody waits longer than kGatherAtMost.
    if (round > 0 ? expected > 0 : queued.size() >= 2u) {
      const auto start = std::chrono::steady_clock::now();
      const auto until = start + kGatherAtMost;
      for (int quiet = 0; std::chrono::steady_clock::now() < until;) {
        if (round > 0 && queued.size() >= expected) {
          returning = true;
          break;
        }
        if (round == 0 && quiet >= 2) break;
        if (round > 0 && queued.empty() && !returning &&
            std::chrono::steady_clock::now() >= start + kReturnWithin) {
          break;
        }
        std::size_t before = queued.size();
        std::this_thread::sleep_for(kGatherPoll);
        if (Status st = scan(/*sweep=*/false); !st.ok()) return fail(st.error());
        quiet = queued.size() > before ? 0 : quiet + 1;
      }
    }

    std::vector<Item> batch;
    for (const auto& [id, found] : queued) {
      std::string base = dir + "/" + record_file + "." + id;
      std::string state = found;
      if (state == "add") {
        // A failed claim is an add its writer withdrew a moment ago.
        if (!env_.Rename(base + ".add", base + ".claimed").ok()) continue;
        state = "claimed";
      }
      auto text = env_.ReadFile(base + "." + state, kMaxPendingBytes);
      if (!text.ok()) continue;
      auto add = DecodePulledRecord(*text);
      if (!add.ok() || add->image_ref != image_ref || add->credential_mapping.size() != 1) {
        (void)env_.Rename(base + "." + state, base + ".rejected");
        continue;
      }
      auto& [key, creds] = *add->credential_mapping.begin();
      // Marked .changed by a committer that died: it may have written the record already.
      batch.push_back(Item{base, found, state, key, std::move(creds), state == "changed"});
    }
    if (batch.empty()) break;

    // Puts the batch back as it was found, for each writer to commit (and meet the same error)
    // itself.
    auto give_back = [&](const Error& e) -> Result<std::optional<bool>> {
      for (const Item& it : batch) {
        if (it.state != it.found) {
          (void)env_.Rename(it.base + "." + it.state, it.base + "." + it.found);
        }
      }
      return fail(e);
    };
    if (!current) {
      auto read = store_.GetRecordForUpdate(image_ref);
      // As PullManager: a record that cannot be read is never overwritten.
      if (!read.ok()) return give_back(read.error());
      current = std::move(*read);
    }
    ImagePulledRecord record;
    std::vector<std::pair<std::string, ImagePullCredentials>> adds;
    std::size_t first = 0;
    if (current->has_value()) {
      record = std::move(**current);
    } else {
      // kubelet's first write of a record: the credentials exactly as given.
      record.image_ref = image_ref;
      record.credential_mapping[batch[0].key] = batch[0].creds;
      first = 1;
    }
    current.reset();  // from here on only `record` is, or is about to be, on disk
    for (std::size_t i = first; i < batch.size(); ++i) {
      adds.emplace_back(batch[i].key, std::move(batch[i].creds));
    }
    std::vector<bool> merged = MergeCredentialsInOrder(record, adds);
    bool any = first == 1;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Item& it = batch[i];
      bool changed = i < first || merged[i - first];
      any = any || changed;
      // Marked before the write: a committer after us must not answer "unchanged" for an add
      // this write put in, should we die between the write and the answers.
      if (changed && it.state == "claimed" &&
          env_.Rename(it.base + ".claimed", it.base + ".changed").ok()) {
        it.state = "changed";
      }
      it.changed = it.changed || changed;
    }
    if (any) {
      record.api_version = kApiV1Beta1;
      record.last_updated_time = now_();
      if (Status st = store_.WriteRecord(record); !st.ok()) return give_back(st.error());
    }
    current = std::optional<ImagePulledRecord>(std::move(record));
    // Durable now: answer every writer of the batch.
    for (const Item& it : batch) {
      if (it.base == own) {
        mine = it.changed;
        (void)env_.RemoveFile(own + "." + it.state);
        continue;
      }
      (void)env_.Rename(it.base + "." + it.state,
                        it.base + (it.changed ? ".done-changed" : ".done-same"));
    }
    expected = 0;
    for (const Item& it : batch) expected += it.base == own ? 0 : 1;
    if (std::chrono::steady_clock::now() - started >= kSessionAtMost) break;
  }
  return mine;
}

}  // namespace pullguard
