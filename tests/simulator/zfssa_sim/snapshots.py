"""Manual snapshots at project and filesystem level: create, list, get, rename, clone, rollback,
destroy, dependents (docs/reference/appliance-api.md §4), acting on real directories (see dataplane.py).

A project snapshot is one record on the project plus one "part" per share (ZFS recursive
snapshot); share-level paths list and resolve those parts too, so a share can be cloned or
rolled back from a project snapshot.
"""

import os
import uuid

from . import dataplane
from .errors import ApiError, denied, exists, missing, not_found, invalid
from .model import fmt_time
from .props import check_name
from .router import Response
from .storage import body_object, project_href, render_share, share_href

PROJECT = '/pools/{pool}/projects/{project}'
SHARE = PROJECT + '/filesystems/{fs}'


class Snapshots:
    def __init__(self, app):
        self.app = app

    def register(self, router):
        add = router.add
        add('GET', '/snapshots', self.list_all, 'List all snapshots')
        for base, level in ((PROJECT, 'project'), (SHARE, 'filesystem')):
            add('GET', base + '/snapshots', self.list, 'List %s snapshots' % level)
            add('POST', base + '/snapshots', self.create, 'Create a %s snapshot' % level)
            add('GET', base + '/snapshots/{snap}', self.get, 'Get a %s snapshot' % level)
            add('PUT', base + '/snapshots/{snap}', self.rename, 'Rename a %s snapshot' % level)
            add('DELETE', base + '/snapshots/{snap}', self.delete, 'Destroy a %s snapshot' % level)
            add('GET', base + '/snapshots/{snap}/dependents', self.dependents, 'List clones of a %s snapshot' % level)
        add('PUT', SHARE + '/snapshots/{snap}/clone', self.clone, 'Clone a snapshot to a new filesystem')
        add('PUT', SHARE + '/snapshots/{snap}/rollback', self.rollback, 'Roll a filesystem back to a snapshot')

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def ordered(snaps):
        return sorted(snaps.values(), key=lambda s: s['seq'])

    def owner(self, req):
        """(project record, share record or None) named by the path."""
        p = req.params
        if 'fs' in p:
            return self.app.share(p['pool'], p['project'], p['fs'])
        return self.app.project(p['pool'], p['project']), None

    def lookup(self, req):
        prec, share = self.owner(req)
        snaps = share['snapshots'] if share is not None else prec['snapshots']
        snap = snaps.get(req.params['snap'])
        if snap is None:
            raise not_found("snapshot '%s'" % req.params['snap'])
        return prec, share, snap

    def parts(self, prec, name):
        """The per-share parts of project snapshot `name`: [(share, part)]."""
        return [(s, s['snapshots'][name]) for s in prec['shares'].values()
                if name in s['snapshots'] and s['snapshots'][name].get('project_level')]

    def numclones(self, prec, share, snap):
        if share is not None:
            return len(snap.get('clones', []))
        return sum(len(part.get('clones', [])) for _s, part in self.parts(prec, snap['name']))

    def render(self, req, prec, share, snap):
        base = share_href(req, prec, share) if share is not None else project_href(req, prec)
        canonical = '%s/local/%s' % (prec['pool'], prec['name'])
        obj = {
            'name': snap['name'], 'id': snap['id'], 'href': base + '/snapshots/' + snap['name'],
            'pool': prec['pool'], 'project': prec['name'], 'collection': 'local', 'type': 'snapshot',
            'creation': fmt_time(snap['creation'], req.version), 'numclones': self.numclones(prec, share, snap),
            'space_unique': 0, 'space_data': snap.get('space_data', 0),
        }
        if share is not None:
            obj['share'] = share['name']
            canonical += '/' + share['name']
        obj['canonical_name'] = canonical + '@' + snap['name']
        return obj

    # ------------------------------------------------------------------ data plane

    def take_part(self, prec, share, name, creation, seq, schedule=None, project_level=False):
        app = self.app
        snapdir = app.ensure_zfs_dir(share)
        target = os.path.join(snapdir, name)
        with dataplane.Unlocked(snapdir):
            size = dataplane.copy_tree(app.share_path(prec, share), target)
        dataplane.set_immutable(target, True, recursive=True)
        part = {'id': str(uuid.uuid4()), 'name': name, 'creation': creation, 'seq': seq, 'schedule': schedule,
                'clones': [], 'space_data': size}
        if project_level:
            part['project_level'] = True
        share['snapshots'][name] = part
        return part

    def drop_part(self, share, name):
        snapdir = os.path.join(self.app.zfs_dir(share), 'snapshot')
        with dataplane.Unlocked(snapdir):
            dataplane.remove_tree(os.path.join(snapdir, name))
        del share['snapshots'][name]

    def rename_part(self, share, old, new):
        snapdir = os.path.join(self.app.zfs_dir(share), 'snapshot')
        with dataplane.Unlocked(snapdir):
            dataplane.set_immutable(os.path.join(snapdir, old), False)
            os.rename(os.path.join(snapdir, old), os.path.join(snapdir, new))
            dataplane.set_immutable(os.path.join(snapdir, new), True)
        part = share['snapshots'].pop(old)
        part['name'] = new
        share['snapshots'][new] = part

    # ------------------------------------------------------------------ operations used by handlers and schedules

    def check_free_name(self, prec, share, name):
        if share is not None:
            if name in share['snapshots']:
                raise exists("snapshot '%s' of filesystem '%s'" % (name, share['name']))
            return
        if name in prec['snapshots']:
            raise exists("snapshot '%s' of project '%s'" % (name, prec['name']))
        for other in prec['shares'].values():
            if name in other['snapshots']:
                raise exists("snapshot '%s' of filesystem '%s'" % (name, other['name']))

    def take(self, prec, share, name, creation=None, schedule=None):
        """Create a snapshot (project-wide when share is None); returns its record."""
        app = self.app
        self.check_free_name(prec, share, name)
        creation = app.clock.now() if creation is None else creation
        seq = app.next_seq()
        if share is not None:
            snap = self.take_part(prec, share, name, creation, seq, schedule)
        else:
            for member in prec['shares'].values():
                self.take_part(prec, member, name, creation, seq, schedule, project_level=True)
            snap = {'id': str(uuid.uuid4()), 'name': name, 'creation': creation, 'seq': seq, 'schedule': schedule}
            prec['snapshots'][name] = snap
        app.touch(prec)
        return snap

    def destroy(self, prec, share, snap):
        if share is not None:
            if snap.get('clones'):
                raise denied("snapshot '%s' has clones; destroy or promote them first" % snap['name'])
            self.drop_part(share, snap['name'])
        else:
            for member, part in self.parts(prec, snap['name']):
                if part.get('clones'):
                    raise denied("snapshot '%s' of filesystem '%s' has clones; destroy them first"
                                 % (snap['name'], member['name']))
            for member, part in self.parts(prec, snap['name']):
                self.drop_part(member, snap['name'])
            del prec['snapshots'][snap['name']]
        self.app.touch(prec)

    def share_moved(self, old_prec, new_prec, share):  # pylint: disable=unused-argument
        """A share moved to another project keeps its snapshots as its own."""
        for part in share['snapshots'].values():
            part.pop('project_level', None)

    def forget_clone(self, share):
        origin = share.get('origin')
        if not origin:
            return
        oprec, oshare = self.app.share_by_id(origin['share_id'])
        if oshare is None or origin['snapshot'] not in oshare['snapshots']:
            return
        clones = oshare['snapshots'][origin['snapshot']].setdefault('clones', [])
        if share['id'] in clones:
            clones.remove(share['id'])
        self.app.touch(oprec)

    # ------------------------------------------------------------------ handlers

    def list_all(self, req):
        found = []
        for key in sorted(self.app.projects):
            prec = self.app.projects[key]
            found += [self.render(req, prec, None, s) for s in self.ordered(prec['snapshots'])]
            for name in sorted(prec['shares']):
                share = prec['shares'][name]
                found += [self.render(req, prec, share, s) for s in self.ordered(share['snapshots'])
                          if not s.get('project_level')]
        return Response(200, {'snapshots': found})

    def list(self, req):
        prec, share = self.owner(req)
        snaps = share['snapshots'] if share is not None else prec['snapshots']
        return Response(200, {'snapshots': [self.render(req, prec, share, s) for s in self.ordered(snaps)]})

    def get(self, req):
        prec, share, snap = self.lookup(req)
        return Response(200, {'snapshot': self.render(req, prec, share, snap)})

    def create(self, req):
        prec, share = self.owner(req)
        body = body_object(req)
        if 'name' not in body:
            raise missing('name')
        for key in body:
            if key != 'name':
                raise ApiError('ERR_UNKNOWN_ARG', "unknown snapshot property '%s'" % key)
        name = check_name(body['name'], 'snapshot name')
        snap = self.take(prec, share, name)
        obj = self.render(req, prec, share, snap)
        return Response(201, {'snapshot': obj}, {'Location': obj['href']})

    def rename(self, req):
        prec, share, snap = self.lookup(req)
        body = body_object(req)
        for key in body:
            if key != 'name':
                raise ApiError('ERR_UNKNOWN_ARG', "unknown snapshot property '%s'" % key)
        new = check_name(body.get('name', snap['name']), 'snapshot name')
        if new != snap['name']:
            if share is not None and snap.get('project_level'):
                raise denied("snapshot '%s' belongs to the project snapshot; rename it on the project" % snap['name'])
            self.check_free_name(prec, share, new)
            old = snap['name']
            if share is not None:
                self.rename_part(share, old, new)
            else:
                for member, _part in self.parts(prec, old):
                    self.rename_part(member, old, new)
                del prec['snapshots'][old]
                snap['name'] = new
                prec['snapshots'][new] = snap
            self.app.touch(prec)
        obj = self.render(req, prec, share, snap)
        return Response(202, {'snapshot': obj}, {'Location': obj['href']})

    def delete(self, req):
        prec, share, snap = self.lookup(req)
        if share is not None and snap.get('project_level'):
            raise denied("snapshot '%s' belongs to the project snapshot; destroy it on the project" % snap['name'])
        self.destroy(prec, share, snap)
        return Response(204)

    def dependents(self, req):
        prec, share, snap = self.lookup(req)
        parts = [(share, snap)] if share is not None else self.parts(prec, snap['name'])
        found = []
        for _member, part in parts:
            for clone_id in part.get('clones', []):
                cprec, cshare = self.app.share_by_id(clone_id)
                if cshare is not None:
                    found.append({'project': cprec['name'], 'share': cshare['name'],
                                  'href': share_href(req, cprec, cshare)})
        return Response(200, {'dependents': found})

    def clone(self, req):
        app = self.app
        prec, share, snap = self.lookup(req)
        body = dict(body_object(req))
        for key in ('project', 'share'):
            if key not in body:
                raise missing(key)
        pool = body.pop('pool', prec['pool'])
        if pool != prec['pool']:
            raise invalid("a clone must be in the pool of its snapshot ('%s'), not '%s'" % (prec['pool'], pool))
        target = app.project(pool, check_name(body.pop('project'), 'project'))
        props = dict((k, v) for k, v in share['props'].items() if k != 'mountpoint')
        props.update(body)
        props['name'] = props.pop('share')
        source = app.snapshot_dir(share, snap['name'])
        origin = {'project': prec['name'], 'share': share['name'], 'snapshot': snap['name'], 'share_id': share['id']}
        new = app.storage.new_share(target, props, origin=origin, populate=lambda path: dataplane.copy_tree(source, path))
        snap.setdefault('clones', []).append(new['id'])
        app.touch(prec)
        return Response(201, {'filesystem': render_share(app, req, target, new)},
                        {'Location': share_href(req, target, new)})

    def rollback(self, req):
        app = self.app
        prec, share, snap = self.lookup(req)
        newer = [s for s in share['snapshots'].values() if s['seq'] > snap['seq']]
        for other in newer:
            if other.get('clones'):
                raise denied("rollback would destroy snapshot '%s', which has clones" % other['name'])
        for other in newer:
            self.drop_part(share, other['name'])
        path = app.share_path(prec, share)
        dataplane.clear_dir(path)
        dataplane.copy_tree(app.snapshot_dir(share, snap['name']), path)
        app.touch(prec)
        obj = self.render(req, prec, share, snap)
        return Response(202, {'snapshot': obj}, {'Location': obj['href']})
