# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""The one REST client for the Oracle ZFS Storage Appliance, used by every ``zfssa_*`` module.

Behaviour (see docs/zfssa-client.md; the appliance facts it relies on are in
docs/reference/appliance-api.md):

- HTTPS to ``https://<host>:<port>/api/<service>/<v1|v2><path>``, JSON in and out.
- One session per client, opened on demand: a client's first request, when it is a GET, carries Basic auth
  and no session (a module that only reads once costs one request); before any other request
  ``POST /api/access/<ver>`` with Basic auth returns ``X-Auth-Session``, which later requests carry;
  ``logout()`` (or leaving a ``with`` block) sends ``DELETE /api/access/<ver>``. A first GET answered 401
  or without the appliance's headers is sent again after a normal login, so bad credentials and
  non-appliance servers fail as before. When the access service answers 404/501 the client sends Basic
  auth on every request instead.
- 401 (and 500 whose fault says the session is not valid) -> log in again once and repeat the request.
- 503/408/429/502/504 and connection refused/reset/timeout -> bounded exponential backoff.
- A POST is never repeated blindly after an ambiguous failure (the appliance may have applied it):
  with ``lookup=`` the client GETs that path first and returns the object if it exists.
- Every failure is a ``ZfssaError``; ``fail_on_error`` turns it into ``module.fail_json``.

The HTTP layer is a plain callable so tests can replace it::

    transport(method, url, headers, body_bytes, timeout, validate_certs, ca_path)
        -> (status, headers_dict, body_bytes)

It returns HTTP error statuses like any other status and raises ``TransportError`` (or a
``socket.error``/``OSError``, which the client classifies) when no HTTP answer arrived.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import errno
import json
import re
import socket
import ssl
import time

try:
    from urllib.parse import quote, unquote, urlencode  # novm (Python 3 branch)
    from urllib.error import HTTPError, URLError  # novm
    from http.client import HTTPException, responses as HTTP_REASONS  # novm
except ImportError:  # Python 2 (ansible-core 2.16 targets); module_utils may not import urllib2
    from urllib import quote, unquote, urlencode  # novm (Python 2 branch)
    from httplib import HTTPException, responses as HTTP_REASONS  # novm
    HTTPError = URLError = IOError  # urllib2's HTTPError and URLError derive from IOError; see is_http_answer()

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible.module_utils.urls import open_url, SSLValidationError

from ansible_collections.exalogic.backup.plugins.module_utils._host.ipaddr import ascii_digits

DEFAULT_PORT = 215
API_VERSIONS = ('v1', 'v2')
# Statuses that mean "not done, try again later" (503 is the appliance's ERR_BUSY).
RETRY_STATUSES = frozenset((408, 429, 502, 503, 504))
# Of those, the ones where a proxy may have forwarded the request: a POST may have been applied.
AMBIGUOUS_STATUSES = frozenset((502, 504))
# Transport failures worth another attempt; 'reset' and 'timeout' may happen after the appliance got the request.
RETRY_KINDS = frozenset(('refused', 'reset', 'timeout'))
AMBIGUOUS_KINDS = frozenset(('reset', 'timeout'))
MAX_DELAY = 30.0
# Passwords shorter than this are not masked in messages: masking them would garble the text.
MIN_MASKED_SECRET = 4
USER_AGENT = 'exalogic.backup-zfssa'


def zfssa_argument_spec():
    """Connection options shared by every zfssa_* module (documented by the exalogic.backup.zfssa fragment)."""
    return dict(
        host=dict(type='str', required=True, aliases=['hostname'], fallback=(env_fallback, ['ZFSSA_HOST'])),
        user=dict(type='str', required=True, aliases=['username'], fallback=(env_fallback, ['ZFSSA_USER'])),
        password=dict(type='str', required=True, no_log=True, fallback=(env_fallback, ['ZFSSA_PASSWORD'])),
        port=dict(type='int', default=DEFAULT_PORT),
        api_version=dict(type='str', default='v1', choices=list(API_VERSIONS)),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['ZFSSA_VALIDATE_CERTS'])),
        ca_path=dict(type='path', fallback=(env_fallback, ['ZFSSA_CA_PATH'])),
        timeout=dict(type='int', default=30),
        retries=dict(type='int', default=4),
    )


# ---------------------------------------------------------------------------------------------- errors

class TransportError(Exception):
    """No HTTP answer arrived. ``kind`` is refused, reset, timeout, tls, dns or other."""

    def __init__(self, reason, kind='other'):
        super(TransportError, self).__init__(reason)
        self.reason = reason
        self.kind = kind

    @property
    def retryable(self):
        return self.kind in RETRY_KINDS

    @property
    def ambiguous(self):
        """True when the appliance may have received (and applied) the request."""
        return self.kind in AMBIGUOUS_KINDS


class ZfssaError(Exception):
    """One failed appliance call: method, path, HTTP status (None when no answer), the fault fields.

    ``attempts`` > 1 means the client retried a transient failure that many times and gave up.
    """

    def __init__(self, message, method=None, path=None, status=None, details=None, code=None,
                 attempts=1, hint=None, doing=None):
        super(ZfssaError, self).__init__(message)
        self.doing = doing  # what the module was doing ('delete snapshot gold/backups@daily'), from the call
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.details = details
        self.code = code
        self.attempts = attempts
        self.hint = hint

    @property
    def not_found(self):
        return self.status == 404

    def fault(self):
        return dict(message=self.message, details=self.details, code=self.code)

    def __str__(self):
        parts = []
        if self.method and self.path:
            parts.append('%s %s' % (self.method, self.path))
        what = self.message or 'request failed'
        if self.status is not None:
            what = 'HTTP %s %s' % (self.status, what)
        parts.append(what)
        if self.details and one_line(self.details) not in what:
            parts.append(self.details)
        text = ': '.join(parts)
        if self.attempts and self.attempts > 1:
            text += ' (gave up after %d attempts)' % self.attempts
        return to_native(one_line(text))  # Python 2: str() must not be unicode


class PathError(ZfssaError, ValueError):
    """A name that cannot be put into an appliance URL path (raised before any request)."""


def one_line(text):
    return re.sub(r'\s+', ' ', to_text(text, errors='surrogate_or_replace')).strip()


def fail_on_error(module, err, action=None):
    """Turn a ZfssaError into module.fail_json with a message a user understands.

    ``action`` (or else the ``doing=`` text of the failed call) says what the module was doing.
    """
    msg = to_text(str(err))
    action = action or err.doing
    if action:
        msg = 'Could not %s: %s' % (action, msg)
    if err.hint:
        msg = '%s. %s' % (msg.rstrip('.'), err.hint)
    module.fail_json(msg=msg, status=err.status, fault=err.fault())


def hint_for_status(status):
    return {
        401: 'Check user and password (options user/password or ZFSSA_USER/ZFSSA_PASSWORD).',
        403: 'The appliance user lacks the authorization for this operation.',
    }.get(status)


HINTS_FOR_KIND = {
    'tls': 'Give the CA that signed the appliance certificate with ca_path (or ZFSSA_CA_PATH). Only as a last resort '
           'set validate_certs to false: the password is then open to a man in the middle.',
    'dns': 'Check the host option (or ZFSSA_HOST).',
    'refused': 'Check host and port and that the REST service is enabled on the appliance.',
    'timeout': 'The appliance did not answer in time; check the network or raise the timeout option.',
}


# ------------------------------------------------------------------------------------- fault parsing

def parse_json(data):
    """Parsed JSON of a response body; None when the body is empty or not JSON."""
    text = to_text(data or b'', errors='replace').strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def parse_fault(status, data):
    """(message, details, code) from an error body: appliance fault JSON, other JSON, HTML or plain text."""
    parsed = parse_json(data)
    if isinstance(parsed, dict):
        fault = parsed.get('fault') if isinstance(parsed.get('fault'), dict) else parsed
        message = fault.get('message') or fault.get('name') or fault.get('error')
        details = fault.get('details')
        if message or details:
            return (to_text(message or reason_phrase(status)), none_or_text(details), fault.get('code'))
    text = text_of_body(data)
    if text:
        return reason_phrase(status), text, None
    return reason_phrase(status), None, None


def none_or_text(value):
    if value is None or value == '':
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return to_text(value)


def text_of_body(data, limit=300):
    """Readable text of a non-JSON body: the title/text of an HTML page or the plain text, shortened."""
    text = to_text(data or b'', errors='replace')
    title = re.search(r'<title[^>]*>(.*?)</title>', text, re.IGNORECASE | re.DOTALL)
    if title and title.group(1).strip():
        text = title.group(1)
    else:
        text = re.sub(r'<(script|style)\b.*?</\1>', ' ', text, flags=re.IGNORECASE | re.DOTALL)
        text = re.sub(r'<[^>]+>', ' ', text)
    text = one_line(text)
    if len(text) > limit:
        text = text[:limit] + '...'
    return text


def reason_phrase(status):
    return HTTP_REASONS.get(status, 'HTTP error') if status else 'no answer'


def fault_says_session_invalid(data):
    """Cinder re-logs in on 500 too; accept a 500 as 'session gone' only when its fault says so."""
    message, details, dummy = parse_fault(500, data)
    text = ('%s %s' % (message, details or '')).lower()
    return bool(re.search(r'session|unauthori[sz]ed|not authenticated|authentication|login', text))


# ------------------------------------------------------------------------------------------- paths

def quote_segment(value):
    """URL-quote one path segment ('/' and every reserved character included).

    PathError for an empty segment and for '.' and '..': an HTTP stack that removes dot segments
    would turn ``filesystems/..`` into the project's own path.
    """
    if value is None or to_text(value) == '':
        raise PathError('empty path segment')
    if to_text(value) in ('.', '..'):
        raise PathError("'%s' cannot name an appliance object: '.' and '..' are not names" % to_text(value))
    return to_native(quote(to_bytes(value, errors='surrogate_or_strict'), safe=''))


def name_problem(option, value):
    """A message naming ``option`` when ``value`` cannot be one appliance path segment, else None."""
    if value is None:
        return None
    try:
        quote_segment(value)
    except PathError as err:
        return '%s: %s' % (option, to_text(str(err)))
    return None


def join_path(*segments):
    return '/' + '/'.join(quote_segment(s) for s in segments)


def href_segments(href, service='storage'):
    """URL-decoded segments of an object's ``href`` below ``/api/<service>/<version>``, or None.

    None when the href is missing, absolute (``https://...``), under another service, or has an
    empty, ``.`` or ``..`` segment: such an href is not used to address anything.
    """
    if not href or not isinstance(href, (str, type(u''))):
        return None
    parts = to_text(href).split('?', 1)[0].split('/')
    if len(parts) < 5 or parts[0] != '' or parts[1] != 'api' or parts[2] != service or \
            not re.match(r'^v[0-9]+(\.[0-9]+)?$', parts[3]):
        return None
    segments = [unquote_text(part) for part in parts[4:]]
    if segments and segments[-1] == '' and len(segments) > 1:
        segments = segments[:-1]  # a trailing slash
    if any(seg in ('', '.', '..') for seg in segments):
        return None
    return segments


def unquote_text(segment):
    return to_text(unquote(to_native(segment)), errors='surrogate_or_replace')


def object_id(obj):
    """The id of an object the appliance returned: its ``id``, else the last segment of its ``href``, else None."""
    if not isinstance(obj, dict):
        return None
    if obj.get('id') not in (None, ''):
        return to_text(obj['id'])
    segments = href_segments(obj.get('href'))
    return segments[-1] if segments else None


def object_path(obj, collection, kind):
    """Storage path of an object the appliance listed, for PUT and DELETE.

    The vendor gives every object an ``href`` (an ``id`` is not guaranteed), so the href is used when
    it is there; else ``collection``/``id``. Never the collection itself: ZfssaError when the object
    carries neither.
    """
    segments = href_segments(obj.get('href')) if isinstance(obj, dict) else None
    if segments:
        return join_path(*segments)
    if isinstance(obj, dict) and obj.get('id') not in (None, ''):
        return collection + join_path(obj['id'])
    raise ZfssaError('the appliance returned a %s with neither href nor id, so it cannot be addressed' % kind,
                     path=collection)


def api_path(service, api_version, path=''):
    """Absolute URL path: api_path('storage', 'v2', '/pools') -> '/api/storage/v2/pools'."""
    if path and not path.startswith('/'):
        path = '/' + path
    return '/api/%s/%s%s' % (service, api_version, path)


def encode_query(query):
    """Sorted query string; booleans as the appliance spells them (true/false)."""
    if not query:
        return ''
    items = []
    for key in sorted(query):
        value = query[key]
        if value is None:
            continue
        if isinstance(value, bool):
            value = 'true' if value else 'false'
        items.append((to_bytes(key), to_bytes(value)))
    return urlencode(items)


class StoragePaths(object):
    """Paths relative to /api/storage/<ver> (the same for v1 and v2); every segment is URL-quoted.

    Use the module-level ``storage_paths`` directly (``storage_paths.project('gold', 'backups')``) or bind
    defaults once (``paths = storage_paths(pool='gold', project='backups'); paths.filesystem(fs='vs1')``).
    """

    def __init__(self, pool=None, project=None, filesystem=None, snapshot=None):
        self.defaults = dict(pool=pool, project=project, filesystem=filesystem, snapshot=snapshot)

    def __call__(self, pool=None, project=None, filesystem=None, snapshot=None):
        return StoragePaths(pool=pool, project=project, filesystem=filesystem, snapshot=snapshot)

    def _pick(self, name, value):
        value = self.defaults[name] if value is None else value
        if value is None or value == '':
            raise PathError('%s is required to build the appliance path' % name)
        return value

    def _share_base(self, pool, project, fs):
        base = self.project(pool, project)
        fs = self.defaults['filesystem'] if fs is None else fs
        if fs:
            base += join_path('filesystems', fs)
        return base

    def pools(self):
        return '/pools'

    def pool(self, pool=None):
        return join_path('pools', self._pick('pool', pool))

    def projects(self, pool=None):
        return self.pool(pool) + '/projects'

    def project(self, pool=None, project=None):
        return self.projects(pool) + join_path(self._pick('project', project))

    def filesystems(self, pool=None, project=None):
        return self.project(pool, project) + '/filesystems'

    def filesystem(self, pool=None, project=None, fs=None):
        return self.filesystems(pool, project) + join_path(self._pick('filesystem', fs))

    def snapshots(self, pool=None, project=None, fs=None):
        """Snapshots of the share ``fs`` or, without fs, of the project."""
        return self._share_base(pool, project, fs) + '/snapshots'

    def snapshot(self, pool=None, project=None, snap=None, fs=None):
        return self.snapshots(pool, project, fs) + join_path(self._pick('snapshot', snap))

    def automatic(self, pool=None, project=None, fs=None, sched_id=None):
        """Automatic snapshot schedules of a share or project (path shape UNCONFIRMED in the API notes)."""
        path = self._share_base(pool, project, fs) + '/automatic'
        return path + join_path(sched_id) if sched_id else path

    def project_replication_actions(self, pool=None, project=None, fs=None):
        """Project/share-scoped action list: where OS8.7+ creates replication actions."""
        return self._share_base(pool, project, fs) + '/replication/actions'

    def replication_targets(self, label=None):
        return '/replication/targets' + (join_path(label) if label else '')

    def replication_actions(self, action_id=None):
        return '/replication/actions' + (join_path(action_id) if action_id else '')

    def replication_sources(self, source=None):
        return '/replication/sources' + (join_path(source) if source else '')

    def replication_packages(self, package=None):
        """OS8.8 flat package layout (older releases nest packages under a source)."""
        return '/replication/packages' + (join_path(package) if package else '')


storage_paths = StoragePaths()


# ----------------------------------------------------------------------------------------- transport

def classify_transport_exception(exc):
    """TransportError with a kind for an exception raised while talking to the appliance."""
    if isinstance(exc, TransportError):
        return exc
    inner = getattr(exc, 'reason', None)  # URLError wraps the socket/ssl exception
    if isinstance(inner, BaseException):
        return TransportError(describe_exception(inner), transport_kind(inner))
    return TransportError(describe_exception(exc), transport_kind(exc))


KIND_OF_EXCEPTION_NAME = {
    'ConnectionRefusedError': 'refused',
    'ConnectionResetError': 'reset',
    'ConnectionAbortedError': 'reset',
    'BrokenPipeError': 'reset',
    'TimeoutError': 'timeout',
}
KIND_LABELS = {
    'refused': 'connection refused',
    'reset': 'connection reset',
    'timeout': 'timed out',
    'tls': 'TLS/certificate error',
    'dns': 'name resolution failed',
    'other': 'connection failed',
}


def transport_kind(exc):
    if isinstance(exc, (SSLValidationError, ssl.SSLError)) or 'CERTIFICATE_VERIFY_FAILED' in str(exc):
        return 'tls'
    if isinstance(exc, socket.gaierror):
        return 'dns'
    if isinstance(exc, socket.timeout):
        return 'timeout'
    for cls in type(exc).__mro__:  # Python 3 names; Python 2 raises socket.error with an errno instead
        if cls.__name__ in KIND_OF_EXCEPTION_NAME:
            return KIND_OF_EXCEPTION_NAME[cls.__name__]
    number = getattr(exc, 'errno', None)
    if number == errno.ECONNREFUSED:
        return 'refused'
    if number in (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED) or isinstance(exc, HTTPException):
        return 'reset'
    if number == errno.ETIMEDOUT:
        return 'timeout'
    return kind_from_text(str(exc).lower())


def kind_from_text(text):
    for needle, kind in (('timed out', 'timeout'), ('refused', 'refused'), ('reset', 'reset'),
                         ('name or service not known', 'dns'), ('certificate', 'tls')):
        if needle in text:
            return kind
    return 'other'


def describe_transport_error(exc):
    """'connection refused ([Errno 111] Connection refused)': the kind, then the raw reason when it adds something."""
    label = KIND_LABELS.get(exc.kind, KIND_LABELS['other'])
    reason = to_text(exc.reason or '')
    return label if reason.lower() in ('', label) else '%s (%s)' % (label, reason)


def describe_exception(exc):
    text = to_text(str(exc), errors='surrogate_or_replace') or exc.__class__.__name__
    return one_line(text)


def header_items(headers):
    if headers is None:
        return {}
    try:
        return dict(headers.items())
    except AttributeError:
        return dict(headers)


def urls_transport(method, url, headers, body, timeout, validate_certs, ca_path):
    """Default transport: ansible.module_utils.urls.open_url; HTTP errors are returned, not raised."""
    try:
        response = open_url(url, data=body, headers=headers, method=method, timeout=timeout,
                            validate_certs=validate_certs, ca_path=ca_path, http_agent=USER_AGENT,
                            follow_redirects='none', use_netrc=False)
        return response.getcode(), header_items(response.headers), response.read()
    except (HTTPError, URLError, SSLValidationError, HTTPException, socket.error, socket.timeout, ssl.SSLError) as exc:
        if is_http_answer(exc):
            return exc.code, header_items(exc.info()), read_error_body(exc)
        raise classify_transport_exception(exc)


def is_http_answer(exc):
    """urllib's HTTPError: the appliance answered with an error status (not a failure to talk)."""
    return isinstance(getattr(exc, 'code', None), int) and hasattr(exc, 'read') and hasattr(exc, 'info')


def read_error_body(exc):
    try:
        return exc.read()
    except Exception:  # pylint: disable=broad-except  # the status alone still makes a usable error
        return b''


# ------------------------------------------------------------------------- is this an appliance?

def looks_like_appliance(response):
    """True when an answer carries the appliance's X-Zfssa-* headers or is an appliance JSON fault."""
    if any(name.startswith('x-zfssa') for name in response.headers):
        return True
    parsed = parse_json(response.data)
    return isinstance(parsed, dict) and isinstance(parsed.get('fault'), dict)


def answered_by_appliance(response):
    """An answer to a Basic-auth read the client may use without having logged in (not a 401, an appliance's)."""
    return response.status != 401 and looks_like_appliance(response)


def lists_services(response):
    """True for the answer of GET /api/access/v1: {"services": [{"name", "version", "uri"}, ...]}."""
    parsed = parse_json(response.data)
    services = parsed.get('services') if isinstance(parsed, dict) else None
    return isinstance(services, list) and any(isinstance(item, dict) and item.get('name') for item in services)


def describe_answer(response):
    """'HTTP 404 (text/html)' for messages."""
    kind = to_text(response.headers.get('content-type') or 'no content type').split(';')[0].strip()
    return 'HTTP %s (%s)' % (response.status, kind)


# -------------------------------------------------------------------------------------------- client

class Response(object):
    def __init__(self, status, headers, data):
        self.status = status
        self.headers = dict((to_native(k).lower(), v) for k, v in header_items(headers).items())
        self.data = data

    @property
    def ok(self):
        return 200 <= self.status < 300

    def json(self):
        parsed = parse_json(self.data)
        return parsed if parsed is not None else {}


class ZfssaClient(object):
    """Talks to one appliance; see the module docstring for the session, retry and POST rules."""

    def __init__(self, host, user, password, port=DEFAULT_PORT, api_version='v1', validate_certs=True,
                 ca_path=None, timeout=30, retries=4, backoff=1.0, transport=None, sleep=None, lazy_login=True):
        problem = connection_param_problem(host, user, port, api_version, timeout, retries)
        if problem:
            raise ZfssaError(problem)
        self.host = host
        self.user = user
        self._password = password
        self.port = port
        self.api_version = api_version
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.transport = urls_transport if transport is None else transport
        self.sleep = time.sleep if sleep is None else sleep
        self.request_count = 0
        self.auth_mode = 'session'  # becomes 'basic' when the access service is missing
        self.lazy_login = lazy_login  # the first request, a GET, goes without a session (see _may_skip_login)
        self._session = None
        self._access_version = api_version
        self.secret_sink = None  # called with each new secret (the module's no_log_values.add)
        self._secrets = set()
        self.add_secret(password, MIN_MASKED_SECRET)
        self.add_secret(self._basic_token())

    @classmethod
    def from_module(cls, module, **kwargs):
        """Client from the common options; fails the module with a clear message on bad values."""
        p = module.params
        problem = connection_param_problem(p['host'], p['user'], p['port'], p['api_version'], p['timeout'], p['retries'])
        if problem:
            module.fail_json(msg=problem)
        if not p['validate_certs']:
            module.warn('validate_certs is false: the certificate of %s is not checked, so the password and the '
                        'session are open to a man in the middle. Give the appliance CA with ca_path instead.' % p['host'])
        client = cls(host=p['host'], user=p['user'], password=p['password'], port=p['port'],
                     api_version=p['api_version'], validate_certs=p['validate_certs'], ca_path=p['ca_path'],
                     timeout=p['timeout'], retries=p['retries'], **kwargs)
        client.secret_sink = module.no_log_values.add
        for secret in client._secrets:
            client.secret_sink(secret)
        return client

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, tb):
        self.logout()
        return False

    # ---- public calls

    # ``doing`` says what the call is for ('create snapshot gold/backups@daily'); a failure carries it in
    # ZfssaError.doing, so the module's error boundary can say "Could not <doing>: ...".

    def get(self, path, query=None, service='storage', doing=None):
        return self.request('GET', path, query=query, service=service, doing=doing)[2]

    def post(self, path, body, service='storage', lookup=None, doing=None):
        return self.request('POST', path, body=body, service=service, lookup=lookup, doing=doing)[2]

    def put(self, path, body=None, service='storage', doing=None):
        return self.request('PUT', path, body=body, service=service, doing=doing)[2]

    def delete(self, path, service='storage', doing=None):
        self.request('DELETE', path, service=service, doing=doing)

    def get_or_none(self, path, key, service='storage', doing=None):
        """body[key] of a GET, or None when the object does not exist (404)."""
        try:
            body = self.get(path, service=service, doing=doing)
        except ZfssaError as err:
            if err.not_found:
                return None
            raise
        if not isinstance(body.get(key), dict):
            err = self._error("the answer has no '%s' object" % key, 'GET', api_path(service, self.api_version, path),
                              200, details=text_of_body(json.dumps(body)))
            err.doing = doing
            raise err
        return body[key]

    def request(self, method, path, body=None, query=None, service='storage', lookup=None, doing=None):
        """(status, headers, parsed body dict) of a successful call; raises ZfssaError otherwise."""
        try:
            return self._request(method, path, body, query, service, lookup)
        except ZfssaError as err:
            if err.doing is None:
                err.doing = doing
            raise

    def _request(self, method, path, body, query, service, lookup):
        full_path = api_path(service, self.api_version, path)
        data = None if body is None else to_bytes(json.dumps(body, sort_keys=True))
        response, attempts = self._exchange(method, full_path, encode_query(query), data, lookup, service)
        if not response.ok:
            raise self._http_error(method, full_path, response, attempts)
        if response.data and response.data.strip():
            parsed = parse_json(response.data)
            if parsed is None:
                raise self._error('the answer is not JSON', method, full_path, response.status,
                                  text_of_body(response.data), attempts=attempts)
            if not isinstance(parsed, dict):
                raise self._error('the answer is not a JSON object', method, full_path, response.status,
                                  text_of_body(response.data), attempts=attempts)
        return response.status, response.headers, response.json()

    def logout(self):
        """End the session (best effort: a failed logout never fails the caller)."""
        if self._session is None:
            return
        headers = self._auth_headers()
        self._session = None
        try:
            self._send('DELETE', api_path('access', self._access_version), None, headers)
        except TransportError:
            pass

    def url(self, full_path, query=''):
        host = self.host
        if ':' in host and not host.startswith('['):
            host = '[%s]' % host  # IPv6 literal
        return 'https://%s:%s%s%s' % (host, self.port, full_path, '?' + query if query else '')

    def add_secret(self, value, min_length=1):
        """Mask ``value`` in every message from now on (and in the module's output, through secret_sink).

        Passwords shorter than MIN_MASKED_SECRET are not masked in messages: that would garble the text.
        """
        if not value or len(value) < min_length:
            return
        value = to_text(value, errors='surrogate_or_replace')
        self._secrets.add(value)
        if self.secret_sink is not None:
            self.secret_sink(value)

    def mask(self, text):
        """Text with the password, the Basic token and the session id replaced, for anything in a message."""
        if not text:
            return text
        text = to_text(text, errors='surrogate_or_replace')
        for secret in sorted(self._secrets, key=len, reverse=True):  # the token before the password it contains
            text = text.replace(secret, '********')
        return text

    # ---- one exchange: authentication, retries, POST safety

    def _exchange(self, method, full_path, query, data, lookup, service):
        """(Response, attempts) after re-login and retries; raises ZfssaError when giving up."""
        attempts = 0
        relogged = False
        ambiguous = False
        while True:
            lazy = self._may_skip_login(method)
            if not lazy:
                self._ensure_auth()
            attempts += 1
            try:
                response = self._send(method, full_path, data, self._auth_headers(), query)
            except TransportError as exc:
                found = self._after_transport_error(method, full_path, exc, attempts, lookup, service)
                if found is not None:
                    return found, attempts
                ambiguous = ambiguous or exc.ambiguous
                self._wait(attempts, None)
                continue
            if lazy and not answered_by_appliance(response):
                attempts -= 1  # the login that follows decides; not a retry
                continue
            if self._session_rejected(response) and not relogged:
                relogged = True
                attempts -= 1  # a new login is not a retry
                self._session = None
                continue
            if response.status in RETRY_STATUSES:
                found = self._after_retry_status(method, full_path, response, attempts, lookup, service)
                if found is not None:
                    return found, attempts
                ambiguous = ambiguous or response.status in AMBIGUOUS_STATUSES
                self._wait(attempts, response)
                continue
            if method == 'POST' and ambiguous and response.status == 409 and lookup:
                return self._lookup(lookup, service), attempts
            if response.status == 401 and relogged:
                raise self._http_error(method, full_path, response, attempts, note='rejected again after a new login')
            return response, attempts

    def _after_transport_error(self, method, full_path, exc, attempts, lookup, service):
        """Found object (a POST that did happen), None to retry; raises when retrying is wrong or exhausted."""
        if not exc.retryable:
            raise self._transport_error(method, full_path, exc, attempts)
        if method == 'POST' and exc.ambiguous:
            found = self._check_post_outcome(method, full_path, describe_transport_error(exc), lookup, service)
            if found is not None:
                return found
        if attempts > self.retries:
            raise self._transport_error(method, full_path, exc, attempts)
        return None

    def _after_retry_status(self, method, full_path, response, attempts, lookup, service):
        if method == 'POST' and response.status in AMBIGUOUS_STATUSES:
            reason = 'HTTP %s %s' % (response.status, reason_phrase(response.status))
            found = self._check_post_outcome(method, full_path, reason, lookup, service)
            if found is not None:
                return found
        if attempts > self.retries:
            raise self._http_error(method, full_path, response, attempts)
        return None

    def _check_post_outcome(self, method, full_path, reason, lookup, service):
        """After an ambiguous POST failure: the object if it now exists, None if the POST may be repeated."""
        if not lookup:
            raise self._error(
                '%s; the appliance may or may not have applied it, so it was not sent again' % reason,
                method, full_path, None,
                hint='Check on the appliance whether the object was created, then run again.')
        try:
            return self._lookup(lookup, service)
        except ZfssaError as err:
            if err.not_found:
                return None
            raise self._error('%s; looking the object up failed: %s' % (reason, to_text(str(err))), method, full_path, None)

    def _lookup(self, lookup, service):
        status, headers, body = self.request('GET', lookup, service=service)
        return Response(status, headers, to_bytes(json.dumps(body)))

    def _session_rejected(self, response):
        if self.auth_mode != 'session' or self._session is None:
            return False
        if response.status == 401:
            return True
        return response.status == 500 and fault_says_session_invalid(response.data)

    def _wait(self, attempt, response):
        """Exponential backoff (backoff, 2*backoff, ...) capped at MAX_DELAY; Retry-After when longer."""
        if not self.backoff:
            return
        delay = self.backoff * (2 ** (attempt - 1))
        retry_after = response.headers.get('retry-after') if response is not None else None
        if retry_after and ascii_digits(to_text(retry_after).strip()):
            delay = max(delay, float(to_text(retry_after).strip()))
        self.sleep(min(delay, MAX_DELAY))

    # ---- authentication

    def _may_skip_login(self, method):
        """True for a client's first request when it is a read: it goes with Basic auth and no session.

        A module that reads once (a second run with nothing to change) then costs one request instead of
        three (login, read, logout). Writes never go first without a login, so they only ever reach a
        server that proved to be an appliance.
        """
        return (self.lazy_login and self.auth_mode == 'session' and self._session is None and method == 'GET'
                and self.request_count == 0)

    def _ensure_auth(self):
        if self.auth_mode == 'session' and self._session is None:
            self._login()

    def _basic_token(self):
        return to_native(base64.b64encode(to_bytes('%s:%s' % (self.user, self._password), errors='surrogate_or_strict')))

    def _basic_header(self):
        return 'Basic ' + self._basic_token()

    def _auth_headers(self):
        if self._session is not None:
            return {'X-Auth-Session': self._session}
        return {'Authorization': self._basic_header()}

    def _login(self):
        """POST /api/access/<ver>: a session id, or Basic auth from now on when the service is missing.

        Before falling back to Basic auth the client makes sure it talks to an appliance at all (see
        _check_appliance): a web server that answers 404 to everything must not get writes.
        """
        versions = [self.api_version] + (['v1'] if self.api_version != 'v1' else [])
        last = None
        for version in versions:
            full_path = api_path('access', version)
            response, attempts = self._send_with_retries('POST', full_path, {'Authorization': self._basic_header()})
            last = (full_path, response)
            if response.status in (404, 501):
                continue
            if not response.ok:
                raise self._http_error('POST', full_path, response, attempts, note='login failed')
            session = response.headers.get('x-auth-session')
            if session:
                self._session = to_native(session)
                self.add_secret(self._session, MIN_MASKED_SECRET)
                self._access_version = version
                return
            break
        self._check_appliance(*last)
        self.auth_mode = 'basic'

    def _check_appliance(self, login_path, login_response):
        """Raise unless the server is a ZFS Storage Appliance REST API.

        Every appliance answer carries X-Zfssa-* headers, and its errors are JSON faults. When the
        login answer shows neither, one GET of the access service list (with Basic auth) decides.
        """
        if looks_like_appliance(login_response):
            return
        probe_path = api_path('access', 'v1')
        try:
            probe = self._send('GET', probe_path, None, {'Authorization': self._basic_header()})
        except TransportError as exc:
            raise self._transport_error('GET', probe_path, exc, 1)
        if looks_like_appliance(probe) or (probe.ok and lists_services(probe)):
            return
        raise self._error(
            '%s is not a ZFS Storage Appliance REST API: POST %s answered %s and GET %s answered %s, without the '
            'X-Zfssa-* headers or JSON faults of an appliance' % (
                self.url(''), login_path, describe_answer(login_response), probe_path, describe_answer(probe)),
            None, None, None, hint='Check the host and port options (the appliance REST service listens on port 215); '
                                   'nothing was changed.')

    def _send_with_retries(self, method, full_path, headers):
        """For the login call only: creating a spare session is harmless, so any failure may be retried."""
        attempts = 0
        while True:
            attempts += 1
            try:
                response = self._send(method, full_path, None, headers)
            except TransportError as exc:
                if not exc.retryable or attempts > self.retries:
                    raise self._transport_error(method, full_path, exc, attempts)
                self._wait(attempts, None)
                continue
            if response.status in RETRY_STATUSES and attempts <= self.retries:
                self._wait(attempts, response)
                continue
            return response, attempts

    # ---- wire

    def _send(self, method, full_path, data, auth_headers, query=''):
        headers = {'Accept': 'application/json'}
        if data is not None:
            headers['Content-Type'] = 'application/json'
        headers.update(auth_headers)
        self.request_count += 1
        try:
            status, resp_headers, body = self.transport(method, self.url(full_path, query), headers, data,
                                                        self.timeout, self.validate_certs, self.ca_path)
        except (TransportError, socket.error, socket.timeout, HTTPException, URLError) as exc:
            raise classify_transport_exception(exc)
        return Response(status, resp_headers, body)

    def _http_error(self, method, full_path, response, attempts, note=None):
        message, details, code = parse_fault(response.status, response.data)
        if note:
            details = '%s (%s)' % (details, note) if details else note
        if response.status not in RETRY_STATUSES:
            attempts = 1  # a definite answer: the earlier attempts do not explain it
        return self._error(message, method, full_path, response.status, details, code, attempts,
                           hint_for_status(response.status))

    def _transport_error(self, method, full_path, exc, attempts):
        return self._error(describe_transport_error(exc), method, full_path, None, attempts=attempts, hint=HINTS_FOR_KIND.get(exc.kind))

    def _error(self, message, method, full_path, status, details=None, code=None, attempts=1, hint=None):
        """Every ZfssaError the client raises is built here, so the password is masked in one place."""
        return ZfssaError(self.mask(message), method, full_path, status, self.mask(details), code, attempts, hint)


def connection_param_problem(host, user, port, api_version, timeout, retries):
    """A message naming the bad connection option and the fix, or None."""
    if not host:
        return 'host is empty: set the host option (or ZFSSA_HOST) to the appliance name or address'
    if '/' in host:
        return "host '%s' must be a name or address, without https:// or a path" % host
    if re.search(r'[@?#\s\\]', host):
        return ("host '%s' must be a name or address only: no user@ part, '?', '#', '\\' or spaces "
                "(give the user with the user option)" % host)
    if not user:
        return 'user is empty: set the user option (or ZFSSA_USER)'
    if not 0 < int(port) < 65536:
        return 'port %s is not a TCP port: use 1-65535 (the appliance REST port is 215)' % port
    if api_version not in API_VERSIONS:
        return "api_version '%s' is not supported: use v1 or v2" % api_version
    if timeout is None or timeout <= 0:
        return 'timeout must be a positive number of seconds'
    if retries is None or retries < 0:
        return 'retries must be 0 or more'
    return None


# ------------------------------------------------------------------------------------- idempotency

def compute_changes(current, desired, normalize=None):
    """{key: desired value} for every key of desired (None values skipped) that differs from current.

    normalize maps a key to a function applied to both values before comparing (a missing or None
    current value is compared as None, without calling the function).
    """
    current = current or {}
    normalize = normalize or {}
    changes = {}
    for key, wanted in desired.items():
        if wanted is None:
            continue
        norm = normalize.get(key, same_value)
        have = current.get(key)
        if norm(wanted) != (None if have is None else norm(have)):
            changes[key] = wanted
    return changes


def same_value(value):
    return value


def diff_dict(before, after, keys):
    """{'before': ..., 'after': ...} restricted to keys, for a module's diff (absent object -> {})."""
    def pick(obj):
        obj = obj or {}
        return dict((k, obj[k]) for k in keys if k in obj)
    return {'before': pick(before), 'after': pick(after)}
