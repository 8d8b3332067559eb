"""Replication (docs/reference/appliance-api.md §6): service state, targets, actions, schedules, updates,
and on the receiving appliance sources and packages (browse, clone, sever).

An update sends the project's (or share's) current data and, with include_snaps, its snapshots
as one tar stream over HTTPS to the target simulator (PUT /_repl/v1/packages/<action id>,
Basic auth as root with the password given when the target was created). The target unpacks it
into <data>/.sim/packages/<package id>/ (package id = action id).
"""

import base64
import http.client
import json
import os
import ssl
import tarfile
import threading
import time
import uuid

from . import dataplane
from .errors import ApiError, denied, exists, invalid, missing, not_found, state_changed
from .model import fmt_time
from .props import INHERITED, check_name, json_bool, validate, project_table
from .router import Request, Response
from .schedules import fire_times, parse_schedule, render_fields, updated_schedule
from .storage import body_object, render_project

ACTION_FLAGS = {'enabled': True, 'continuous': False, 'include_snaps': True, 'use_ssl': True, 'compression': False,
                'dedup': False, 'include_clone_origin_as_data': False}
ACTION_FIELDS = set(ACTION_FLAGS) | {'pool', 'project', 'share', 'target', 'target_pool', 'max_bandwidth'}
IMMUTABLE_ACTION_FIELDS = ('target', 'target_pool', 'pool', 'project', 'share')
CHUNK = 256 * 1024
# The services of /api/service/v1/services and their state at first start: the CLI names of the appliance's
# Configuration > Services screen. The names and which ones are online out of the box are UNCONFIRMED (choice 22).
SERVICES = {
    'ad': 'disabled', 'dns': 'online', 'dynrouting': 'disabled', 'ftp': 'disabled', 'http': 'disabled',
    'identity': 'online', 'idmap': 'online', 'ipmp': 'online', 'iscsi': 'disabled', 'ldap': 'disabled',
    'ndmp': 'disabled', 'nfs': 'online', 'nis': 'disabled', 'ntp': 'disabled', 'replication': 'online',
    'rest': 'online', 'scrk': 'disabled', 'sftp': 'disabled', 'shadow': 'online', 'smb': 'disabled',
    'smtp': 'disabled', 'snmp': 'disabled', 'srp': 'disabled', 'ssh': 'online', 'syslog': 'disabled',
    'tags': 'online', 'tftp': 'disabled', 'vscan': 'disabled',
}
SERVICE_READ_ONLY = ('href', 'name', 'sources', 'targets')
# PUT /services/<svc> {"<status>": "enable"} does what PUT .../enable does (docs/reference/appliance-api.md §6.2).
STATUS_REQUESTS = {'enable': 'online', 'disable': 'disabled'}
PROJECT = '/pools/{pool}/projects/{project}'
SHARE = PROJECT + '/filesystems/{fs}'


def unverified_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def split_hostport(hostname):
    host, sep, port = hostname.rpartition(':')
    if not sep or not port.isdigit() or ']' in port:
        return hostname.strip('[]'), 215
    return host.strip('[]'), int(port)


def call_appliance(hostname, method, path, password, body=None, headers=None, timeout=30):
    """(status, parsed JSON or None) of one request to another appliance, as root."""
    host, port = split_hostport(hostname)
    conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=unverified_context())
    try:
        hdrs = {'Authorization': 'Basic ' + base64.b64encode(('root:%s' % password).encode()).decode(),
                'Accept': 'application/json'}
        hdrs.update(headers or {})
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        try:
            return resp.status, json.loads(data.decode('utf-8')) if data else None
        except ValueError:
            return resp.status, None
    finally:
        conn.close()


class Replication:
    def __init__(self, app, sim):
        self.app = app
        self.sim = sim
        self.threads = {}
        self.cancels = {}
        self.started = []
        rep = self.rep
        for action in rep['actions'].values():
            if action['state'] != 'idle':
                action['state'] = 'idle'
                action['last_result'] = 'interrupted (appliance restarted)'

    @property
    def rep(self):
        return self.app.glob['replication']

    # ------------------------------------------------------------------ routes

    def register(self, storage, service):
        service.add('GET', '/services', self.list_services, 'List services')
        service.add('GET', '/services/{svc}', self.get_service, 'Get a service')
        service.add('PUT', '/services/{svc}', self.modify_service, 'Modify a service')
        service.add('PUT', '/services/{svc}/enable', self.enable_service, 'Enable a service')
        service.add('PUT', '/services/{svc}/disable', self.disable_service, 'Disable a service')
        for router, base in ((storage, '/replication/targets'), (service, '/services/replication/targets')):
            router.add('GET', base, self.list_targets, 'List replication targets')
            router.add('POST', base, self.create_target, 'Create a replication target', locked=False)
            router.add('GET', base + '/{target}', self.get_target, 'Get a replication target')
            router.add('PUT', base + '/{target}', self.modify_target, 'Modify a replication target')
            router.add('DELETE', base + '/{target}', self.delete_target, 'Destroy a replication target')
        for base in ('', PROJECT, SHARE):
            storage.add('GET', base + '/replication/actions', self.list_actions, 'List replication actions')
            storage.add('POST', base + '/replication/actions', self.create_action, 'Create a replication action')
            item = base + '/replication/actions/{action}'
            storage.add('GET', item, self.get_action, 'Get a replication action')
            storage.add('PUT', item, self.modify_action, 'Modify a replication action')
            storage.add('DELETE', item, self.delete_action, 'Destroy a replication action')
            storage.add('PUT', item + '/sendupdate', self.send_update, 'Start a replication update')
            storage.add('PUT', item + '/cancelupdate', self.cancel_update, 'Cancel a replication update')
            storage.add('GET', item + '/stats', self.action_stats, 'Replication action statistics')
            storage.add('GET', item + '/schedules', self.list_schedules, 'List replication schedules')
            storage.add('POST', item + '/schedules', self.create_schedule, 'Create a replication schedule')
            storage.add('GET', item + '/schedules/{sched}', self.get_schedule, 'Get a replication schedule')
            storage.add('PUT', item + '/schedules/{sched}', self.modify_schedule, 'Modify a replication schedule')
            storage.add('DELETE', item + '/schedules/{sched}', self.delete_schedule, 'Destroy a replication schedule')
        storage.add('GET', '/replication/sources', self.list_sources, 'List replication sources')
        storage.add('GET', '/replication/sources/{source}', self.get_source, 'Get a replication source')
        storage.add('GET', '/replication/packages', self.list_packages, 'List replication packages')
        for base in ('/replication/sources/{source}/packages', '/replication/packages'):
            storage.add('GET', base + '/{package}', self.get_package, 'Get a replication package')
            storage.add('PUT', base + '/{package}', self.modify_package, 'Modify a replication package')
            storage.add('DELETE', base + '/{package}', self.delete_package, 'Destroy a replication package')
            storage.add('PUT', base + '/{package}/sever', self.sever_package, 'Sever a package into a local project')
            storage.add('PUT', base + '/{package}/clone', self.clone_package, 'Clone a package into a local project')
            storage.add('GET', base + '/{package}/clone/conflicts', self.clone_conflicts, 'Check a package clone')
            storage.add('PUT', base + '/{package}/cancelupdate', self.cancel_package, 'Cancel an incoming update')
            storage.add('GET', base + '/{package}/projects', self.package_projects, 'List replicated projects')
            storage.add('GET', base + '/{package}/projects/{project}', self.package_project, 'Get a replicated project')
            storage.add('GET', base + '/{package}/projects/{project}/filesystems', self.package_shares,
                        'List replicated filesystems')
            storage.add('GET', base + '/{package}/projects/{project}/filesystems/{fs}', self.package_share,
                        'Get a replicated filesystem')
            storage.add('GET', base + '/{package}/projects/{project}/snapshots', self.package_snapshots,
                        'List replicated project snapshots')
            storage.add('GET', base + '/{package}/projects/{project}/filesystems/{fs}/snapshots',
                        self.package_snapshots, 'List replicated filesystem snapshots')
        storage.add('GET', '/replication/sources/{source}/packages', self.list_packages, 'List packages of a source')

    # ------------------------------------------------------------------ service

    def service_obj(self, name):
        """The service object: ``<status>``, ``href``, its stored properties (and sources/targets for replication)."""
        if name not in SERVICES:
            raise not_found("service '%s'" % name)
        props = self.app.glob.setdefault('service_props', {}).get(name, {})
        obj = dict(props)
        if name == 'replication':
            obj.update({'<status>': self.rep['status'], 'sources': sorted(s['name'] for s in self.rep['sources'].values()),
                        'targets': sorted(self.rep['targets'])})
        else:
            obj['<status>'] = self.app.glob.setdefault('services', {}).get(name, SERVICES[name])
        obj['href'] = '/service/v1/services/' + name
        return obj

    def list_services(self, _req):
        return Response(200, {'services': [dict(self.service_obj(n), name=n) for n in sorted(SERVICES)]})

    def get_service(self, req):
        return Response(200, {'service': self.service_obj(req.params['svc'])})

    def modify_service(self, req):
        """Service properties are stored as given (the simulator models none of their effects); ``<status>``
        ``enable``/``disable`` changes the state."""
        name = req.params['svc']
        self.service_obj(name)
        body = body_object(req)
        status = body.pop('<status>', None)
        if status is not None and status not in STATUS_REQUESTS:
            raise invalid("<status> must be \"enable\" or \"disable\", got %r" % (status,))
        for key, value in body.items():
            if key in SERVICE_READ_ONLY:
                raise invalid("service property '%s' is read-only" % key)
            if not isinstance(value, (str, int, float, bool, type(None))) and not (
                    isinstance(value, list) and all(isinstance(item, (str, int, float, bool)) for item in value)):
                raise invalid("service property '%s' must be a string, number, boolean or list of them" % key)
        self.app.glob.setdefault('service_props', {}).setdefault(name, {}).update(body)
        if status is not None:
            return self.set_service(req, STATUS_REQUESTS[status])
        self.app.touch()
        return Response(202, {'service': self.service_obj(name)})

    def set_service(self, req, status):
        name = req.params['svc']
        self.service_obj(name)
        if name == 'replication':
            self.rep['status'] = status
        else:
            self.app.glob.setdefault('services', {})[name] = status
        self.app.touch()
        return Response(202, {'service': self.service_obj(name)})

    def enable_service(self, req):
        return self.set_service(req, 'online')

    def disable_service(self, req):
        return self.set_service(req, 'disabled')

    # ------------------------------------------------------------------ targets

    def find_target(self, name):
        if name in self.rep['targets']:
            return self.rep['targets'][name]
        for target in self.rep['targets'].values():
            if target['target'] == name:
                return target
        return None

    def render_target(self, req, target):
        actions = sum(1 for a in self.rep['actions'].values() if a['target'] == target['label'])
        return {'label': target['label'], 'hostname': target['hostname'], 'address': target['address'],
                'asn': target['asn'], 'actions': actions, 'target': target['target'],
                'href': req.href('/replication/targets/' + target['label'])}

    def list_targets(self, req):
        targets = [self.rep['targets'][k] for k in sorted(self.rep['targets'])]
        return Response(200, {'targets': [self.render_target(req, t) for t in targets]})

    def get_target(self, req):
        target = self.find_target(req.params['target'])
        if target is None:
            raise not_found("replication target '%s'" % req.params['target'])
        return Response(200, {'target': self.render_target(req, target)})

    def create_target(self, req):
        body = body_object(req)
        for key in body:
            if key not in ('hostname', 'root_password', 'label'):
                raise ApiError('ERR_UNKNOWN_ARG', "unknown target property '%s'" % key)
        for key in ('hostname', 'root_password', 'label'):
            if key not in body:
                raise missing(key)
        label = check_name(body['label'], 'label')
        with self.app.lock:
            if label in self.rep['targets']:
                raise exists("replication target '%s'" % label)
        identity = self.verify_target(body['hostname'], body['root_password'])
        with self.app.lock:
            try:
                if label in self.rep['targets']:
                    raise exists("replication target '%s'" % label)
                number = self.rep.get('target_seq', 0)
                self.rep['target_seq'] = number + 1
                host, port = split_hostport(body['hostname'])
                target = {'label': label, 'hostname': body['hostname'], 'root_password': body['root_password'],
                          'address': '%s:%d' % (host, port), 'asn': identity['asn'], 'nodename': identity['nodename'],
                          'target': 'target-%03d' % number}
                self.rep['targets'][label] = target
                self.app.touch()
                obj = self.render_target(req, target)
            finally:
                self.app.flush()
        return Response(201, {'target': obj}, {'Location': obj['href']})

    def verify_target(self, hostname, password):
        """Log in to the other appliance as root, as the real appliance does to establish trust."""
        try:
            status, _body = call_appliance(hostname, 'POST', '/api/access/v1', password)
            if status == 201:
                status, body = call_appliance(hostname, 'GET', '/api/system/v1/version', password)
                if status == 200:
                    return body['version']
        except (OSError, http.client.HTTPException, KeyError, TypeError) as exc:
            raise invalid("cannot reach replication target '%s': %s" % (hostname, exc)) from exc
        if status == 401:
            raise invalid("replication target '%s' refused root_password" % hostname)
        raise invalid("replication target '%s' answered HTTP %s" % (hostname, status))

    def modify_target(self, req):
        target = self.find_target(req.params['target'])
        if target is None:
            raise not_found("replication target '%s'" % req.params['target'])
        for key, value in body_object(req).items():
            if key != 'root_password':
                raise invalid("target property '%s' cannot be changed (only root_password)" % key)
            target['root_password'] = value
        self.app.touch()
        return Response(202, {'target': self.render_target(req, target)})

    def delete_target(self, req):
        target = self.find_target(req.params['target'])
        if target is None:
            raise not_found("replication target '%s'" % req.params['target'])
        if any(a['target'] == target['label'] for a in self.rep['actions'].values()):
            raise denied("replication target '%s' is used by replication actions; destroy them first" % target['label'])
        del self.rep['targets'][target['label']]
        self.app.touch()
        return Response(204)

    # ------------------------------------------------------------------ actions

    def action(self, req):
        action = self.rep['actions'].get(req.params['action'])
        if action is None:
            raise not_found("replication action '%s'" % req.params['action'])
        p = req.params
        if 'project' in p and (action['pool'], action['project']) != (p['pool'], p['project']):
            raise not_found("replication action '%s' of project '%s'" % (p['action'], p['project']))
        return action

    def render_action(self, req, action):
        obj = dict((k, action[k]) for k in ACTION_FLAGS)
        obj.update({
            'id': action['id'], 'href': req.href('/replication/actions/' + action['id']), 'target': action['target'],
            'pool': action['pool'], 'target_pool': action['target_pool'], 'project': action['project'],
            'collection': 'local', 'max_bandwidth': action['max_bandwidth'], 'state': action['state'],
            'bytes_sent': action['bytes_sent'], 'estimated_size': action['estimated_size'],
            'estimated_time_left': 0.0, 'average_throughput': action['average_throughput'],
            'last_sync': fmt_time(action['last_sync'], req.version), 'last_try': fmt_time(action['last_try'], req.version),
            'last_result': action['last_result'],
            'replication_of': action['project'] + ('/' + action['share'] if action['share'] else ''),
        })
        if action['share']:
            obj['share'] = action['share']
        return obj

    def list_actions(self, req):
        p = req.params
        found = []
        for key in sorted(self.rep['actions']):
            action = self.rep['actions'][key]
            if 'project' in p and (action['pool'], action['project']) != (p['pool'], p['project']):
                continue
            if 'fs' in p and action['share'] != p['fs']:
                continue
            found.append(self.render_action(req, action))
        return Response(200, {'actions': found})

    def get_action(self, req):
        return Response(200, {'action': self.render_action(req, self.action(req))})

    @staticmethod
    def check_action_value(key, value):
        """The value to store: booleans also from "true"/"false" strings; ApiError when it is wrong."""
        if key in ACTION_FLAGS:
            checked = json_bool(value)
            if checked is None:
                raise invalid('%s must be a boolean (true/false, or the strings "true"/"false"), got %r' % (key, value))
            return checked
        if key == 'max_bandwidth' and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise invalid('max_bandwidth must be a non-negative integer (0 = unlimited), got %r' % (value,))
        return value

    def create_action(self, req):
        body = dict(body_object(req))
        p = req.params
        for key in ('pool', 'project'):
            if key in p:
                body.setdefault(key, p[key])
        if 'fs' in p:
            body.setdefault('share', p['fs'])
        for key, value in list(body.items()):
            if key not in ACTION_FIELDS:
                raise ApiError('ERR_UNKNOWN_ARG', "unknown replication action property '%s'" % key)
            body[key] = self.check_action_value(key, value)
        for key in ('pool', 'project', 'target', 'target_pool'):
            if key not in body:
                raise missing(key)
        prec = self.app.project(body['pool'], body['project'])
        if body.get('share'):
            self.app.share(body['pool'], body['project'], body['share'])
        target = self.find_target(body['target'])
        if target is None:
            raise invalid("replication target '%s' does not exist: create it under /replication/targets" % body['target'])
        action = dict(ACTION_FLAGS)
        action.update({'id': str(uuid.uuid4()), 'target': target['label'], 'pool': prec['pool'], 'project': prec['name'],
                       'project_id': prec['id'],
                       'share': body.get('share') or None, 'target_pool': body['target_pool'], 'max_bandwidth': 0,
                       'state': 'idle', 'bytes_sent': 0, 'estimated_size': 0, 'average_throughput': 0.0,
                       'last_sync': None, 'last_try': None, 'last_result': '<unknown>', 'schedules': {},
                       'schedule_seq': 0})
        for key in set(ACTION_FLAGS) | {'max_bandwidth'}:
            if key in body:
                action[key] = body[key]
        self.rep['actions'][action['id']] = action
        self.app.touch()
        obj = self.render_action(req, action)
        return Response(201, {'action': obj}, {'Location': obj['href']})

    def modify_action(self, req):
        action = self.action(req)
        body = dict(body_object(req))
        for key, value in body.items():
            if key in IMMUTABLE_ACTION_FIELDS:
                if value != action[key] and not (key == 'target' and self.find_target(value) is self.find_target(action[key])):
                    raise invalid("%s of a replication action cannot be changed; create a new action" % key)
                continue
            if key not in ACTION_FIELDS:
                raise ApiError('ERR_UNKNOWN_ARG', "unknown replication action property '%s'" % key)
            body[key] = self.check_action_value(key, value)
        for key, value in body.items():
            if key not in IMMUTABLE_ACTION_FIELDS:
                action[key] = value
        self.app.touch()
        return Response(202, {'action': self.render_action(req, action)})

    def delete_action(self, req):
        action = self.action(req)
        self.cancel(action['id'])
        del self.rep['actions'][action['id']]
        self.app.touch()
        return Response(204)

    def action_stats(self, req):
        action = self.action(req)
        keys = ('bytes_sent', 'estimated_size', 'average_throughput', 'last_result', 'state')
        return Response(200, {'stats': dict((k, action[k]) for k in keys)})

    # ---- schedules of an action (same fields as snapshot schedules, without keep; UNCONFIRMED)

    def schedule(self, req):
        action = self.action(req)
        sched = action['schedules'].get(req.params['sched'])
        if sched is None:
            raise not_found("schedule '%s'" % req.params['sched'])
        return action, sched

    def render_schedule(self, req, action, sched):
        href = req.href('/replication/actions/%s/schedules/%s' % (action['id'], sched['id']))
        return dict(render_fields(sched), id=sched['id'], href=href)

    def list_schedules(self, req):
        action = self.action(req)
        scheds = [action['schedules'][k] for k in sorted(action['schedules'])]
        return Response(200, {'schedules': [self.render_schedule(req, action, s) for s in scheds]})

    def get_schedule(self, req):
        action, sched = self.schedule(req)
        return Response(200, {'schedule': self.render_schedule(req, action, sched)})

    def create_schedule(self, req):
        action = self.action(req)
        sched = parse_schedule(body_object(req), with_keep=False)
        sched['id'] = 'schedule-%03d' % action['schedule_seq']
        action['schedule_seq'] += 1
        action['schedules'][sched['id']] = sched
        self.app.touch()
        obj = self.render_schedule(req, action, sched)
        return Response(201, {'schedule': obj}, {'Location': obj['href']})

    def modify_schedule(self, req):
        action, sched = self.schedule(req)
        body = body_object(req)
        new = updated_schedule(sched, body, with_keep=False)
        new['id'] = sched['id']
        action['schedules'][sched['id']] = new
        self.app.touch()
        return Response(202, {'schedule': self.render_schedule(req, action, new)})

    def delete_schedule(self, req):
        action, sched = self.schedule(req)
        del action['schedules'][sched['id']]
        self.app.touch()
        return Response(204)

    def run_schedules(self, start, end):
        for action in list(self.rep['actions'].values()):
            if not action['enabled'] or action['continuous'] or action['state'] != 'idle':
                continue
            if any(fire_times(s, start, end) for s in action['schedules'].values()):
                self.start_update(action, delay=0.0, track=True)

    # ---- updates

    def send_update(self, req):
        action = self.action(req)
        if self.rep['status'] != 'online':
            raise state_changed('the replication service is disabled')
        if not action['enabled']:
            raise state_changed("replication action '%s' is disabled" % action['id'])
        if action['state'] != 'idle':
            raise state_changed("replication action '%s' is already sending an update" % action['id'])
        self.start_update(action, delay=self.sim.config['replication_delay'])
        return Response(202, {'action': self.render_action(req, action)})

    def cancel_update(self, req):
        action = self.action(req)
        self.cancel(action['id'], wait=False)
        return Response(202, {'action': self.render_action(req, action)})

    def cancel(self, action_id, wait=True):
        event = self.cancels.get(action_id)
        if event is not None:
            event.set()
        thread = self.threads.get(action_id)
        if wait and thread is not None and thread is not threading.current_thread():
            self.app.lock.release()
            try:
                thread.join(30)
            finally:
                self.app.lock.acquire()

    def shutdown(self):
        for event in list(self.cancels.values()):
            event.set()
        for thread in list(self.threads.values()):
            thread.join(30)

    def start_update(self, action, delay, track=False):
        """Called with the appliance lock held: pack the data now, send it from a thread
        (track: remember the thread for wait_started, used by schedule runs)."""
        target = self.rep['targets'].get(action['target'])
        action['state'] = 'sending'
        action['last_try'] = self.app.clock.now()
        action['last_result'] = '<unknown>'
        self.app.touch()
        try:
            payload, size = self.pack(action)
        except (OSError, ApiError) as exc:
            self.finish(action['id'], 'failed: %s' % exc, 0, None)
            return
        action['estimated_size'] = size
        cancel = threading.Event()
        thread = threading.Thread(target=self.send_thread, args=(action['id'], dict(target), payload, size, delay, cancel),
                                  daemon=True)
        self.cancels[action['id']] = cancel
        self.threads[action['id']] = thread
        if track:
            self.started.append(thread)
        thread.start()

    def pack(self, action):
        """A tar file: manifest.json, data/<share>/..., snaps/<share>/<snap>/... -> (path, size)."""
        app = self.app
        prec = app.project(action['pool'], action['project'])
        if action['share']:
            shares = [app.share(action['pool'], action['project'], action['share'])[1]]
        else:
            shares = [prec['shares'][n] for n in sorted(prec['shares'])]
        manifest = {
            'action': action['id'], 'target_pool': action['target_pool'],
            'source': {'asn': app.glob['asn'], 'nodename': app.glob['nodename'], 'address': '%s:%s' % (self.sim.host, self.sim.port)},
            'project': {'name': prec['name'], 'props': prec['props'], 'creation': prec['creation']},
            'project_snapshots': [], 'shares': [],
        }
        if action['include_snaps'] and not action['share']:
            manifest['project_snapshots'] = [dict(s) for s in app.snapshots.ordered(prec['snapshots'])]
        path = os.path.join(app.sim_root, 'tmp', 'send-%s-%s.tar' % (action['id'], uuid.uuid4().hex[:8]))
        with tarfile.open(path, 'w', format=tarfile.PAX_FORMAT) as tar:
            for share in shares:
                snaps = app.snapshots.ordered(share['snapshots']) if action['include_snaps'] else []
                manifest['shares'].append({'name': share['name'], 'props': share['props'], 'creation': share['creation'],
                                           'snapshots': [dict(s, clones=[]) for s in snaps]})
                tar.add(app.share_path(prec, share), arcname='data/' + share['name'], filter=skip_snapdir)
                for snap in snaps:
                    tar.add(app.snapshot_dir(share, snap['name']), arcname='snaps/%s/%s' % (share['name'], snap['name']))
            data = json.dumps(manifest, sort_keys=True).encode('utf-8')
            info = tarfile.TarInfo('manifest.json')
            info.size = len(data)
            info.mtime = int(time.time())
            tar.addfile(info, fileobj=_BytesReader(data))
        return path, os.path.getsize(path)

    def send_thread(self, action_id, target, payload, size, delay, cancel):
        started = time.monotonic()
        result, sent = 'success', 0
        try:
            if cancel.wait(delay):
                raise Cancelled()
            sent = self.upload(target, action_id, payload, size, cancel)
        except Cancelled:
            result = 'cancelled'
        except (OSError, http.client.HTTPException, ApiError) as exc:
            result = 'failed: %s' % exc
        finally:
            if os.path.exists(payload):
                os.unlink(payload)
        elapsed = max(time.monotonic() - started, 1e-6)
        with self.app.lock:
            try:
                self.finish(action_id, result, sent, sent / elapsed)
            finally:
                self.app.flush()
                self.threads.pop(action_id, None)
                self.cancels.pop(action_id, None)

    def upload(self, target, action_id, payload, size, cancel):
        host, port = split_hostport(target['hostname'])
        conn = http.client.HTTPSConnection(host, port, timeout=120, context=unverified_context())
        try:
            conn.putrequest('PUT', '/_repl/v1/packages/' + action_id)
            token = base64.b64encode(('root:%s' % target['root_password']).encode()).decode()
            conn.putheader('Authorization', 'Basic ' + token)
            conn.putheader('Content-Type', 'application/x-tar')
            conn.putheader('Content-Length', str(size))
            conn.endheaders()
            with open(payload, 'rb') as handle:
                while True:
                    if cancel.is_set():
                        raise Cancelled()
                    chunk = handle.read(CHUNK)
                    if not chunk:
                        break
                    conn.send(chunk)
            resp = conn.getresponse()
            data = resp.read()
            if resp.status not in (200, 201):
                try:
                    details = json.loads(data.decode('utf-8'))['fault']['details']
                except (ValueError, KeyError, TypeError):
                    details = data[:200].decode('utf-8', 'replace')
                raise ApiError('ERR_INTERNAL', 'target answered HTTP %s: %s' % (resp.status, details))
            return size
        finally:
            conn.close()

    def finish(self, action_id, result, sent, throughput):
        action = self.rep['actions'].get(action_id)
        if action is None:
            return
        action['state'] = 'idle'
        action['last_result'] = result
        if result == 'success':
            action['last_sync'] = self.app.clock.now()
            action['bytes_sent'] = sent
            action['average_throughput'] = throughput or 0.0
        self.app.touch()

    def wait_started(self, timeout=60):
        """Join the update threads started so far (for POST /_sim/clock); call without the lock."""
        threads, self.started = self.started, []
        for thread in threads:
            thread.join(timeout)

    # ------------------------------------------------------------------ appliance hooks

    def project_renamed(self, prec):
        for action in self.rep['actions'].values():
            if action['pool'] == prec['pool'] and action.get('project_id') == prec['id']:
                action['project'] = prec['name']

    def project_deleted(self, prec):
        for action_id, action in list(self.rep['actions'].items()):
            if (action['pool'], action['project']) == (prec['pool'], prec['name']):
                self.cancel(action_id, wait=False)
                del self.rep['actions'][action_id]

    # ------------------------------------------------------------------ receiving side

    def receive(self, handler, path):
        """PUT /_repl/v1/packages/<id>: store one update (runs without the lock while reading)."""
        pieces = path.strip('/').split('/')
        if handler.command != 'PUT' or len(pieces) != 4 or pieces[:3] != ['_repl', 'v1', 'packages']:
            raise not_found('no such replication endpoint: %s' % path)
        package_id = pieces[3]
        length = int(handler.headers.get('Content-Length') or 0)
        tmp = os.path.join(self.app.sim_root, 'tmp', 'recv-%s-%s' % (package_id, uuid.uuid4().hex[:8]))
        staging = tmp + '.d'
        try:
            with open(tmp + '.tar', 'wb') as out:
                remaining = length
                while remaining > 0:
                    chunk = handler.rfile.read(min(CHUNK, remaining))
                    if not chunk:
                        raise ApiError('ERR_INVALID_ARG', 'update stream ended early')
                    out.write(chunk)
                    remaining -= len(chunk)
            manifest = self.unpack(tmp + '.tar', staging)
            with self.app.lock:
                try:
                    return self.store_package(package_id, manifest, staging)
                finally:
                    self.app.flush()
        finally:
            for leftover in (tmp + '.tar',):
                if os.path.exists(leftover):
                    os.unlink(leftover)
            dataplane.remove_tree(staging)

    @staticmethod
    def unpack(tar_path, staging):
        os.makedirs(staging)
        with tarfile.open(tar_path, 'r') as tar:
            members = tar.getmembers()
            for member in members:
                name = member.name
                if name.startswith('/') or '..' in name.split('/'):
                    raise invalid('bad member name in update stream: %r' % name)
            tar.extractall(staging, members=members, numeric_owner=True, filter='fully_trusted')
        with open(os.path.join(staging, 'manifest.json'), encoding='utf-8') as handle:
            return json.load(handle)

    def store_package(self, package_id, manifest, staging):
        rep = self.rep
        if package_id in rep.setdefault('severed', []):
            raise state_changed('package %s was severed on this appliance; create a new replication action' % package_id)
        if manifest['target_pool'] not in self.app.pools:
            raise invalid("pool '%s' does not exist on the target (pools: %s)" % (manifest['target_pool'], ', '.join(self.app.pools)))
        source = manifest['source']
        rep['sources'][source['asn']] = {'name': source['nodename'], 'asn': source['asn'], 'ip_address': source['address']}
        final = os.path.join(self.app.sim_root, 'packages', package_id)
        old = final + '.old'
        os.remove(os.path.join(staging, 'manifest.json'))
        if os.path.exists(final):
            os.rename(final, old)
        os.rename(staging, final)
        dataplane.remove_tree(old)
        now = self.app.clock.now()
        rep['packages'][package_id] = {'id': package_id, 'source': source['asn'], 'pool': manifest['target_pool'],
                                       'manifest': manifest, 'last_sync': now, 'last_result': 'success',
                                       'state': 'idle', 'enabled': True}
        self.app.touch()
        return 201, {'package': {'id': package_id}}

    # ---- sources and packages

    def source_name(self, asn):
        source = self.rep['sources'].get(asn)
        return source['name'] if source else asn

    def render_package(self, req, pkg):
        return {'id': pkg['id'], 'href': req.href('/replication/packages/' + pkg['id']), 'source': self.source_name(pkg['source']),
                'source_asn': pkg['source'], 'project': pkg['manifest']['project']['name'], 'pool': pkg['pool'],
                'collection': 'replication', 'state': pkg['state'], 'enabled': pkg['enabled'],
                'last_sync': fmt_time(pkg['last_sync'], req.version), 'last_result': pkg['last_result'],
                'data_timestamp': fmt_time(pkg['last_sync'], req.version)}

    def find_source(self, name):
        for asn, source in self.rep['sources'].items():
            if name in (asn, source['name']):
                return source
        raise not_found("replication source '%s'" % name)

    def render_source(self, req, source):
        packages = [self.render_package(req, p) for _k, p in sorted(self.rep['packages'].items()) if p['source'] == source['asn']]
        return {'name': source['name'], 'asn': source['asn'], 'ip_address': source['ip_address'],
                'href': req.href('/replication/sources/' + source['name']), 'packages': packages}

    def list_sources(self, req):
        sources = sorted(self.rep['sources'].values(), key=lambda s: s['name'])
        return Response(200, {'sources': [self.render_source(req, s) for s in sources]})

    def get_source(self, req):
        return Response(200, {'source': self.render_source(req, self.find_source(req.params['source']))})

    def list_packages(self, req):
        asn = self.find_source(req.params['source'])['asn'] if 'source' in req.params else None
        found = [self.render_package(req, p) for _k, p in sorted(self.rep['packages'].items()) if asn in (None, p['source'])]
        return Response(200, {'packages': found})

    def package(self, req):
        pkg = self.rep['packages'].get(req.params['package'])
        if pkg is None or ('source' in req.params and self.find_source(req.params['source'])['asn'] != pkg['source']):
            raise not_found("replication package '%s'" % req.params['package'])
        return pkg

    def package_dir(self, pkg):
        return os.path.join(self.app.sim_root, 'packages', pkg['id'])

    def get_package(self, req):
        return Response(200, {'package': self.render_package(req, self.package(req))})

    def modify_package(self, req):
        pkg = self.package(req)
        for key, value in body_object(req).items():
            if key != 'enabled' or json_bool(value) is None:
                raise invalid("only 'enabled' (boolean) of a package can be changed in the simulator, not '%s'" % key)
            pkg['enabled'] = json_bool(value)
        self.app.touch()
        return Response(202, {'package': self.render_package(req, pkg)})

    def delete_package(self, req):
        pkg = self.package(req)
        dataplane.remove_tree(self.package_dir(pkg))
        del self.rep['packages'][pkg['id']]
        self.app.touch()
        return Response(204)

    def cancel_package(self, req):
        return Response(202, {'package': self.render_package(req, self.package(req))})

    def local_name(self, pkg, body, key):
        name = body.get(key) or pkg['manifest']['project']['name']
        return check_name(name, key)

    def conflicts(self, pkg, name, overrides=None):
        problems = []
        if (pkg['pool'], name) in self.app.projects:
            problems.append("project '%s' already exists in pool '%s'" % (name, pkg['pool']))
        trial = {'name': name, 'pool': pkg['pool'], 'props': dict(pkg['manifest']['project']['props'], **(overrides or {}))}
        planned = {}
        for share in pkg['manifest']['shares']:
            planned['pkg:' + share['name']] = self.app.share_value(trial, {'name': share['name'], 'props': share['props']}, 'mountpoint')
        try:
            self.app.check_mountpoints(planned)
        except ApiError as err:
            problems.append(err.details)
        return problems

    def clone_conflicts(self, req):
        pkg = self.package(req)
        problems = self.conflicts(pkg, self.local_name(pkg, req.query, 'target_project'))
        text = ''.join(p + '\n' for p in problems) if problems else 'There are no conflicts.\n'
        return Response(200, {'conflicts': text})

    def materialize(self, req, pkg, name, overrides, with_snapshots, move):
        """Make a local project from the package data (sever: move it, clone: copy it)."""
        problems = self.conflicts(pkg, name, overrides)
        if problems:
            raise ApiError('ERR_OBJECT_EXISTS' if 'already exists' in problems[0] else 'ERR_INVALID_ARG', '; '.join(problems))
        app = self.app
        manifest = pkg['manifest']
        prec = {'id': str(uuid.uuid4()), 'pool': pkg['pool'], 'name': name, 'creation': app.clock.now(),
                'props': dict(manifest['project']['props'], **overrides), 'shares': {}, 'snapshots': {}, 'automatic': {}}
        app.projects[(prec['pool'], name)] = prec
        base = self.package_dir(pkg)
        for item in manifest['shares']:
            share = {'id': str(uuid.uuid4()), 'name': item['name'], 'creation': item['creation'], 'props': item['props'],
                     'snapshots': {}, 'automatic': {}, 'origin': None, 'path': None, 'snap_home': 'hidden'}
            path = app.share_path(prec, share)
            dataplane.ensure_parent(path)
            src = os.path.join(base, 'data', item['name'])
            if move:
                os.rename(src, path)
            else:
                dataplane.copy_tree(src, path)
            share['path'] = os.path.relpath(path, app.data_dir)
            share['snap_home'] = 'share' if app.share_value(prec, share, 'snapdir') == 'visible' else 'hidden'
            for snap in item['snapshots'] if with_snapshots else []:
                snapdir = app.ensure_zfs_dir(share)
                with dataplane.Unlocked(snapdir):
                    os.rename(os.path.join(base, 'snaps', item['name'], snap['name']), os.path.join(snapdir, snap['name']))
                dataplane.set_immutable(os.path.join(snapdir, snap['name']), True, recursive=True)
                share['snapshots'][snap['name']] = dict(snap, clones=[], id=str(uuid.uuid4()))
            prec['shares'][share['name']] = share
        if with_snapshots:
            for snap in manifest['project_snapshots']:
                prec['snapshots'][snap['name']] = dict(snap, id=str(uuid.uuid4()))
        app.touch(prec)
        return prec

    def sever_package(self, req):
        pkg = self.package(req)
        body = body_object(req)
        name = self.local_name(pkg, body, 'projname')
        prec = self.materialize(req, pkg, name, {}, with_snapshots=True, move=True)
        dataplane.remove_tree(self.package_dir(pkg))
        del self.rep['packages'][pkg['id']]
        self.rep.setdefault('severed', []).append(pkg['id'])
        self.app.touch()
        return Response(202, {'project': render_project(self.app, storage_request(req), prec)})

    def clone_package(self, req):
        pkg = self.package(req)
        body = dict(body_object(req))
        name = self.local_name(pkg, body, 'target_project')
        body.pop('target_project', None)
        overrides = validate(body, project_table(), self.app.glob['schema'], creating=True)
        prec = self.materialize(req, pkg, name, overrides, with_snapshots=False, move=False)
        return Response(202, {'project': render_project(self.app, storage_request(req), prec)})

    # ---- browsing a package

    def package_project_obj(self, req, pkg):
        project = pkg['manifest']['project']
        obj = dict((k, project['props'].get(k, INHERITED[k][1])) for k in INHERITED)
        obj.update({'name': project['name'], 'pool': pkg['pool'], 'collection': 'replication',
                    'creation': fmt_time(project['creation'], req.version),
                    'href': req.href('/replication/packages/%s/projects/%s' % (pkg['id'], project['name']))})
        return obj

    def package_share_obj(self, req, pkg, item):
        project = pkg['manifest']['project']
        trial = {'name': project['name'], 'props': project['props']}
        share = {'name': item['name'], 'props': item['props']}
        obj = dict((k, self.app.share_value(trial, share, k)) for k in INHERITED)
        obj.update({'name': item['name'], 'project': project['name'], 'pool': pkg['pool'], 'collection': 'replication',
                    'creation': fmt_time(item['creation'], req.version),
                    'href': req.href('/replication/packages/%s/projects/%s/filesystems/%s' % (pkg['id'], project['name'], item['name']))})
        return obj

    def package_and_project(self, req):
        pkg = self.package(req)
        if req.params['project'] != pkg['manifest']['project']['name']:
            raise not_found("project '%s' in package '%s'" % (req.params['project'], pkg['id']))
        return pkg

    def package_projects(self, req):
        pkg = self.package(req)
        return Response(200, {'projects': [self.package_project_obj(req, pkg)]})

    def package_project(self, req):
        pkg = self.package_and_project(req)
        return Response(200, {'project': self.package_project_obj(req, pkg)})

    def package_shares(self, req):
        pkg = self.package_and_project(req)
        return Response(200, {'filesystems': [self.package_share_obj(req, pkg, s) for s in pkg['manifest']['shares']]})

    def package_item(self, pkg, name):
        for item in pkg['manifest']['shares']:
            if item['name'] == name:
                return item
        raise not_found("filesystem '%s' in package '%s'" % (name, pkg['id']))

    def package_share(self, req):
        pkg = self.package_and_project(req)
        return Response(200, {'filesystem': self.package_share_obj(req, pkg, self.package_item(pkg, req.params['fs']))})

    def package_snapshots(self, req):
        pkg = self.package_and_project(req)
        if 'fs' in req.params:
            snaps = self.package_item(pkg, req.params['fs'])['snapshots']
        else:
            snaps = pkg['manifest']['project_snapshots']
        found = [{'name': s['name'], 'creation': fmt_time(s['creation'], req.version), 'collection': 'replication'}
                 for s in snaps]
        return Response(200, {'snapshots': found})


class Cancelled(Exception):
    pass


class _BytesReader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def read(self, size=-1):
        end = len(self.data) if size is None or size < 0 else self.pos + size
        chunk = self.data[self.pos:end]
        self.pos += len(chunk)
        return chunk


def skip_snapdir(info):
    """tar filter: leave out the share's .zfs directory (snapshots travel separately)."""
    parts = info.name.split('/')
    if len(parts) >= 3 and parts[2] == dataplane.SNAPDIR:
        return None
    return info


def storage_request(req):
    """A request whose hrefs point into the storage service (for objects rendered from other paths)."""
    clone = Request(req.method, req.path, req.query, req.body, req.version, '/api/storage/v%d' % req.version, req.user)
    clone.params = req.params
    return clone
