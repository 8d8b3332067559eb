"""Storage service: pools, projects, filesystems, schema (docs/reference/appliance-api.md §3)."""

import copy
import os
import uuid

from .errors import ApiError, denied, exists, invalid, missing, not_found
from .model import fmt_time
from .props import (INHERITED, PROJECT_LOCAL, SHARE_LOCAL, check_name, project_table, share_table, validate)
from .router import Response


# ------------------------------------------------------------------ rendering

def project_href(req, prec):
    return req.href('/pools/%s/projects/%s' % (prec['pool'], prec['name']))


def share_href(req, prec, share):
    return project_href(req, prec) + '/filesystems/' + share['name']


# ------------------------------------------------------------------ space accounting
#
# Data is a `du` of the share directories; quotas and reservations are accounted like ZFS does
# (UNCONFIRMED choice 31): an unused reservation counts as used in its pool and is available only
# to the share or project holding it; a quota caps what is available below it.

def share_space(app, prec, share):
    """(data bytes, unused reservation bytes) of a share."""
    data = app.share_usage(prec, share)
    reservation = app.share_value(prec, share, 'reservation') or 0
    return data, max(0, reservation - data)


def project_space(app, prec):
    """space_data, space_unused_res_shares, space_unused_res and space_total of a project."""
    data = unused_shares = 0
    for share in prec['shares'].values():
        share_data, share_unused = share_space(app, prec, share)
        data += share_data
        unused_shares += share_unused
    reservation = app.project_value(prec, 'reservation') or 0
    unused = max(0, reservation - data - unused_shares)
    return {'space_data': data, 'space_unused_res_shares': unused_shares, 'space_unused_res': unused,
            'space_total': data + unused_shares + unused}


def reserved_unused(app, prec):
    """Bytes reserved in the project (and its shares) but not holding data; cheap when nothing is reserved."""
    if app.project_value(prec, 'reservation'):
        space = project_space(app, prec)
        return space['space_unused_res'] + space['space_unused_res_shares']
    return sum(share_space(app, prec, share)[1] for share in prec['shares'].values()
               if app.share_value(prec, share, 'reservation'))


def pool_available(app, pool):
    """Free bytes of the pool for data that holds no reservation."""
    reserved = sum(reserved_unused(app, prec) for prec in app.projects.values() if prec['pool'] == pool)
    return max(0, app.space_available() - reserved)


def project_available(app, prec, space=None):
    """What a share without reservation of the project can still write: the pool's free space plus the project's
    own unused reservation, capped by the project quota."""
    available = pool_available(app, prec['pool'])
    quota = app.project_value(prec, 'quota') or 0
    if quota or app.project_value(prec, 'reservation'):
        space = space or project_space(app, prec)
        available += space['space_unused_res']
        if quota:
            available = min(available, max(0, quota - space['space_total']))
    return available


def render_pool(app, req, pool):
    free = pool_available(app, pool)
    data = reserved = 0
    for prec in app.projects.values():
        if prec['pool'] == pool:
            space = project_space(app, prec)
            data += space['space_data']
            reserved += space['space_unused_res'] + space['space_unused_res_shares']
    used = data + reserved
    return {
        'name': pool, 'status': 'online', 'owner': app.glob['nodename'], 'asn': app.glob['asn'],
        'profile': 'mirror', 'href': req.href('/pools/' + pool),
        'usage': {'available': free, 'used': used, 'total': free + used, 'free': free, 'usage_data': data,
                  'usage_snapshots': 0, 'usage_total': used},
    }


def render_project(app, req, prec):
    obj = {
        'name': prec['name'], 'pool': prec['pool'], 'id': prec['id'], 'collection': 'local',
        'canonical_name': '%s/local/%s' % (prec['pool'], prec['name']), 'href': project_href(req, prec),
        'creation': fmt_time(prec['creation'], req.version),
        'encryption': 'off', 'keystatus': 'none', 'compressratio': 100,
    }
    for name in list(INHERITED) + list(PROJECT_LOCAL):
        obj[name] = app.project_value(prec, name)
    for name, value in prec['props'].items():
        if name.startswith('custom:'):
            obj[name] = value
    obj['source'] = dict((name, app.source_of(prec, None, name)) for name in INHERITED)
    space = project_space(app, prec)
    obj.update(space, space_snapshots=0, space_available=project_available(app, prec, space))
    if req.flag('snaps'):
        obj['snapshots'] = [app.snapshots.render(req, prec, None, snap) for snap in app.snapshots.ordered(prec['snapshots'])]
    return obj


def render_share(app, req, prec, share):
    obj = {
        'name': share['name'], 'pool': prec['pool'], 'project': prec['name'], 'id': share['id'], 'collection': 'local',
        'canonical_name': '%s/local/%s/%s' % (prec['pool'], prec['name'], share['name']),
        'href': share_href(req, prec, share), 'creation': fmt_time(share['creation'], req.version),
        'encryption': 'off', 'keystatus': 'none', 'compressratio': 100,
    }
    for name in list(INHERITED) + list(SHARE_LOCAL):
        obj[name] = app.share_value(prec, share, name)
    for name in set(prec['props']) | set(share['props']):
        if name.startswith('custom:'):
            obj[name] = app.share_value(prec, share, name)
    obj['source'] = dict((name, app.source_of(prec, share, name)) for name in INHERITED)
    data, unused = share_space(app, prec, share)
    free = project_available(app, prec) + unused
    if obj['quota']:
        free = min(free, max(0, obj['quota'] - data))
    obj.update({'space_data': data, 'space_snapshots': 0, 'space_unused_res': unused, 'space_unused_res_shares': 0,
                'space_available': free, 'space_total': data + unused})
    if share.get('origin'):
        origin = share['origin']
        obj['origin'] = {'pool': prec['pool'], 'collection': 'local', 'project': origin['project'],
                         'share': origin['share'], 'snapshot': origin['snapshot']}
    if req.flag('snaps'):
        obj['snapshots'] = [app.snapshots.render(req, prec, share, snap) for snap in app.snapshots.ordered(share['snapshots'])]
    return obj


def body_object(req):
    if req.body is None:
        return {}
    if not isinstance(req.body, dict):
        raise invalid('the request body must be a JSON object')
    return req.body


# ------------------------------------------------------------------ handlers

class Storage:
    def __init__(self, app):
        self.app = app

    def register(self, router):
        add = router.add
        add('GET', '/pools', self.list_pools, 'List pools')
        add('GET', '/pools/{pool}', self.get_pool, 'Get a pool')
        add('GET', '/projects', self.list_all_projects, 'List all projects')
        add('GET', '/pools/{pool}/projects', self.list_projects, 'List projects')
        add('POST', '/pools/{pool}/projects', self.create_project, 'Create a project')
        add('GET', '/pools/{pool}/projects/{project}', self.get_project, 'Get a project')
        add('PUT', '/pools/{pool}/projects/{project}', self.modify_project, 'Modify a project')
        add('DELETE', '/pools/{pool}/projects/{project}', self.delete_project, 'Destroy a project')
        add('GET', '/filesystems', self.list_all_shares, 'List all filesystems')
        add('GET', '/pools/{pool}/projects/{project}/filesystems', self.list_shares, 'List filesystems')
        add('POST', '/pools/{pool}/projects/{project}/filesystems', self.create_share, 'Create a filesystem')
        add('GET', '/pools/{pool}/projects/{project}/filesystems/{fs}', self.get_share, 'Get a filesystem')
        add('PUT', '/pools/{pool}/projects/{project}/filesystems/{fs}', self.modify_share, 'Modify a filesystem')
        add('DELETE', '/pools/{pool}/projects/{project}/filesystems/{fs}', self.delete_share, 'Destroy a filesystem')
        add('GET', '/schema', self.list_schema, 'List custom properties')
        add('POST', '/schema', self.create_schema, 'Create a custom property')
        add('GET', '/schema/{prop}', self.get_schema, 'Get a custom property')
        add('PUT', '/schema/{prop}', self.modify_schema, 'Modify a custom property')
        add('DELETE', '/schema/{prop}', self.delete_schema, 'Destroy a custom property')

    # ---- pools

    def list_pools(self, req):
        return Response(200, {'pools': [render_pool(self.app, req, p) for p in self.app.pools]})

    def get_pool(self, req):
        self.app.check_pool(req.params['pool'])
        return Response(200, {'pool': render_pool(self.app, req, req.params['pool'])})

    # ---- projects

    def list_all_projects(self, req):
        return Response(200, {'projects': [render_project(self.app, req, p) for _k, p in sorted(self.app.projects.items())]})

    def list_projects(self, req):
        pool = req.params['pool']
        self.app.check_pool(pool)
        found = [p for k, p in sorted(self.app.projects.items()) if k[0] == pool]
        return Response(200, {'projects': [render_project(self.app, req, p) for p in found]})

    def get_project(self, req):
        prec = self.app.project(req.params['pool'], req.params['project'])
        return Response(200, {'project': render_project(self.app, req, prec)})

    def create_project(self, req):
        app = self.app
        pool = req.params['pool']
        app.check_pool(pool)
        body = body_object(req)
        if 'name' not in body:
            raise missing('name')
        name = check_name(body['name'], 'project name')
        props = validate(body, project_table(), app.glob['schema'], creating=True, skip=('name',))
        if (pool, name) in app.projects:
            raise exists("project '%s'" % name)
        prec = {'id': str(uuid.uuid4()), 'pool': pool, 'name': name, 'creation': app.clock.now(), 'props': props,
                'shares': {}, 'snapshots': {}, 'automatic': {}}
        app.projects[(pool, name)] = prec
        app.touch(prec)
        href = project_href(req, prec)
        return Response(201, {'project': render_project(app, req, prec)}, {'Location': href})

    def modify_project(self, req):
        app = self.app
        prec = app.project(req.params['pool'], req.params['project'])
        body = body_object(req)
        new_name = body.get('name', prec['name'])
        check_name(new_name, 'project name')
        props = validate(body, project_table(), app.glob['schema'], creating=False, skip=('name',))
        if new_name != prec['name'] and (prec['pool'], new_name) in app.projects:
            raise exists("project '%s'" % new_name)
        trial = dict(prec, props=dict(prec['props'], **props))
        planned = dict((s['id'], app.share_value(trial, s, 'mountpoint')) for s in prec['shares'].values())
        app.check_mountpoints(planned)
        prec['props'].update(props)
        if new_name != prec['name']:
            del app.projects[(prec['pool'], prec['name'])]
            prec['name'] = new_name
            app.projects[(prec['pool'], new_name)] = prec
            app.replication.project_renamed(prec)
        for share in prec['shares'].values():
            app.reconcile(prec, share)
        app.touch(prec)
        return Response(202, {'project': render_project(app, req, prec)})

    def delete_project(self, req):
        app = self.app
        prec = app.project(req.params['pool'], req.params['project'])
        if app.project_value(prec, 'nodestroy'):
            raise denied("project '%s' has nodestroy set" % prec['name'])
        for share in prec['shares'].values():
            self.check_share_destroyable(prec, share, leaving=set(s['id'] for s in prec['shares'].values()))
        for share in list(prec['shares'].values()):
            self.destroy_share(prec, share)
        del app.projects[(prec['pool'], prec['name'])]
        app.replication.project_deleted(prec)
        app._deleted.add(prec['id'])  # pylint: disable=protected-access
        app.touch()
        return Response(204)

    # ---- filesystems

    def list_all_shares(self, req):
        return Response(200, {'filesystems': [render_share(self.app, req, p, s) for p, s in self.app.all_shares()]})

    def list_shares(self, req):
        prec = self.app.project(req.params['pool'], req.params['project'])
        shares = [prec['shares'][n] for n in sorted(prec['shares'])]
        return Response(200, {'filesystems': [render_share(self.app, req, prec, s) for s in shares]})

    def get_share(self, req):
        prec, share = self.app.share(req.params['pool'], req.params['project'], req.params['fs'])
        return Response(200, {'filesystem': render_share(self.app, req, prec, share)})

    def create_share(self, req):
        prec = self.app.project(req.params['pool'], req.params['project'])
        body = body_object(req)
        if 'name' not in body:
            raise missing('name')
        share = self.new_share(prec, body)
        return Response(201, {'filesystem': render_share(self.app, req, prec, share)},
                        {'Location': share_href(req, prec, share)})

    def new_share(self, prec, body, origin=None, populate=None):
        """Create a share record and its directory; populate(path) fills it (clones)."""
        app = self.app
        name = check_name(body['name'], 'filesystem name')
        props = validate(body, share_table(), app.glob['schema'], creating=True, skip=('name',))
        if name in prec['shares']:
            raise exists("filesystem '%s' in project '%s'" % (name, prec['name']))
        share = {'id': str(uuid.uuid4()), 'name': name, 'creation': app.clock.now(), 'props': props,
                 'snapshots': {}, 'automatic': {}, 'origin': origin, 'path': None, 'snap_home': 'hidden'}
        app.check_mountpoints({share['id']: app.share_value(prec, share, 'mountpoint')})
        app.create_share_dir(prec, share)
        if populate is not None:
            path = os.path.join(app.data_dir, share['path'])
            populate(path)
            if any(k in props for k in ('root_user', 'root_group', 'root_permissions')):
                app.apply_root_attrs(prec, share)
        prec['shares'][name] = share
        app.touch(prec)
        return share

    def modify_share(self, req):
        app = self.app
        prec, share = app.share(req.params['pool'], req.params['project'], req.params['fs'])
        body = body_object(req)
        new_name = check_name(body.get('name', share['name']), 'filesystem name')
        target = prec
        if 'project' in body:
            target = app.project(prec['pool'], check_name(body['project'], 'project name'))
        props = validate(body, share_table(), app.glob['schema'], creating=False, skip=('name', 'project'))
        if (target is not prec or new_name != share['name']) and new_name in target['shares']:
            raise exists("filesystem '%s' in project '%s'" % (new_name, target['name']))
        trial = copy.deepcopy(share)
        trial['props'].update(props)
        trial['name'] = new_name
        app.check_mountpoints({share['id']: app.share_value(target, trial, 'mountpoint')})
        share['props'].update(props)
        del prec['shares'][share['name']]
        share['name'] = new_name
        target['shares'][new_name] = share
        app.reconcile(target, share)
        if any(k in props for k in ('root_user', 'root_group', 'root_permissions')):
            app.apply_root_attrs(target, share)
        if target is not prec:
            app.snapshots.share_moved(prec, target, share)
        app.touch(prec)
        app.touch(target)
        return Response(202, {'filesystem': render_share(app, req, target, share)})

    def check_share_destroyable(self, prec, share, leaving=()):
        if self.app.share_value(prec, share, 'nodestroy'):
            raise denied("filesystem '%s' has nodestroy set" % share['name'])
        for snap in share['snapshots'].values():
            others = [c for c in snap.get('clones', []) if c not in leaving]
            if others:
                raise denied("snapshot '%s' of filesystem '%s' has clones; destroy them first"
                             % (snap['name'], share['name']))

    def destroy_share(self, prec, share):
        app = self.app
        app.snapshots.forget_clone(share)
        app.remove_share_dirs(share)
        del prec['shares'][share['name']]
        app.touch(prec)

    def delete_share(self, req):
        prec, share = self.app.share(req.params['pool'], req.params['project'], req.params['fs'])
        self.check_share_destroyable(prec, share)
        self.destroy_share(prec, share)
        return Response(204)

    # ---- schema (custom properties)

    def render_schema(self, req, name, entry):
        return dict(entry, property=name, href=req.href('/schema/' + name))

    def list_schema(self, req):
        schema = self.app.glob['schema']
        return Response(200, {'schema': [self.render_schema(req, n, schema[n]) for n in sorted(schema)]})

    def get_schema(self, req):
        entry = self.app.glob['schema'].get(req.params['prop'])
        if entry is None:
            raise not_found("custom property '%s'" % req.params['prop'])
        return Response(200, {'property': self.render_schema(req, req.params['prop'], entry)})

    def schema_fields(self, body, creating):
        fields = {}
        for key, value in body.items():
            if key == 'property':
                continue
            if key not in ('description', 'type'):
                raise ApiError('ERR_UNKNOWN_ARG', "unknown schema field '%s'" % key)
            fields[key] = value
        if fields.get('type', 'String') not in ('String', 'Integer', 'Boolean', 'EmailAddress', 'Host'):
            raise invalid('type must be String, Integer, Boolean, EmailAddress or Host')
        if creating:
            fields.setdefault('type', 'String')
            fields.setdefault('description', '')
        return fields

    def create_schema(self, req):
        body = body_object(req)
        if 'property' not in body:
            raise missing('property')
        name = check_name(body['property'], 'property')
        if name in self.app.glob['schema']:
            raise exists("custom property '%s'" % name)
        self.app.glob['schema'][name] = self.schema_fields(body, True)
        self.app.touch()
        href = req.href('/schema/' + name)
        return Response(201, {'property': self.render_schema(req, name, self.app.glob['schema'][name])}, {'Location': href})

    def modify_schema(self, req):
        name = req.params['prop']
        entry = self.app.glob['schema'].get(name)
        if entry is None:
            raise not_found("custom property '%s'" % name)
        entry.update(self.schema_fields(body_object(req), False))
        self.app.touch()
        return Response(202, {'property': self.render_schema(req, name, entry)})

    def delete_schema(self, req):
        name = req.params['prop']
        if self.app.glob['schema'].pop(name, None) is None:
            raise not_found("custom property '%s'" % name)
        self.app.touch()
        return Response(204)
