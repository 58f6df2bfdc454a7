#!/usr/bin/env python3
"""Echo upstream for the mod_teleport_jwt demo.

Answers every request with JSON describing exactly what reached it: the
request line and every header line, in order, duplicates kept, names as
sent. The demo reads the Teleport-Jwt-Assertion header from this report,
so it sees the token the way a real upstream behind Apache would, not the
way Apache meant to send it.

Standard library only, so that the demo needs nothing installed beyond
Python itself.
"""

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A demo upstream has no business receiving large uploads; capping the
# body keeps a stray big POST from filling memory.
MAX_BODY = 1024 * 1024


def render(report):
    """Pretty JSON with one header line per output line.

    json.dumps(indent=2) would spread every [name, value] pair over four
    lines; people read this report with curl in a terminal.
    """
    members = []
    for key, value in report.items():
        if key == "headers" and value:
            value_text = "[\n%s\n  ]" % ",\n".join(
                "    " + json.dumps(pair) for pair in value)
        else:
            value_text = json.dumps(value)
        members.append("  %s: %s" % (json.dumps(key), value_text))
    return "{\n%s\n}\n" % ",\n".join(members)


class EchoHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 lets mod_proxy reuse the connection, as it would with a
    # real upstream; every response therefore carries Content-Length.
    protocol_version = "HTTP/1.1"
    server_version = "tjwt-demo-echo/1"

    def _read_body(self):
        """Reads the request body so that the connection stays in sync.

        mod_proxy_http normally sends Content-Length, but may forward a
        client's chunked body as chunked when it does not spool it.
        """
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while True:
                size_line = self.rfile.readline(1024)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # Trailer section: lines until an empty one.
                    while self.rfile.readline(8192).strip():
                        pass
                    return body
                # Read in slices and keep at most MAX_BODY, however large
                # the chunk claims to be.
                while size > 0:
                    piece = self.rfile.read(min(size, 65536))
                    if not piece:
                        return body
                    size -= len(piece)
                    body += piece[: max(0, MAX_BODY - len(body))]
                self.rfile.readline(8)  # the CRLF after each chunk
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, MAX_BODY))
        if length > MAX_BODY:
            # The rest cannot be answered sensibly on this connection.
            self.close_connection = True
        return body

    def _echo(self, with_body=True):
        try:
            body = self._read_body() if self.command != "HEAD" else b""
        except ValueError:
            # A malformed chunk size: the stream cannot be trusted after it.
            self.close_connection = True
            self.send_error(400, "malformed chunked body")
            return
        report = {
            "request_line": self.requestline,
            "method": self.command,
            "path": self.path,
            "version": self.request_version,
            # items() keeps every header line, in arrival order, with the
            # name exactly as sent: a duplicate or a renamed copy of the
            # assertion header must show up here, not be merged away.
            "headers": [[name, value] for name, value in self.headers.items()],
            "body": body.decode("utf-8", "replace"),
        }
        data = render(report).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        # The report contains a bearer token; nobody should keep a copy.
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def do_GET(self):
        self._echo()

    def do_POST(self):
        self._echo()

    def do_HEAD(self):
        self._echo(with_body=False)

    def log_message(self, format, *args):  # noqa: A002 (base class name)
        # One line per request on stderr, which demo.sh sends to a log
        # file; the path is logged but never a header, as they hold tokens.
        sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8781)
    # Loopback by default: the echo hands out tokens to whoever asks, so
    # it must only be reachable through Apache.
    parser.add_argument("--bind", default="127.0.0.1")
    args = parser.parse_args()

    server = ThreadingHTTPServer((args.bind, args.port), EchoHandler)
    # Handler threads must not keep the process alive once demo.sh
    # stops it.
    server.daemon_threads = True
    sys.stderr.write("echo backend listening on http://%s:%d/\n"
                     % (args.bind, args.port))
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
