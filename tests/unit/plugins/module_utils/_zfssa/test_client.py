# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the appliance REST client: a scripted fake transport records every request.

The last tests run the default transport (ansible.module_utils.urls) against a real local HTTPS
server with a throw-away CA, so certificate checking and HTTP error handling are exercised for real.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import errno
import json
import socket
import ssl
import http.client as http_client
from urllib.error import URLError

import pytest

from ansible.module_utils import basic
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa import client as zfssa
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client import (
    ZfssaClient, ZfssaError, TransportError, compute_changes, diff_dict, fail_on_error, storage_paths,
    zfssa_argument_spec)
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.https_lab import https_server, self_signed_certificate
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.utils import (
    AnsibleFailJson, patched_exits, set_module_args)

HOST = 'zfs.example.com'
BASE = 'https://zfs.example.com:215'
PASSWORD = 'S3cret-Pa55'
BASIC = 'Basic ' + base64.b64encode(('root:' + PASSWORD).encode()).decode()


def body(obj):
    return json.dumps(obj).encode()


def fault(status, message, details=None):
    content = {'message': message, 'code': status}
    if details is not None:
        content['details'] = details
    return (status, {'Content-Type': 'application/json'}, body({'fault': content}))


def login_ok(session='sess-1'):
    return (201, {'X-Auth-Session': session, 'Content-Type': 'application/json'}, body({'access': {'services': []}}))


def ok(obj, status=200):
    return (status, {'Content-Type': 'application/json'}, body(obj))


NO_CONTENT = (204, {}, b'')


class FakeTransport(object):
    """Answers requests from a script (a tuple or an exception per request) and records each request."""

    def __init__(self, script):
        self.script = list(script)
        self.calls = []

    def __call__(self, method, url, headers, data, timeout, validate_certs, ca_path):
        self.calls.append(dict(method=method, url=url, headers=dict(headers), data=data, timeout=timeout,
                               validate_certs=validate_certs, ca_path=ca_path))
        if not self.script:
            raise AssertionError('unexpected request %s %s' % (method, url))
        answer = self.script.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def sequence(self):
        """(method, url, how it authenticated) of every request, in order."""
        return [(c['method'], c['url'], auth_of(c['headers'])) for c in self.calls]


def auth_of(headers):
    if 'X-Auth-Session' in headers:
        return 'session:' + headers['X-Auth-Session']
    if headers.get('Authorization') == BASIC:
        return 'basic'
    return 'none'


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def make_client(script, **kwargs):
    transport = FakeTransport(script)
    kwargs.setdefault('sleep', Sleeps())
    kwargs.setdefault('backoff', 0)
    kwargs.setdefault('lazy_login', False)  # the session tests script the login first; the lazy read has its own
    client = ZfssaClient(HOST, 'root', PASSWORD, transport=transport, **kwargs)
    return client, transport


# ---------------------------------------------------------------------------------------- sessions

def test_session_login_is_reused_and_logged_out():
    with make_client([login_ok('abc'), ok({'pools': []}), ok({'pool': {'name': 'gold'}}), NO_CONTENT])[0] as client:
        transport = client.transport
        assert client.get('/pools') == {'pools': []}
        assert client.get('/pools/gold') == {'pool': {'name': 'gold'}}
    assert transport.sequence() == [
        ('POST', BASE + '/api/access/v1', 'basic'),
        ('GET', BASE + '/api/storage/v1/pools', 'session:abc'),
        ('GET', BASE + '/api/storage/v1/pools/gold', 'session:abc'),
        ('DELETE', BASE + '/api/access/v1', 'session:abc'),
    ]
    assert client.request_count == 4
    # the session id replaces credentials: they travel only on the login request
    assert all('Authorization' not in c['headers'] for c in transport.calls[1:])


APPLIANCE = {'X-Zfssa-Version': 'nas.2013.1.1', 'Content-Type': 'application/json'}


def appliance_ok(obj, status=200):
    return (status, APPLIANCE, body(obj))


def test_a_single_read_costs_one_request_with_basic_auth():
    with make_client([appliance_ok({'pools': []})], lazy_login=True)[0] as client:
        transport = client.transport
        assert client.get('/pools') == {'pools': []}
    assert transport.sequence() == [('GET', BASE + '/api/storage/v1/pools', 'basic')]


def test_a_missing_object_on_the_first_read_needs_no_login():
    client, transport = make_client([fault(404, 'ERR_NOT_FOUND', 'no such project')], lazy_login=True)
    assert client.get_or_none('/pools/gold/projects/backups', 'project') is None
    assert transport.sequence() == [('GET', BASE + '/api/storage/v1/pools/gold/projects/backups', 'basic')]


def test_the_second_request_opens_a_session_and_it_is_closed():
    script = [appliance_ok({'project': {'name': 'backups'}}), login_ok('s1'), appliance_ok({'project': {}}, 202),
              NO_CONTENT]
    with make_client(script, lazy_login=True)[0] as client:
        transport = client.transport
        client.get('/pools/gold/projects/backups')
        client.put('/pools/gold/projects/backups', {'quota': 1})
    assert transport.sequence() == [
        ('GET', BASE + '/api/storage/v1/pools/gold/projects/backups', 'basic'),
        ('POST', BASE + '/api/access/v1', 'basic'),
        ('PUT', BASE + '/api/storage/v1/pools/gold/projects/backups', 'session:s1'),
        ('DELETE', BASE + '/api/access/v1', 'session:s1'),
    ]


def test_a_write_first_always_logs_in_first():
    client, transport = make_client([login_ok('s1'), appliance_ok({'project': {}}, 201)], lazy_login=True)
    client.post('/pools/gold/projects', {'name': 'backups'})
    assert [c[0] for c in transport.sequence()] == ['POST', 'POST']
    assert transport.sequence()[0][1] == BASE + '/api/access/v1'


def test_a_first_read_refused_401_fails_like_a_refused_login():
    client, transport = make_client([fault(401, 'ERR_UNAUTHORIZED'), fault(401, 'ERR_UNAUTHORIZED', 'bad credentials')],
                                    lazy_login=True)
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    assert str(info.value) == 'POST /api/access/v1: HTTP 401 ERR_UNAUTHORIZED: bad credentials (login failed)'
    assert 'ZFSSA_PASSWORD' in info.value.hint


def test_a_first_read_answered_by_a_non_appliance_is_not_used():
    page = (200, {'Content-Type': 'application/json'}, body({'pools': ['not', 'an', 'appliance']}))
    client, transport = make_client([page, (404, {}, b'<html>'), (404, {}, b'<html>')], lazy_login=True)
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    assert 'is not a ZFS Storage Appliance REST API' in str(info.value)
    assert [c[0] for c in transport.sequence()] == ['GET', 'POST', 'GET']


def test_json_headers_and_body():
    client, transport = make_client([login_ok(), ok({'project': {'name': 'backups'}}, 201)])
    client.post('/pools/gold/projects', {'name': 'backups', 'sharenfs': 'ro'})
    post = transport.calls[1]
    assert post['headers']['Accept'] == 'application/json'
    assert post['headers']['Content-Type'] == 'application/json'
    assert json.loads(post['data'].decode()) == {'name': 'backups', 'sharenfs': 'ro'}
    assert transport.calls[0]['data'] is None  # login carries no body


def test_logout_without_session_sends_nothing_and_failures_are_ignored():
    client, transport = make_client([])
    client.logout()
    assert transport.calls == []
    client, transport = make_client([login_ok(), ok({}), TransportError('reset by peer', 'reset')])
    client.get('/pools')
    client.logout()  # does not raise
    assert [c['method'] for c in transport.calls] == ['POST', 'GET', 'DELETE']
    client.logout()
    assert len(transport.calls) == 3


def test_401_logs_in_again_once_and_repeats_the_request():
    client, transport = make_client([
        login_ok('old'), fault(401, 'ERR_UNAUTHORIZED', 'session expired'), login_ok('new'), ok({'pools': []})])
    assert client.get('/pools') == {'pools': []}
    assert transport.sequence() == [
        ('POST', BASE + '/api/access/v1', 'basic'),
        ('GET', BASE + '/api/storage/v1/pools', 'session:old'),
        ('POST', BASE + '/api/access/v1', 'basic'),
        ('GET', BASE + '/api/storage/v1/pools', 'session:new'),
    ]


def test_second_401_gives_up_with_a_clear_error():
    client, transport = make_client([
        login_ok('a'), fault(401, 'ERR_UNAUTHORIZED'), login_ok('b'), fault(401, 'ERR_UNAUTHORIZED')])
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    err = info.value
    assert err.status == 401
    assert str(err) == 'GET /api/storage/v1/pools: HTTP 401 ERR_UNAUTHORIZED: rejected again after a new login'
    assert 'user and password' in err.hint
    assert len(transport.calls) == 4


def test_login_refused_names_the_credentials():
    client, transport = make_client([fault(401, 'ERR_UNAUTHORIZED', 'bad credentials')])
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    assert str(info.value) == 'POST /api/access/v1: HTTP 401 ERR_UNAUTHORIZED: bad credentials (login failed)'
    assert 'ZFSSA_PASSWORD' in info.value.hint
    assert len(transport.calls) == 1


def test_500_saying_the_session_is_invalid_logs_in_again():
    client, transport = make_client([
        login_ok('a'), fault(500, 'ERR_INTERNAL', 'invalid session'), login_ok('b'), ok({'pools': []})])
    assert client.get('/pools') == {'pools': []}
    assert [auth_of(c['headers']) for c in transport.calls] == ['basic', 'session:a', 'basic', 'session:b']


def test_other_500_is_an_error_without_new_login():
    client, transport = make_client([login_ok(), fault(500, 'ERR_INTERNAL', 'disk on fire')])
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    assert (info.value.status, info.value.message, info.value.details) == (500, 'ERR_INTERNAL', 'disk on fire')
    assert len(transport.calls) == 2


@pytest.mark.parametrize('status', [404, 501])
def test_basic_auth_on_every_request_when_the_access_service_is_missing(status):
    client, transport = make_client([fault(status, 'ERR_NOT_FOUND'), ok({'pools': []}), ok({'pools': []})])
    with client:
        client.get('/pools')
        client.get('/pools')
    assert transport.sequence() == [
        ('POST', BASE + '/api/access/v1', 'basic'),
        ('GET', BASE + '/api/storage/v1/pools', 'basic'),
        ('GET', BASE + '/api/storage/v1/pools', 'basic'),
    ]  # no logout: there is no session


HTML_404 = (404, {'Content-Type': 'text/html'}, b'<html><head><title>404 Not Found</title></head><body>nope</body></html>')


def test_a_web_server_that_is_not_an_appliance_is_refused_before_any_other_request():
    client, transport = make_client([HTML_404, HTML_404])
    with pytest.raises(ZfssaError) as info:
        with client:
            client.post(storage_paths.filesystems('gold', 'backups'), {'name': 'vs01'})
    assert str(info.value).startswith('https://zfs.example.com:215 is not a ZFS Storage Appliance REST API: '
                                      'POST /api/access/v1 answered HTTP 404 (text/html) and GET /api/access/v1 '
                                      'answered HTTP 404 (text/html)')
    assert 'port 215' in info.value.hint
    assert [(c['method'], c['url']) for c in transport.calls] == [
        ('POST', BASE + '/api/access/v1'), ('GET', BASE + '/api/access/v1')]


@pytest.mark.parametrize('login', [
    (404, {'X-Zfssa-Version': 'ak/SUNW,ankimo@2013.06.05.8.0,1-1.1'}, b''),
    (501, {'Content-Type': 'text/plain'}, b'not implemented'),
])
def test_basic_auth_only_after_the_server_showed_it_is_an_appliance(login):
    services = ok({'services': [{'name': 'storage', 'version': '1.0', 'uri': BASE + '/api/storage/v1'}]})
    script = [login, ok({'pools': []})] if login[1].get('X-Zfssa-Version') else [login, services, ok({'pools': []})]
    client, transport = make_client(script)
    with client:
        assert client.get('/pools') == {'pools': []}
    assert transport.sequence()[-1] == ('GET', BASE + '/api/storage/v1/pools', 'basic')
    assert client.auth_mode == 'basic'


def test_basic_auth_401_is_not_retried():
    client, transport = make_client([fault(404, 'ERR_NOT_FOUND'), fault(401, 'ERR_UNAUTHORIZED')])
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    assert info.value.status == 401
    assert len(transport.calls) == 2


def test_v2_login_falls_back_to_the_v1_access_service():
    client, transport = make_client([fault(404, 'ERR_NOT_FOUND'), login_ok('s'), ok({}), NO_CONTENT], api_version='v2')
    with client:
        client.get('/pools')
    assert transport.sequence() == [
        ('POST', BASE + '/api/access/v2', 'basic'),
        ('POST', BASE + '/api/access/v1', 'basic'),
        ('GET', BASE + '/api/storage/v2/pools', 'session:s'),
        ('DELETE', BASE + '/api/access/v1', 'session:s'),
    ]


# ----------------------------------------------------------------------------------------- retries

def test_503_backs_off_exponentially_then_succeeds():
    sleeps = Sleeps()
    client, transport = make_client([login_ok(), fault(503, 'ERR_BUSY'), fault(503, 'ERR_BUSY'), ok({'pools': []})],
                                    backoff=1, sleep=sleeps)
    assert client.get('/pools') == {'pools': []}
    assert sleeps == [1, 2]
    assert [c['method'] for c in transport.calls] == ['POST', 'GET', 'GET', 'GET']


def test_503_gives_up_after_retries_and_says_how_many_attempts():
    client, transport = make_client([login_ok()] + [fault(503, 'ERR_BUSY', 'limited resources')] * 3, retries=2)
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    assert str(info.value) == ('GET /api/storage/v1/pools: HTTP 503 ERR_BUSY: limited resources '
                               '(gave up after 3 attempts)')
    assert info.value.attempts == 3
    assert len(transport.calls) == 4


def test_waits_are_capped_and_retry_after_is_honoured():
    sleeps = Sleeps()
    busy = (503, {'Retry-After': '7'}, b'')
    client = make_client([login_ok()] + [busy] * 6 + [ok({})], backoff=1, retries=6, sleep=sleeps)[0]
    client.get('/pools')
    assert sleeps == [7, 7, 7, 8, 16, zfssa.MAX_DELAY]


@pytest.mark.parametrize('value', [u'\u00b2', u'\u0667', u'soon', u'-3'])
def test_a_retry_after_that_is_not_ascii_digits_is_ignored(value):
    sleeps = Sleeps()
    busy = (503, {'Retry-After': value}, b'')
    client = make_client([login_ok(), busy, ok({})], backoff=1, retries=2, sleep=sleeps)[0]
    client.get('/pools')
    assert sleeps == [1]


@pytest.mark.parametrize('status', [408, 429, 502, 504])
def test_other_transient_statuses_are_retried(status):
    client, transport = make_client([login_ok(), (status, {}, b''), ok({'x': 1})])
    assert client.get('/x') == {'x': 1}
    assert len(transport.calls) == 3


def test_retries_zero_means_one_attempt():
    client, transport = make_client([login_ok(), fault(503, 'ERR_BUSY')], retries=0)
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    assert info.value.attempts == 1
    assert 'gave up' not in str(info.value)


@pytest.mark.parametrize('exc', [
    TransportError('connection reset by peer', 'reset'),
    socket.error(errno.ECONNRESET, 'Connection reset by peer'),
    socket.timeout('timed out'),
])
def test_connection_reset_or_timeout_on_get_is_retried(exc):
    client, transport = make_client([login_ok(), exc, ok({'pools': []})])
    assert client.get('/pools') == {'pools': []}
    assert [c['method'] for c in transport.calls] == ['POST', 'GET', 'GET']


def test_connection_refused_gives_up_with_hint():
    refused = socket.error(errno.ECONNREFUSED, 'Connection refused')
    client, transport = make_client([refused] * 3, retries=2)
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    err = info.value
    assert err.status is None
    assert str(err) == 'POST /api/access/v1: connection refused ([Errno 111] Connection refused) (gave up after 3 attempts)'
    assert 'REST service' in err.hint
    assert len(transport.calls) == 3


def test_certificate_errors_are_not_retried():
    client, transport = make_client([TransportError('certificate verify failed', 'tls')])
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    assert 'ca_path' in info.value.hint and 'validate_certs' in info.value.hint
    assert len(transport.calls) == 1


def test_a_definite_error_after_a_retry_does_not_claim_to_give_up():
    client = make_client([login_ok(), fault(503, 'ERR_BUSY'), fault(404, 'ERR_NOT_FOUND', 'no such pool')])[0]
    with pytest.raises(ZfssaError) as info:
        client.get('/pools/nope')
    assert str(info.value) == 'GET /api/storage/v1/pools/nope: HTTP 404 ERR_NOT_FOUND: no such pool'
    assert info.value.not_found


@pytest.mark.parametrize('exc, kind', [
    (URLError(socket.error(errno.ECONNREFUSED, 'Connection refused')), 'refused'),
    (URLError(socket.timeout('timed out')), 'timeout'),
    (URLError(socket.gaierror(-2, 'Name or service not known')), 'dns'),
    (URLError(ssl.SSLError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed')), 'tls'),
    (http_client.RemoteDisconnected('Remote end closed connection without response'), 'reset'),
    (http_client.BadStatusLine('garbage'), 'reset'),
    (socket.error(errno.EPIPE, 'Broken pipe'), 'reset'),
    (socket.error(errno.EHOSTUNREACH, 'No route to host'), 'other'),
    (URLError('certificate verify failed: self signed'), 'tls'),
])
def test_transport_failures_are_classified(exc, kind):
    assert zfssa.classify_transport_exception(exc).kind == kind


def test_unreachable_host_is_not_retried():
    client, transport = make_client([socket.error(errno.EHOSTUNREACH, 'No route to host')])
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    assert str(info.value) == 'POST /api/access/v1: connection failed ([Errno 113] No route to host)'
    assert len(transport.calls) == 1


# ------------------------------------------------------------------------------- POST after ambiguity

def test_ambiguous_post_looks_the_object_up_and_does_not_post_twice():
    created = {'project': {'name': 'backups', 'pool': 'gold'}}
    client, transport = make_client([login_ok('s'), TransportError('timed out', 'timeout'), ok(created)])
    result = client.post('/pools/gold/projects', {'name': 'backups'}, lookup='/pools/gold/projects/backups')
    assert result == created
    assert transport.sequence() == [
        ('POST', BASE + '/api/access/v1', 'basic'),
        ('POST', BASE + '/api/storage/v1/pools/gold/projects', 'session:s'),
        ('GET', BASE + '/api/storage/v1/pools/gold/projects/backups', 'session:s'),
    ]


def test_ambiguous_post_is_repeated_only_when_the_lookup_finds_nothing():
    created = {'project': {'name': 'backups'}}
    client, transport = make_client([
        login_ok('s'), socket.error(errno.ECONNRESET, 'reset'), fault(404, 'ERR_NOT_FOUND'), ok(created, 201)])
    assert client.post('/pools/gold/projects', {'name': 'backups'}, lookup='/pools/gold/projects/backups') == created
    assert [(c['method'], c['url'].rsplit('/', 1)[1]) for c in transport.calls] == [
        ('POST', 'v1'), ('POST', 'projects'), ('GET', 'backups'), ('POST', 'projects')]


def test_post_409_after_an_ambiguous_attempt_returns_the_existing_object():
    created = {'project': {'name': 'backups'}}
    client, transport = make_client([
        login_ok(), fault(502, 'Bad Gateway'), fault(404, 'ERR_NOT_FOUND'),
        fault(409, 'ERR_OBJECT_EXISTS'), ok(created)])
    assert client.post('/pools/gold/projects', {'name': 'backups'}, lookup='/pools/gold/projects/backups') == created
    assert [c['method'] for c in transport.calls] == ['POST', 'POST', 'GET', 'POST', 'GET']


def test_ambiguous_post_without_lookup_is_not_repeated():
    client, transport = make_client([login_ok(), TransportError('timed out', 'timeout')])
    with pytest.raises(ZfssaError) as info:
        client.post('/pools/gold/projects', {'name': 'backups'})
    assert str(info.value) == ('POST /api/storage/v1/pools/gold/projects: timed out; the appliance may or may not '
                               'have applied it, so it was not sent again')
    assert [c['method'] for c in transport.calls] == ['POST', 'POST']


def test_ambiguous_post_with_a_failing_lookup_reports_both():
    client = make_client([login_ok(), TransportError('timed out', 'timeout'), fault(403, 'ERR_DENIED', 'no read access')])[0]
    with pytest.raises(ZfssaError) as info:
        client.post('/pools/gold/projects', {'name': 'p'}, lookup='/pools/gold/projects/p')
    assert str(info.value) == ('POST /api/storage/v1/pools/gold/projects: timed out; looking the object up failed: '
                               'GET /api/storage/v1/pools/gold/projects/p: HTTP 403 ERR_DENIED: no read access')


def test_refused_post_is_safe_to_repeat():
    client, transport = make_client([login_ok(), socket.error(errno.ECONNREFUSED, 'refused'), ok({'p': 1}, 201)])
    assert client.post('/pools/gold/projects', {'name': 'p'}) == {'p': 1}
    assert [c['method'] for c in transport.calls] == ['POST', 'POST', 'POST']


def test_busy_post_is_safe_to_repeat():
    client, transport = make_client([login_ok(), fault(503, 'ERR_BUSY'), ok({'p': 1}, 201)])
    assert client.post('/pools/gold/projects', {'name': 'p'}) == {'p': 1}
    assert len(transport.calls) == 3


# ------------------------------------------------------------------------------------- fault bodies

@pytest.mark.parametrize('answer, expected', [
    (fault(409, 'ERR_OBJECT_EXISTS', 'project backups exists'),
     'POST /api/storage/v1/pools/gold/projects: HTTP 409 ERR_OBJECT_EXISTS: project backups exists'),
    (fault(400, 'ERR_INVALID_ARG'),
     'POST /api/storage/v1/pools/gold/projects: HTTP 400 ERR_INVALID_ARG'),
    ((400, {}, body({'fault': {'name': 'ERR_MISSING_ARG', 'details': 'name\nis required'}})),
     'POST /api/storage/v1/pools/gold/projects: HTTP 400 ERR_MISSING_ARG: name is required'),
    ((400, {}, body({'fault': {'details': 'bad value'}})),
     'POST /api/storage/v1/pools/gold/projects: HTTP 400 Bad Request: bad value'),
    ((500, {}, b''),
     'POST /api/storage/v1/pools/gold/projects: HTTP 500 Internal Server Error'),
    ((500, {'Content-Type': 'text/plain'}, b'  internal\n error  '),
     'POST /api/storage/v1/pools/gold/projects: HTTP 500 Internal Server Error: internal error'),
    ((500, {'Content-Type': 'text/html'},
      b'<html><head><title>500 Internal Server Error</title></head><body><h1>nginx</h1></body></html>'),
     'POST /api/storage/v1/pools/gold/projects: HTTP 500 Internal Server Error'),
    ((403, {'Content-Type': 'text/html'}, b'<html><body><p>Access\n<b>denied</b></p></body></html>'),
     'POST /api/storage/v1/pools/gold/projects: HTTP 403 Forbidden: Access denied'),
    ((400, {}, b'{"fault": {"message": "ERR_INVALID_ARG", "det'),
     'POST /api/storage/v1/pools/gold/projects: HTTP 400 Bad Request: {"fault": {"message": "ERR_INVALID_ARG", "det'),
    ((400, {}, body(['unexpected', 'list'])),
     'POST /api/storage/v1/pools/gold/projects: HTTP 400 Bad Request: ["unexpected", "list"]'),
    ((400, {}, b'\xff\xfe bad bytes'),
     u'POST /api/storage/v1/pools/gold/projects: HTTP 400 Bad Request: \ufffd\ufffd bad bytes'),
    ((599, {}, b''),
     'POST /api/storage/v1/pools/gold/projects: HTTP 599 HTTP error'),
])
def test_fault_bodies_give_one_line_messages(answer, expected):
    client = make_client([login_ok(), answer], retries=0)[0]
    with pytest.raises(ZfssaError) as info:
        client.post('/pools/gold/projects', {'name': 'backups'})
    assert str(info.value) == expected
    assert info.value.method == 'POST'
    assert info.value.path == '/api/storage/v1/pools/gold/projects'
    assert info.value.status == answer[0]


def test_fault_fields_are_kept():
    client = make_client([login_ok(), fault(409, 'ERR_OBJECT_EXISTS', 'exists')])[0]
    with pytest.raises(ZfssaError) as info:
        client.post('/pools/gold/projects', {'name': 'backups'})
    assert info.value.fault() == {'message': 'ERR_OBJECT_EXISTS', 'details': 'exists', 'code': 409}
    assert not info.value.not_found


def test_long_html_error_pages_are_shortened():
    page = b'<html><body>' + b'x' * 5000 + b'</body></html>'
    client = make_client([login_ok(), (500, {}, page)])[0]
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    assert len(str(info.value)) < 400


def test_success_with_a_non_json_body_is_an_error():
    client = make_client([login_ok(), (200, {}, b'<html>login page</html>')])[0]
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    assert str(info.value) == 'GET /api/storage/v1/pools: HTTP 200 the answer is not JSON: login page'


def test_empty_success_bodies():
    client = make_client([login_ok(), (202, {}, b''), NO_CONTENT])[0]
    assert client.put('/replication/actions/a1/sendupdate') == {}
    assert client.delete('/pools/gold/projects/p') is None


def test_request_returns_status_and_lowercased_headers():
    client = make_client([login_ok(), (201, {'Location': '/api/storage/v1/pools/gold/projects/p'}, body({'project': {}}))])[0]
    status, headers, result = client.request('POST', '/pools/gold/projects', body={'name': 'p'})
    assert (status, headers['location'], result) == (201, '/api/storage/v1/pools/gold/projects/p', {'project': {}})


def test_get_or_none():
    client = make_client([login_ok(), fault(404, 'ERR_NOT_FOUND'), ok({'project': {'name': 'p'}}), ok({'other': 1}),
                          fault(403, 'ERR_DENIED')])[0]
    assert client.get_or_none('/pools/gold/projects/p', 'project') is None
    assert client.get_or_none('/pools/gold/projects/p', 'project') == {'name': 'p'}
    with pytest.raises(ZfssaError) as info:
        client.get_or_none('/pools/gold/projects/p', 'project')
    assert "no 'project' object" in str(info.value)
    with pytest.raises(ZfssaError) as info:
        client.get_or_none('/pools/gold/projects/p', 'project')
    assert info.value.status == 403


# ------------------------------------------------------------------------------------ paths and URLs

def test_storage_paths():
    p = storage_paths
    assert p.pools() == '/pools'
    assert p.pool('gold') == '/pools/gold'
    assert p.projects('gold') == '/pools/gold/projects'
    assert p.project('gold', 'backups') == '/pools/gold/projects/backups'
    assert p.filesystems('gold', 'backups') == '/pools/gold/projects/backups/filesystems'
    assert p.filesystem('gold', 'backups', 'vs1') == '/pools/gold/projects/backups/filesystems/vs1'
    assert p.snapshots('gold', 'backups') == '/pools/gold/projects/backups/snapshots'
    assert p.snapshots('gold', 'backups', 'vs1') == '/pools/gold/projects/backups/filesystems/vs1/snapshots'
    assert p.snapshot('gold', 'backups', 'daily-1') == '/pools/gold/projects/backups/snapshots/daily-1'
    assert p.snapshot('gold', 'backups', 'd', fs='vs1') == '/pools/gold/projects/backups/filesystems/vs1/snapshots/d'
    assert p.automatic('gold', 'backups') == '/pools/gold/projects/backups/automatic'
    assert p.automatic('gold', 'backups', 'vs1', 'automatic-000') == \
        '/pools/gold/projects/backups/filesystems/vs1/automatic/automatic-000'
    assert p.project_replication_actions('gold', 'backups') == '/pools/gold/projects/backups/replication/actions'
    assert p.replication_targets() == '/replication/targets'
    assert p.replication_targets('dr site') == '/replication/targets/dr%20site'
    assert p.replication_actions('8373d331') == '/replication/actions/8373d331'
    assert p.replication_sources('zfssa-repl') == '/replication/sources/zfssa-repl'
    assert p.replication_packages() == '/replication/packages'


def test_storage_paths_with_bound_defaults():
    p = storage_paths(pool='gold', project='backups')
    assert p.filesystem(fs='vs1') == '/pools/gold/projects/backups/filesystems/vs1'
    assert p.filesystem('silver', fs='vs1') == '/pools/silver/projects/backups/filesystems/vs1'
    with pytest.raises(ValueError) as info:
        storage_paths.project('gold')
    assert 'project is required' in str(info.value)


def test_path_segments_are_quoted():
    assert storage_paths.filesystem('gold', 'my proj', 'a/b') == '/pools/gold/projects/my%20proj/filesystems/a%2Fb'
    assert storage_paths.snapshot('gold', 'p', u'caf\u00e9?#') == '/pools/gold/projects/p/snapshots/caf%C3%A9%3F%23'


@pytest.mark.parametrize('obj, expected', [
    ({'href': '/api/storage/v1/pools/gold/projects/backups/automatic/automatic-000'},
     '/pools/gold/projects/backups/automatic/automatic-000'),
    ({'href': '/api/storage/v2/replication/actions/a%201/', 'id': 'other'}, '/replication/actions/a%201'),
    ({'id': 'automatic-007'}, '/coll/automatic-007'),
    ({'href': 'https://evil.example.com/api/storage/v1/x', 'id': 's1'}, '/coll/s1'),
    ({'href': '/api/storage/v1/pools/gold/projects/backups/filesystems/..', 'id': 's2'}, '/coll/s2'),
    ({'href': '/api/service/v1/services/replication/targets/dr', 'id': 's3'}, '/coll/s3'),
])
def test_objects_are_addressed_by_href_then_id(obj, expected):
    assert zfssa.object_path(obj, '/coll', 'schedule') == expected


@pytest.mark.parametrize('obj', [{}, {'id': ''}, {'href': '/api/storage/v1/'}, {'href': '/api/storage/v1/a//b'}, None])
def test_an_object_without_href_or_id_is_never_addressed_through_its_collection(obj):
    with pytest.raises(ZfssaError) as info:
        zfssa.object_path(obj, '/coll', 'replication schedule')
    assert 'replication schedule with neither href nor id' in str(info.value)


def test_object_id_falls_back_to_the_last_href_segment():
    assert zfssa.object_id({'href': '/api/storage/v1/pools/gold/projects/p/automatic/automatic-003'}) == 'automatic-003'
    assert zfssa.object_id({'id': 'x', 'href': '/api/storage/v1/a/b'}) == 'x'
    assert zfssa.object_id({}) is None


@pytest.mark.parametrize('name', ['.', '..', ''])
def test_dot_segments_and_empty_names_are_refused_before_any_request(name):
    with pytest.raises(zfssa.PathError) as info:
        storage_paths.filesystem('gold', 'backups', name)
    assert isinstance(info.value, ZfssaError) and isinstance(info.value, ValueError)
    if name:
        assert "'%s' cannot name an appliance object" % name in str(info.value)


@pytest.mark.parametrize('version', ['v1', 'v2'])
def test_urls_for_each_api_version_and_service(version):
    client, transport = make_client([login_ok(), ok({}), ok({}), ok({})], api_version=version)
    client.get(storage_paths.filesystems('gold', 'backups'), query={'snaps': True, 'limit': 5})
    client.get('/services/replication', service='service')
    client.get('/version', service='system')
    assert [c['url'] for c in transport.calls] == [
        BASE + '/api/access/%s' % version,
        BASE + '/api/storage/%s/pools/gold/projects/backups/filesystems?limit=5&snaps=true' % version,
        BASE + '/api/service/%s/services/replication' % version,
        BASE + '/api/system/%s/version' % version,
    ]
    assert client.api_version == version


def test_ipv6_host_and_port():
    transport = FakeTransport([login_ok(), ok({})])
    ZfssaClient('fd00::5', 'root', PASSWORD, port=8215, transport=transport, lazy_login=False).get('/pools')
    assert transport.calls[1]['url'] == 'https://[fd00::5]:8215/api/storage/v1/pools'


def test_tls_and_timeout_settings_reach_the_transport():
    client, transport = make_client([login_ok(), ok({})], validate_certs=False, ca_path='/etc/zfssa/ca.pem', timeout=12)
    client.get('/pools')
    assert [(c['validate_certs'], c['ca_path'], c['timeout']) for c in transport.calls] == \
        [(False, '/etc/zfssa/ca.pem', 12)] * 2
    client, transport = make_client([login_ok(), ok({})])
    client.get('/pools')
    assert transport.calls[0]['validate_certs'] is True


@pytest.mark.parametrize('kwargs, words', [
    (dict(host=''), 'ZFSSA_HOST'),
    (dict(host='https://zfs/'), 'without https://'),
    (dict(user=''), 'ZFSSA_USER'),
    (dict(port=0), '1-65535'),
    (dict(api_version='v3'), 'v1 or v2'),
    (dict(timeout=0), 'timeout'),
    (dict(retries=-1), 'retries'),
    (dict(host='root@other.example.com'), 'no user@ part'),
    (dict(host='zfs?x=1'), 'no user@ part'),
    (dict(host='zfs#frag'), 'no user@ part'),
])
def test_bad_connection_settings_are_refused_by_name(kwargs, words):
    args = dict(host=HOST, user='root', password=PASSWORD)
    args.update(kwargs)
    with pytest.raises(ZfssaError) as info:
        ZfssaClient(transport=FakeTransport([]), **args)
    assert words in str(info.value)


# ------------------------------------------------------------------------------------ secrets

def test_password_never_appears_in_errors():
    echo = 'user root password %s rejected' % PASSWORD
    answers = [
        [fault(401, 'ERR_UNAUTHORIZED', echo)],
        [login_ok(), fault(400, echo, echo)],
        [login_ok(), (500, {}, ('<html><title>%s</title></html>' % echo).encode())],
        [login_ok(), TransportError(echo, 'tls')],
        [login_ok(), TransportError(echo, 'timeout')],
    ]
    messages = []
    for script in answers:
        client = make_client(script, retries=0)[0]
        with pytest.raises(ZfssaError) as info:
            client.post('/pools/gold/projects', {'name': 'p'})
        err = info.value
        messages.extend([str(err), repr(err), err.message or '', err.details or '', json.dumps(err.fault())])
        module = FakeModule()
        with pytest.raises(FailJson):
            fail_on_error(module, err, action='create project gold/p')
        messages.append(json.dumps(module.failed))
    assert [m for m in messages if PASSWORD in m] == []
    assert any('********' in m for m in messages)


def test_basic_token_and_session_id_are_masked_like_the_password():
    # A proxy error page that echoes the request headers.
    session = 'sess-2f9c1e77a0b4'
    echo = 'Authorization: %s X-Auth-Session: %s' % (BASIC, session)
    client = make_client([login_ok(session), (400, {'Content-Type': 'text/plain'}, echo.encode())], retries=0)[0]
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    err = info.value
    texts = [str(err), err.details or '', json.dumps(err.fault())]
    token = BASIC.split()[1]
    assert [t for t in texts if token in t or session in t] == []
    assert 'Authorization: Basic ******** X-Auth-Session: ********' in str(err)


def test_the_module_output_masks_the_token_and_the_session_too(monkeypatch):
    with patched_exits(monkeypatch):
        module = spec_module({'host': HOST, 'user': 'root', 'password': PASSWORD}, monkeypatch)
    client = ZfssaClient.from_module(module, transport=FakeTransport([login_ok('sess-7731aa'), ok({})]), backoff=0,
                                     lazy_login=False)
    client.get('/pools')
    assert {PASSWORD, BASIC.split()[1], 'sess-7731aa'} <= module.no_log_values


@pytest.mark.parametrize('answer', [b'[]', b'"x"', b'123', b'[{"name": "gold"}]'])
def test_an_answer_that_is_not_a_json_object_is_a_clear_error(answer):
    client = make_client([login_ok(), (200, {'Content-Type': 'application/json'}, answer)])[0]
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    assert str(info.value).startswith('GET /api/storage/v1/pools: HTTP 200 the answer is not a JSON object')


def test_an_object_key_that_is_not_an_object_is_a_clear_error():
    client = make_client([login_ok(), ok({'project': 'backups'})])[0]
    with pytest.raises(ZfssaError) as info:
        client.get_or_none('/pools/gold/projects/backups', 'project')
    assert "the answer has no 'project' object" in str(info.value)


def test_tls_hint_leads_with_ca_path():
    client = make_client([TransportError('certificate verify failed', 'tls')])[0]
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    assert info.value.hint.startswith('Give the CA that signed the appliance certificate with ca_path')
    assert 'last resort' in info.value.hint


def test_validate_certs_false_warns_once(monkeypatch):
    warnings = []
    with patched_exits(monkeypatch):
        module = spec_module({'host': HOST, 'user': 'root', 'password': PASSWORD, 'validate_certs': False}, monkeypatch)
    monkeypatch.setattr(module, 'warn', warnings.append)
    client = ZfssaClient.from_module(module, transport=FakeTransport([login_ok(), ok({}), ok({})]), backoff=0,
                                     lazy_login=False)
    client.get('/pools')
    client.get('/pools')
    assert len(warnings) == 1 and 'validate_certs is false' in warnings[0] and 'ca_path' in warnings[0]


# ------------------------------------------------------------------------------- module helpers

class FailJson(Exception):
    pass


class FakeModule(object):
    def __init__(self):
        self.failed = None

    def fail_json(self, **kwargs):
        self.failed = kwargs
        raise FailJson()


def test_fail_on_error_message_status_and_fault():
    err = ZfssaError('ERR_OBJECT_EXISTS', 'POST', '/api/storage/v1/pools/gold/projects', 409, 'exists', 409)
    module = FakeModule()
    with pytest.raises(FailJson):
        fail_on_error(module, err, action='create project gold/backups')
    assert module.failed == dict(
        msg='Could not create project gold/backups: POST /api/storage/v1/pools/gold/projects: HTTP 409 ERR_OBJECT_EXISTS: exists',
        status=409, fault={'message': 'ERR_OBJECT_EXISTS', 'details': 'exists', 'code': 409})


def test_fail_on_error_adds_the_hint():
    err = ZfssaError('ERR_UNAUTHORIZED', 'POST', '/api/access/v1', 401, hint=zfssa.hint_for_status(401))
    module = FakeModule()
    with pytest.raises(FailJson):
        fail_on_error(module, err)
    assert module.failed['msg'] == ('POST /api/access/v1: HTTP 401 ERR_UNAUTHORIZED. '
                                    'Check user and password (options user/password or ZFSSA_USER/ZFSSA_PASSWORD).')


def spec_module(args, monkeypatch, env=None):
    """An AnsibleModule with the common spec, args and exactly the ZFSSA_* environment given."""
    for name in ('ZFSSA_HOST', 'ZFSSA_USER', 'ZFSSA_PASSWORD', 'ZFSSA_VALIDATE_CERTS', 'ZFSSA_CA_PATH'):
        monkeypatch.delenv(name, raising=False)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    with set_module_args(args):
        return basic.AnsibleModule(argument_spec=zfssa_argument_spec(), supports_check_mode=True)


def test_from_module_uses_options_and_env_fallbacks(monkeypatch):
    env = {'ZFSSA_USER': 'backup', 'ZFSSA_CA_PATH': '/etc/zfssa/ca.pem', 'ZFSSA_VALIDATE_CERTS': 'no'}
    with patched_exits(monkeypatch):
        module = spec_module({'hostname': HOST, 'password': PASSWORD, 'api_version': 'v2'}, monkeypatch, env)
    client = ZfssaClient.from_module(module, transport=FakeTransport([]))
    assert (client.host, client.user, client.port, client.api_version, client.validate_certs, client.ca_path,
            client.timeout, client.retries) == (HOST, 'backup', 215, 'v2', False, '/etc/zfssa/ca.pem', 30, 4)
    assert PASSWORD in module.no_log_values


def test_missing_host_names_the_env_variable(monkeypatch):
    with patched_exits(monkeypatch):
        with pytest.raises(AnsibleFailJson) as info:
            spec_module({'user': 'root', 'password': PASSWORD}, monkeypatch)
    assert 'host' in info.value.result['msg']


def test_from_module_fails_naming_the_option(monkeypatch):
    with patched_exits(monkeypatch):
        module = spec_module({'host': HOST, 'user': 'root', 'password': PASSWORD, 'retries': -2}, monkeypatch)
        with pytest.raises(AnsibleFailJson) as info:
            ZfssaClient.from_module(module)
    assert info.value.result['msg'] == 'retries must be 0 or more'


def test_argument_spec_is_a_fresh_copy():
    spec = zfssa_argument_spec()
    spec['host']['required'] = False
    assert zfssa_argument_spec()['host']['required'] is True
    assert zfssa_argument_spec()['password']['no_log'] is True


# ---------------------------------------------------------------------------------- idempotency

def test_compute_changes():
    current = {'name': 'backups', 'compression': 'lz4', 'quota': 1024, 'readonly': False, 'sharenfs': 'ro'}
    desired = {'compression': 'lz4', 'quota': 2048, 'readonly': None, 'sharenfs': 'ro', 'snapdir': 'visible'}
    assert compute_changes(current, desired) == {'quota': 2048, 'snapdir': 'visible'}
    assert compute_changes(None, {'a': 1, 'b': None}) == {'a': 1}
    assert compute_changes(current, {}) == {}


def test_compute_changes_with_normalizers():
    def nfs_rule_set(value):
        return frozenset(value.split(','))
    current = {'sharenfs': 'sec=sys,rw=@10.0.0.1/32', 'atime': 'true', 'quota': None}
    desired = {'sharenfs': 'rw=@10.0.0.1/32,sec=sys', 'atime': True, 'quota': '0'}
    normalize = {'sharenfs': nfs_rule_set, 'atime': lambda v: str(v).lower(), 'quota': int}
    assert compute_changes(current, desired, normalize) == {'quota': '0'}


def test_diff_dict():
    before = {'name': 'p', 'quota': 1, 'href': '/x', 'space_total': 5}
    after = dict(before, quota=2)
    expected = {'before': {'name': 'p', 'quota': 1}, 'after': {'name': 'p', 'quota': 2}}
    assert diff_dict(before, after, ['name', 'quota']) == expected
    assert diff_dict(None, {'name': 'p'}, ['name', 'quota']) == {'before': {}, 'after': {'name': 'p'}}
    assert diff_dict({'name': 'p'}, None, ['name']) == {'before': {'name': 'p'}, 'after': {}}


# ------------------------------------------------------------ default transport against real HTTPS

class ScriptedHandler(object):
    """Answers of the local HTTPS server, shared with its request handler."""

    def __init__(self):
        self.answers = []
        self.seen = []


@pytest.fixture(scope='module')
def tls_files(tmp_path_factory):
    """A throw-away CA-less self-signed certificate for 127.0.0.1."""
    return self_signed_certificate(tmp_path_factory.mktemp('tls'))


@pytest.fixture
def https_appliance(tls_files):
    script = ScriptedHandler()

    def respond(method, path, headers, data):
        script.seen.append((method, path, headers, data))
        return script.answers.pop(0)

    with https_server(tls_files, respond) as port:
        yield port, script


def test_default_transport_over_real_https(https_appliance, tls_files):
    port, script = https_appliance
    # the first read goes with Basic auth; it is busy, so the retry logs in and the session is used from then on
    script.answers = [fault(503, 'ERR_BUSY'), login_ok('real'), ok({'pools': [{'name': 'gold'}]}),
                      fault(404, 'ERR_NOT_FOUND', 'no such project'), NO_CONTENT]
    with ZfssaClient('127.0.0.1', 'root', PASSWORD, port=port, ca_path=tls_files[0], backoff=0) as client:
        assert client.get('/pools') == {'pools': [{'name': 'gold'}]}
        assert client.get_or_none(storage_paths.project('gold', 'nope'), 'project') is None
    assert [(m, p, h.get('X-Auth-Session'), h.get('Accept')) for m, p, h, d in script.seen] == [
        ('GET', '/api/storage/v1/pools', None, 'application/json'),
        ('POST', '/api/access/v1', None, 'application/json'),
        ('GET', '/api/storage/v1/pools', 'real', 'application/json'),
        ('GET', '/api/storage/v1/pools/gold/projects/nope', 'real', 'application/json'),
        ('DELETE', '/api/access/v1', 'real', 'application/json'),
    ]
    assert script.seen[0][2]['Authorization'] == BASIC
    assert script.seen[1][2]['Authorization'] == BASIC


def test_default_transport_refuses_an_unknown_certificate(https_appliance):
    port, script = https_appliance
    client = ZfssaClient('127.0.0.1', 'root', PASSWORD, port=port, backoff=0)
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    assert str(info.value).startswith('GET /api/storage/v1/pools: TLS/certificate error')
    assert 'ca_path' in info.value.hint
    assert client.request_count == 1  # not retried
    assert script.seen == []


def test_default_transport_connection_refused():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    client = ZfssaClient('127.0.0.1', 'root', PASSWORD, port=port, retries=1, backoff=0)
    with pytest.raises(ZfssaError) as info:
        client.get('/pools')
    assert info.value.status is None
    assert 'connection refused' in str(info.value)
    assert info.value.attempts == 2
