#!/usr/bin/env python3
# Azure's three identity endpoints for the acr source's tests, each checking what the real one
# checks (from Azure's public docs), in one process on three ports so the exchange can verify the
# tokens the other two issued:
#   IMDS   GET  /metadata/identity/oauth2/token   managed-identity tokens: header "Metadata: true",
#               no X-Forwarded-For (IMDS refuses proxied requests), a known api-version, resource,
#               client_id naming a user-assigned identity (else the system-assigned one).
#   Entra  POST /<tenant>/oauth2/v2.0/token        client credentials with a client assertion
#               (Azure workload identity): form encoding, grant_type, client_assertion_type, a
#               known tenant and client id, a scope ending in /.default, and the assertion itself:
#               an RS256 JWT whose signature verifies against the cluster's service-account key and
#               whose iss/sub/aud match the client's federated credential, within exp/nbf.
#               Errors are Entra ID's JSON with AADSTS codes.
#   ACR    POST /oauth2/exchange                   grant_type=access_token (or the
#               access_token_refresh_token form cloud-provider-azure sends), service = the
#               registry, tenant = the token's tid, an access token this server issued for the ACR
#               audience and not expired. The refresh token is bought from the test token server
#               (tests/servers/token_server.py, OAuth2 password grant, offline) for the registry
#               user the identity maps to (its "AcrPull" role), so docker-registry and containerd
#               accept it; an identity without a role gets a refresh token the registry refuses.
# Python stdlib + the openssl CLI (through token_server's helpers).
#
# Usage: azure_server.py --config CONFIG.json --port-dir DIR   (writes DIR/{imds,entra,acr}.port)
#        azure_server.py mint-sa-token --key KEY.pem --iss ISS --sub SUB --aud AUD --ttl SECONDS
#                        [--nbf-offset SECONDS]   (prints a service-account JWT, as kube-apiserver
#                        would sign it; without --sub, one per stdin line "SUB AUD TTL")
# CONFIG.json (0600): {"tenant": "<tid>", "sa_key": "sa.pem",
#   "identities": {"system": {"principal": "...", "role": "acr-node"},
#                  "<client id>": {"principal": "...", "role": null, "delay_ms": 0}},
#   "federated": {"<client id>": {"issuer": "...", "subject": "system:serviceaccount:ns:name",
#                                 "audience": "api://AzureADTokenExchange", "role": "acr-pod"}},
#   "acr": {"service": "<registry host>", "token_url": "http://127.0.0.1:P/token",
#           "token_service": "...", "roles": {"acr-node": {"username": "...", "password": "..."}}}}
# Control (any port): GET /count -> {"imds": n, "imds_slow": n, "entra": n, "exchange": n};
#   POST /reset; POST /config {"delay_ms": N} (every token request waits, so execs overlap).
import base64, hashlib, hmac, http.server, json, os, secrets, sys, threading, time
import urllib.parse, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from token_server import JsonHandler, b64url, load_rsa, rs256, SHA256_PREFIX  # noqa: E402
from serving import announce, count_control, make_server  # noqa: E402

LOCK = threading.Lock()
COUNTS = {"imds": 0, "imds_slow": 0, "entra": 0, "exchange": 0}
BEHAVIOUR = {"delay_ms": 0}
ACR_AUDIENCE = "https://containerregistry.azure.net"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
IMDS_API_VERSIONS = {"2018-02-01", "2019-08-01", "2021-02-01"}
KEY = secrets.token_bytes(32)  # signs the access tokens this process issues (HS256)


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jwt_parts(token):
    try:
        h, p, s = token.split(".")
        return json.loads(b64d(h)), json.loads(b64d(p)), (h + "." + p).encode(), b64d(s)
    except Exception:
        return None


def issue_access_token(claims):
    header = b64url(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
    payload = b64url(json.dumps(claims).encode())
    sig = hmac.new(KEY, (header + "." + payload).encode(), hashlib.sha256).digest()
    return header + "." + payload + "." + b64url(sig)


def verify_access_token(token):
    parts = jwt_parts(token)
    if parts is None:
        return None
    header, claims, signing_input, sig = parts
    good = hmac.new(KEY, signing_input, hashlib.sha256).digest()
    if header.get("alg") != "HS256" or not hmac.compare_digest(good, sig):
        return None
    return claims


def rs256_verify(n, e, signing_input, sig):
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return False
    t = SHA256_PREFIX + hashlib.sha256(signing_input).digest()
    em = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    return pow(int.from_bytes(sig, "big"), e, n).to_bytes(k, "big") == em


def aad_error(status, error, code, text):
    """Entra ID's error shape: error, error_description with AADSTS code and trace lines."""
    trace = secrets.token_hex(8)
    return status, {"error": error,
                    "error_description": f"AADSTS{code}: {text}\r\nTrace ID: {trace}\r\n"
                                         f"Correlation ID: {secrets.token_hex(8)}\r\n"
                                         f"Timestamp: {time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime())}",
                    "error_codes": [code], "trace_id": trace,
                    "error_uri": f"https://login.microsoftonline.com/error?code={code}"}


class Handler(JsonHandler):
    # As Entra ID and ACR answer token requests.
    content_type = "application/json; charset=utf-8"
    extra_headers = (("Cache-Control", "no-store"),)

    def count(self, kind):
        with LOCK:
            COUNTS[kind] += 1
            delay = BEHAVIOUR["delay_ms"]
        if delay:
            time.sleep(delay / 1000)

    def control(self, method, path, raw):
        if count_control(self, method, path, COUNTS, LOCK):
            return True
        if method == "POST" and path == "/config":
            with LOCK:
                BEHAVIOUR.update(json.loads(raw or b"{}"))
            self.reply(200, {})
            return True
        return False

    def form(self, raw):
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return None
        form = urllib.parse.parse_qs(raw.decode(errors="replace"), keep_blank_values=True)
        if any(len(v) != 1 for v in form.values()):
            return None  # a field twice: which one counts is unclear, refuse
        return {k: v[0] for k, v in form.items()}

    # -- IMDS ---------------------------------------------------------------------------------
    def imds(self, url):
        cfg = self.server.cfg
        q = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        get = lambda k: q.get(k, [""])[0]
        who = cfg["identities"].get(get("client_id") or "system")
        # A slow identity's requests are counted apart, so a test waiting for them in the
        # background does not disturb the counts of the others.
        self.count("imds_slow" if who and who.get("delay_ms") else "imds")
        bad = lambda text: self.reply(400, {"error": "invalid_request", "error_description": text})
        if self.headers.get("Metadata", "").lower() != "true":
            return bad("Required metadata header not specified")
        if self.headers.get("X-Forwarded-For"):
            return bad("Request was forwarded; IMDS does not accept proxied requests")
        if not get("api-version"):
            return bad("Bad request. api-version was not specified in the request")
        if get("api-version") not in IMDS_API_VERSIONS:
            return bad("Bad request. api-version is invalid")
        if not get("resource"):
            return bad("Required audience parameter not specified")
        if who is None:
            return bad("Identity not found")
        if who.get("delay_ms"):
            time.sleep(who["delay_ms"] / 1000)
        now = int(time.time())
        ttl = 86399
        token = issue_access_token({
            "aud": get("resource"), "iss": f"https://sts.windows.net/{cfg['tenant']}/",
            "tid": cfg["tenant"], "oid": who["principal"], "appid": get("client_id") or "system",
            "role": who.get("role"), "iat": now, "nbf": now, "exp": now + ttl})
        self.reply(200, {"access_token": token, "refresh_token": "", "expires_in": str(ttl),
                         "expires_on": str(now + ttl), "not_before": str(now),
                         "resource": get("resource"), "token_type": "Bearer"})

    # -- Entra ID -----------------------------------------------------------------------------
    def entra(self, tenant, raw):
        self.count("entra")
        cfg = self.server.cfg
        form = self.form(raw)
        if form is None:
            return self.reply(*aad_error(400, "invalid_request", 900144,
                                         "The request body must contain the following parameter: "
                                         "'grant_type'."))
        if tenant != cfg["tenant"]:
            return self.reply(*aad_error(400, "invalid_request", 90002,
                                         f"Tenant '{tenant[:64]}' not found."))
        if form.get("grant_type") != "client_credentials":
            return self.reply(*aad_error(400, "unsupported_grant_type", 70003,
                                         "The app requested an unsupported grant type."))
        if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
            return self.reply(*aad_error(400, "invalid_request", 90014,
                                         "The request body must contain the following parameter: "
                                         "'client_assertion_type'."))
        client = form.get("client_id", "")
        fed = cfg["federated"].get(client)
        if fed is None:
            return self.reply(*aad_error(400, "unauthorized_client", 700016,
                                         f"Application with identifier '{client[:64]}' was not "
                                         "found in the directory."))
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return self.reply(*aad_error(400, "invalid_scope", 1002012,
                                         "Client credential flows must have a scope value with "
                                         "/.default suffixed to the resource identifier."))
        parts = jwt_parts(form["client_assertion"])
        if parts is None:
            return self.reply(*aad_error(401, "invalid_client", 50027, "JWT token is invalid."))
        header, claims, signing_input, sig = parts
        n, e = self.server.sa_key
        if header.get("alg") != "RS256" or not rs256_verify(n, e, signing_input, sig):
            return self.reply(*aad_error(401, "invalid_client", 700027,
                                         "Client assertion failed signature validation."))
        now = time.time()
        if not (claims.get("nbf", 0) - 300 <= now < claims.get("exp", 0)):
            return self.reply(*aad_error(401, "invalid_client", 700024,
                                         "Client assertion is not within its valid time range."))
        aud = claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if claims.get("iss") != fed["issuer"]:
            return self.reply(*aad_error(400, "invalid_request", 700211,
                                         "No matching federated identity record found for "
                                         f"presented assertion issuer '{claims.get('iss')}'."))
        if claims.get("sub") != fed["subject"]:
            return self.reply(*aad_error(400, "invalid_request", 700213,
                                         "No matching federated identity record found for "
                                         f"presented assertion subject '{claims.get('sub')}'."))
        if fed["audience"] not in auds:
            return self.reply(*aad_error(400, "invalid_request", 700212,
                                         "No matching federated identity record found for "
                                         "presented assertion audience."))
        resource = scope[:-len("/.default")]
        now = int(now)
        token = issue_access_token({
            "aud": resource, "iss": f"https://sts.windows.net/{tenant}/", "tid": tenant,
            "appid": client, "oid": "wi-" + client, "role": fed.get("role"),
            "iat": now, "nbf": now, "exp": now + 3599})
        self.reply(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                         "access_token": token})

    # -- ACR ----------------------------------------------------------------------------------
    def exchange(self, raw):
        self.count("exchange")
        cfg = self.server.cfg["acr"]
        unauthorized = lambda text: self.reply(
            401, {"errors": [{"code": "UNAUTHORIZED", "message": text, "detail": None}]})
        form = self.form(raw)
        if form is None:
            return self.reply(400, {"errors": [{"code": "BAD_REQUEST",
                                                "message": "form body expected"}]})
        grant = form.get("grant_type")
        if grant == "access_token_refresh_token":
            if form.get("refresh_token") != form.get("access_token"):
                return unauthorized("refresh_token and access_token differ")
        elif grant != "access_token":
            return self.reply(400, {"errors": [{"code": "UNSUPPORTED_GRANT_TYPE",
                                                "message": "grant_type not supported"}]})
        if form.get("service") != cfg["service"]:
            return unauthorized("service does not name this registry")
        claims = verify_access_token(form.get("access_token", ""))
        if claims is None:
            return unauthorized("the access token is not valid")
        if claims.get("aud") != ACR_AUDIENCE:
            return unauthorized("the access token's audience is not " + ACR_AUDIENCE)
        if claims.get("exp", 0) <= time.time():
            return unauthorized("the access token expired")
        if form.get("tenant") and form["tenant"] != claims.get("tid"):
            return unauthorized("the access token was not issued in tenant " + form["tenant"][:64])
        role = cfg["roles"].get(claims.get("role") or "")
        if role is None:
            # Exchanged, but without AcrPull: the registry refuses what this buys.
            return self.reply(200, {"refresh_token": issue_access_token(
                {"sub": claims.get("oid"), "exp": int(time.time()) + 10800})})
        data = urllib.parse.urlencode({
            "grant_type": "password", "username": role["username"], "password": role["password"],
            "access_type": "offline", "service": cfg["token_service"], "client_id": "acr"}).encode()
        with urllib.request.urlopen(cfg["token_url"], data=data, timeout=10) as r:
            self.reply(200, {"refresh_token": json.load(r)["refresh_token"]})

    def route(self, method):
        url = urllib.parse.urlsplit(self.path)
        raw = b""
        if method == "POST":
            raw = self.rfile.read(min(int(self.headers.get("Content-Length", "0") or 0), 1 << 20))
        if self.control(method, url.path, raw):
            return
        role = self.server.role
        if role == "imds" and method == "GET" and url.path == "/metadata/identity/oauth2/token":
            return self.imds(url)
        parts = url.path.split("/")
        if (role == "entra" and method == "POST" and len(parts) == 5 and
                parts[2:] == ["oauth2", "v2.0", "token"]):
            return self.entra(parts[1], raw)
        if role == "acr" and method == "POST" and url.path == "/oauth2/exchange":
            return self.exchange(raw)
        self.reply(404, {"error": "not found"})

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")


def mint(args):
    """One token per --sub/--aud/--ttl, or (without --sub) one per stdin line "SUB AUD TTL": the
    key is read once, so a test mints all its tokens in one process."""
    n, d = load_rsa(args["--key"])
    specs = ([(args["--sub"], args["--aud"], args["--ttl"])] if "--sub" in args else
             [tuple(line.split()) for line in sys.stdin if line.strip()])
    for sub, aud, ttl in specs:
        now = int(time.time())
        claims = {"iss": args["--iss"], "sub": sub, "aud": [aud],
                  "iat": now, "nbf": now + int(args.get("--nbf-offset", "0")),
                  "exp": now + int(ttl), "jti": secrets.token_hex(8)}
        ns, _, name = sub.removeprefix("system:serviceaccount:").partition(":")
        claims["kubernetes.io"] = {"namespace": ns, "serviceaccount": {"name": name, "uid": "uid-" + name}}
        header = b64url(json.dumps({"alg": "RS256", "kid": "sa-key"}).encode())
        signing_input = (header + "." + b64url(json.dumps(claims).encode())).encode()
        print(signing_input.decode() + "." + b64url(rs256(n, d, signing_input)))


def public_key(path):
    """(n, e) of the service-account key: the issuer's JWKS, as Entra ID fetches it."""
    import re, subprocess
    text = subprocess.run(["openssl", "rsa", "-in", path, "-noout", "-text"], check=True,
                          capture_output=True, text=True).stdout
    n, _ = load_rsa(path)
    e = int(re.search(r"publicExponent: (\d+)", text).group(1))
    return n, e


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "mint-sa-token":
        return mint(dict(zip(sys.argv[2::2], sys.argv[3::2])))
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    with open(args["--config"]) as f:
        cfg = json.load(f)
    sa_key = public_key(cfg["sa_key"])
    servers = []
    for role in ("imds", "entra", "acr"):
        servers.append(make_server(Handler, cfg=cfg, role=role, sa_key=sa_key))
    for httpd in servers[1:]:
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
    for httpd in servers:
        announce(httpd, os.path.join(args["--port-dir"], httpd.role + ".port"))
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
