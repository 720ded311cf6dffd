// Every command line, parsed with CLI11 (plugin/cli/command_line.h).
//
// Two measured constraints shape this file (callgrind, docs/BENCHMARKS.md "Parsing the command
// line"): kubelet starts pullguard once per image pull, so
// - this is the only file that includes CLI11: its header defines eight validator objects in every
//   file that includes it, built before main and destroyed at exit (~6,000 instructions per file);
// - kubelet's own exec call (`get-credentials [--config=PATH]`, no --log-level) is recognised
//   before any CLI11 object is built: parsing it with CLI11 costs ~41,000 instructions, 9% of an
//   exec with a JSON config. So are `decide --dir DIR [--evidence DIR]` and `records add --dir
//   DIR` (ReadPlainValues), whose execs would otherwise cost more than kubelet's. Every other
//   command line goes through CLI11, and the unit tests check that both paths read these calls
//   alike;
// - CLI11's headers include <iostream>, whose static initialiser would build the standard streams
//   and std::locale on every exec: this file sees plugin/cli/cli11_iostream/iostream instead, and
//   the streams are built only before a CLI11 App is (StandardStreams).
#include "plugin/cli/command_line.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <initializer_list>
#include <map>
#include <memory>
#include <utility>

#include "base/quote.h"
#include "cache/kubelet_version.h"
#include "plugin/cli/commands.h"

namespace pullguard {
namespace {

// CLI11's help in pullguard's layout: the usage line first, then what the command does, its
// positionals, options and subcommands, and the footer (exit status). Formatter is CLI11's own
// extension point for this.
class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter() { label("Usage", "usage"); }

  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    if (mode == CLI::AppFormatMode::Sub) return make_expanded(app);
    std::string out = make_usage(app, std::move(name));
    if (std::string d = make_description(app); !d.empty()) out += "\n" + d;
    out += make_positionals(app);
    out += make_groups(app, mode);
    out += make_subcommands(app, mode);
    if (std::string f = make_footer(app); !f.empty()) out += "\n" + f;
    return out;
  }
};

// The standard streams, built the first time one is constructed (this file sees no <iostream>
// initialiser, top of the file). Every CLI11 App here is built after one: CLI11 may print to
// std::cout or std::cerr.
struct StandardStreams {
  StandardStreams() { static const std::ios_base::Init streams; }
};

// A command's CLI11 App: "pullguard <command>", what the command does, and a footer (its exit
// status) in pullguard's help layout. Subcommands added to it inherit the help flag and layout.
// StandardStreams comes first among the bases, so it is built before CLI::App.
class CommandApp : private StandardStreams, public CLI::App {
 public:
  CommandApp(std::string command, std::string description, std::string footer_text)
      : CLI::App(std::move(description), command.empty() ? "pullguard" : "pullguard " + command),
        command_(std::move(command)) {
    set_help_flag("-h,--help", "print this help and exit");
    formatter(std::make_shared<HelpFormatter>());
    footer(std::move(footer_text));
  }
  const std::string& command() const { return command_; }

 private:
  std::string command_;
};

// An empty value is never meant: refuse it rather than read "" as a path.
CLI::Validator NotEmpty() {
  return CLI::Validator(
      [](std::string& value) {
        return value.empty() ? std::string("needs a value") : std::string();
      },
      "", "not empty");
}

// `--name VALUE` (or `--name=VALUE`): one value each time it is given.
CLI::Option* AddValue(CLI::App& app, const std::string& name, std::string& into,
                      const std::string& value_name, const std::string& help) {
  return app.add_option(name, into, help)->type_name(value_name)->check(NotEmpty());
}

// An optional `--name VALUE`: `into` stays unset when the flag is not given.
CLI::Option* AddOptionalValue(CLI::App& app, const std::string& name,
                              std::optional<std::string>& into, const std::string& value_name,
                              const std::string& help) {
  return app
      .add_option_function<std::string>(
          name, [&into](const std::string& value) { into = value; }, help)
      ->type_name(value_name)
      ->check(NotEmpty());
}

// A command line read without CLI11 (top of the file) when it is only `--name=VALUE` or
// `--name VALUE` for the `names` given, each at most once, every VALUE non-empty and not starting
// with '-': then true, with the values in `out`. Anything else (help, other flags, a repeat, an
// odd value) is CLI11's to read or refuse, with the same result for what both accept (the unit
// tests compare the two).
bool ReadPlainValues(const std::vector<std::string>& args, std::initializer_list<const char*> names,
                     std::map<std::string, std::string>& out) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i], value;
    auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    }
    if (value.empty() || value[0] == '-' || out.count(name) ||
        std::find(names.begin(), names.end(), name) == names.end()) {
      return false;
    }
    out[name] = value;
  }
  return true;
}

// `--kubelet-version MAJOR.MINOR`: a release in the supported range (cache/kubelet_version.h),
// refused as a usage error with the parser's one line otherwise.
CLI::Option* AddKubeletVersion(CLI::App& app, std::optional<std::string>& into) {
  return AddOptionalValue(app, "--kubelet-version", into, "MAJOR.MINOR",
                          "answer as this kubelet release does (" +
                              KubeletVersion::Oldest().String() + " to " +
                              KubeletVersion::Newest().String() + "; default " +
                              KubeletVersion::Default().String() + ")")
      ->check(CLI::Validator(
          [](std::string& value) {
            auto v = ParseKubeletVersion(value);
            return v.ok() ? std::string() : v.error().message;
          },
          "", "kubelet version"));
}

// A flag takes no value: `--offline=maybe` is an error, not a conversion CLI11 would guess at.
CLI::Option* AddFlag(CLI::App& app, const std::string& name, bool& into, const std::string& help) {
  return app.add_flag(name, into, help)->disable_flag_override();
}

// A required positional, shown as its name alone (no type) in the usage line.
CLI::Option* AddPositional(CLI::App& app, const std::string& name, std::string& into,
                           const std::string& help) {
  return app.add_option(name, into, help)->type_name("")->required();
}

// The first argument CLI11 could not place. "--" in that list is CLI11's record of the positional
// mark (it keeps one), not an argument: an argument "--" can only come after it.
std::optional<std::string> FirstExtra(const CLI::App& app) {
  bool mark = app.remaining(true).size() > app.remaining_size(true);
  for (const std::string& a : app.remaining(true)) {
    if (mark && a == "--") {
      mark = false;
      continue;
    }
    return a;
  }
  return std::nullopt;
}

// "a, b or c" from the app's subcommand names.
std::string SubcommandNames(const CLI::App& app) {
  auto subs = app.get_subcommands([](const CLI::App*) { return true; });
  std::string out;
  for (std::size_t i = 0; i < subs.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == subs.size() ? " or " : ", ") + subs[i]->get_name();
  }
  return out;
}

// One line for a CLI11 parse error. An argument that fits nowhere is named first, whatever else
// is wrong (CLI11 checks required options first, but `--confg=x` is better reported as itself than
// as a missing --config); it is quoted with QuoteForError, so hostile input never reaches stderr as
// it came. CLI11's other messages name only our options and counts, never an argument's value:
// every option here is a string, and flags refuse values.
std::string UsageMessage(const CLI::App& app, const CLI::ParseError& e) {
  std::optional<std::string> extra = FirstExtra(app);
  bool wants_subcommand = app.get_require_subcommand_min() > 0 && app.get_subcommands().empty();
  if (extra && wants_subcommand && extra->rfind('-', 0) != 0) {
    return "unknown subcommand " + QuoteForError(*extra) + " (want " + SubcommandNames(app) + ")";
  }
  if (extra) return "unexpected argument " + QuoteForError(*extra);
  if (wants_subcommand) return "missing subcommand (want " + SubcommandNames(app) + ")";
  return e.what();
}

// Parses `args` with `app`, pullguard's way: help to io.out (exit 0), a usage error to io.err
// as one line naming the (sub)command (exit 2), nothing printed by CLI11 itself.
std::optional<int> Parse(CommandApp& app, const std::vector<std::string>& args, Io& io) {
  // CLI11 2.1 reads `--flag=` followed by another argument as `--flag <that argument>`
  // (`--image= --offline` would probe an image named "--offline"): an empty `=` value is refused
  // here, before CLI11 sees it. Past "--" everything is positional.
  for (const std::string& a : args) {
    if (a == "--") break;
    if (a.size() > 3 && a.rfind("--", 0) == 0 && a.back() == '=' && a.find('=') == a.size() - 1) {
      PrintUsageError(io, app.command(), a.substr(0, a.size() - 1) + " needs a value");
      return 2;
    }
  }
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes from the back
  try {
    app.parse(reversed);
    return std::nullopt;
  } catch (const CLI::CallForHelp&) {
    io.out << app.help();  // the help of the subcommand given, if any
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string where = app.command();
    for (const CLI::App* sub : app.get_subcommands()) where += " " + sub->get_name();
    PrintUsageError(io, where, UsageMessage(app, e));
    return 2;
  }
}

constexpr const char* kDirHelp = "kubelet's image_manager directory";

// records gc and recover: the runtime's image list and what to do with it.
void AddImageListOptions(CLI::App& sub, RecordsArgs::Sub which, RecordsArgs& out) {
  AddValue(sub, "--images", out.images, "FILE",
           "the runtime's images: `crictl images -o json`, or one image ID (sha256:...)\n"
           "per line, optionally followed by its names; - reads stdin")
      ->required();
  AddFlag(sub, "--dry-run", out.dry_run, "only say what would be done");
  if (which != RecordsArgs::Sub::kGc) return;
  AddOptionalValue(sub, "--evidence", out.evidence, "DIR",
                   "pullguard's preflight evidence: also remove the files whose proofs\n"
                   "have all expired");
  AddOptionalValue(sub, "--listed-at", out.listed_at, "TIME",
                   "when the image list was taken (RFC 3339); records updated since are\n"
                   "kept. Default: FILE's modification time, or now for stdin");
}

}  // namespace

std::optional<int> ParseGlobalArgs(const std::vector<std::string>& argv, Io& io, GlobalArgs& out) {
  // Without a --log-level CLI11 would hand the command line back as it is, so it is not built
  // (the exec path, see the top of this file).
  if (std::none_of(argv.begin(), argv.end(), [](const std::string& a) {
        return a == "--log-level" || a.rfind("--log-level=", 0) == 0;
      })) {
    out.rest = argv;
    return std::nullopt;
  }
  StandardStreams streams;
  CLI::App app("", "pullguard");
  app.set_help_flag();  // help belongs to the command: `pullguard doctor --help`
  app.allow_extras();   // everything else is the command's, kept in order ("--" included)
  std::string level;
  app.add_option("--log-level", level)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::vector<std::string> reversed(argv.rbegin(), argv.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError&) {
    // The only error possible here: --log-level last, with no value after it.
    std::vector<std::string> rest = app.remaining();
    PrintError(io, rest.empty() ? "" : rest.front(),
               "--log-level needs a level (see 'pullguard --help')");
    return 2;
  }
  out.log_level = level;
  out.rest = app.remaining();
  return std::nullopt;
}

void PrintMainHelp(Output& os) {
  CommandApp app("",
                 "pullguard is a kubelet image credential provider (KEP-2133): kubelet runs\n"
                 "'pullguard get-credentials' once per image pull. The other commands check "
                 "configs,\ndiagnose a node and read kubelet's image pull records.",
                 "Run 'pullguard <command> --help' for a command's options. Exit status: 0 "
                 "success,\n1 failure (one line on stderr, nothing on stdout), 2 usage error; "
                 "match exits 1 for\nno match (docs/commands.md).");
  std::string level;
  app.add_option("--log-level", level,
                 "debug, info, warn (default), error or off; JSON lines on stderr.\n"
                 "Anywhere on the command line (before a --); also $PULLGUARD_LOG_LEVEL,\n"
                 "the flag wins")
      ->type_name("LEVEL");
  for (const Command& c : AllCommands()) app.add_subcommand(c.name, c.summary)->group("Commands");
  app.require_subcommand(1);
  static_cast<HelpFormatter*>(app.get_formatter().get())->label("SUBCOMMAND", "COMMAND");
  os << app.help();
}

std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io, VersionArgs&) {
  CommandApp app("version", "Prints the version: pullguard <version>.",
                 "Exit status: 0, or 2 for a usage error.");
  return Parse(app, args, io);
}

std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io,
                                    GetCredentialsArgs& out) {
  // Kubelet's exec call, as its CredentialProviderConfig gives it: no CLI11 (top of the file).
  // `--config=` with nothing after it is CLI11's to refuse.
  if (args.empty()) return std::nullopt;
  if (args.size() == 1 && args[0].size() > 9 && args[0].rfind("--config=", 0) == 0) {
    out.config = args[0].substr(9);
    return std::nullopt;
  }
  CommandApp app(
      "get-credentials",
      "Reads one CredentialProviderRequest (credentialprovider.kubelet.k8s.io/v1, v1beta1 or\n"
      "v1alpha1) on stdin and writes the CredentialProviderResponse on stdout, as kubelet\n"
      "expects. Kubelet runs it once per image pull (docs/get-credentials.md).",
      "Exit status: 0 answered (an empty auth when no entry matches the image), 1 failed (one\n"
      "line on stderr, nothing on stdout; kubelet then pulls without these credentials),\n"
      "2 usage error.");
  AddOptionalValue(app, "--config", out.config, "FILE",
                   "pullguard's config (PullguardConfig); default $PULLGUARD_CONFIG");
  return Parse(app, args, io);
}

std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io,
                                    ValidateArgs& out) {
  CommandApp app(
      "validate",
      "Checks a file the way its reader will read it and lists every problem found, one per line\n"
      "on stderr.",
      "Exit status: 0 valid, 1 invalid (every problem on stderr), 2 usage error.");
  app.require_subcommand(1);
  CLI::App* config =
      app.add_subcommand("config", "a pullguard config (PullguardConfig) and the files it names");
  AddPositional(*config, "PATH", out.path, "the config file");
  config->footer(
      "Checks the config as get-credentials would use it, the files it names included (password\n"
      "files and docker configs: present, readable, private), and lists every problem, one per\n"
      "line. Exit status: 0 valid (a one-line summary on stdout), 1 invalid, 2 usage error.");
  CLI::App* kubelet = app.add_subcommand(
      "kubelet-config", "kubelet's CredentialProviderConfig (a file or a directory)");
  AddPositional(*kubelet, "PATH", out.path,
                "kubelet's --image-credential-provider-config: a file, or a directory\n"
                "whose *.json, *.yaml and *.yml files are merged in lexical order");
  kubelet->footer(
      "Checks it the way kubelet will at start-up, reporting every problem rather than the\n"
      "first. Exit status: 0 when kubelet would accept it, 1 with every problem on stderr (one\n"
      "per line) when not, 2 usage error.");
  if (auto rc = Parse(app, args, io)) return rc;
  out.what = kubelet->parsed() ? ValidateArgs::What::kKubeletConfig : ValidateArgs::What::kConfig;
  return std::nullopt;
}

std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io, DoctorArgs& out) {
  CommandApp app(
      "doctor",
      "Checks what breaks on a node and says how to fix each problem:\n"
      "  - the pullguard config is valid, its secret files exist and are private (0600);\n"
      "  - the state dir is a private, writable directory; the metrics textfile can be written;\n"
      "  - kubelet's CredentialProviderConfig (--kubelet-config, file or directory) is valid,\n"
      "    has a provider running 'get-credentials --config=FILE' with an apiVersion pullguard\n"
      "    answers, and its matchImages cover the config's registries (and mirrored ones);\n"
      "  - each mirrored registry has a containerd hosts.toml naming its mirror;\n"
      "  - the binary kubelet runs (--bin-dir, under the provider's name) exists, is executable\n"
      "    and runs;\n"
      "  - each registry answers /v2/ (verified TLS; plain HTTP on loopback only) with a Basic\n"
      "    or Bearer challenge, and its Date header agrees with the local clock (60 s);\n"
      "  - each entry's credential is accepted by its registry (a dry run), and each --image\n"
      "    resolves as get-credentials would resolve it (with preflight when verify is set);\n"
      "  - with --records DIR: kubelet's records are readable, and no imageRef is reached from\n"
      "    images of several repositories (a preloaded name would have to verify: #138175);\n"
      "    with --runtime-images FILE too: no image is known to the runtime under a name\n"
      "    whose repository its record does not map.",
      "Exit status: 0 when every check passes (the report on stdout), 1 when one fails (the\n"
      "report on stderr), 2 usage error.");
  AddValue(app, "--config", out.config, "FILE",
           "pullguard's config: the path kubelet passes to pullguard (required unless\n"
           "--records is given)");
  AddValue(app, "--kubelet-config", out.kubelet_config, "PATH",
           "kubelet's CredentialProviderConfig (a file or a directory)");
  AddValue(app, "--bin-dir", out.bin_dir, "DIR", "kubelet's --image-credential-provider-bin-dir");
  AddValue(app, "--containerd-hosts-dir", out.containerd_hosts_dir, "DIR",
           "containerd's registry config_path, for mirror entries (default "
           "/etc/containerd/certs.d)");
  app.add_option("--image", out.images, "resolve IMAGE as get-credentials would (repeatable)")
      ->type_name("IMAGE")
      ->allow_extra_args(false)  // one image per --image
      ->check(NotEmpty());
  AddFlag(app, "--offline", out.offline, "skip the registry checks");
  AddOptionalValue(app, "--records", out.records, "DIR",
                   "kubelet's image_manager directory: name the records one imageRef reaches\n"
                   "from images of several repositories (kubernetes#138175)");
  AddOptionalValue(app, "--runtime-images", out.runtime_images, "FILE",
                   "with --records: the runtime's images (`crictl images -o json`, or one\n"
                   "image ID per line followed by its names; - reads stdin), to name the\n"
                   "records whose image has a name they do not map");
  if (auto rc = Parse(app, args, io)) return rc;
  if (out.config.empty() && !out.records) {
    PrintUsageError(io, app.command(), "--config is required");
    return 2;
  }
  if (out.runtime_images && !out.records) {
    PrintUsageError(io, app.command(), "--runtime-images needs --records");
    return 2;
  }
  return std::nullopt;
}

std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io,
                                    RecordsArgs& out) {
  // `records add --dir DIR`, the call of a script that records each pull: no CLI11, as for decide
  // (top of the file). Building the seven subcommands was half of such an exec's instructions
  // (404 k of 765 k), which 32 writers on one record pay 200 times each.
  if (!args.empty() && args[0] == "add") {
    std::map<std::string, std::string> plain;
    if (ReadPlainValues({args.begin() + 1, args.end()}, {"--dir"}, plain) && plain.count("--dir")) {
      out.sub = RecordsArgs::Sub::kAdd;
      out.dir = plain["--dir"];
      return std::nullopt;
    }
  }
  CommandApp app(
      "records",
      "Reads, audits and adds kubelet's image pull records (KEP-2535) in an image_manager\n"
      "directory, one JSON object per output line (docs/verification-cache.md).",
      "Exit status: 0 done, 1 failed (show: no record), 2 usage error.");
  app.require_subcommand(1);
  struct Sub {
    const char* name;
    RecordsArgs::Sub sub;
    const char* summary;
    const char* footer;
  };
  static constexpr Sub kSubs[] = {
      {"hash", RecordsArgs::Sub::kHash,
       "kubelet's credential hash of an auth config:\n"
       "stdin {\"username\":…,\"password\":…} -> 64 hex digits",
       "Exit status: 0 done, 1 invalid auth config, 2 usage error."},
      {"ls", RecordsArgs::Sub::kLs, "every intent and record, one JSON object per line",
       "Exit status: 0 listed (an unreadable file is listed as a CorruptFile line, with one line\n"
       "on stderr), 1 failed, 2 usage error."},
      {"show", RecordsArgs::Sub::kShow, "the record for one imageRef",
       "Exit status: 0 shown, 1 no record or an unreadable one, 2 usage error."},
      {"audit", RecordsArgs::Sub::kAudit, "who (secret, service account, node) may use which image",
       "Exit status: 0 listed (an unreadable file is listed as a CorruptFile line, with one line\n"
       "on stderr), 1 failed, 2 usage error."},
      {"add", RecordsArgs::Sub::kAdd,
       "add what kubelet records after a pull: stdin {image, imageRef,\n"
       "secret|serviceAccount|nodePodsAccessible} or a pod's whole set\n"
       "{image, imageRef, secrets:[…], serviceAccounts:[…]}",
       "Exit status: 0 added or already there ({\"changed\":…,\"file\":…}), 1 invalid input\n"
       "or a record that cannot be read or written, 2 usage error."},
      {"gc", RecordsArgs::Sub::kGc,
       "remove pulled records whose image the runtime no longer has (kubelet's image GC);\n"
       "intents are left alone",
       "Prints one JSON object per line: "
       "{\"action\":\"removed\"|\"would-remove\"|\"kept\"|\"failed\",\n"
       "\"kind\",\"file\",...} and a last {\"kind\":\"Summary\",...} line\n"
       "(docs/verification-cache.md). A file that cannot be read is never removed (\"kept\").\n"
       "Exit status: 0 done (an unreadable file is kept and named on stderr), 1 invalid image\n"
       "list, missing directory or a removal that failed, 2 usage error."},
      {"recover", RecordsArgs::Sub::kRecover,
       "kubelet's start-up recovery: intents whose image the runtime has become records\n"
       "(no credentials: every pod verifies); the other intents are removed",
       "Run it while kubelet is stopped, as kubelet runs it at start. Prints one JSON object per\n"
       "intent: "
       "{\"action\":\"recorded\"|\"removed\"|\"would-record\"|\"would-remove\"|\"kept\",...}\n"
       "and a last {\"kind\":\"Summary\",...} line (docs/verification-cache.md).\n"
       "Exit status: 0 done (an unreadable intent is kept and named on stderr), 1 invalid image\n"
       "list, missing directory, or an intent that could not be turned into a record, 2 usage\n"
       "error."},
  };
  std::vector<std::pair<CLI::App*, RecordsArgs::Sub>> subs;
  for (const Sub& s : kSubs) {
    CLI::App* sub = app.add_subcommand(s.name, s.summary);
    sub->footer(s.footer);
    if (s.sub != RecordsArgs::Sub::kHash)
      AddValue(*sub, "--dir", out.dir, "DIR", kDirHelp)->required();
    if (s.sub == RecordsArgs::Sub::kShow)
      AddPositional(*sub, "IMAGEREF", out.image_ref, "the image ID");
    if (s.sub == RecordsArgs::Sub::kAdd || s.sub == RecordsArgs::Sub::kGc ||
        s.sub == RecordsArgs::Sub::kRecover)
      AddKubeletVersion(*sub, out.kubelet_version);
    if (s.sub == RecordsArgs::Sub::kGc || s.sub == RecordsArgs::Sub::kRecover)
      AddImageListOptions(*sub, s.sub, out);
    if (s.sub == RecordsArgs::Sub::kAudit)
      AddValue(*sub, "--images", out.images, "FILE",
               "the runtime's images (as for gc): their names count for the shared-digest\n"
               "finding, which then lists the names the record does not map");
    subs.emplace_back(sub, s.sub);
  }
  if (auto rc = Parse(app, args, io)) return rc;
  for (const auto& [sub, which] : subs) {
    if (sub->parsed()) out.sub = which;
  }
  return std::nullopt;
}

std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io, DecideArgs& out) {
  // A script's plain call (`decide --dir DIR [--evidence DIR]`): no CLI11 (top of the file).
  std::map<std::string, std::string> plain;
  if (ReadPlainValues(args, {"--dir", "--evidence"}, plain) && plain.count("--dir")) {
    out.dir = plain["--dir"];
    if (plain.count("--evidence")) out.evidence = plain["--evidence"];
    return std::nullopt;
  }
  CommandApp app(
      "decide",
      "Kubelet's answer to \"may this pod use the image already on the node?\" for one\n"
      "container, with the reason, and kubelet's record updates. Reads the request on stdin:\n"
      "{image, imageRef, imagePresent, pullPolicy, policy, allowlist, podSecrets,\n"
      "podServiceAccount, separateSharedDigests, maxRecordAge}; prints\n"
      "{\"action\":\"pull\"|\"use-local\"|\"fail\",\"reason\":…}.",
      "Exit status: 0 decided, 1 invalid input or directory, 2 usage error.");
  AddValue(app, "--dir", out.dir, "DIR", std::string(kDirHelp) + " (must exist)")->required();
  AddOptionalValue(app, "--evidence", out.evidence, "DIR",
                   "pullguard's preflight evidence: a pod secret whose proofs for the image's\n"
                   "repository have all expired no longer verifies through the record");
  AddKubeletVersion(app, out.kubelet_version);
  return Parse(app, args, io);
}

std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io,
                                    ParseImageArgs& out) {
  CommandApp app(
      "parse",
      "Prints the image as kubelet normalises it, as one JSON object:\n"
      "  name (normalised), domain, path, tag (\"latest\" only when neither tag nor digest),\n"
      "  digest (\"\" when absent), familiar (the short name docker prints).",
      "Exit status: 0 valid, 1 invalid image, 2 usage error.");
  AddPositional(app, "IMAGE", out.image, "an image reference, as in a pod spec");
  return Parse(app, args, io);
}

std::optional<int> ParseCommandLine(const std::vector<std::string>& args, Io& io, MatchArgs& out) {
  CommandApp app(
      "match",
      "Matches IMAGE against a matchImages (or auth key) pattern with kubelet's URLsMatch:\n"
      "per-label globs, equal label counts, equal ports, string-prefix paths.",
      "Exit status: 0 match, 1 no match, 2 invalid input or usage error.");
  AddFlag(app, "--normalize", out.normalize,
          "first normalise IMAGE to the repository kubelet pulls\n"
          "(busybox:1 -> docker.io/library/busybox), as newer kubelets do");
  AddPositional(app, "PATTERN", out.pattern, "a matchImages pattern");
  AddPositional(app, "IMAGE", out.image, "an image reference");
  return Parse(app, args, io);
}

}  // namespace pullguard
