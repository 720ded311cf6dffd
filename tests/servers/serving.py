"""How every test server here starts, written once: a threading HTTP server on a free loopback
port (or the one asked for), its port written atomically to the file the e2e test waits for
(tests/e2e/lib.sh, pg_wait_port_file); and the /count and /reset endpoints tests read the request
counts through."""
import http.server
import os


def make_server(handler, host="127.0.0.1", port=0, **attrs):
    httpd = http.server.ThreadingHTTPServer((host, port), handler)
    httpd.daemon_threads = True
    for name, value in attrs.items():
        setattr(httpd, name, value)
    return httpd


def write_atomically(path, text):
    # The test polls for the file: it must never see it half written.
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def announce(httpd, port_file):
    write_atomically(port_file, str(httpd.server_address[1]))


def count_control(handler, method, path, counts, lock):
    """GET /count answers the counts, POST /reset zeroes them; True when the request was one."""
    if method == "GET" and path == "/count":
        with lock:
            handler.reply(200, dict(counts))
        return True
    if method == "POST" and path == "/reset":
        with lock:
            for k in counts:
                counts[k] = 0
        handler.reply(200, {})
        return True
    return False
