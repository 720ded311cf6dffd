#!/usr/bin/env python3
# A misbehaving registry/token endpoint for transport tests: what no real server here does on demand
# (slow answers, 429 with Retry-After, 5xx, redirects to another host, huge headers and bodies, bad
# token JSON, tokens without expiry). Python stdlib only; binds 127.0.0.1.
#
# Usage: faulty_registry.py --port-file FILE
# The other origin for cross-host redirects is "localhost:<same port>" (same server, other host).
# Paths (the first segment picks the fault; a trailing /<key> keeps separate counters):
#   /ok                      200 {"ok": true}
#   /slow/<secs>             sleeps, then 200
#   /429/<secs>              429 with Retry-After: <secs> (always)
#   /503-twice/<key>         503 for the first two requests per key, then 200
#   /500                     500 always
#   /redirect-other/<key>    302 to http://localhost:<port>/echo-auth/<key>
#   /redirect-same/<key>     302 to /echo-auth/<key> on the same origin
#   /redirect-loop           302 to itself
#   /post-307                307 to /echo-auth/post on localhost (another origin)
#   /echo-auth/<key>         200 {"authorization": "present" | "absent"} (never the value)
#   /huge-headers            200 with ~200 KiB of headers
#   /huge-body               200 with a 16 MiB body
#   /bad-json                200 "{not json"
#   /no-expiry               200 {"token": "tok-without-expiry"}
#   /conn                    200 {"peer": "<client port>"} (connection reuse check)
#   /v2/nodigest/manifests/x 200 manifest without Docker-Content-Digest (HEAD and GET)
#   /v2/                     401 Bearer realm=http://127.0.0.1:<port>/no-expiry
#   /hostile-challenge       401 with a 60 KiB WWW-Authenticate of unterminated quotes
#   /count/<path...>         {"count": n} requests seen for that path
import http.server, json, os, sys, threading, time

from serving import announce, make_server

LOCK = threading.Lock()
SEEN = {}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))
        path = self.path.split("?")[0]
        parts = [p for p in path.split("/") if p]
        port = self.server.server_address[1]
        if parts and parts[0] == "count":
            key = "/" + "/".join(parts[1:])
            with LOCK:
                return self.send(200, {"count": SEEN.get(key, 0)})
        with LOCK:
            SEEN[path] = SEEN.get(path, 0) + 1
            seen = SEEN[path]
        head = parts[0] if parts else ""
        key = parts[1] if len(parts) > 1 else ""
        if head == "ok":
            return self.send(200, {"ok": True})
        if head == "slow":
            time.sleep(float(key or "30"))
            return self.send(200, {"ok": True})
        if head == "429":
            return self.send(429, {"errors": [{"code": "TOOMANYREQUESTS"}]}, [("Retry-After", key or "1")])
        if head == "503-twice":
            if seen <= 2:
                return self.send(503, {"errors": [{"code": "UNAVAILABLE"}]})
            return self.send(200, {"ok": True, "seen": seen})
        if head == "500":
            return self.send(500, b"internal error")
        if head == "redirect-other":
            return self.send(302, b"", [("Location", f"http://localhost:{port}/echo-auth/{key}")])
        if head == "redirect-same":
            return self.send(302, b"", [("Location", f"/echo-auth/{key}")])
        if head == "redirect-loop":
            return self.send(302, b"", [("Location", "/redirect-loop")])
        if head == "post-307":
            return self.send(307, b"", [("Location", f"http://localhost:{port}/echo-auth/post")])
        if head == "echo-auth":
            present = "present" if self.headers.get("Authorization") else "absent"
            return self.send(200, {"authorization": present, "host": self.headers.get("Host", "")})
        if head == "huge-headers":
            return self.send(200, b"{}", [(f"X-Filler-{i}", "x" * 1000) for i in range(200)])
        if head == "huge-body":
            return self.send(200, b"x" * (16 << 20))
        if head == "bad-json":
            return self.send(200, b"{not json")
        if head == "no-expiry":
            return self.send(200, {"token": "tok-without-expiry"})
        if head == "conn":
            return self.send(200, {"peer": str(self.client_address[1])})
        if path.startswith("/v2/nodigest/manifests/"):
            body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": {}, "layers": []}, separators=(",", ":")).encode()
            return self.send(200, body, [("Content-Type", "application/vnd.oci.image.manifest.v1+json")])
        if head == "v2":
            realm = f'Bearer realm="http://127.0.0.1:{port}/no-expiry",service="faulty"'
            return self.send(401, b"{}", [("WWW-Authenticate", realm)])
        if head == "hostile-challenge":
            return self.send(401, b"{}", [("WWW-Authenticate", 'Bearer realm="' + '\\"' * 30000)])
        return self.send(404, {"error": "unknown fault"})

    do_GET = do_HEAD = do_POST = handle_any


def main():
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    httpd = make_server(Handler)
    announce(httpd, args["--port-file"])
    httpd.serve_forever()


if __name__ == "__main__":
    main()
