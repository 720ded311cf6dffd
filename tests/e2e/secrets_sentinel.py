#!/usr/bin/env python3
# Secrets never leak: every command pullguard has (get-credentials for each source, successes and
# failures, validate, records, decide) runs with known sentinel secrets and debug logging, then
# every stdout, stderr and file is searched for them. A secret may appear only where it belongs:
# the credential in get-credentials' stdout, short-lived tokens in the token cache, the fixture
# files the operator wrote. Files pullguard writes are 0600, its directories 0700.
#
# Usage: secrets_sentinel.py PULLGUARD_BINARY SOURCE_DIR SCRATCH_DIR
import base64, hashlib, json, os, shutil, stat, subprocess, sys, time

binary, src, scratch = (os.path.abspath(a) for a in sys.argv[1:4])
shutil.rmtree(scratch, ignore_errors=True)
os.makedirs(scratch, mode=0o700)
fixtures = os.path.join(scratch, "fixtures")
state = os.path.join(scratch, "state")
os.makedirs(fixtures, mode=0o700)

S = {  # name -> sentinel; the names say where each one may legitimately appear
    "pwfile": "SENTINEL-pwfile-5b1e",
    "inline": "SENTINEL-inline-77c2",
    "docker": "SENTINEL-docker-a9d0",
    "login": "SENTINEL-login-3f44",           # refreshToken's node password
    "sat": "SENTINEL-sat-c0de",               # the pod's service-account token (signature part)
    "exchanged": "SENTINEL-exchanged-e1e1",   # what the exchange endpoint returns
    "refresh": "SENTINEL-refresh-f00d",       # the refresh token
    "access": "SENTINEL-access-ac01",         # an access token next to it
    "federated": "SENTINEL-federated-fe0d",
    "podsecret": "SENTINEL-podsecret-90a1",   # a pod pull secret's password (records, decide)
    "aad": "SENTINEL-aad-7e11",               # acr: the Entra ID token from IMDS / Entra ID
    "acrrefresh": "SENTINEL-acrrefresh-3c3c", # acr: the ACR refresh token
}
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
POD_CLIENT = "99999999-8888-7777-6666-555555555555"
SAT = "eyJhbGciOiJub25lIn0." + base64.urlsafe_b64encode(json.dumps(
    {"exp": int(time.time()) + 3600, "kubernetes.io": {"namespace": "default", "serviceaccount": {
        "name": "sa", "uid": "u-1"}}}).encode()).decode().rstrip("=") + "." + S["sat"]
TOKENS_MAY_HOLD = {"exchanged", "refresh", "access", "federated", "aad", "acrrefresh"}
failures = []


def fail(msg):
    failures.append(msg)


def write(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


# The fixture server: canned token endpoints and a registry for the preflight.
server_dir = os.path.join(scratch, "server")
os.makedirs(server_dir)
routes = {
    "POST /exchange": 'HTTP/1.1 200 OK\nContent-Type: application/json\n\n' + json.dumps(
        {"access_token": S["exchanged"], "expires_in": 600}),
    "POST /exchange-refuse": 'HTTP/1.1 403 Forbidden\nContent-Type: application/json\n\n' + json.dumps(
        {"error": "denied", "subject": SAT}),
    "POST /exchange-echo": 'HTTP/1.1 200 OK\nContent-Type: application/json\n\n' + json.dumps(
        {"access_token": SAT}),
    "GET /federation": 'HTTP/1.1 200 OK\nContent-Type: application/json\n\n' + json.dumps(
        {"token": S["federated"], "expires_in": 600}),
    "POST /token": 'HTTP/1.1 200 OK\nContent-Type: application/json\n\n' + json.dumps(
        {"refresh_token": S["refresh"], "access_token": S["access"], "expires_in": 600}),
    "POST /token-refuse": 'HTTP/1.1 401 Unauthorized\nContent-Type: application/json\n\n' + json.dumps(
        {"error": "invalid_grant", "password": S["login"]}),
    # acr: Azure IMDS, Entra ID's token endpoint, ACR's exchange (and one refusing, quoting the token)
    "GET /metadata/identity/oauth2/token": 'HTTP/1.1 200 OK\nContent-Type: application/json\n\n' +
        json.dumps({"access_token": S["aad"], "expires_in": "3599", "token_type": "Bearer"}),
    f"POST /{TENANT}/oauth2/v2.0/token": 'HTTP/1.1 200 OK\nContent-Type: application/json\n\n' +
        json.dumps({"access_token": S["aad"], "expires_in": 3599, "token_type": "Bearer"}),
    "POST /oauth2/exchange": 'HTTP/1.1 200 OK\nContent-Type: application/json\n\n' + json.dumps(
        {"refresh_token": S["acrrefresh"]}),
    "POST /oauth2/exchange-refuse": 'HTTP/1.1 401 Unauthorized\nContent-Type: application/json\n\n' +
        json.dumps({"errors": [{"code": "UNAUTHORIZED", "message": "bad token " + S["aad"]}]}),
    "GET /v2/": 'HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Basic realm="r"\n\n{}',
    "/v2/ver/app/manifests/v1": 'HTTP/1.1 200 OK\nContent-Type: application/vnd.oci.image.manifest.v1+json\n'
        'Docker-Content-Digest: sha256:' + "ab" * 32 + '\n\n{}',
    "/v2/deny/app/manifests/v1": 'HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Basic realm="r"\n\n{}',
}
write(os.path.join(server_dir, "routes.json"), json.dumps(routes))
port_file = os.path.join(server_dir, "port")
server = subprocess.Popen([sys.executable, os.path.join(src, "tests/servers/static_registry.py"),
                           "--dir", server_dir, "--port-file", port_file],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        if os.path.exists(port_file):
            break
        time.sleep(0.1)
    port = open(port_file).read().strip()
    reg = f"127.0.0.1:{port}"

    pw = os.path.join(fixtures, "robot.pw")
    write(pw, S["pwfile"] + "\n")
    login = os.path.join(fixtures, "login.pw")
    write(login, S["login"] + "\n")
    docker = os.path.join(fixtures, "docker.json")
    write(docker, json.dumps({"auths": {"reg-c.example": {"auth": base64.b64encode(
        ("dockeruser:" + S["docker"]).encode()).decode()}}}))
    config = os.path.join(fixtures, "config.yaml")

    def entry(match, body, key="Image"):
        return f'  - match: ["{match}"]\n    cacheKeyType: {key}\n' + body

    base = f"apiVersion: pullguard.io/v1alpha1\nkind: PullguardConfig\nstateDir: {state}\nregistries:\n"
    write(config, base + "".join([
        entry("reg-a.example", f"    static: {{username: alice, passwordFile: {pw}}}\n"),
        entry("reg-b.example", f"    static: {{username: bob, password: {S['inline']}}}\n"),
        entry("reg-c.example", f"    dockerConfig: {docker}\n"),
        entry(f"{reg}/ex", f'    tokenExchange: {{endpoint: "http://{reg}/exchange", username: "<token>"}}\n'),
        entry(f"{reg}/exr", f'    tokenExchange: {{endpoint: "http://{reg}/exchange-refuse", username: "<token>"}}\n'),
        entry(f"{reg}/exe", f'    tokenExchange: {{endpoint: "http://{reg}/exchange-echo", username: "<token>"}}\n'),
        entry(f"{reg}/fed", f'    federatedToken: {{endpoint: "http://{reg}/federation", robot: "org+r"}}\n'),
        entry(f"{reg}/rt", f'    refreshToken: {{username: node, passwordFile: {login}, realm: "http://{reg}/token", service: s}}\n'),
        entry(f"{reg}/rtr", f'    refreshToken: {{username: node, passwordFile: {login}, realm: "http://{reg}/token-refuse", service: s}}\n'),
        entry(f"{reg}/acr", f'    acr: {{tenantId: {TENANT}, imdsEndpoint: "http://{reg}", exchangeEndpoint: "http://{reg}/oauth2/exchange"}}\n'),
        entry(f"{reg}/acrr", f'    acr: {{tenantId: {TENANT}, imdsEndpoint: "http://{reg}", exchangeEndpoint: "http://{reg}/oauth2/exchange-refuse"}}\n'),
        entry(f"{reg}/ver", f"    verify: true\n    static: {{username: alice, passwordFile: {pw}}}\n"),
        entry(f"{reg}/deny", f"    verify: true\n    static: {{username: alice, passwordFile: {pw}}}\n"),
    ]))
    kubelet_cfg = os.path.join(fixtures, "kubelet.yaml")
    write(kubelet_cfg, "apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\n"
          "providers:\n  - name: pullguard\n    matchImages: [\"reg-a.example\"]\n"
          "    defaultCacheDuration: 5m\n    apiVersion: credentialprovider.kubelet.k8s.io/v1\n"
          f"    args: [get-credentials, --config={config}]\n")
    im = os.path.join(state, "image_manager")

    outputs = []  # (label, stdout, stderr, names allowed in stdout)
    env = dict(os.environ, PULLGUARD_LOG_LEVEL="debug", AZURE_AUTHORITY_HOST=f"http://{reg}")

    def run(label, args, stdin="", allowed=(), want_rc=None):
        p = subprocess.run([binary] + args, input=stdin.encode(), capture_output=True, env=env,
                           timeout=60)
        if want_rc is not None and p.returncode != want_rc:
            fail(f"{label}: exit {p.returncode}, want {want_rc}: {p.stderr.decode()[-300:]}")
        outputs.append((label, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"),
                        set(allowed)))
        return p

    def request(image, token=True, annotations=None):
        r = {"apiVersion": "credentialprovider.kubelet.k8s.io/v1", "kind": "CredentialProviderRequest",
             "image": image}
        if token:
            r["serviceAccountToken"] = SAT
        if annotations:
            r["serviceAccountAnnotations"] = annotations
        return json.dumps(r)

    gc = ["get-credentials", f"--config={config}"]
    for label, image, allowed, rc in [
        ("static passwordFile", "reg-a.example/app", {"pwfile"}, 0),
        ("static inline", "reg-b.example/app", {"inline"}, 0),
        ("dockerConfig", "reg-c.example/app", {"docker"}, 0),
        ("tokenExchange", f"{reg}/ex/app", {"exchanged"}, 0),
        ("tokenExchange cached", f"{reg}/ex/app", {"exchanged"}, 0),
        ("tokenExchange refused", f"{reg}/exr/app", set(), 1),
        ("tokenExchange echo", f"{reg}/exe/app", set(), 1),
        ("federatedToken", f"{reg}/fed/app", {"federated"}, 0),
        ("refreshToken", f"{reg}/rt/app", {"refresh"}, 0),
        ("refreshToken cached", f"{reg}/rt/app", {"refresh"}, 0),
        ("refreshToken refused", f"{reg}/rtr/app", set(), 1),
        ("verify ok", f"{reg}/ver/app:v1", {"pwfile"}, 0),
        ("verify refused", f"{reg}/deny/app:v1", set(), 1),
    ]:
        p = run(label, gc, request(image), allowed, rc)
        for name in allowed:
            if p.returncode == 0 and S[name] not in p.stdout.decode():
                fail(f"{label}: stdout lacks the credential ({name}): the test proves nothing")
    for label, image, allowed, rc in [
        ("acr node identity", f"{reg}/acr/app", {"acrrefresh"}, 0),
        ("acr workload identity", f"{reg}/acr/pod", {"acrrefresh"}, 0),
        ("acr exchange refused", f"{reg}/acrr/app", set(), 1),
    ]:
        pod = {"azure.workload.identity/client-id": POD_CLIENT} if "workload" in label else None
        p = run(label, gc, request(image, token=pod is not None, annotations=pod), allowed, rc)
        if p.returncode == 0 and S["acrrefresh"] not in p.stdout.decode():
            fail(f"{label}: stdout lacks the refresh token: the test proves nothing")
    run("no token", gc, request(f"{reg}/ex/app", token=False), set(), 1)
    # A secret file that group/others could read or write is refused, and says so without its content.
    os.chmod(pw, 0o640)
    run("password file 0640", gc, request("reg-a.example/app"), set(), 1)
    os.chmod(pw, 0o602)
    run("password file 0602", gc, request("reg-a.example/app"), set(), 1)
    os.chmod(pw, 0o600)
    os.chmod(config, 0o644)
    run("inline-password config 0644", gc, request("reg-b.example/app"), set(), 1)
    os.chmod(config, 0o620)
    run("config 0620", gc, request("reg-a.example/app"), set(), 1)
    os.chmod(config, 0o600)
    run("validate config", ["validate", "config", config], "", set(), 0)
    run("validate kubelet-config", ["validate", "kubelet-config", kubelet_cfg], "", set(), 0)

    auth = {"username": "poduser", "password": S["podsecret"]}
    run("records hash", ["records", "hash"], json.dumps(auth), set(), 0)
    add = {"image": "reg-a.example/app:v1", "imageRef": "sha256:" + "cd" * 32,
           "secret": {"uid": "s-1", "namespace": "default", "name": "pull", "auth": auth}}
    run("records add", ["records", "add", "--dir", im], json.dumps(add), set(), 0)
    run("records add bad", ["records", "add", "--dir", im],
        json.dumps({**add, "secret": {**add["secret"], "auth": {**auth, "bogus": 1}}}), set(), 1)
    run("records ls", ["records", "ls", "--dir", im], "", set(), 0)
    run("records audit", ["records", "audit", "--dir", im], "", set(), 0)
    run("records show", ["records", "show", "--dir", im, add["imageRef"]], "", set(), 0)
    decide = {"image": "reg-a.example/app:v1", "imageRef": add["imageRef"], "imagePresent": True,
              "pullPolicy": "IfNotPresent", "policy": "AlwaysVerify",
              "podSecrets": [{"uid": "s-2", "namespace": "default", "name": "other",
                              "auth": {"username": "poduser", "password": S["podsecret"]}}]}
    run("decide", ["decide", "--dir", im], json.dumps(decide), set(), None)
    run("decide bad", ["decide", "--dir", im],
        json.dumps({**decide, "podSecrets": [{"auth": {"password": S["podsecret"]}}]}), set(), 1)

    for label, out, err, allowed in outputs:
        for name, value in S.items():
            if value in err:
                fail(f"{label}: {name} secret in stderr")
            if value in out and name not in allowed:
                fail(f"{label}: {name} secret in stdout")
        if SAT in out or SAT[:40] in err:
            fail(f"{label}: service-account token printed")

    # Files: only the operator's fixtures hold their own secrets; the token cache holds tokens.
    fixture_holds = {pw: {"pwfile"}, login: {"login"}, docker: set(), config: {"inline"}}
    for root, dirs, files in os.walk(scratch):
        if root.startswith(server_dir):
            continue
        for d in dirs:
            p = os.path.join(root, d)
            if p.startswith(state) and stat.S_IMODE(os.stat(p).st_mode) != 0o700:
                fail(f"{p}: mode {oct(os.stat(p).st_mode & 0o777)}, want 0700")
        for f in files:
            p = os.path.join(root, f)
            data = open(p, "rb").read()
            may = fixture_holds.get(p, set())
            if p.startswith(os.path.join(state, "tokens")):
                may = TOKENS_MAY_HOLD
            for name, value in S.items():
                if value.encode() in data and name not in may and not (p == docker):
                    fail(f"{p}: holds the {name} secret")
            if SAT.encode() in data or S["sat"].encode() in data:
                fail(f"{p}: holds the service-account token")
            if p.startswith(state) and stat.S_IMODE(os.stat(p).st_mode) != 0o600:
                fail(f"{p}: mode {oct(os.stat(p).st_mode & 0o777)}, want 0600")
    # The test must have exercised the stores it checks.
    for sub in ("tokens", "image_manager/pulled", "evidence"):
        if not os.path.isdir(os.path.join(state, sub)) or not os.listdir(os.path.join(state, sub)):
            fail(f"state dir has no {sub}/ entries: a flow did not run")
finally:
    server.kill()
    server.wait()

for f in failures:
    print("FAIL", f)
print(f"secrets: {len(outputs)} commands, {len(S)} sentinels, {len(failures)} failures")
sys.exit(1 if failures else 0)
