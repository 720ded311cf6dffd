#!/usr/bin/env python3
# Writes pullguard.1 (troff) from the binary's own help texts, so the man page and --help never
# disagree: `pullguard help` gives the command list and global options, `pullguard <cmd> --help`
# each command's section and `pullguard <cmd> <sub> --help` each subcommand's (CLI11's layout:
# "Options:", "Commands:" and "Subcommands:" sections of two-space-indented entries).
# Usage: gen_manpage.py PULLGUARD_BINARY VERSION OUT_FILE
import re
import subprocess
import sys

binary, version, out_path = sys.argv[1:4]


def run(*args):
    r = subprocess.run([binary, *args], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        sys.exit(f"gen_manpage: '{' '.join(args)}' exited {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def esc(line):
    """Escapes a line of help text for troff: backslashes, and leading dots or quotes."""
    line = line.replace("\\", "\\e")
    if line.startswith((".", "'")):
        line = "\\&" + line
    return line


def block(text):
    """Help text verbatim (no fill, no adjust), as --help shows it."""
    lines = [".nf"] + [esc(l) for l in text.rstrip("\n").split("\n")] + [".fi"]
    return "\n".join(lines)


def section(text, title):
    """The lines of a CLI11 help section ("Options:", "Commands:", "Subcommands:"), up to the
    blank line that ends it."""
    m = re.search(r"^" + re.escape(title) + r":\n((?:.+\n?)*)", text, re.M)
    return m.group(1).rstrip("\n") if m else ""


def entries(block):
    """(name, summary) of each entry of a Commands/Subcommands section; continuation lines of a
    summary are indented further and do not start an entry."""
    return re.findall(r"^  ([a-z][a-z-]*)  +(.*)$", block, re.M)


usage = run("help")
commands = entries(section(usage, "Commands"))
names = [c for c, _ in commands]
if "get-credentials" not in names:
    sys.exit("gen_manpage: 'pullguard help' lists no get-credentials command")
global_opts = section(usage, "Options")

page = [
    f'.TH PULLGUARD 1 "" "pullguard {version}" "User Commands"',
    ".SH NAME",
    "pullguard \\- kubelet image credential provider",
    ".SH SYNOPSIS",
    ".B pullguard",
    "[\\fB\\-\\-log\\-level\\fR=\\fILEVEL\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR]",
    ".SH DESCRIPTION",
    "pullguard is an image credential provider for kubelet (KEP-2133). Kubelet runs",
    "\\fBpullguard get-credentials\\fR once per image pull, writes a CredentialProviderRequest",
    "on its standard input and reads a CredentialProviderResponse from its standard output.",
    "The other commands check configurations, diagnose a node and inspect kubelet's image pull",
    "records.",
    ".PP",
    "This page is generated from the program's own help texts.",
    ".SH COMMANDS",
    block(section(usage, "Commands")),
]
if global_opts:
    page += [".SH GLOBAL OPTIONS", block(global_opts)]
for name, _ in commands:
    if name == "version":
        continue
    text = run(name, "--help")
    page += [f".SS {esc(name)}", block(text)]
    # Commands with subcommands (`validate config`, `records ls`) get a section per subcommand
    # from its own --help.
    for sub, _ in entries(section(text, "Subcommands")):
        page += [f".SS {esc(name)} {esc(sub)}", block(run(name, sub, "--help"))]
page += [
    ".SH LOGGING",
    "Log records are JSON objects, one per line, on standard error (level, event and fields).",
    "The default level is warn, so a successful run writes nothing there. An error is always",
    "one plain line \\fBpullguard\\fR \\fIcommand\\fR\\fB:\\fR \\fImessage\\fR, whatever the",
    "level. Secrets are never logged.",
    ".SH EXIT STATUS",
    "0 on success; 1 when the command failed (one line on standard error, nothing on standard",
    "output); 2 for a usage error, whatever the command (one line on standard error naming the",
    "command's \\fB\\-\\-help\\fR). \\fBmatch\\fR exits 1 for no match, \\fBdoctor\\fR when a check",
    "fails. Each command's help ends with its exit status.",
    ".SH FILES",
    ".TP",
    ".I /etc/pullguard/config.yaml",
    "pullguard's configuration (a PullguardConfig), passed with \\fB\\-\\-config\\fR.",
    ".TP",
    ".I /var/lib/pullguard",
    "default state directory: token cache, preflight evidence, image pull records.",
    ".TP",
    ".I /usr/share/doc/pullguard/examples",
    "example kubelet and pullguard configurations, and a DaemonSet that installs pullguard.",
    ".SH SEE ALSO",
    "\\fBkubelet\\fR(1), /usr/share/doc/pullguard/",
]
with open(out_path, "w") as f:
    f.write("\n".join(page) + "\n")
