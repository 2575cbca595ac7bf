"""A real forward proxy for the tests, a few lines of socketserver: it answers HTTP CONNECT by opening a TCP
tunnel to the address asked for, and records what it was asked (the CONNECT target, the Proxy-Authorization
header and the first bytes the client sent through the tunnel, e.g. a TLS ClientHello with its server name).
Any other method (a proxy asked to fetch an absolute URL itself, resolving the name) is refused and recorded."""

import select
import socket
import socketserver
import threading


class ConnectProxy:
    def __init__(self):
        self.connects: list[str] = []  # "host:port" as asked
        self.refused: list[str] = []  # request lines of anything but CONNECT
        self.authorizations: list[str] = []
        self.first_bytes: list[bytes] = []
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                request_line = self.rfile.readline().decode("latin-1").strip()
                headers = {}
                while (line := self.rfile.readline().decode("latin-1").strip()) != "":
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                method, target, _ = (request_line.split(" ") + ["", ""])[:3]
                if method != "CONNECT":
                    proxy.refused.append(request_line)
                    self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                    return
                proxy.connects.append(target)
                proxy.authorizations.append(headers.get("proxy-authorization", ""))
                host, _, port = target.rpartition(":")
                try:
                    upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
                except OSError:
                    self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
                    return
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self._pipe(self.connection, upstream)

            def _pipe(self, client, upstream):
                first = True
                with upstream:
                    while True:
                        readable, _, _ = select.select([client, upstream], [], [], 5)
                        if not readable:
                            return
                        for source in readable:
                            data = source.recv(65536)
                            if not data:
                                return
                            if source is client and first:
                                proxy.first_bytes.append(data)
                                first = False
                            (upstream if source is client else client).sendall(data)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
