#!/usr/bin/env python3
# The bad-inputs catalogue's one driver (tests/bad-inputs/README.md): runs every *.case file under
# tests/bad-inputs/<group>/ against the pullguard binary and checks the contract for bad input:
# exactly one stderr line "pullguard <command>: ..." holding the expected text, the expected
# (non-zero) exit code, nothing on stdout, no file in the case's directory changed or added, no
# secret in any output, and a bounded run time.
#
# Usage: run_bad_inputs.py PULLGUARD_BINARY SOURCE_DIR SCRATCH_DIR [CASE_SUBSTRING]
import hashlib, json, os, shlex, shutil, stat, subprocess, sys, threading, time

CASE_TIMEOUT = 55  # seconds; every flow must give up before kubelet's 60 s exec timeout
# Secrets every case's fixtures hold; none may ever appear in stdout/stderr of a failed command.
SENTINELS = ["SENTINEL-pw-4f1c2a", "SENTINEL-inline-9d3e7b", "SENTINEL-docker-77ab01",
             "SENTINEL-sat-0c9a55"]


def parse_case(path):
    """Header lines "key: value" up to a line "---", then the body (bytes). Lines starting with #
    are comments. A body may hold "=== ROUTE" sections: canned responses for the static server."""
    data = open(path, "rb").read()
    head, sep, body = data.partition(b"\n---\n")
    if not sep:
        head, body = data, b""
    meta = {}
    for line in head.decode().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        k, _, v = line.partition(":")
        meta[k.strip()] = v.strip()
    return meta, body


def split_routes(body):
    """'=== ROUTE' lines split a body into {route: raw response}; text before the first is kept."""
    routes, rest, cur = {}, [], None
    for line in body.decode("utf-8", "surrogateescape").split("\n"):
        if line.startswith("=== "):
            cur = line[4:].strip()
            routes[cur] = []
        elif cur is None:
            rest.append(line)
        else:
            routes[cur].append(line)
    return "\n".join(rest), {k: "\n".join(v) for k, v in routes.items()}


def flight_only(path):
    """True for a proof outcome that only the waiters of its own flight may read."""
    try:
        with open(path, "rb") as f:
            return "reusableUntil" not in json.load(f)
    except (OSError, ValueError):
        return False


def snapshot(root):
    """Every file and directory under root: mode, and a content hash for files. Lock files hold
    no data (taking a lock changes nothing stored), so their existence is ignored. So is the
    outcome of a preflight flight that is not reusable (proofs/*.json without "reusableUntil": a
    refusal or failure kept only for the execs that waited on the same flight, never read again
    by a later exec, pruned after 10 minutes; plugin/answer/proof_cache.h)."""
    out = {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, root)
            if n.endswith(".lock") or "/locks" in "/" + rel:
                continue
            if os.path.basename(d) == "proofs" and n.endswith(".json") and flight_only(p):
                continue
            st = os.lstat(p)
            h = ""
            if stat.S_ISREG(st.st_mode):
                h = hashlib.sha256(open(p, "rb").read()).hexdigest()
            out[rel] = (oct(st.st_mode), h)
    return out


class Catalogue:
    def __init__(self, binary, src, scratch):
        self.binary, self.src, self.scratch = binary, src, scratch
        self.here = os.path.join(src, "tests", "bad-inputs")
        self.port = self.tls_port = self.dead_port = None
        self.server_dir = os.path.join(scratch, "server")

    def start_server(self):
        """The static server over HTTP, a second one over HTTPS with a self-signed certificate
        nobody trusts, and a port nothing listens on."""
        os.makedirs(self.server_dir, exist_ok=True)
        with open(os.path.join(self.server_dir, "routes.json"), "w") as f:
            f.write("{}")
        key, cert = (os.path.join(self.server_dir, n) for n in ("key.pem", "cert.pem"))
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
        self.servers, ports = [], []
        for name, extra in (("http", []), ("https", ["--tls", cert, key])):
            port_file = os.path.join(self.server_dir, name + ".port")
            self.servers.append(subprocess.Popen(
                [sys.executable, os.path.join(self.src, "tests", "servers", "static_registry.py"),
                 "--dir", self.server_dir, "--port-file", port_file] + extra,
                stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.server_dir, name + ".err"), "w")))
            for _ in range(100):
                if os.path.exists(port_file):
                    ports.append(open(port_file).read().strip())
                    break
                time.sleep(0.1)
            else:
                raise SystemExit("static registry did not start")
        self.port, self.tls_port = ports
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.dead_port = s.getsockname()[1]
        s.close()  # nothing listens there: connections are refused

    def stop_server(self):
        for p in getattr(self, "servers", []):
            p.kill()
            p.wait()

    def subst(self, text, d):
        return (text.replace("{dir}", d).replace("{port}", str(self.port))
                .replace("{tlsport}", str(self.tls_port)).replace("{deadport}", str(self.dead_port))
                .replace("{src}", self.src).replace("{fixtures}", os.path.join(self.here, "fixtures")))

    def setup_dir(self, d, meta):
        """A case's world: a state dir, a password file, a docker config, a config (from
        fixtures/<config>.yaml), an image_manager dir with one good record. All 0600/0700."""
        os.makedirs(os.path.join(d, "state"), mode=0o700)
        im = os.path.join(d, "im")
        os.makedirs(os.path.join(im, "pulled"), mode=0o700)
        os.makedirs(os.path.join(im, "pulling"), mode=0o700)
        good = os.path.join(self.here, "fixtures", "good-record.json")
        ref = json.load(open(good))["imageRef"]
        shutil.copy(good, os.path.join(im, "pulled", "sha256-" + hashlib.sha256(ref.encode()).hexdigest()))
        with open(os.path.join(d, "pw"), "w") as f:
            f.write(SENTINELS[0] + "\n")
        auth = __import__("base64").b64encode(("dockeruser:" + SENTINELS[2]).encode()).decode()
        with open(os.path.join(d, "docker.json"), "w") as f:
            json.dump({"auths": {"registry.internal:5000": {"auth": auth}}}, f)
        name = meta.get("config", "static")
        with open(os.path.join(self.here, "fixtures", name + ".yaml")) as f:
            with open(os.path.join(d, "config.yaml"), "w") as g:
                g.write(self.subst(f.read(), d))
        for root, dirs, files in os.walk(d):
            for n in dirs:
                os.chmod(os.path.join(root, n), 0o700)
            for n in files:
                os.chmod(os.path.join(root, n), 0o600)

    def run_case(self, group, path, defaults):
        meta = dict(defaults)
        own, body = parse_case(path)
        meta.update(own)
        name = group + "/" + os.path.basename(path)[:-5]
        d = os.path.join(self.scratch, "cases", name.replace("/", "__"))
        shutil.rmtree(d, ignore_errors=True)
        self.setup_dir(d, meta)
        if "body-py" in meta:
            body = eval(meta["body-py"], {"__builtins__": __builtins__}, {})
            body = body if isinstance(body, bytes) else body.encode("utf-8", "surrogateescape")
        text, routes = split_routes(body)
        if routes:
            body = text.encode("utf-8", "surrogateescape")
        with open(os.path.join(self.server_dir, "routes.json"), "w") as f:
            json.dump({k: self.subst(v, d) for k, v in routes.items()}, f)
        body = self.subst(body.decode("utf-8", "surrogateescape"), d).encode("utf-8", "surrogateescape")
        # Where the body goes: a file named by "input-file" (relative to the case dir), else stdin.
        stdin = b""
        if "record" in meta:  # a record file under the name kubelet gives the imageRef's record
            meta["input-file"] = "im/pulled/sha256-" + hashlib.sha256(meta["record"].encode()).hexdigest()
        if "input-file" in meta:
            p = os.path.join(d, self.subst(meta["input-file"], d))
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(body)
            os.chmod(p, int(meta.get("input-mode", "600"), 8))
        else:
            stdin = body
        if "stdin" in meta:  # the body went to a file; stdin is a fixture
            stdin = self.subst(open(os.path.join(self.here, "fixtures", meta["stdin"])).read(), d).encode()
        held = None
        if "hold-lock" in meta:  # another process (this one) holds a state-dir lock throughout
            import fcntl
            lock = os.path.join(d, meta["hold-lock"])
            os.makedirs(os.path.dirname(lock), mode=0o700, exist_ok=True)
            held = open(lock, "a")
            os.chmod(lock, 0o600)
            fcntl.flock(held, fcntl.LOCK_EX)
        argv = [self.binary] + [self.subst(a, d) for a in shlex.split(meta["cmd"])]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        for pair in shlex.split(meta.get("env", "")):  # "NAME=VALUE ...": the process environment
            k, _, v = pair.partition("=")
            env[k] = self.subst(v, d)
        before = snapshot(d)
        t0 = time.monotonic()
        try:
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
            for kv in meta.get("env", "").split():  # NAME=VALUE ... (kubelet's provider env)
                k, _, v = self.subst(kv, d).partition("=")
                env[k] = v
            p = subprocess.run(argv, input=stdin, capture_output=True, timeout=CASE_TIMEOUT,
                               env=env)
        except subprocess.TimeoutExpired:
            return [f"no answer within {CASE_TIMEOUT} s"], 0
        took = time.monotonic() - t0
        if held:
            held.close()
        after = snapshot(d)
        problems = []
        want_exit = int(meta.get("exit", "1"))
        if p.returncode != want_exit:
            problems.append(f"exit {p.returncode}, want {want_exit}")
        want_out = meta.get("stdout", "")
        if want_out == "":
            if p.stdout:
                problems.append(f"stdout not empty: {p.stdout[:200]!r}")
        elif want_out.encode() not in p.stdout:
            problems.append(f"stdout lacks {want_out!r}: {p.stdout[:200]!r}")
        err = p.stderr
        if err.count(b"\n") != 1 or not err.endswith(b"\n"):
            problems.append(f"want exactly one stderr line, got {err[:600]!r}")
        try:
            line = err.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"stderr is not UTF-8: {err[:200]!r}")
            line = err.decode("utf-8", "replace")
        if any(ord(c) < 0x20 and c != "\n" for c in line):
            problems.append(f"control character in stderr: {line[:200]!r}")
        if len(err) > 1024:
            problems.append(f"stderr line of {len(err)} bytes (echoing input?)")
        prefix = "pullguard " + meta["cmd"].split()[0]
        if not line.startswith(prefix):
            problems.append(f"stderr does not start with {prefix!r}: {line[:200]!r}")
        if os.environ.get("BAD_INPUTS_VERBOSE"):
            print(f"{name} [{p.returncode}, {took:.2f} s]: {line.strip()[:400]}")
        want_err = self.subst(meta.get("stderr", ""), d)
        if not want_err:
            problems.append("case has no 'stderr:' expectation")
        elif want_err not in line:
            problems.append(f"stderr lacks {want_err!r}: {line.strip()[:300]!r}")
        for s in SENTINELS:
            if s.encode() in p.stdout + p.stderr:
                problems.append(f"secret {s} printed")
        # New directories that hold no file (state/tokens made for a lock, image_manager/ made
        # before a lock wait failed) store nothing.
        for k in [k for k in after if k not in before and after[k][1] == ""]:
            if not any(o.startswith(k + "/") and after[o][1] for o in after):
                del after[k]
        if before != after:
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            problems.append(f"files changed: {changed[:5]}")
        if took > float(meta.get("max-seconds", "10")):
            problems.append(f"took {took:.1f} s")
        return problems, took


def cases(here, only):
    for group in sorted(os.listdir(here)):
        gdir = os.path.join(here, group)
        if not os.path.isdir(gdir) or group == "fixtures":
            continue
        dflt = os.path.join(gdir, "_defaults")
        defaults = parse_case(dflt)[0] if os.path.exists(dflt) else {}
        for f in sorted(os.listdir(gdir)):
            if f.endswith(".case") and only in group + "/" + f:
                yield group, os.path.join(gdir, f), defaults


def main():
    binary, src, scratch = (os.path.abspath(a) for a in sys.argv[1:4])
    only = sys.argv[4] if len(sys.argv) > 4 else ""
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch, mode=0o700)
    cat = Catalogue(binary, src, scratch)
    all_cases = list(cases(cat.here, only))
    results = {}

    # Cases marked "parallel: yes" wait for a timeout: each runs in a thread with its own servers
    # while the others run one after the other.
    def run_alone(i, case):
        own = Catalogue(binary, src, os.path.join(scratch, f"parallel-{i}"))
        own.start_server()
        try:
            results[case[1]] = own.run_case(*case)
        finally:
            own.stop_server()

    def parallel(case):
        return {**case[2], **parse_case(case[1])[0]}.get("parallel") == "yes"

    threads = []
    for i, case in enumerate(all_cases):
        if parallel(case):
            threads.append(threading.Thread(target=run_alone, args=(i, case)))
            threads[-1].start()
    cat.start_server()
    try:
        for case in all_cases:
            if not parallel(case):
                results[case[1]] = cat.run_case(*case)
    finally:
        cat.stop_server()
        for t in threads:
            t.join()
    failures, total = [], 0.0
    for group, path, _ in all_cases:
        problems, took = results.get(path, (["did not run"], 0))
        total += took
        if problems:
            failures.append(f"{group}/{os.path.basename(path)}: " + "; ".join(problems))
    for f in failures:
        print("FAIL", f)
    count = len(all_cases)
    print(f"bad-inputs: {count} cases, {count - len(failures)} passed, {len(failures)} failed, "
          f"{total:.1f} s in pullguard")
    if count < 1:
        print("no cases found")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
