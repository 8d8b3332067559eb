"""The appliance state: projects, shares, snapshots, schedules, replication; persisted as JSON files.

State files (written atomically, by rename, at the end of every request that changed them):
  <data>/state/global.json                appliance identity, clock, schema, replication objects
  <data>/state/projects/<project id>.json one project with its shares, snapshots and schedules
One lock serialises all changes (the appliance serialises configuration changes too).
"""

import grp
import json
import os
import pwd
import shutil
import threading
import time
import uuid

from . import dataplane
from .errors import not_found, invalid
from .props import INHERITED, PROJECT_LOCAL, SHARE_LOCAL, ROOT_DEFAULTS

NOBODY = 65534


def fmt_time(epoch, version):
    """v1: compact 20130916T21:36:50; v2: ISO 8601 2013-09-16T21:36:50Z (docs/reference/appliance-api.md §1.5)."""
    if epoch is None:
        return None
    if version >= 2:
        return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))
    return time.strftime('%Y%m%dT%H:%M:%S', time.gmtime(epoch))


def write_json_atomic(path, data):
    tmp = '%s.tmp.%d.%d' % (path, os.getpid(), threading.get_ident())
    with open(tmp, 'w', encoding='utf-8') as handle:
        json.dump(data, handle, separators=(',', ':'), sort_keys=True)
    os.replace(tmp, path)


def resolve_id(name, kind):
    """uid/gid for root_user/root_group: a number, a local name, else nobody/nogroup (65534)."""
    if name is None:
        return NOBODY
    if name.isdigit():
        return int(name)
    try:
        return pwd.getpwnam(name).pw_uid if kind == 'user' else grp.getgrnam(name).gr_gid
    except KeyError:
        return NOBODY


class Appliance:
    def __init__(self, data_dir, pools, user, password, nodename, clock):
        self.lock = threading.RLock()
        self.data_dir = os.path.abspath(data_dir)
        self.export_root = os.path.join(self.data_dir, 'export')
        self.sim_root = os.path.join(self.data_dir, '.sim')
        self.state_dir = os.path.join(self.data_dir, 'state')
        self.pools = list(pools)
        self.user = user
        self.password = password
        self.clock = clock
        for path in (self.export_root, self.sim_root, os.path.join(self.state_dir, 'projects'),
                     os.path.join(self.sim_root, 'hidden'), os.path.join(self.sim_root, 'tmp'),
                     os.path.join(self.sim_root, 'packages')):
            os.makedirs(path, exist_ok=True)
        self.projects = {}
        self.glob = {}
        self._dirty = set()
        self._deleted = set()
        self.load(nodename)

    # ------------------------------------------------------------------ persistence

    def _global_path(self):
        return os.path.join(self.state_dir, 'global.json')

    def _project_path(self, project_id):
        return os.path.join(self.state_dir, 'projects', project_id + '.json')

    def load(self, nodename):
        path = self._global_path()
        if os.path.exists(path):
            with open(path, encoding='utf-8') as handle:
                self.glob = json.load(handle)
        else:
            self.glob = self.empty_global()
        if nodename:
            self.glob['nodename'] = nodename
        self.clock.restore(self.glob.get('clock'))
        self.projects = {}
        pdir = os.path.join(self.state_dir, 'projects')
        for name in sorted(os.listdir(pdir)):
            if name.endswith('.json'):
                with open(os.path.join(pdir, name), encoding='utf-8') as handle:
                    rec = json.load(handle)
                self.projects[(rec['pool'], rec['name'])] = rec
        self._dirty.add('global')
        self.flush()

    def empty_global(self):
        return {
            'asn': str(uuid.uuid4()),
            'nodename': 'zfssa-sim',
            'seq': 0,
            'schema': {},
            'replication': {'status': 'online', 'targets': {}, 'actions': {}, 'sources': {}, 'packages': {}, 'target_seq': 0},
        }

    def touch(self, project=None):
        """Mark what the current request changed; written by flush()."""
        self._dirty.add(project['id'] if project is not None else 'global')

    def flush(self):
        self.glob['clock'] = self.clock.save()
        for key in sorted(self._dirty):
            if key == 'global':
                write_json_atomic(self._global_path(), self.glob)
                continue
            rec = next((p for p in self.projects.values() if p['id'] == key), None)
            if rec is not None:
                write_json_atomic(self._project_path(key), rec)
        for key in self._deleted:
            if os.path.exists(self._project_path(key)):
                os.unlink(self._project_path(key))
        self._dirty.clear()
        self._deleted.clear()

    def reset(self):
        """Forget everything (POST /_sim/reset): state files, shares, snapshots, packages."""
        for path in (self.export_root, self.sim_root, self.state_dir):
            dataplane.remove_tree(path)
        asn, nodename = self.glob.get('asn'), self.glob.get('nodename')
        self.clock.reset()
        self.__init__(self.data_dir, self.pools, self.user, self.password, nodename, self.clock)
        self.glob['asn'] = asn
        self.touch()
        self.flush()

    def next_seq(self):
        self.glob['seq'] = self.glob.get('seq', 0) + 1
        self.touch()
        return self.glob['seq']

    # ------------------------------------------------------------------ lookups

    def check_pool(self, pool):
        if pool not in self.pools:
            raise not_found("pool '%s'" % pool)

    def project(self, pool, name):
        self.check_pool(pool)
        rec = self.projects.get((pool, name))
        if rec is None:
            raise not_found("project '%s' in pool '%s'" % (name, pool))
        return rec

    def share(self, pool, project, name):
        prec = self.project(pool, project)
        share = prec['shares'].get(name)
        if share is None:
            raise not_found("filesystem '%s' in project '%s'" % (name, project))
        return prec, share

    def all_shares(self):
        for key in sorted(self.projects):
            prec = self.projects[key]
            for name in sorted(prec['shares']):
                yield prec, prec['shares'][name]

    def share_by_id(self, share_id):
        for prec, share in self.all_shares():
            if share['id'] == share_id:
                return prec, share
        return None, None

    # ------------------------------------------------------------------ effective properties

    def project_value(self, prec, name):
        if name in prec['props']:
            return prec['props'][name]
        if name in INHERITED:
            return INHERITED[name][1]
        if name in PROJECT_LOCAL:
            return PROJECT_LOCAL[name][1]
        return None

    def share_value(self, prec, share, name):
        if name in share['props']:
            return share['props'][name]
        if name == 'mountpoint':
            base = self.project_value(prec, 'mountpoint').rstrip('/')
            return base + '/' + share['name']
        if name in INHERITED or name.startswith('custom:'):
            return self.project_value(prec, name)
        if name in ROOT_DEFAULTS:
            return self.project_value(prec, ROOT_DEFAULTS[name])
        if name in SHARE_LOCAL:
            return SHARE_LOCAL[name][1]
        return None

    def source_of(self, prec, share, name):
        if share is None:
            return 'local' if name in prec['props'] else 'default'
        return 'local' if name in share['props'] else 'inherited'

    def mountpoint_path(self, mountpoint):
        return os.path.join(self.data_dir, mountpoint.lstrip('/'))

    def share_path(self, prec, share):
        return self.mountpoint_path(self.share_value(prec, share, 'mountpoint'))

    def check_mountpoints(self, planned):
        """planned: {share id: mountpoint}. Refuse equal or nested mountpoints (UNCONFIRMED status 400)."""
        current = dict((s['id'], self.share_value(p, s, 'mountpoint')) for p, s in self.all_shares())
        current.update(planned)
        for share_id, mount in planned.items():
            for other_id, other in current.items():
                if other_id == share_id:
                    continue
                if mount == other or mount.startswith(other + '/') or other.startswith(mount + '/'):
                    raise invalid("mountpoint '%s' collides with the mountpoint '%s' of another filesystem"
                                  % (mount, other))

    # ------------------------------------------------------------------ share directories

    def zfs_dir(self, share):
        if share.get('snap_home') == 'hidden':
            return os.path.join(self.sim_root, 'hidden', share['id'], dataplane.SNAPDIR)
        return os.path.join(self.data_dir, share['path'], dataplane.SNAPDIR)

    def snapshot_dir(self, share, snap_name):
        return os.path.join(self.zfs_dir(share), 'snapshot', snap_name)

    def ensure_zfs_dir(self, share):
        zfs = self.zfs_dir(share)
        snapdir = os.path.join(zfs, 'snapshot')
        if not os.path.isdir(snapdir):
            dataplane.set_immutable(zfs, False)
            os.makedirs(snapdir, exist_ok=True)
            dataplane.set_immutable(snapdir, True)
            dataplane.set_immutable(zfs, True)
        return snapdir

    def create_share_dir(self, prec, share):
        path = self.share_path(prec, share)
        if os.path.isdir(path) and os.listdir(path):
            raise invalid("directory for mountpoint '%s' already exists and is not empty"
                          % self.share_value(prec, share, 'mountpoint'))
        os.makedirs(path, exist_ok=True)
        share['path'] = os.path.relpath(path, self.data_dir)
        share['snap_home'] = 'share' if self.share_value(prec, share, 'snapdir') == 'visible' else 'hidden'
        self.apply_root_attrs(prec, share)

    def apply_root_attrs(self, prec, share):
        path = os.path.join(self.data_dir, share['path'])
        uid = resolve_id(self.share_value(prec, share, 'root_user'), 'user')
        gid = resolve_id(self.share_value(prec, share, 'root_group'), 'group')
        os.chown(path, uid, gid)
        os.chmod(path, int(self.share_value(prec, share, 'root_permissions'), 8))

    def reconcile(self, prec, share):
        """Move the share directory and its .zfs to where the current properties say they belong."""
        want = os.path.relpath(self.share_path(prec, share), self.data_dir)
        if share['path'] != want:
            old = os.path.join(self.data_dir, share['path'])
            new = os.path.join(self.data_dir, want)
            if os.path.exists(new):
                if os.listdir(new):
                    raise invalid("cannot move the filesystem to '%s': the directory is not empty" % new)
                os.rmdir(new)
            dataplane.ensure_parent(new)
            os.rename(old, new)
            dataplane.prune_empty_parents(old, self.export_root)
            share['path'] = want
        home = 'share' if self.share_value(prec, share, 'snapdir') == 'visible' else 'hidden'
        if share.get('snap_home') != home:
            old = self.zfs_dir(share)
            share['snap_home'] = home
            new = self.zfs_dir(share)
            if os.path.isdir(old):
                dataplane.ensure_parent(new)
                dataplane.set_immutable(old, False)
                os.rename(old, new)
                dataplane.set_immutable(new, True)
                if home == 'share':
                    shutil.rmtree(os.path.dirname(old), ignore_errors=True)

    def remove_share_dirs(self, share):
        path = os.path.join(self.data_dir, share['path'])
        dataplane.remove_tree(self.zfs_dir(share))
        dataplane.remove_tree(os.path.join(self.sim_root, 'hidden', share['id']))
        dataplane.remove_tree(path)
        dataplane.prune_empty_parents(path, self.export_root)

    def share_usage(self, prec, share):  # pylint: disable=unused-argument
        return dataplane.tree_usage(os.path.join(self.data_dir, share['path']))

    def space_available(self):
        return shutil.disk_usage(self.data_dir).free
