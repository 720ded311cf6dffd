#!/usr/bin/env python3
# Identity-exchange endpoints for pullguard's source tests, behaving as their conventions say:
#   POST /token-exchange   RFC 8693 token exchange (KEP-4412 style: a service-account JWT in,
#                          an access token out; errors as RFC 6749 section 5.2 JSON).
#   GET  /oauth2/federation/robot/token   Quay robot federation: Basic <robot>:<service-account JWT>
#                          in, {"token": ...} out.
# The token handed out is a refresh token bought from the test token server (tests/servers/
# token_server.py) for the registry user mapped to the service account, so the real registry (and
# containerd) accept it as that user's password. Python stdlib only.
#
# Usage: exchange_server.py --config CONFIG.json --port-file FILE
# CONFIG.json (0600): {"token_url": "http://127.0.0.1:P/token", "service": "...",
#   "audience": "registry.example", "expires_in": 600,
#   "subjects": {"<service-account JWT>": {"username": "alice", "password": "...",
#                                         "robot": "org+puller"}}}
# GET /count -> {"exchange": n, "federation": n}; POST /reset zeroes it.
import base64, http.server, json, os, sys, threading, time, urllib.parse, urllib.request

from jwt_claims import claims
from serving import announce, make_server

LOCK = threading.Lock()
COUNTS = {"exchange": 0, "federation": 0}
GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass  # requests carry tokens; never log them

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def subject(self, token):
        cfg = self.server.cfg
        who = cfg["subjects"].get(token)
        c = claims(token)
        if who is None or c is None or c.get("exp", 0) < time.time():
            return None
        return who

    def registry_token(self, who):
        """A refresh token for the mapped registry user (OAuth2 password grant, offline)."""
        cfg = self.server.cfg
        form = urllib.parse.urlencode({
            "grant_type": "password", "username": who["username"], "password": who["password"],
            "access_type": "offline", "service": cfg["service"], "client_id": "exchange-server",
        }).encode()
        with urllib.request.urlopen(cfg["token_url"], data=form, timeout=10) as r:
            return json.load(r)["refresh_token"]

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/count":
            with LOCK:
                return self.reply(200, dict(COUNTS))
        if url.path != "/oauth2/federation/robot/token":
            return self.reply(404, {"error": "not found"})
        with LOCK:
            COUNTS["federation"] += 1
        auth = self.headers.get("Authorization", "")
        try:
            robot, _, token = base64.b64decode(auth[6:]).decode().partition(":")
        except Exception:
            robot, token = "", ""
        who = self.subject(token) if auth.startswith("Basic ") else None
        if who is None or who.get("robot") != robot:
            return self.reply(401, {"error": "invalid federation token"})
        self.reply(200, {"token": self.registry_token(who)})

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        raw = self.rfile.read(min(int(self.headers.get("Content-Length", "0") or 0), 1 << 20))
        if url.path == "/reset":
            with LOCK:
                for k in COUNTS:
                    COUNTS[k] = 0
            return self.reply(200, {})
        if url.path != "/token-exchange":
            return self.reply(404, {"error": "not found"})
        with LOCK:
            COUNTS["exchange"] += 1
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return self.reply(400, {"error": "invalid_request"})
        form = urllib.parse.parse_qs(raw.decode(errors="replace"))
        get = lambda k: form.get(k, [""])[0]
        cfg = self.server.cfg
        if get("grant_type") != GRANT:
            return self.reply(400, {"error": "unsupported_grant_type"})
        if get("subject_token_type") != JWT_TYPE or not get("subject_token"):
            return self.reply(400, {"error": "invalid_request"})
        if cfg.get("audience") and get("audience") != cfg["audience"]:
            return self.reply(400, {"error": "invalid_target"})
        who = self.subject(get("subject_token"))
        if who is None:
            return self.reply(400, {"error": "invalid_grant"})
        body = {"access_token": self.registry_token(who),
                "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
                "token_type": "Bearer", "expires_in": int(cfg.get("expires_in", 600))}
        if get("scope"):
            body["scope"] = get("scope")
        self.reply(200, body)


def main():
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    with open(args["--config"]) as f:
        cfg = json.load(f)
    httpd = make_server(Handler, cfg=cfg)
    announce(httpd, args["--port-file"])
    httpd.serve_forever()


if __name__ == "__main__":
    main()
