#!/usr/bin/env python3
# Serves canned raw HTTP responses, byte for byte, for the bad-inputs catalogue (tests/bad-inputs/):
# hostile challenge headers, token bodies, manifests and redirects that no real registry sends.
# Python stdlib only; binds 127.0.0.1, or --host ADDR (a test's own network namespace address).
#
# Usage: static_registry.py --dir DIR --port-file FILE [--host ADDR] [--tls CERT KEY]
# Every request re-reads DIR/routes.json: {"GET /v2/": "<raw response>", "/token": ..., "*": ...}.
# Lookup order: "METHOD /path" (query dropped), "/path", "*"; none: 404. "{port}" in a response is
# replaced by the server's port. A response is the status line and headers (LF or CRLF), an empty
# line, the body; Content-Length is added when absent and the connection is closed after it.
# A response starting "SLEEP <secs>\n" is sent after that many seconds (a registry too slow).
# --tls CERT KEY serves HTTPS instead (a certificate the client does not trust: TLS failures).
# DIR/log gets one line per request: "METHOD /path authorization=present|absent" (never the value).
import http.server, json, os, ssl, sys, time

from serving import announce, make_server


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))
        path = self.path.split("?")[0]
        d = self.server.dir
        auth = "present" if self.headers.get("Authorization") else "absent"
        with open(os.path.join(d, "log"), "a") as f:
            f.write(f"{self.command} {path} authorization={auth}\n")
        with open(os.path.join(d, "routes.json")) as f:
            routes = json.load(f)
        raw = routes.get(f"{self.command} {path}", routes.get(path, routes.get("*")))
        if raw is None:
            raw = "HTTP/1.1 404 Not Found\n\n"
        raw = raw.replace("{port}", str(self.server.server_address[1])).encode("utf-8", "surrogateescape")
        if raw.startswith(b"SLEEP "):
            secs, _, raw = raw[6:].partition(b"\n")
            time.sleep(float(secs))
        head, sep, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
        lines = head.split(b"\n")
        if not any(l.lower().startswith((b"content-length:", b"transfer-encoding:")) for l in lines):
            lines.append(b"Content-Length: " + str(len(body)).encode())
        lines.append(b"Connection: close")
        if self.command == "HEAD":
            body = b""
        self.wfile.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        self.wfile.flush()
        self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = handle_any


def main():
    args = {a: sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1])
            if a in ("--dir", "--port-file", "--host")}
    httpd = make_server(Handler, host=args.get("--host", "127.0.0.1"), dir=args["--dir"])
    if "--tls" in sys.argv:
        i = sys.argv.index("--tls")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[i + 1], sys.argv[i + 2])
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    announce(httpd, args["--port-file"])
    httpd.serve_forever()


if __name__ == "__main__":
    main()
