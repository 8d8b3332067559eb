"""The mission, step by step, with the collection's real playbooks over ssh (tests/fleet/fleet.py).

Used by `make demo` (tests/setup/demo_run.py narrates it) and by tests/demo/test_demo.py (asserts
every step). Each step returns what it observed; neither caller re-implements a step.
"""
import difflib
import json
import os
import re
import subprocess
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION_DIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(COLLECTION_DIR, 'tests', 'fleet'))
sys.path.insert(0, HERE)

from fleet import Fleet, ansible_playbook  # noqa: E402  pylint: disable=wrong-import-position
from nfsbed.bed import remove_appliance_data, start_appliance  # noqa: E402  pylint: disable=wrong-import-position
from nfsbed.leftovers import leftovers  # noqa: E402  pylint: disable=wrong-import-position
import make_vserver  # noqa: E402  pylint: disable=wrong-import-position

HOSTS = 3
DEMO_ADDRESSES = (51, 9)  # contract 5: helper "demo" owns 127.0.0.51-59
CHANGED = 'u01/app/oracle/user_projects/domains/vs01_domain/config/config.xml'
# The DR appliance (the second simulator): the replication target; its pool, and the project and mountpoint of the
# clone the DR restore reads (a mountpoint of its own: one NFS test bed exports both appliances' shares)
DR_POOL = 'dr'
DR_PROJECT = 'backups-dr'
DR_MOUNTPOINT = '/export/backups-dr'
DAMAGED = '<!-- damaged -->\n'
REBUILT_FILES = ('etc/fstab', 'etc/hosts', 'etc/sysconfig/network-scripts/ifcfg-eth0',
                 'etc/sysconfig/network-scripts/ifcfg-eth1')


def read_text(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read()


def make_root(name, root):
    make_vserver.build(root, name, int(name[2:]))


class Mission:
    def __init__(self, work):
        self.fleet = Fleet(work, hosts=HOSTS, failing=(), addresses=DEMO_ADDRESSES, make_root=make_root)
        self.first_fences = {}
        self.dr = None
        self.dr_dir = os.path.join(self.fleet.work, 'dr-appliance')
        self.started, self.bed_pids = [], set()  # for left_behind()

    def __enter__(self):
        self.fleet.__enter__()
        try:
            self.dr = start_appliance(self.dr_dir, pools=(DR_POOL,))
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        """Stop everything the mission started (the DR simulator, then the fleet); safe to call twice."""
        self.started.extend(s for s in (self.fleet.sim, self.dr) if s is not None and s not in self.started)
        if self.fleet.server is not None:
            self.bed_pids.update(self.fleet.server.pids())
        if self.dr is not None:
            self.dr.stop()
            remove_appliance_data(self.dr_dir)
            self.dr = None
        self.fleet.stop()

    def left_behind(self):
        """What of this mission is still mounted or running after stop() (other test beds on the machine are
        not counted); empty when clean."""
        found = leftovers(under=self.fleet.work)
        alive = sorted(pid for pid in self.bed_pids if os.path.exists('/proc/%d' % pid))
        if alive:
            found['bed pids'] = alive
        sims = [s.url for s in self.started if s.alive()]
        if sims:
            found['simulators'] = sims
        return found

    def run(self, name, extra=None):
        run = self.fleet.playbook(name, extra=extra)
        if run.returncode != 0:
            raise RuntimeError('%s failed:\n%s' % (name, run.explain()))
        return run

    def manifest(self, host):
        with open(os.path.join(self.fleet.share_path(host), host, 'meta', 'manifest.json'), encoding='utf-8') as handle:
            return json.load(handle)

    # ---- the steps
    def appliance_setup(self):
        """Project, shares and schedule, and replication of the project to the DR appliance (the second simulator)."""
        self.run('appliance_setup', extra={'zfssa_backup_share_replication': {
            'target': 'dr', 'target_hostname': '%s:%d' % (self.dr.host, self.dr.port),
            'target_root_password': self.dr.password, 'target_pool': DR_POOL}})
        self.fleet.sync_exports()
        return {s['name']: s['sharenfs'] for s in self.fleet.sim.shares() if s['project'] == 'backups'}

    def replication_actions(self):
        _status, _headers, body = self.fleet.sim.api('GET', '/api/storage/v1/replication/actions')
        return body.get('actions', [])

    def backup(self, replicate=False):
        """replicate: the role sends a replication update to the DR appliance after the fences."""
        # keep_last: both of today's fences stay (keep_daily alone keeps one per day)
        extra = {'vserver_backup_retention': {'keep_last': 5, 'keep_daily': 7}}
        if replicate:
            extra.update(vserver_backup_replication_update=True, vserver_backup_replication_target='dr')
        run = self.run('backup', extra=extra)
        fences = self.fleet.fences()
        if not self.first_fences:
            self.first_fences = {h: f[0] for h, f in fences.items() if f}
        return {h: self.manifest(h) for h in self.fleet.names}, fences, run.seconds

    def change(self):
        """Edit vs01's WebLogic config.xml; returns (the original text, the changed text)."""
        path = os.path.join(self.fleet.root('vs01'), CHANGED)
        with open(path, encoding='utf-8') as handle:
            before = handle.read()
        after = before.replace('7001', '7011')
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(after)
        return before, after

    def restore_from_first_fence(self):
        """Restore config.xml of vs01 from its first fence; returns (restored text, the snapshot's text)."""
        fence = self.first_fences['vs01']
        self.run('restore', extra={'restore_hosts': 'vs01', 'vserver_restore_paths': ['/' + CHANGED],
                                   'vserver_restore_snapshot': fence})
        with open(os.path.join(self.fleet.root('vs01'), CHANGED), encoding='utf-8') as handle:
            restored = handle.read()
        snapshot = os.path.join(self.fleet.share_path('vs01'), '.zfs', 'snapshot', fence, 'vs01', 'root', CHANGED)
        with open(snapshot, encoding='utf-8') as handle:
            return restored, handle.read()

    def clone_on_dr(self):
        """exalogic.backup.zfssa_replication_clone on the DR appliance (ad hoc, as an operator would in a DR
        drill): the received package of the backups project becomes the local project DR_PROJECT."""
        args = {'host': self.dr.host, 'port': self.dr.port, 'user': 'root', 'password': self.dr.password,
                'ca_path': self.dr.cert, 'project': 'backups', 'target_project': DR_PROJECT,
                'properties': {'mountpoint': DR_MOUNTPOINT}}
        argv = [ansible_playbook().replace('ansible-playbook', 'ansible'), 'localhost', '-i', self.fleet.inventory,
                '-m', 'exalogic.backup.zfssa_replication_clone', '-a', json.dumps(args)]
        proc = subprocess.run(argv, env=self.fleet.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=300, cwd=self.fleet.work, check=False)
        found = re.search(r'^localhost \| (?:CHANGED|SUCCESS) => ', proc.stdout, re.MULTILINE)
        if proc.returncode != 0 or not found:
            raise RuntimeError('zfssa_replication_clone on the DR appliance failed (rc %s):\n%s\n%s'
                               % (proc.returncode, proc.stdout[-5000:], proc.stderr[-3000:]))
        return json.JSONDecoder().raw_decode(proc.stdout, found.end())[0]

    def restore_from_replica(self):
        """The primary is out of reach and vs01's config.xml is damaged: clone the DR appliance's copy of the
        backups project, export it, and restore the file from it with playbooks/restore.yml.

        Returns the clone result, the export the restore read, the restore's summary line, the restored text and
        the text of that file in vs01's first fence on the primary (the state the first update sent)."""
        path = os.path.join(self.fleet.root('vs01'), CHANGED)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(DAMAGED)
        clone = self.clone_on_dr()
        self.fleet.server.sync_exports(self.fleet.sim, self.dr)
        export = next(s['mountpoint'] for s in clone['filesystems'] if s['name'] == 'vs01')
        run = self.run('restore', extra={'restore_hosts': 'vs01', 'vserver_restore_paths': ['/' + CHANGED],
                                         'vserver_restore_nfs_export': export})
        summary = [m for m in run.messages('vs01') if m.startswith('vs01: restored')]
        fence = self.first_fences['vs01']
        snapshot = os.path.join(self.fleet.share_path('vs01'), '.zfs', 'snapshot', fence, 'vs01', 'root', CHANGED)
        return dict(clone=clone, export=export, summary=summary[0] if summary else '', restored=read_text(path),
                    first_fence=read_text(snapshot), seconds=run.seconds)

    def dr_share_path(self, name):
        """The directory of the clone's share on the DR simulator (what the NFS bed exports for it)."""
        return next(s['path'] for s in self.dr.shares() if s['project'] == DR_PROJECT and s['name'] == name)

    def rebuild(self):
        """vs03 onto a new vServer root with new disk UUIDs, NICs and addresses (playbooks/rebuild.yml, no reboot).

        Returns the new root, the remapped files (text) with their diffs against the backed-up originals, the
        role's summary line and the seconds the playbook took."""
        host, index = 'vs03', 3
        new_root = os.path.join(self.fleet.host_dir(host), 'new-vserver')
        new_uuids = dict((disk, str(uuid.uuid5(uuid.NAMESPACE_DNS, '%s-new-%s' % (host, disk)))) for disk in ('root', 'swap'))
        fresh = {'etc/fstab': 'UUID=%(root)s / ext4 defaults 1 1\nUUID=%(swap)s swap swap defaults 0 0\n' % new_uuids,
                 'etc/machine-id': '%032x\n' % (0xdead0000 + index)}
        for rel, text in fresh.items():
            make_vserver.write(new_root, rel, text)
        run = self.run('rebuild', extra={
            'rebuild_hosts': host, 'vserver_rebuild_source': host, 'vserver_rebuild_root': new_root,
            'vserver_rebuild_address_map': {'192.168.10.13': '192.168.10.113', '192.168.20.13': '192.168.20.113'},
            'vserver_rebuild_nic_map': dict((make_vserver.mac_of(index, nic), make_vserver.mac_of(index, nic, 1))
                                            for nic in (0, 1)),
            'vserver_rebuild_reboot': False,
            'vserver_rebuild_rsync_options': {'lock_file': self.fleet.host_dir(host) + '/backup.lock'}})
        files = {}
        for rel in REBUILT_FILES:
            old, new = (read_text(os.path.join(top, rel)) for top in (self.fleet.root(host), new_root))
            files[rel] = dict(text=new, diff=''.join(difflib.unified_diff(
                old.splitlines(True), new.splitlines(True), 'backup/' + rel, 'rebuilt/' + rel)))
        summary = [m for m in run.messages(host) if m.startswith('%s: rebuilt from' % host)]
        return dict(root=new_root, files=files, summary=summary[0] if summary else '', seconds=run.seconds,
                    new_uuids=new_uuids)

    def report(self):
        report_dir = os.path.join(self.fleet.work, 'report')
        run = self.run('report', extra={'report_pool': 'gold', 'report_dir': report_dir, 'report_on_breach': 'warn',
                                        'report_connection': {'port': self.fleet.sim.port}})
        with open(os.path.join(report_dir, 'backups.json'), encoding='utf-8') as handle:
            rows = json.load(handle)
        table = next((r['msg'] for h, r in run.results if h == 'localhost' and isinstance(r.get('msg'), list)
                      and any('page: ' in line for line in r['msg'])), [])
        return rows, table, os.path.join(report_dir, 'backups.html')
