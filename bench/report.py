#!/usr/bin/env python3
"""Turns the raw results of scripts/bench.sh into a table on stdout and docs/BENCHMARKS.md with
PNG plots (gnuplot). Every exec figure is a ratio to the baselines measured in the same run:
per run, the command's median over the run's median of the C floor / Go plugin; across runs, the
median of those ratios and their range."""
import argparse
import glob
import json
import os
import platform
import re
import statistics
import subprocess
import time

NONET = ["c_floor", "c_dynamic", "go", "static", "static_dynamic", "static_json", "dockercfg",
         "cached", "decide", "version"]
LABELS = {
    "c_floor": "C floor (static, fixed answer)",
    "c_dynamic": "C floor linked dynamically (libc only), reference",
    "go": "Go plugin (encoding/json, reads a file)",
    "static_json": "get-credentials, static source, JSON config",
    "static": "get-credentials, static source",
    "static_dynamic": "the same, by pullguard-net (the same program linked dynamically: the "
                      "static front's before)",
    "dockercfg": "get-credentials, docker config.json",
    "cached": "get-credentials, refreshToken from the token cache",
    "decide": "decide (kubelet record read, use-local)",
    "version": "pullguard version",
    "preflight_warm": "get-credentials + preflight, warm token cache",
    "preflight_proven": "get-credentials + preflight, proof reused from the proof cache",
    "preflight_cold": "get-credentials + preflight, cold token cache",
    "refresh_cold": "get-credentials, refreshToken login (cold)",
}
COLS = ["name", "runs", "wall", "wall_p25", "wall_p75", "wall_min", "cpu", "cpu_p25", "cpu_p75",
        "rss", "rss_max"]


def read_tsv(path):
    rows = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != len(COLS):
                continue
            row = dict(zip(COLS, parts))
            for k in COLS[1:]:
                row[k] = float(row[k])
            rows[row["name"]] = row
    return rows


def runs_of(res, group):
    files = sorted(glob.glob(os.path.join(res, group + "-*.tsv")),
                   key=lambda p: int(re.search(r"-(\d+)\.tsv$", p).group(1)))
    return [read_tsv(p) for p in files]


def raw_samples(res, group):
    out = {}
    for p in glob.glob(os.path.join(res, "raw-" + group + "-*.tsv")):
        with open(p) as f:
            for line in f:
                name, _, wall, cpu = line.split("\t")
                out.setdefault(name, ([], []))
                out[name][0].append(float(wall))
                out[name][1].append(float(cpu))
    return out


def quantile(values, q):
    v = sorted(values)
    return v[int(q * (len(v) - 1) + 0.5)]


class Figure:
    """One command across runs: median of per-run medians, their range, per-run ratios."""

    def __init__(self, name, runs):
        self.name = name
        rows = [r[name] for r in runs if name in r]
        self.n = sum(int(r["runs"]) for r in rows)
        self.wall = statistics.median(r["wall"] for r in rows)
        self.wall_lo = min(r["wall"] for r in rows)
        self.wall_hi = max(r["wall"] for r in rows)
        self.wall_iqr = statistics.median(r["wall_p75"] - r["wall_p25"] for r in rows)
        self.cpu = statistics.median(r["cpu"] for r in rows)
        self.cpu_lo = min(r["cpu"] for r in rows)
        self.cpu_hi = max(r["cpu"] for r in rows)
        self.rss = max(r["rss_max"] for r in rows)
        self.ratio = {}
        for base in ("c_floor", "c_dynamic", "go"):
            for what in ("wall", "cpu"):
                rs = [r[name][what] / r[base][what] for r in runs if name in r and base in r]
                if rs:
                    self.ratio[(base, what)] = (statistics.median(rs), min(rs), max(rs))

    def r(self, base, what):
        m = self.ratio.get((base, what))
        return "n/a" if m is None else "%.2fx (%.2f-%.2f)" % m


def exec_table(figs):
    lines = ["| exec | n | wall median ms (runs' range) | IQR ms | CPU median ms (range) | "
             "peak RSS KiB | wall / C floor | wall / Go | CPU / C floor | CPU / Go |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for f in figs:
        lines.append("| %s | %d | %.2f (%.2f-%.2f) | %.2f | %.2f (%.2f-%.2f) | %d | %s | %s | %s | %s |" % (
            LABELS.get(f.name, f.name), f.n, f.wall, f.wall_lo, f.wall_hi, f.wall_iqr, f.cpu,
            f.cpu_lo, f.cpu_hi, f.rss, f.r("c_floor", "wall"), f.r("go", "wall"),
            f.r("c_floor", "cpu"), f.r("go", "cpu")))
    return "\n".join(lines)


def parse_strace(path, ports):
    """Requests and connections per server, from one exec's connect/sendto/write calls."""
    fd_port, conns, reqs = {}, {}, {}
    with open(path) as f:
        for line in f:
            m = re.match(r"(\d+)\s+connect\((\d+), \{sa_family=AF_INET6?, sin6?_port=htons\((\d+)\)", line)
            if m:
                port = m.group(3)
                fd_port[(m.group(1), m.group(2))] = port
                fd_port[("*", m.group(2))] = port
                conns[port] = conns.get(port, 0) + 1
                continue
            m = re.match(r'(\d+)\s+(?:sendto|write|sendmsg)\((\d+), (?:\{msg_name=NULL.*?iov_base=)?"(GET|HEAD|POST|PUT) ', line)
            if m:
                port = fd_port.get((m.group(1), m.group(2))) or fd_port.get(("*", m.group(2)), "?")
                reqs[port] = reqs.get(port, 0) + 1
    name = {v: k for k, v in ports.items()}
    return ({name.get(p, p): n for p, n in reqs.items()}, {name.get(p, p): n for p, n in conns.items()})


def callgrind_total(path):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def gnuplot(script):
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def plots(docs, figs, samples):
    outdir = os.path.join(docs, "bench")
    os.makedirs(outdir, exist_ok=True)
    data = os.path.join(outdir, "exec.dat")
    with open(data, "w") as f:
        for i, fig in enumerate(figs):
            f.write('%d "%s" %.3f %.3f %.3f %.3f %.3f %.3f\n' % (
                i, fig.name, fig.wall, fig.wall_lo, fig.wall_hi, fig.cpu, fig.cpu_lo, fig.cpu_hi))
    common = ('set terminal pngcairo size 1000,520 font "sans,10" noenhanced\nset style fill solid 0.6\n'
              'set boxwidth 0.6\nset grid ytics\nset xtics rotate by -30\nset key off\n')
    gnuplot(common + 'set output "%s"\nset title "Exec wall time: median of run medians, bars = '
            'range over runs"\nset ylabel "ms"\nset yrange [0:*]\nplot "%s" using 1:3:xtic(2) '
            'with boxes lc rgb "#4477aa", "" using 1:3:4:5 with yerrorbars lc rgb "black" pt 0\n'
            % (os.path.join(outdir, "exec_wall.png"), data))
    gnuplot(common + 'set output "%s"\nset title "Exec CPU time (user+sys): median of run '
            'medians, bars = range over runs"\nset ylabel "ms"\nset yrange [0:*]\nplot "%s" using '
            '1:6:xtic(2) with boxes lc rgb "#cc6677", "" using 1:6:7:8 with yerrorbars lc rgb '
            '"black" pt 0\n' % (os.path.join(outdir, "exec_cpu.png"), data))
    # Distribution: every sample of every run, sorted (an empirical CDF).
    cdf_names = [n for n in ("c_floor", "go", "static", "dockercfg", "cached") if n in samples]
    plot_parts = []
    for n in cdf_names:
        path = os.path.join(outdir, "cdf_%s.dat" % n)
        walls = sorted(samples[n][0])
        with open(path, "w") as f:
            for i, w in enumerate(walls):
                f.write("%.3f %.4f\n" % (w, (i + 1) / len(walls)))
        plot_parts.append('"%s" using 1:2 with lines lw 2 title "%s"' % (path, n))
    gnuplot('set terminal pngcairo size 1000,520 font "sans,10" noenhanced\nset output "%s"\n'
            'set title "Exec wall time distribution (all samples of all runs)"\nset xlabel "ms '
            '(log scale)"\nset ylabel "fraction of execs"\nset logscale x\nset grid\nset key '
            'bottom right\nplot %s\n' % (os.path.join(outdir, "exec_cdf.png"), ", ".join(plot_parts)))
    for p in glob.glob(os.path.join(outdir, "*.dat")):
        os.remove(p)


def machine(res):
    model = ""
    for line in read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    start = read(os.path.join(res, "loadavg-start.txt")).strip() or "unknown"
    return "%s, %d cores, Linux %s, load average %s at the start, %s at the end" % (
        model, os.cpu_count(), platform.release(), start, " ".join(read("/proc/loadavg").split(" ")[:3]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--docs", required=True)
    ap.add_argument("--notes", required=True)
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--repeats", type=int, required=True)
    ap.add_argument("--concurrency", type=int, required=True)
    ap.add_argument("--pullguard", required=True)
    ap.add_argument("--writer-adds", type=int, default=200)
    a = ap.parse_args()
    res = a.results

    nonet = runs_of(res, "nonet")
    figs = [Figure(n, nonet) for n in NONET if nonet and n in nonet[0]]
    warm, cold = runs_of(res, "warm"), runs_of(res, "cold")
    proven = runs_of(res, "proven")
    net_figs = ([Figure(n, warm) for n in ("c_floor", "go", "preflight_warm")] +
                [Figure(n, proven) for n in ("preflight_proven",) if proven and n in proven[0]] +
                [Figure(n, cold) for n in ("preflight_cold", "refresh_cold")])
    samples = raw_samples(res, "nonet")

    ports = dict(line.split("\t") for line in read(os.path.join(res, "ports.tsv")).split("\n") if line)
    ports = {k: v for k, v in ports.items()}
    http = {}
    for name in ("cached", "preflight_warm", "preflight_proven", "preflight_cold", "refresh_cold"):
        p = os.path.join(res, "strace-%s.txt" % name)
        if os.path.exists(p):
            http[name] = parse_strace(p, ports)

    conc = {}
    for name in ("refresh", "verify", "verify-before"):
        path = os.path.join(res, "concurrent-%s.tsv" % name)
        if not os.path.exists(path):
            continue
        rows = [l.split("\t") for l in read(path).split("\n") if l]
        one = read_tsv(os.path.join(res, "one-%s.tsv" % name)).get("one")
        if rows and one:
            walls = [float(r[0]) for r in rows]
            tokens = [int(r[1]) for r in rows]
            # Registry requests per sample (docker-registry's access log), when counted.
            regs = [int(r[2]) for r in rows if len(r) > 2]
            conc[name] = (statistics.median(walls), min(walls), max(walls), tokens, one["wall"],
                          regs)

    hf = {}
    try:
        for r in json.load(open(os.path.join(res, "hyperfine.json")))["results"]:
            hf[r["command"]] = r
    except (OSError, ValueError, KeyError):
        pass

    cg = {n: callgrind_total(os.path.join(res, "callgrind-%s.out" % n))
          for n in ("c_floor", "static", "static_dynamic", "cached")
          if os.path.exists(os.path.join(res, "callgrind-%s.out" % n))}

    # ---- targets ----
    byname = {f.name: f for f in figs}
    targets = []

    def target(what, ok, detail):
        targets.append((what, "met" if ok else "**missed**", detail))

    for n in ("static", "cached"):
        f = byname.get(n)
        if not f:
            continue
        for what in ("wall", "cpu"):
            go = f.ratio[("go", what)][0]
            c = f.ratio[("c_floor", what)][0]
            target("%s median %s <= Go" % (n, what), go <= 1.0, "%.2fx Go" % go)
            target("%s median %s <= 1.3x C floor" % (n, what), c <= 1.3, "%.2fx C floor" % c)
        target("%s peak RSS <= 8 MiB" % n, f.rss <= 8192, "%d KiB" % f.rss)
    # Issue 16: the floor of a binary that must be able to dlopen libcurl is the C program linked
    # dynamically (libc only), and peak RSS at most 4 MiB.
    for n in ("static", "cached"):
        f = byname.get(n)
        if not f or ("c_dynamic", "cpu") not in f.ratio:
            continue
        for what in ("wall", "cpu"):
            c = f.ratio[("c_dynamic", what)][0]
            target("(issue 16) %s median %s <= 1.3x dynamic C floor" % (n, what), c <= 1.3,
                   "%.2fx dynamic C floor" % c)
        target("(issue 16) %s peak RSS <= 4 MiB" % n, f.rss <= 4096, "%d KiB" % f.rss)
    for name, (wall, lo, hi, tokens, one, regs) in conc.items():
        if name.endswith("-before"):
            continue  # the older build's figures are for comparison only
        target("%d concurrent execs (%s, cold) -> 1 token request" % (a.concurrency, name),
               all(t == 1 for t in tokens), "token requests per sample: %s" % tokens)
        target("%d concurrent execs (%s) total wall <= 1.5x one exec" % (a.concurrency, name),
               wall <= 1.5 * one, "%.1f ms vs one exec %.1f ms = %.1fx" % (wall, one, wall / one))
        if name == "verify" and regs:
            # Issue 16: a storm of preflights costs one proof.
            target("%d concurrent execs (verify, cold) -> <= 2 registry requests" % a.concurrency,
                   all(r <= 2 for r in regs), "registry requests per sample: %s" % regs)
            target("%d concurrent execs (verify) total wall <= 2x one exec" % a.concurrency,
                   wall <= 2 * one, "%.1fx" % (wall / one))
    # Issue 16 item 2: decide's exec no slower than get-credentials from a static source.
    if "decide" in byname and "static" in byname:
        d, s = byname["decide"], byname["static"]
        target("(issue 16) decide exec CPU <= get-credentials static", d.cpu <= s.cpu,
               "%.3f vs %.3f ms (%.2fx)" % (d.cpu, s.cpu, d.cpu / s.cpu))
    # Issue 16 items 2 and 3, from cache_bench's text.
    cache = read(os.path.join(res, "cache.txt"))
    m = re.search(r"in-memory index: (\d+) \(per CPU second: (\d+)\)", cache)
    if m:
        target("(issue 16) decisions/s on one core, in-memory index >= 1 M", int(m.group(2)) >= 1e6,
               "%.2f M per CPU second (%.2f M/s wall)" % (int(m.group(2)) / 1e6,
                                                          int(m.group(1)) / 1e6))
    m = re.search(r"cold index build: ([\d.]+) s", cache)
    if m:
        target("(issue 16) cold index build of the records <= 1 s", float(m.group(1)) <= 1.0,
               "%s s" % m.group(1))
    m = re.search(r"resident memory per record: (\d+) bytes", cache)
    if m:
        target("(issue 16) resident memory per record <= 300 bytes", int(m.group(1)) <= 300,
               "%s bytes" % m.group(1))
    # Issue 16 item 5: 32 writers x 200 records add on one imageRef, nothing lost.
    writers = [l.split("\t") for l in read(os.path.join(res, "writers.tsv")).split("\n") if l]
    adds = [float(w[1]) for w in writers if w[0] == "add"]
    floors = [float(w[1]) for w in writers if w[0] == "floor"]
    if adds:
        lost = [w[2] for w in writers if w[0] == "add" and int(w[2]) != 32 * a.writer_adds]
        target("(issue 16) 32 x %d records add <= 15 s, nothing lost" % a.writer_adds,
               statistics.median(adds) <= 15 and not lost,
               "median %.1f s (%s), floor (the same loops of version) median %.1f s; secrets %s" % (
                   statistics.median(adds), ", ".join("%.1f" % x for x in adds),
                   statistics.median(floors) if floors else 0,
                   "all there" if not lost else "missing in runs: %s" % lost))
    if "preflight_cold" in http:
        reqs, conns = http["preflight_cold"]
        target("cold preflight <= 3 HTTP requests on one connection",
               sum(reqs.values()) <= 3 and conns.get("registry", 0) <= 1,
               "requests %s, connections %s" % (reqs, conns))
    if "preflight_warm" in http:
        reqs, conns = http["preflight_warm"]
        target("warm preflight <= 1 HTTP request", sum(reqs.values()) <= 1,
               "requests %s, connections %s" % (reqs, conns))

    # ---- stdout table ----
    print("%-16s %6s %9s %9s %8s %8s %9s %9s %8s %8s" % (
        "exec", "wall", "wall/C", "wall/Go", "cpu", "cpu/C", "cpu/Go", "rss KiB", "", ""))
    for f in figs + net_figs:
        print("%-16s %6.2f %8.2fx %8.2fx %8.2f %7.2fx %8.2fx %8d" % (
            f.name, f.wall, f.ratio[("c_floor", "wall")][0] if ("c_floor", "wall") in f.ratio else 0,
            f.ratio[("go", "wall")][0] if ("go", "wall") in f.ratio else 0, f.cpu,
            f.ratio[("c_floor", "cpu")][0] if ("c_floor", "cpu") in f.ratio else 0,
            f.ratio[("go", "cpu")][0] if ("go", "cpu") in f.ratio else 0, f.rss))
    for t in targets:
        print("target: %-60s %-10s %s" % t)
    for name, (reqs, conns) in http.items():
        print("http: %-16s requests %s connections %s" % (name, reqs, conns))
    for name, (wall, lo, hi, tokens, one, regs) in conc.items():
        print("storm: %-14s total wall %.1f ms (%.1f-%.1f), one cold exec %.1f ms, ratio %.2fx, "
              "token requests %s, registry requests %s" % (name, wall, lo, hi, one, wall / one,
                                                           tokens, regs or "not counted"))

    if not os.path.isdir(a.docs):
        return
    plots(a.docs, figs, samples)

    # ---- docs/BENCHMARKS.md ----
    md = []
    md.append("# Benchmarks\n")
    md.append("Generated by `scripts/bench.sh` on %s (%s). Do not edit by hand: the analysis at "
              "the end comes from `bench/NOTES.md`.\n" % (
                  time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime(os.path.join(res, "nonet-1.tsv")))),
                  machine(res)))
    md.append("Method: `bench/exec_bench` starts each command with `posix_spawn` (stdin from a "
              "file, stdout to /dev/null), commands interleaved round by round so that the load of "
              "a shared machine hits all alike; %d warm-up execs, then %d timed execs per command "
              "and run, %d independent runs. Wall = spawn to reap; CPU = user+sys of the child "
              "(rusage); peak RSS = VmHWM of the exec'ed image read at exit under ptrace (max of 5). "
              "Ratios: per run, command median / baseline median of the same run; shown as the "
              "median over runs (min-max). hyperfine cross-checks below.\n" % (20, a.runs, a.repeats))
    md.append("## Targets (issues 7 and 16)\n")
    md.append("| target | | measured |\n|---|---|---|")
    md.extend("| %s | %s | %s |" % t for t in targets)
    md.append("")
    md.append("## Exec latency, no network\n")
    md.append(exec_table(figs) + "\n")
    md.append("![exec wall](bench/exec_wall.png)\n")
    md.append("![exec cpu](bench/exec_cpu.png)\n")
    md.append("![exec wall distribution](bench/exec_cdf.png)\n")
    md.append("## Exec latency against the local registry (docker-registry in token mode + "
              "tests/servers/token_server.py)\n")
    md.append("Warm: the preflight's pull token is in the token cache, the proof cache is emptied "
              "(untimed) before every exec. Proven: the proof is reused from the proof cache. "
              "Cold: token and proof caches are emptied before every exec.\n")
    md.append(exec_table(net_figs) + "\n")
    md.append("HTTP requests and connections of one exec (strace of connect/sendto; `registry` is "
              "docker-registry, `token` the token server):\n")
    md.append("| exec | requests | connections |\n|---|---|---|")
    for name, (reqs, conns) in http.items():
        md.append("| %s | %s | %s |" % (name, reqs or "none", conns or "none"))
    md.append("")
    md.append("## %d concurrent execs on a cold cache\n" % a.concurrency)
    md.append("All %d started at once (the token and proof caches emptied and the token server's counter reset "
              "before each sample; 5 samples after one discarded). Total wall = first start to last "
              "exit; one exec = median of single cold execs.\n" % a.concurrency)
    md.append("| source | total wall median ms (range) | one cold exec ms | ratio | token requests per sample | registry requests per sample |\n|---|---|---|---|---|---|")
    storm_labels = {"refresh": "refreshToken login", "verify": "preflight (verify: true)",
                    "verify-before": "preflight, the BENCH_BEFORE build"}
    for name, (wall, lo, hi, tokens, one, regs) in conc.items():
        md.append("| %s | %.1f (%.1f-%.1f) | %.1f | %.1fx | %s | %s |" % (
            storm_labels[name], wall, lo, hi, one, wall / one, tokens, regs or "not counted"))
    md.append("")
    if adds:
        md.append("## Writers on one record\n")
        md.append("32 shell loops x %d `records add` on one imageRef (each add its own secret), all "
                  "started at once; the floor is the same loops running `pullguard version`, in "
                  "the same run, interleaved. Seconds for the whole storm; secrets counted in the "
                  "record afterwards.\n" % a.writer_adds)
        md.append("| run | records add s | floor s | add / floor | secrets in the record |\n|---|---|---|---|---|")
        for i, (x, f) in enumerate(zip(adds, floors)):
            md.append("| %d | %.1f | %.1f | %.1fx | %s |" % (
                i + 1, x, f, x / f, [w[2] for w in writers if w[0] == "add"][i]))
        md.append("")
    if hf:
        md.append("## Cross-check with hyperfine\n")
        md.append("`hyperfine -w 20 -r %d` through `/bin/sh -c 'cmd < request'`, hyperfine "
                  "subtracting the shell's start-up; different method, same ordering expected.\n" % a.runs)
        md.append("| exec | mean ms | stddev | median ms | user ms | sys ms | median / C floor | median / Go |\n|---|---|---|---|---|---|---|---|")
        md.append("(hyperfine subtracts a shell start-up measured separately; when that is larger "
                  "than a command's own time, as for the C floor, the result is clamped to 0 and "
                  "no ratio can be formed: exec_bench's figures above are the reference.)\n")
        cf, go = hf.get("c_floor"), hf.get("go")

        def ratio(r, base):
            return "%.2fx" % (r["median"] / base["median"]) if base and base["median"] > 0 else "n/a"

        for name, r in hf.items():
            md.append("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s |" % (
                name, r["mean"] * 1e3, r["stddev"] * 1e3, r["median"] * 1e3, r["user"] * 1e3,
                r["system"] * 1e3, ratio(r, cf), ratio(r, go)))
        md.append("")
    md.append("## Throughput (bench/*_bench, Release)\n")
    for title, fname in (("matcher_bench: reference parsing and URLsMatch", "matcher.txt"),
                         ("protocol_bench: request decoding and response encoding", "protocol.txt"),
                         ("cache_bench: decisions/s, index build", "cache.txt"),
                         ("startup_bench: what lazy loading saves", "startup.txt")):
        text = read(os.path.join(res, fname)).strip()
        if text:
            md.append("### %s\n\n```\n%s\n```\n" % (title, text))
    md.append("## Profile of the static path\n")
    md.append("Instructions per exec, whole process with the dynamic loader if any (callgrind, "
              "deterministic: unaffected by the machine's load; static_dynamic is pullguard-net):\n")
    md.append("| exec | instructions | / C floor |\n|---|---|---|")
    for n, total in cg.items():
        if total:
            md.append("| %s | %s | %s |" % (
                n, format(total, ","), "%.1fx" % (total / cg["c_floor"]) if cg.get("c_floor") else "n/a"))
    md.append("")
    md.append("Shared libraries loaded (`ldd`; the static front has none, pullguard-net's are "
              "below it):\n\n```\n%s\n```\n" % read(os.path.join(res, "ldd.txt")).strip())
    stats = "\n".join(l.split(":", 1)[1] if re.match(r"\s*\d+:", l) else l
                      for l in read(os.path.join(res, "ld-statistics.txt")).splitlines())
    md.append("Dynamic loader (`LD_DEBUG=statistics`, of pullguard-net when there is a front):"
              "\n\n```\n%s\n```\n" % stats.strip())
    md.append("libc calls of one exec (`ltrace -c`, top 15):\n\n```\n%s\n```\n" %
              "\n".join(read(os.path.join(res, "ltrace.txt")).splitlines()[:17]))
    md.append("Where the instructions go (callgrind, inclusive, static path):\n\n```\n%s\n```\n" %
              read(os.path.join(res, "callgrind-static.txt")).strip())
    md.append(read(a.notes))
    with open(os.path.join(a.docs, "BENCHMARKS.md"), "w") as f:
        f.write("\n".join(md))
    print("wrote %s" % os.path.join(a.docs, "BENCHMARKS.md"))


if __name__ == "__main__":
    main()
