// Each rule of the strict decoder (record_codec.cc) that could refuse a document is either
// checked here the same way (kind, apiVersion, RFC 3339 time, known fields, value types) or
// avoided by saying no: duplicate keys, escapes, bytes outside printable ASCII, numbers, nulls
// where the strict decoder wants an object. Saying no is always safe.
#include "cache/record_fast_path.h"

#include <cstring>

#include "base/rfc3339.h"

namespace pullguard {
namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool AtEnd() {
    SkipSpace();
    return p_ == end_;
  }
  bool Eat(char c) {
    SkipSpace();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool EatWord(std::string_view w) {
    SkipSpace();
    if (static_cast<std::size_t>(end_ - p_) < w.size() ||
        std::memcmp(p_, w.data(), w.size()) != 0) {
      return false;
    }
    p_ += w.size();
    return true;
  }
  // A string of printable ASCII without escapes: its bytes are its value.
  bool String(std::string_view* out) {
    if (!Eat('"')) return false;
    const char* start = p_;
    while (p_ != end_ && *p_ != '"') {
      auto c = static_cast<unsigned char>(*p_);
      if (c < 0x20 || c > 0x7e || c == '\\') return false;
      ++p_;
    }
    if (p_ == end_) return false;
    *out = std::string_view(start, static_cast<std::size_t>(p_ - start));
    ++p_;
    return true;
  }
  // A string field whose null means "", as the strict decoder reads it.
  bool StringOrNull(std::string* out) {
    if (EatWord("null")) {
      out->clear();
      return true;
    }
    std::string_view v;
    if (!String(&v)) return false;
    out->assign(v);
    return true;
  }
  // The members of an object, each handed to `member(key)`, which reads the value; an empty
  // object is fine. `member` returns false to say no.
  template <class F>
  bool Object(F&& member) {
    if (!Eat('{')) return false;
    if (Eat('}')) return true;
    do {
      std::string_view key;
      if (!String(&key) || !Eat(':') || !member(key)) return false;
    } while (Eat(','));
    return Eat('}');
  }
  template <class F>
  bool Array(F&& element) {
    if (!Eat('[')) return false;
    if (Eat(']')) return true;
    do {
      if (!element()) return false;
    } while (Eat(','));
    return Eat(']');
  }

 private:
  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  const char* p_;
  const char* end_;
};

// One bit per known field: a field seen twice is a duplicate key, which the strict decoder
// refuses.
bool Once(unsigned& seen, unsigned bit) {
  if ((seen & bit) != 0) return false;
  seen |= bit;
  return true;
}

bool Secret(Scanner& s, ImagePullSecret* out) {
  unsigned seen = 0;
  return s.Object([&](std::string_view key) {
    if (key == "uid") return Once(seen, 1) && s.StringOrNull(&out->uid);
    if (key == "namespace") return Once(seen, 2) && s.StringOrNull(&out->ns);
    if (key == "name") return Once(seen, 4) && s.StringOrNull(&out->name);
    if (key == "credentialHash") return Once(seen, 8) && s.StringOrNull(&out->credential_hash);
    return false;
  });
}

bool ServiceAccount(Scanner& s, ImagePullServiceAccount* out) {
  unsigned seen = 0;
  return s.Object([&](std::string_view key) {
    if (key == "uid") return Once(seen, 1) && s.StringOrNull(&out->uid);
    if (key == "namespace") return Once(seen, 2) && s.StringOrNull(&out->ns);
    if (key == "name") return Once(seen, 4) && s.StringOrNull(&out->name);
    return false;
  });
}

bool Credentials(Scanner& s, ImagePullCredentials* out) {
  if (s.EatWord("null")) return true;
  unsigned seen = 0;
  return s.Object([&](std::string_view key) {
    if (key == "kubernetesSecrets") {
      if (!Once(seen, 1)) return false;
      if (s.EatWord("null")) return true;
      return s.Array([&] { return Secret(s, &out->kubernetes_secrets.emplace_back()); });
    }
    if (key == "kubernetesServiceAccounts") {
      if (!Once(seen, 2)) return false;
      if (s.EatWord("null")) return true;
      return s.Array(
          [&] { return ServiceAccount(s, &out->kubernetes_service_accounts.emplace_back()); });
    }
    if (key == "nodePodsAccessible") {
      if (!Once(seen, 4)) return false;
      if (s.EatWord("null")) return true;
      if (s.EatWord("true")) {
        out->node_pods_accessible = true;
        return true;
      }
      return s.EatWord("false");
    }
    return false;
  });
}

}  // namespace

bool DecodePlainPulledRecord(std::string_view text, ImagePulledRecord* out) {
  Scanner s(text);
  ImagePulledRecord r;
  std::string_view kind;
  std::string_view api_version;
  unsigned seen = 0;
  bool ok = s.Object([&](std::string_view key) {
    if (key == "kind") return Once(seen, 1) && s.String(&kind);
    if (key == "apiVersion") return Once(seen, 2) && s.String(&api_version);
    if (key == "lastUpdatedTime") {
      if (!Once(seen, 4)) return false;
      if (s.EatWord("null")) return true;
      std::string_view t;
      if (!s.String(&t)) return false;
      auto parsed = ParseRfc3339(t);
      if (!parsed.ok()) return false;
      r.last_updated_time = *parsed;
      return true;
    }
    if (key == "imageRef") return Once(seen, 8) && s.StringOrNull(&r.image_ref);
    if (key == "credentialMapping") {
      if (!Once(seen, 16)) return false;
      if (s.EatWord("null")) return true;
      return s.Object([&](std::string_view image) {
        ImagePullCredentials c;
        if (!Credentials(s, &c)) return false;
        // A second entry for the same image is a duplicate key.
        return r.credential_mapping.emplace(std::string(image), std::move(c)).second;
      });
    }
    return false;
  });
  if (!ok || !s.AtEnd() || kind != "ImagePulledRecord") return false;
  if (api_version == kApiV1Beta1) {
    r.api_version = kApiV1Beta1;
  } else if (api_version == kApiV1Alpha1) {
    r.api_version = kApiV1Alpha1;
  } else {
    return false;
  }
  *out = std::move(r);
  return true;
}

}  // namespace pullguard
