#!/usr/bin/env python3
# Google's identity endpoints for the gcp source's tests, one listener per service, each checking
# what the real one checks (Google's public docs: "About VM metadata" / "Access tokens",
# sts.googleapis.com v1 token (RFC 8693), iamcredentials v1 generateAccessToken):
#   metadata   GET /computeMetadata/v1/instance/service-accounts/default/token (and .../email):
#              `Metadata-Flavor: Google` required, requests a proxy forwarded (X-Forwarded-For)
#              refused, answers carry `Metadata-Flavor: Google`.
#   sts        POST /v1/token: form-encoded, grant_type token-exchange, subject_token_type jwt,
#              requested_token_type access_token present, audience a known provider, scope; the
#              subject token must be one the test issued (the stand-in for Google checking the
#              issuer's signature), unexpired, with the provider among its `aud`. Errors as
#              RFC 6749 JSON (invalid_request, invalid_target, invalid_grant, ...).
#   iam        POST /v1/projects/-/serviceAccounts/<email>:generateAccessToken: Bearer token this
#              server issued, JSON body with a non-empty `scope` list; the caller must hold
#              roles/iam.workloadIdentityUser on the account (config "impersonation"); errors as
#              google.rpc.Status JSON (UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND).
#   oauth2     GET /tokeninfo?access_token=...: who a token this server issued speaks for
#              ({"email"} for service accounts, {"sub"} for federated principals); the test token
#              server asks it, as Artifact Registry asks Google, to accept user oauth2accesstoken.
# Every listener: GET /count -> per-service request counts; POST /reset; POST /config with JSON
# {"delay_ms": {"metadata": 10000}} to make a service slow. Python stdlib only; binds 127.0.0.1.
#
# Usage: google_server.py --config CONFIG.json --port-file FILE
# CONFIG.json (0600): {"node_account": "node@p.iam.gserviceaccount.com", "expires_in": 3599,
#   "providers": ["//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/k"],
#   "subject_tokens": ["<pod JWT>", ...],
#   "impersonation": {"gsa@p.iam.gserviceaccount.com": ["principal://iam.googleapis.com/..."]}}
# FILE gets {"metadata": port, "sts": port, "iam": port, "oauth2": port}.
import http.server, json, os, re, secrets, sys, threading, time, urllib.parse

from jwt_claims import claims
from serving import count_control, make_server, write_atomically

LOCK = threading.Lock()
COUNTS = {"metadata": 0, "sts": 0, "iam": 0, "oauth2": 0}
DELAY_MS = {"metadata": 0, "sts": 0, "iam": 0, "oauth2": 0}
TOKENS = {}  # access token -> {"email" or "sub": ..., "exp": epoch}
GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt"
ACCESS_TYPE = "urn:ietf:params:oauth:token-type:access_token"
GAT = re.compile(r"^/v1/projects/-/serviceAccounts/([^/:]+):generateAccessToken$")


def principal(provider, subject):
    """The federated principal of a Kubernetes subject (google.subject = assertion.sub)."""
    m = re.match(r"^//iam\.googleapis\.com/(projects/[^/]+/locations/[^/]+/workloadIdentityPools/[^/]+)/providers/", provider)
    return "principal://iam.googleapis.com/" + m.group(1) + "/subject/" + subject


def issue(who, lifetime):
    tok = "ya29." + secrets.token_urlsafe(48)
    with LOCK:
        TOKENS[tok] = dict(who, exp=time.time() + lifetime)
    return tok


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass  # requests carry tokens; never log them

    def reply(self, status, obj, extra=()):
        data = (json.dumps(obj) if not isinstance(obj, str) else obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if not isinstance(obj, str) else "text/plain")
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def control(self, method, path, raw):
        if count_control(self, method, path, COUNTS, LOCK):
            return True
        if method == "POST" and path == "/config":
            with LOCK:
                DELAY_MS.update(json.loads(raw or b"{}").get("delay_ms", {}))
            self.reply(200, {})
            return True
        return False

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        raw = self.rfile.read(min(int(self.headers.get("Content-Length", "0") or 0), 1 << 20))
        if self.control(self.command, url.path, raw):
            return
        role = self.server.role
        with LOCK:
            COUNTS[role] += 1
            delay = DELAY_MS[role]
        if delay:
            time.sleep(delay / 1000)
        getattr(self, role)(url, raw)

    do_GET = do_POST = handle_any

    # ---- metadata server ----
    def metadata(self, url, raw):
        flavor = [("Metadata-Flavor", "Google")]
        if self.headers.get("Metadata-Flavor") != "Google":
            return self.reply(403, "Missing Metadata-Flavor:Google header.", flavor)
        if self.headers.get("X-Forwarded-For"):
            return self.reply(403, "Request had X-Forwarded-For header and was rejected.", flavor)
        cfg = self.server.cfg
        base = "/computeMetadata/v1/instance/service-accounts/default/"
        if self.command != "GET":
            return self.reply(405, "Method not allowed", flavor)
        if url.path == base + "email":
            return self.reply(200, cfg["node_account"], flavor)
        if url.path != base + "token":
            return self.reply(404, "Not found", flavor)
        lifetime = int(cfg.get("expires_in", 3599))
        tok = issue({"email": cfg["node_account"]}, lifetime)
        self.reply(200, {"access_token": tok, "expires_in": lifetime, "token_type": "Bearer"}, flavor)

    # ---- Security Token Service ----
    def sts(self, url, raw):
        if self.command != "POST" or url.path != "/v1/token":
            return self.reply(404, {"error": "not_found"})
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return self.reply(400, {"error": "invalid_request", "error_description": "form expected"})
        form = urllib.parse.parse_qs(raw.decode(errors="replace"), keep_blank_values=True)
        get = lambda k: form.get(k, [""])[0]
        cfg = self.server.cfg
        if get("grant_type") != GRANT:
            return self.reply(400, {"error": "unsupported_grant_type"})
        if get("requested_token_type") != ACCESS_TYPE:
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": "Invalid value for \"requested_token_type\"."})
        if get("subject_token_type") != JWT_TYPE or not get("subject_token"):
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": "Invalid value for \"subject_token_type\"."})
        if not get("scope"):
            return self.reply(400, {"error": "invalid_scope"})
        provider = get("audience")
        if provider not in cfg["providers"]:
            return self.reply(400, {"error": "invalid_target",
                                    "error_description": "The target service indicated by the \"audience\" parameters is invalid."})
        token = get("subject_token")
        c = claims(token)
        aud = (c or {}).get("aud", [])
        aud = [aud] if isinstance(aud, str) else aud
        if (token not in cfg["subject_tokens"] or c is None or c.get("exp", 0) < time.time()
                or provider not in aud):
            return self.reply(400, {"error": "invalid_grant",
                                    "error_description": "The audience in ID Token does not match the expected audience."})
        lifetime = 3600
        tok = issue({"sub": principal(provider, c.get("sub", ""))}, lifetime)
        self.reply(200, {"access_token": tok, "issued_token_type": ACCESS_TYPE,
                         "token_type": "Bearer", "expires_in": lifetime})

    # ---- IAM Service Account Credentials ----
    def iam(self, url, raw):
        def status(code, name, msg):
            self.reply(code, {"error": {"code": code, "message": msg, "status": name}})
        m = GAT.match(url.path)
        if self.command != "POST" or m is None:
            return status(404, "NOT_FOUND", "Not found")
        auth = self.headers.get("Authorization", "")
        with LOCK:
            who = TOKENS.get(auth[7:]) if auth.startswith("Bearer ") else None
        if who is None or who["exp"] < time.time():
            return status(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            return status(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        try:
            body = json.loads(raw)
        except ValueError:
            return status(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        if not isinstance(body, dict) or not body.get("scope") or not isinstance(body["scope"], list):
            return status(400, "INVALID_ARGUMENT", "Scope required.")
        account = urllib.parse.unquote(m.group(1))
        allowed = self.server.cfg["impersonation"].get(account)
        if allowed is None:
            return status(404, "NOT_FOUND", "Not found; Gaia id not found for email " + account)
        caller = who.get("sub") or who.get("email")
        if caller not in allowed:
            return status(403, "PERMISSION_DENIED",
                          "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).")
        lifetime = 3600
        tok = issue({"email": account}, lifetime)
        self.reply(200, {"accessToken": tok, "expireTime": rfc3339(time.time() + lifetime)})

    # ---- OAuth2 tokeninfo (for the test token server) ----
    def oauth2(self, url, raw):
        q = urllib.parse.parse_qs(url.query)
        tok = q.get("access_token", [""])[0]
        with LOCK:
            who = TOKENS.get(tok)
        if url.path != "/tokeninfo" or who is None or who["exp"] < time.time():
            return self.reply(400, {"error": "invalid_token"})
        out = {k: v for k, v in who.items() if k in ("email", "sub")}
        out["expires_in"] = int(who["exp"] - time.time())
        self.reply(200, out)


def main():
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    with open(args["--config"]) as f:
        cfg = json.load(f)
    ports = {}
    for role in ("metadata", "sts", "iam", "oauth2"):
        httpd = make_server(Handler, role=role, cfg=cfg)
        ports[role] = httpd.server_address[1]
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
    write_atomically(args["--port-file"], json.dumps(ports))
    threading.Event().wait()


if __name__ == "__main__":
    main()
