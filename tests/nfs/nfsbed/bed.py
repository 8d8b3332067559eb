"""The appliance simulator and the NFS server together: shares made over REST, exported over NFSv3.

    from nfsbed.bed import NfsBed, start_appliance
    sim = start_appliance(data_dir)                  # tests/simulator, frozen clock
    with NfsServer(work_dir) as server:
        bed = NfsBed(sim, server)
        bed.project('nfsbed')
        bed.share('vs01', sharenfs='sec=sys,rw=@127.0.0.0/8,root=@127.0.0.1/32')   # exports follow at once
        bed.spec('vs01')             # '127.0.0.1:/export/nfsbed/vs01', for mount -t nfs
        bed.path('vs01')             # the share's directory on disk (assert server-side results here)
        bed.run(['sh', '-c', 'mount -t nfs ... && rsync ...; umount ...'])
"""

import os
import sys

from nfsbed.namespace import run_in_mount_namespace

SIMULATOR_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'simulator')
POOL = 'gold'
ROOT_ACCESS = 'sec=sys,rw=@127.0.0.0/8,root=@127.0.0.1/32'
ROOT_SQUASHED = 'sec=sys,rw=@127.0.0.0/8'


def simulator_control():
    """The simulator's control module (tests/simulator/zfssa_sim/control.py)."""
    if SIMULATOR_DIR not in sys.path:
        sys.path.insert(0, SIMULATOR_DIR)
    from zfssa_sim import control  # pylint: disable=import-outside-toplevel,import-error
    return control


def start_appliance(data_dir, **opts):
    opts.setdefault('clock', 'frozen')
    return simulator_control().start_simulator(data_dir, **opts)


def remove_appliance_data(data_dir):
    simulator_control().remove_data_dir(data_dir)


class BedError(RuntimeError):
    pass


class NfsBed:
    """One simulator + one NfsServer; every share change is followed by sync_exports."""

    def __init__(self, sim, server, project_name='nfsbed'):
        self.sim = sim
        self.server = server
        self.project_name = project_name

    def storage(self, method, path, body=None, expect=None):
        status, _headers, parsed = self.sim.api(method, '/api/storage/v1' + path, body)
        wanted = expect or {'GET': 200, 'POST': 201, 'PUT': 202, 'DELETE': 204}[method]
        if status != wanted:
            raise BedError('%s %s -> %s %s' % (method, path, status, parsed))
        return parsed

    def project(self, name=None, **props):
        self.project_name = name or self.project_name
        return self.storage('POST', '/pools/%s/projects' % POOL, dict(props, name=self.project_name))['project']

    def share(self, name, sharenfs=ROOT_ACCESS, **props):
        """Create a share (root_user root, mode 755 unless given) and export it."""
        props.setdefault('root_user', 'root')
        props.setdefault('root_group', 'root')
        props.setdefault('root_permissions', '755')
        body = dict(props, name=name, sharenfs=sharenfs)
        created = self.storage('POST', '/pools/%s/projects/%s/filesystems' % (POOL, self.project_name), body)
        self.sync()
        return created['filesystem']

    def modify_share(self, name, **props):
        changed = self.storage('PUT', '/pools/%s/projects/%s/filesystems/%s' % (POOL, self.project_name, name), props)
        self.sync()
        return changed['filesystem']

    def sync(self):
        return self.server.sync_exports(self.sim)

    def _share(self, name):
        for share in self.sim.shares():
            if share['name'] == name and share['project'] == self.project_name:
                return share
        raise BedError('no share %s in project %s' % (name, self.project_name))

    def path(self, name):
        return self._share(name)['path']

    def spec(self, name):
        return '%s:%s' % (self.server.bind_addr, self._share(name)['mountpoint'])

    def run(self, argv, **kwargs):
        kwargs.setdefault('timeout', 120)
        return run_in_mount_namespace(argv, **kwargs)
