# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real HTTPS server on 127.0.0.1 for the tests that run the client's default transport.

``self_signed_certificate(folder)`` makes a throw-away certificate for 127.0.0.1;
``https_server(cert_files, respond)`` serves every request with ``respond(method, path, headers, body)``,
which returns ``(status, headers, data)``, and yields the port.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import contextlib
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer


def self_signed_certificate(folder):
    """(cert, key) paths of a self-signed certificate for 127.0.0.1, in ``folder`` (a pathlib.Path)."""
    cert, key = str(folder / 'cert.pem'), str(folder / 'key.pem')
    subprocess.check_call(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
                           '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
                           '-keyout', key, '-out', cert],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


@contextlib.contextmanager
def https_server(cert_files, respond):
    """The port of an HTTPS server that answers each request with ``respond``; stopped on exit."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get('Content-Length') or 0)
            status, headers, data = respond(self.command, self.path, dict(self.headers), self.rfile.read(length))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, *args):
            pass

    server = HTTPServer(('127.0.0.1', 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*cert_files)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
