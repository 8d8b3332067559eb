"""The HTTPS front end: authentication, sessions, versions, routing, faults, request log, /_sim control."""

import base64
import ipaddress
import json
import os
import secrets
import socket
import ssl
import string
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import simclock
from .errors import ApiError, fault_body, invalid
from .model import Appliance
from .replication import Replication
from .router import Request, Response, Router
from .schedules import Automatic
from .snapshots import Snapshots
from .storage import Storage

APPLIANCE_VERSION = 'ak/SUNW,sim@2013.06.05.8.0,1-1.1'
SERVICES = ('access', 'storage', 'service', 'system')
API_HEADER = {'access': 'X-Zfssa-Access-Api', 'storage': 'X-Zfssa-Storage-Api', 'service': 'X-Zfssa-Service-Api',
              'system': 'X-Zfssa-System-Api'}
VERSIONS = (1, 2)
SESSION_CHARS = string.ascii_letters + string.digits
MAX_BODY = 16 * 1024 * 1024


class Sessions:
    """Session ids from POST /api/access/vN; idle expiry on the real (not simulated) clock."""

    def __init__(self, timeout):
        self.timeout = timeout
        self._lock = threading.Lock()
        self._sessions = {}

    def create(self, user):
        sid = ''.join(secrets.choice(SESSION_CHARS) for _index in range(16))
        with self._lock:
            self._sessions[sid] = {'user': user, 'used': time.monotonic()}
        return sid

    def use(self, sid):
        with self._lock:
            entry = self._sessions.get(sid)
            if entry is None:
                return None
            if time.monotonic() - entry['used'] > self.timeout:
                del self._sessions[sid]
                return None
            entry['used'] = time.monotonic()
            return entry['user']

    def end(self, sid):
        with self._lock:
            return self._sessions.pop(sid, None) is not None

    def expire_all(self):
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
        return count

    def count(self):
        with self._lock:
            return len(self._sessions)


class Faults:
    """Injected failures for the next N matching API requests (POST /_sim/faults)."""

    KINDS = ('reset', 'reset_after', 'delay')

    def __init__(self):
        self._lock = threading.Lock()
        self.rules = []

    def add(self, spec):
        if not isinstance(spec, dict):
            raise invalid('a fault is a JSON object')
        kind = str(spec.get('kind', ''))
        if kind not in self.KINDS and not (kind.isdigit() and 400 <= int(kind) <= 599):
            raise invalid("fault kind must be an HTTP status such as 503 or 500, or one of %s" % ', '.join(self.KINDS))
        rule = {'kind': kind, 'count': int(spec.get('count', 1)), 'delay': float(spec.get('delay', 0)),
                'path_prefix': spec.get('path_prefix') or '/api/', 'method': spec.get('method'),
                'message': spec.get('message'), 'details': spec.get('details')}
        with self._lock:
            self.rules.append(rule)
        return rule

    def take(self, method, path):
        with self._lock:
            for rule in self.rules:
                if rule['count'] > 0 and path.startswith(rule['path_prefix']) and rule['method'] in (None, method):
                    rule['count'] -= 1
                    return dict(rule)
            self.rules = [r for r in self.rules if r['count'] > 0]
        return None

    def clear(self):
        with self._lock:
            self.rules = []

    def pending(self):
        with self._lock:
            return [dict(r) for r in self.rules if r['count'] > 0]


class Simulator:
    """Everything behind the socket; ``SimHTTPServer.sim`` points here."""

    def __init__(self, opts):
        self.opts = opts
        self.clock = simclock.Clock(frozen=opts.clock == 'frozen',
                                    start=simclock.parse_iso(opts.clock_start) if opts.clock_start else None)
        self.app = Appliance(opts.data_dir, opts.pools.split(','), opts.user, opts.password, opts.name, self.clock)
        self.sessions = Sessions(opts.session_timeout)
        self.faults = Faults()
        self.log_lock = threading.Lock()
        self.requests = []
        self.config = {'replication_delay': opts.replication_delay, 'session_timeout': opts.session_timeout}
        self.url = None
        self.host = None
        self.port = None
        self.cert = None
        app = self.app
        app.storage = Storage(app)
        app.snapshots = Snapshots(app)
        app.automatic = Automatic(app)
        app.replication = Replication(app, self)
        self.routers = {'storage': Router(), 'service': Router(), 'system': Router()}
        for part in (app.storage, app.snapshots, app.automatic):
            part.register(self.routers['storage'])
        app.replication.register(self.routers['storage'], self.routers['service'])
        self.routers['system'].add('GET', '/version', self.system_version, 'Get the appliance version', locked=False)
        self._stop = threading.Event()

    # ---- identity

    def system_version(self, req):
        return Response(200, {'version': {'asn': self.app.glob['asn'], 'nodename': self.app.glob['nodename'],
                                          'product': 'ZFS Storage Appliance simulator', 'version': APPLIANCE_VERSION,
                                          'href': req.href('/version')}})

    def services_list(self, base_url):
        found = []
        for name in SERVICES:
            for major in VERSIONS:
                found.append({'name': name, 'version': '%d.0' % major, 'uri': '%s/api/%s/v%d' % (base_url, name, major)})
        return found

    def check_password(self, user, password):
        return secrets.compare_digest(str(user), self.app.user) and secrets.compare_digest(str(password), self.app.password)

    # ---- background schedules on the running clock

    def ticker(self):
        while not self._stop.wait(1.0):
            if self.clock.frozen_at is not None:
                continue
            with self.app.lock:
                try:
                    self.app.automatic.tick()
                finally:
                    self.app.flush()

    def stop(self):
        self._stop.set()
        self.app.replication.shutdown()
        with self.app.lock:
            self.app.flush()

    def log(self, method, path, query, status):
        with self.log_lock:
            self.requests.append({'method': method, 'path': path, 'query': query, 'status': status})


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, sim, tls_context):
        self.sim = sim
        self.tls_context = tls_context
        super().__init__(address, Handler)

    def handle_error(self, request, client_address):
        pass  # broken client connections are normal in fault tests; nothing to report


class ResetConnection(Exception):
    """Raised to drop the connection with a TCP reset instead of answering."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'zfssa-sim'
    sys_version = ''
    timeout = 120

    def setup(self):
        # headers and body leave in separate writes: without NODELAY, Nagle + delayed ACK add 40 ms
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request = self.server.tls_context.wrap_socket(self.request, server_side=True)
        super().setup()

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    @property
    def sim(self):
        return self.server.sim

    def do_GET(self):  # pylint: disable=invalid-name
        self.handle_any()

    def do_POST(self):  # pylint: disable=invalid-name
        self.handle_any()

    def do_PUT(self):  # pylint: disable=invalid-name
        self.handle_any()

    def do_DELETE(self):  # pylint: disable=invalid-name
        self.handle_any()

    # ---- plumbing

    def read_body(self):
        length = int(self.headers.get('Content-Length') or 0)
        if length > MAX_BODY:
            raise ApiError('ERR_OVER_LIMIT', 'request body larger than %d bytes' % MAX_BODY)
        return self.rfile.read(length) if length else b''

    def send(self, status, body=None, headers=None):
        data = b''
        if body is not None and status != 204:
            data = json.dumps(body, sort_keys=True).encode('utf-8')
        self.send_response(status)
        self.send_header('X-Zfssa-Version', APPLIANCE_VERSION)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if status != 204:
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def reset_connection(self):
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            socket.socket.close(self.connection)
        except OSError:
            pass

    def handle_any(self):
        parts = urlsplit(self.path)
        path, query = parts.path, dict(parse_qsl(parts.query, keep_blank_values=True))
        if path.startswith('/_sim/') or path == '/_sim':
            self.handle_control(path, query)
            return
        if path.startswith('/_repl/'):
            self.handle_replication_stream(path)
            return
        status = None
        try:
            status = self.handle_api(path, query)
        except ResetConnection:
            self.reset_connection()
            status = 'reset'
        finally:
            self.sim.log(self.command, path, parts.query, status)

    def handle_api(self, path, query):
        sim = self.sim
        fault = sim.faults.take(self.command, path)
        try:
            raw = self.read_body()
        except ApiError as err:
            self.send(err.status, err.body())
            self.close_connection = True
            return err.status
        if fault is not None:
            if fault['kind'] == 'reset':
                raise ResetConnection()
            if fault['kind'] == 'delay':
                time.sleep(fault['delay'])
            elif fault['kind'] != 'reset_after':
                status = int(fault['kind'])
                message = fault['message'] or ('ERR_BUSY' if status == 503 else 'ERR_INTERNAL')
                details = fault['details'] or 'injected fault (simulator)'
                self.send(status, fault_body(status, message, details))
                return status
        status, body, headers = self.dispatch(path, query, raw)
        if fault is not None and fault['kind'] == 'reset_after':
            raise ResetConnection()
        self.send(status, body, headers)
        return status

    def dispatch(self, path, query, raw):
        """(status, body, headers) for one /api request."""
        headers = {}
        try:
            service, major, rest = self.parse_api_path(path)
            headers[API_HEADER[service]] = '%d.0' % major
            if service == 'access':
                return self.access(major, rest, headers)
            user = self.authenticate()
            body = self.parse_body(raw)
            router = self.sim.routers[service]
            base = '/api/%s/v%d' % (service, major)
            if rest in ('', '/') and self.command == 'GET':
                return 200, {'service': {'methods': router.methods()}}, headers
            handler, params = router.match(self.command, rest)
            if handler is None:
                if params:
                    raise ApiError('ERR_NOT_IMPLEMENTED', '%s is not supported on %s' % (self.command, path), status=405)
                raise ApiError('ERR_NOT_FOUND', 'no such resource: %s' % path)
            if '/replication' in rest:
                headers['X-Zfssa-Replication-Api'] = '%d.0' % major
            req = Request(self.command, rest, query, body, major, base, user)
            req.params = params
            func, locked = handler
            if locked:
                with self.sim.app.lock:
                    try:
                        resp = func(req)
                    finally:
                        self.sim.app.flush()
            else:
                resp = func(req)
            headers.update(resp.headers)
            return resp.status, resp.body, headers
        except ApiError as err:
            return err.status, err.body(), headers

    def parse_api_path(self, path):
        pieces = path.split('/', 4)  # ['', 'api', service, 'vN', rest]
        if len(pieces) < 4 or pieces[1] != 'api' or pieces[2] not in SERVICES:
            raise ApiError('ERR_NOT_FOUND', 'no such service: %s' % path)
        version = pieces[3]
        major, _dot, minor = version[1:].partition('.')
        if not version.startswith('v') or not major.isdigit() or int(major) not in VERSIONS or minor not in ('', '0'):
            raise ApiError('ERR_NOT_FOUND', "API version '%s' is not served (use v1 or v2)" % version)
        rest = '/' + pieces[4] if len(pieces) > 4 else ''
        return pieces[2], int(major), rest

    def parse_body(self, raw):
        if not raw.strip():
            return None
        ctype = (self.headers.get('Content-Type') or '').split(';')[0].strip().lower()
        if ctype != 'application/json':
            raise ApiError('ERR_UNSUPPORTED_MEDIA', "send JSON with 'Content-Type: application/json' (got '%s')" % ctype)
        try:
            return json.loads(raw.decode('utf-8'))
        except ValueError as exc:
            raise invalid('the request body is not valid JSON: %s' % exc) from exc

    # ---- authentication

    def credentials(self):
        """(user, password) from Basic or X-Auth-User/X-Auth-Key, or None."""
        auth = self.headers.get('Authorization') or ''
        if auth.lower().startswith('basic '):
            try:
                user, _sep, password = base64.b64decode(auth[6:].strip()).decode('utf-8').partition(':')
            except (ValueError, UnicodeDecodeError):
                return ('', None)
            return user, password
        if self.headers.get('X-Auth-User') is not None:
            return self.headers.get('X-Auth-User'), self.headers.get('X-Auth-Key') or ''
        return None

    def authenticate(self):
        sid = self.headers.get('X-Auth-Session')
        if sid:
            user = self.sim.sessions.use(sid)
            if user is None:
                raise ApiError('ERR_UNAUTHORIZED', 'session not valid or expired: log in again', status=401)
            return user
        creds = self.credentials()
        if creds is None:
            raise ApiError('ERR_UNAUTHORIZED', 'authentication required (Basic, X-Auth-User/X-Auth-Key or X-Auth-Session)',
                           status=401)
        if not self.sim.check_password(*creds):
            raise ApiError('ERR_UNAUTHORIZED', 'invalid user name or password', status=401)
        return creds[0]

    def base_url(self):
        return self.sim.url

    def access(self, major, rest, headers):
        if rest not in ('', '/'):
            raise ApiError('ERR_NOT_FOUND', 'no such resource in the access service')
        if self.command == 'POST':
            creds = self.credentials()
            if creds is None or not self.sim.check_password(*creds):
                raise ApiError('ERR_UNAUTHORIZED', 'invalid user name or password', status=401)
            sid = self.sim.sessions.create(creds[0])
            headers.update({'X-Auth-Session': sid, 'X-Auth-Name': creds[0]})
            return 201, {'access': {'services': self.sim.services_list(self.base_url())}}, headers
        if self.command == 'GET':
            self.authenticate()
            return 200, {'services': self.sim.services_list(self.base_url())}, headers
        if self.command == 'DELETE':
            sid = self.headers.get('X-Auth-Session')
            if sid:
                if not self.sim.sessions.end(sid):
                    raise ApiError('ERR_UNAUTHORIZED', 'session not valid or expired', status=401)
            else:
                self.authenticate()
            return 204, None, headers
        raise ApiError('ERR_NOT_IMPLEMENTED', '%s is not supported on the access service' % self.command, status=405)

    # ---- replication data stream (appliance to appliance)

    def handle_replication_stream(self, path):
        try:
            user = self.authenticate()
            if user != 'root':
                raise ApiError('ERR_DENIED', 'replication needs the root user')
            status, body = self.sim.app.replication.receive(self, path)
        except ApiError as err:
            status, body = err.status, err.body()
            self.close_connection = True
        self.send(status, body)

    # ---- /_sim test control (loopback only, no authentication)

    def handle_control(self, path, query):
        try:
            if not ipaddress.ip_address(self.client_address[0]).is_loopback:
                raise ApiError('ERR_DENIED', '/_sim is served to loopback clients only')
            raw = self.read_body()
            body = json.loads(raw.decode('utf-8')) if raw.strip() else {}
            status, result = Control(self.sim).handle(self.command, path.rstrip('/'), query, body)
        except ValueError as exc:
            status, result = 400, fault_body(400, 'ERR_INVALID_ARG', str(exc))
        except ApiError as err:
            status, result = err.status, err.body()
        self.send(status, result)


class Control:
    """The /_sim endpoints (README "Test control")."""

    def __init__(self, sim):
        self.sim = sim

    def handle(self, method, path, query, body):  # pylint: disable=unused-argument
        table = {
            ('GET', '/_sim/info'): self.info,
            ('GET', '/_sim/clock'): self.clock,
            ('POST', '/_sim/clock'): self.move_clock,
            ('GET', '/_sim/faults'): lambda b: (200, {'faults': self.sim.faults.pending()}),
            ('POST', '/_sim/faults'): self.add_faults,
            ('DELETE', '/_sim/faults'): lambda b: (self.sim.faults.clear(), (204, None))[1],
            ('POST', '/_sim/sessions/expire'): lambda b: (200, {'expired': self.sim.sessions.expire_all()}),
            ('GET', '/_sim/sessions'): lambda b: (200, {'sessions': self.sim.sessions.count()}),
            ('GET', '/_sim/requests'): self.requests,
            ('DELETE', '/_sim/requests'): self.clear_requests,
            ('POST', '/_sim/reset'): self.reset,
            ('GET', '/_sim/shares'): self.shares,
            ('GET', '/_sim/config'): lambda b: (200, dict(self.sim.config)),
            ('POST', '/_sim/config'): self.set_config,
        }
        handler = table.get((method, path))
        if handler is None:
            raise ApiError('ERR_NOT_FOUND', 'no such control endpoint: %s %s' % (method, path))
        return handler(body)

    def info(self, _body):
        sim = self.sim
        return 200, {'host': sim.host, 'port': sim.port, 'url': sim.url, 'cert': sim.cert, 'pid': os.getpid(),
                     'asn': sim.app.glob['asn'], 'nodename': sim.app.glob['nodename'], 'data_dir': sim.app.data_dir,
                     'pools': sim.app.pools}

    def clock(self, _body):
        now = self.sim.clock.now()
        return 200, {'now': simclock.iso(now), 'epoch': now, 'frozen': self.sim.clock.frozen_at is not None}

    def move_clock(self, body):
        sim = self.sim
        with sim.app.lock:
            try:
                sim.app.automatic.tick()
                if 'freeze' in body:
                    sim.clock.freeze(bool(body['freeze']))
                if 'advance' in body:
                    seconds = float(body['advance'])
                    if seconds < 0:
                        raise ValueError('advance must be >= 0 (use set to go back)')
                    sim.clock.advance(seconds)
                if 'set' in body:
                    sim.clock.set(simclock.parse_iso(str(body['set'])))
                if sim.clock.now() < sim.app.automatic.last_run:
                    sim.app.automatic.last_run = sim.clock.now()  # going back: nothing is due again
                sim.app.automatic.tick()
            finally:
                sim.app.flush()
        sim.app.replication.wait_started()  # updates started by schedules finish before we answer
        return self.clock(body)

    def add_faults(self, body):
        specs = body if isinstance(body, list) else [body]
        return 201, {'faults': [self.sim.faults.add(s) for s in specs]}

    def requests(self, _body):
        with self.sim.log_lock:
            return 200, {'requests': list(self.sim.requests)}

    def clear_requests(self, _body):
        with self.sim.log_lock:
            self.sim.requests = []
        return 204, None

    def reset(self, _body):
        sim = self.sim
        sim.app.replication.shutdown()
        with sim.app.lock:
            sim.app.reset()
            sim.app.automatic.last_run = sim.clock.now()
        sim.config = {'replication_delay': sim.opts.replication_delay, 'session_timeout': sim.opts.session_timeout}
        sim.sessions.timeout = sim.opts.session_timeout
        sim.sessions.expire_all()
        sim.faults.clear()
        self.clear_requests(None)
        return 204, None

    def shares(self, _body):
        app = self.sim.app
        found = []
        with app.lock:
            for prec, share in app.all_shares():
                def value(name, prec=prec, share=share):
                    return app.share_value(prec, share, name)
                visible = value('snapdir') == 'visible'
                found.append({
                    'pool': prec['pool'], 'project': prec['name'], 'name': share['name'], 'id': share['id'],
                    'mountpoint': value('mountpoint'), 'path': app.share_path(prec, share),
                    'sharenfs': value('sharenfs'), 'snapdir': value('snapdir'), 'readonly': value('readonly'),
                    'exported': value('exported'), 'root_user': value('root_user'), 'root_group': value('root_group'),
                    'root_permissions': value('root_permissions'),
                    'snapshot_dir': os.path.join(app.share_path(prec, share), '.zfs', 'snapshot') if visible else None,
                    'snapshots': sorted(share['snapshots']),
                })
        return 200, {'shares': found}

    def set_config(self, body):
        for key, value in body.items():
            if key not in self.sim.config:
                raise ValueError('unknown setting %r (known: %s)' % (key, ', '.join(sorted(self.sim.config))))
            self.sim.config[key] = float(value)
        self.sim.sessions.timeout = self.sim.config['session_timeout']
        return 200, dict(self.sim.config)


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx
