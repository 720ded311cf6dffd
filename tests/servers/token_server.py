#!/usr/bin/env python3
# A small distribution token server for the tests: issues real RS256 JWTs (x5c header) that
# docker-registry's `auth: token` mode validates, speaks GET (token.md) and OAuth2 POST (oauth.md),
# and counts requests so tests can prove single-flight. Python stdlib + the openssl CLI only.
#
# Usage: token_server.py --config CONFIG.json --port-file FILE
# CONFIG.json (0600, written by the test):
#   {"key": "key.pem", "cert": "cert.pem", "issuer": "...", "service": "...",
#    "expires_in": 300,
#    "refresh_expires_in": 10800,   (optional: refresh tokens are then JWTs with this `exp`, as
#                                    ACR's are; without it, opaque strings that never expire)
#    "users": {"alice": {"password": "...", "access": {"*": ["pull", "push"]}}},
#    "anonymous": {"public/*": ["pull"]}}
# Access patterns: exact repository names, "prefix/*", or "*".
# Optional "google": {"tokeninfo_url": "http://127.0.0.1:P/tokeninfo", "principals": {"<email or
#   principal>": {access map}}}: user oauth2accesstoken with a Google access token as the password,
#   checked at tokeninfo (tests/servers/google_server.py) as Artifact Registry checks it with Google.
# Control endpoints (tests only): GET /count -> {"get": n, "post": n, "total": n};
#   POST /reset; POST /config with JSON {"post_status": 404, "delay_ms": 200, "omit_expiry": true}.
import base64, hashlib, http.server, json, os, re, secrets, subprocess, sys, threading, time
import urllib.parse, urllib.request

from serving import announce, make_server

LOCK = threading.Lock()
COUNTS = {"get": 0, "post": 0, "total": 0}
BEHAVIOUR = {"post_status": 0, "delay_ms": 0, "omit_expiry": False}
REFRESH = {}  # refresh token -> username
REFRESH_EXPIRY = {}  # refresh token -> epoch seconds (JWT refresh tokens only)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_rsa(path):
    """(n, d) of an RSA key, read once through the openssl CLI."""
    text = subprocess.run(["openssl", "rsa", "-in", path, "-noout", "-text"], check=True,
                          capture_output=True, text=True).stdout
    def field(name):
        m = re.search(name + r":\s*\n((?:\s+[0-9a-f:]+\n)+)", text)
        return int(re.sub(r"[\s:]", "", m.group(1)), 16)
    return field("modulus"), field("privateExponent")


def cert_der_b64(path):
    der = subprocess.run(["openssl", "x509", "-in", path, "-outform", "DER"], check=True,
                         capture_output=True).stdout
    return base64.b64encode(der).decode()


# DER prefix of DigestInfo for SHA-256 (PKCS#1 v1.5, RFC 8017 section 9.2).
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def rs256(n, d, signing_input):
    k = (n.bit_length() + 7) // 8
    t = SHA256_PREFIX + hashlib.sha256(signing_input).digest()
    em = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    return pow(int.from_bytes(em, "big"), d, n).to_bytes(k, "big")


def allowed(access_map, repo):
    out = set()
    for pattern, actions in (access_map or {}).items():
        if pattern == "*" or pattern == repo or (pattern.endswith("/*") and repo.startswith(pattern[:-1])):
            out.update(actions)
    return out


class Server:
    def __init__(self, cfg):
        self.cfg = cfg
        self.n, self.d = load_rsa(cfg["key"])
        self.x5c = cert_der_b64(cfg["cert"])

    def issue(self, subject, access_map, scopes, service):
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) < 3 or parts[0] != "repository":
                continue
            name, wanted = ":".join(parts[1:-1]), parts[-1].split(",")
            granted = [a for a in wanted if a in allowed(access_map, name)]
            access.append({"type": "repository", "name": name, "actions": granted})
        now = int(time.time())
        expires_in = int(self.cfg.get("expires_in", 300))
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": self.cfg["issuer"], "sub": subject, "aud": service or self.cfg["service"],
                  "exp": now + expires_in, "nbf": now - 10, "iat": now,
                  "jti": secrets.token_hex(16), "access": access}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode())).encode()
        jwt = signing_input.decode() + "." + b64url(rs256(self.n, self.d, signing_input))
        body = {"token": jwt, "access_token": jwt,
                "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))}
        if not BEHAVIOUR["omit_expiry"]:
            body["expires_in"] = expires_in
        return body

    def authenticate(self, username, password):
        """-> (subject, access map) or None when the credential is wrong."""
        google = self.cfg.get("google")
        if google and username == "oauth2accesstoken":
            url = google["tokeninfo_url"] + "?" + urllib.parse.urlencode({"access_token": password})
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    info = json.load(r)
            except Exception:
                return None  # tokeninfo refused the token
            who = info.get("email") or info.get("sub") or ""
            # A valid token without rights is still a login: pulls are then denied.
            return who, google["principals"].get(who, {})
        if REFRESH_EXPIRY.get(password, float("inf")) <= time.time():
            return None
        if password in REFRESH:
            user = REFRESH[password]
            return user, self.cfg["users"][user]["access"]
        user = self.cfg["users"].get(username)
        if user is not None and secrets.compare_digest(user["password"], password):
            return username, user["access"]
        return None

    def refresh_for(self, subject):
        lifetime = self.cfg.get("refresh_expires_in")
        if lifetime:
            now = int(time.time())
            header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
            claims = {"iss": self.cfg["issuer"], "sub": subject, "aud": self.cfg["service"],
                      "exp": now + int(lifetime), "iat": now, "jti": secrets.token_hex(16),
                      "grant_type": "refresh_token"}
            signing_input = (b64url(json.dumps(header).encode()) + "." +
                             b64url(json.dumps(claims).encode())).encode()
            tok = signing_input.decode() + "." + b64url(rs256(self.n, self.d, signing_input))
        else:
            tok = secrets.token_urlsafe(24)
        with LOCK:
            REFRESH[tok] = subject
            if lifetime:
                REFRESH_EXPIRY[tok] = now + int(lifetime)
        return tok


class JsonHandler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 with JSON answers and no request log; azure_server.py's handler is one too."""
    protocol_version = "HTTP/1.1"
    content_type = "application/json"
    extra_headers = ()

    def log_message(self, *args):
        pass  # requests carry credentials; never log them

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", self.content_type)
        for name, value in self.extra_headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Handler(JsonHandler):
    server_version = "pullguard-token-server"

    def count(self, kind):
        with LOCK:
            COUNTS[kind] += 1
            COUNTS["total"] += 1
        if BEHAVIOUR["delay_ms"]:
            time.sleep(BEHAVIOUR["delay_ms"] / 1000)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/count":
            with LOCK:
                return self.reply(200, dict(COUNTS))
        if url.path != "/token":
            return self.reply(404, {"error": "not found"})
        self.count("get")
        q = urllib.parse.parse_qs(url.query)
        srv = self.server.app
        subject, access = "", srv.cfg.get("anonymous", {})
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except Exception:
                return self.reply(400, {"error": "bad basic auth"})
            who = srv.authenticate(user, password)
            if who is None:
                return self.reply(401, {"error": "invalid credentials"})
            subject, access = who
        body = srv.issue(subject, access, q.get("scope", []), q.get("service", [""])[0])
        if q.get("offline_token", ["false"])[0] == "true" and subject:
            body["refresh_token"] = srv.refresh_for(subject)
        self.reply(200, body)

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length", "0") or 0)
        raw = self.rfile.read(min(length, 1 << 20))
        if url.path == "/reset":
            with LOCK:
                for k in COUNTS:
                    COUNTS[k] = 0
            return self.reply(200, {})
        if url.path == "/config":
            with LOCK:
                BEHAVIOUR.update(json.loads(raw or b"{}"))
            return self.reply(200, dict(BEHAVIOUR))
        if url.path != "/token":
            return self.reply(404, {"error": "not found"})
        self.count("post")
        if BEHAVIOUR["post_status"]:
            return self.reply(BEHAVIOUR["post_status"], {"error": "POST disabled by the test"})
        form = urllib.parse.parse_qs(raw.decode(errors="replace"))
        get = lambda k: form.get(k, [""])[0]
        srv = self.server.app
        grant = get("grant_type")
        if grant == "password":
            who = srv.authenticate(get("username"), get("password"))
        elif grant == "refresh_token":
            tok = get("refresh_token")
            who = srv.authenticate("", tok) if tok in REFRESH else None
        else:
            return self.reply(400, {"error": "unsupported_grant_type"})
        if who is None:
            return self.reply(401, {"error": "invalid_grant"})
        subject, access = who
        scopes = [s for s in get("scope").split(" ") if s]
        body = srv.issue(subject, access, scopes, get("service"))
        body.pop("token")  # OAuth2 answers carry access_token only
        body["scope"] = get("scope")
        if get("access_type") == "offline":
            body["refresh_token"] = get("refresh_token") or srv.refresh_for(subject)
        self.reply(200, body)


def main():
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    with open(args["--config"]) as f:
        cfg = json.load(f)
    httpd = make_server(Handler, port=int(args.get("--port", "0")), app=Server(cfg))
    announce(httpd, args["--port-file"])
    httpd.serve_forever()


if __name__ == "__main__":
    main()
