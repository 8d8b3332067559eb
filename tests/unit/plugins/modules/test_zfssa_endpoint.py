# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The zfssa_* modules against a real loopback HTTPS server that is not an appliance.

The server answers ``404 text/html`` to everything, like a web server or proxy at the wrong port.
The modules must find out at login, fail with "... is not a ZFS Storage Appliance REST API" and
send no write (no POST/PUT/DELETE beyond the login attempt). The real transport
(ansible.module_utils.urls) is used, with certificate checking on.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ssl
import subprocess
import threading

import pytest

from ansible_collections.exalogic.backup.plugins.modules import zfssa_filesystem, zfssa_project, zfssa_snapshot
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.utils import run_module

PAGE = b'<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>'


@pytest.fixture(scope='module')
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp('tls')
    cert, key = str(folder / 'cert.pem'), str(folder / 'key.pem')
    subprocess.check_call(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
                           '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
                           '-keyout', key, '-out', cert],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


@pytest.fixture
def web_server(certificate):
    """(port, requests seen) of an HTTPS server on 127.0.0.1 answering 404 text/html to every request."""
    from http.server import BaseHTTPRequestHandler, HTTPServer

    seen = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get('Content-Length') or 0)
            self.rfile.read(length)
            seen.append((self.command, self.path))
            self.send_response(404)
            self.send_header('Content-Type', 'text/html')
            self.send_header('Content-Length', str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, *args):
            pass

    server = HTTPServer(('127.0.0.1', 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.mark.parametrize('module, args', [
    (zfssa_filesystem, dict(pool='pool-0', project='backups', name='vs01',
                            nfs_exceptions=[{'network': '10.0.1.11', 'root': True}])),
    (zfssa_snapshot, dict(pool='pool-0', project='backups', name='fence-x')),
    (zfssa_project, dict(pool='pool-0', name='backups', quota='2T')),
])
def test_a_server_that_is_not_an_appliance_gets_no_write(monkeypatch, web_server, certificate, module, args):
    port, seen = web_server
    params = dict(args, host='127.0.0.1', port=port, user='root', password='S3cret-Pa55', ca_path=certificate[0],
                  retries=0, _ansible_check_mode=False, _ansible_diff=False)
    result, failed = run_module(module.main, params, monkeypatch)
    assert failed
    assert ('https://127.0.0.1:%d is not a ZFS Storage Appliance REST API: POST /api/access/v1 answered HTTP 404 '
            '(text/html)' % port) in result['msg']
    assert 'pool' not in result['msg'].split('REST API')[1]  # no blaming of the pool
    assert seen == [('POST', '/api/access/v1'), ('GET', '/api/access/v1')]
