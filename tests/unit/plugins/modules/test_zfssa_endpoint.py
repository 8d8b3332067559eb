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


import pytest

from ansible_collections.exalogic.backup.plugins.modules import zfssa_filesystem, zfssa_project, zfssa_snapshot
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.https_lab import https_server, self_signed_certificate
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.utils import run_module

PAGE = b'<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>'


@pytest.fixture(scope='module')
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp('tls'))


@pytest.fixture
def web_server(certificate):
    """(port, requests seen) of an HTTPS server on 127.0.0.1 answering 404 text/html to every request."""
    seen = []

    def respond(method, path, headers, data):
        seen.append((method, path))
        return 404, {'Content-Type': 'text/html'}, PAGE

    with https_server(certificate, respond) as port:
        yield port, seen


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
    # the module's first read goes with Basic auth; its answer is not an appliance's, so it is not used
    assert seen[1:] == [('POST', '/api/access/v1'), ('GET', '/api/access/v1')]
    assert seen[0][0] == 'GET'
