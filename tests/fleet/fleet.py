"""A fleet of vServers over ssh on loopback, for the playbooks: sshd, appliance simulator, NFSv3 bed.

    with Fleet(work_dir, hosts=5, python='/usr/bin/python3') as fleet:
        run = fleet.playbook('appliance_setup')          # the collection's real playbooks, ansible-playbook
        run.ok, run.recap['vs01'], run.messages('vs01')

One sshd (its own sshd_config, host key, PidFile) listens on 127.0.0.21-25 port 22 and runs inside the NFS
bed's private mount namespace (tests/nfs/nfsbed/namespace.py), so the modules' own `mount -t nfs` goes
through the bed's FUSE client; sshd's SetEnv gives every session the bed's environment. Each host has
its own emulated root (make_tree.py) passed as the roles' `vserver_backup_root`/`vserver_restore_dest`.
The NFS server exports to 127.0.0.1 (every FUSE client connects from there), so hosts whose backup
address is 127.0.0.1 can mount; a host whose share grants another address cannot.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION_DIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(COLLECTION_DIR, 'tests', 'nfs'))

from nfsbed.ansible_run import collections_path  # noqa: E402  pylint: disable=wrong-import-position
from nfsbed.bed import remove_appliance_data, start_appliance  # noqa: E402  pylint: disable=wrong-import-position
from nfsbed.namespace import TEST_BED_ENV, run_in_mount_namespace  # noqa: E402  pylint: disable=wrong-import-position
from nfsbed.server import NfsServer  # noqa: E402  pylint: disable=wrong-import-position

MAKE_TREE = os.path.join(COLLECTION_DIR, 'tests', 'integration', 'targets', 'rsync_backup', 'files', 'make_tree.py')
FIRST_ADDRESS, ADDRESS_COUNT = 21, 9  # contract 5: helper "roles" owns 127.0.0.21-29
POOL = 'gold'
RECAP_RE = re.compile(r'^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)'
                      r'\s+rescued=(\d+)\s+ignored=(\d+)', re.MULTILINE)
RESULT_START_RE = re.compile(r'^(?:ok|changed|fatal|failed): \[([^\]]+)\][^{\n]*=> ', re.MULTILINE)


def ansible_playbook():
    return shutil.which('ansible-playbook') or os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')


def port_open(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class PlaybookRun:
    """ansible-playbook's outcome: exit code, per-host recap, and the `msg` of every task result."""

    def __init__(self, argv, proc, seconds):
        self.argv = argv
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.seconds = seconds
        self.recap = {}
        for match in RECAP_RE.finditer(proc.stdout):
            keys = ('ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored')
            self.recap[match.group(1)] = dict(zip(keys, (int(v) for v in match.groups()[1:])))
        self.results = []
        decoder = json.JSONDecoder()
        for match in RESULT_START_RE.finditer(proc.stdout):
            try:
                self.results.append((match.group(1), decoder.raw_decode(proc.stdout, match.end())[0]))
            except ValueError:
                pass

    def messages(self, host):
        return [r.get('msg') for h, r in self.results if h == host and isinstance(r.get('msg'), str)]

    def explain(self):
        return 'argv: %s\nrc %s after %.1f s\nstdout:\n%s\nstderr:\n%s' % (
            ' '.join(self.argv), self.returncode, self.seconds, self.stdout[-20000:], self.stderr[-5000:])


class Sshd:
    """One sshd on several loopback addresses, in the NFS bed's mount namespace."""

    def __init__(self, work, addresses):
        self.work = work
        self.addresses = addresses
        self.key = os.path.join(work, 'id_ed25519')
        self.state = os.path.join(work, 'ns-state')
        self.pidfile = os.path.join(work, 'sshd.pid')
        self.thread = None
        self.result = None

    def configure(self):
        os.makedirs(os.path.join(self.work, 'run', 'sshd'), mode=0o755, exist_ok=True)
        os.makedirs(self.state, exist_ok=True)
        for key in ('hostkey_ed25519', 'id_ed25519'):
            if not os.path.exists(os.path.join(self.work, key)):
                subprocess.check_call(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', os.path.join(self.work, key)])
        shutil.copy(self.key + '.pub', os.path.join(self.work, 'authorized_keys'))
        lines = ['Port 22'] + ['ListenAddress %s' % a for a in self.addresses] + [
            'HostKey %s/hostkey_ed25519' % self.work, 'PidFile %s' % self.pidfile,
            'AuthorizedKeysFile %s/authorized_keys' % self.work, 'PermitRootLogin prohibit-password',
            'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PubkeyAuthentication yes',
            'UsePAM no', 'StrictModes no', 'MaxStartups 100:30:200', 'MaxSessions 100', 'LogLevel ERROR',
            # sessions get what run_in_mount_namespace gives its command (sshd does not pass its own environment on)
            'SetEnv %s=1 LIBMOUNT_UTAB=%s/utab' % (TEST_BED_ENV, self.state),
            'Subsystem sftp /usr/lib/openssh/sftp-server']
        config = os.path.join(self.work, 'sshd_config')
        with open(config, 'w', encoding='utf-8') as handle:
            handle.write('\n'.join(lines) + '\n')
        return config

    def start(self, timeout=30):
        busy = [a for a in self.addresses if port_open(a, 22)]
        if busy:
            raise RuntimeError('port 22 already taken on %s: stop that sshd first' % busy)
        config = self.configure()
        # /run/sshd (privilege separation) comes from our own directory: the host's /run stays untouched
        script = 'mount -n --bind %s/run /run && exec /usr/sbin/sshd -D -e -f %s' % (self.work, config)

        def serve():
            self.result = run_in_mount_namespace(['sh', '-c', script], state_dir=self.state, timeout=3600)

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not all(port_open(a, 22) for a in self.addresses):
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError('sshd did not start: %s' % (self.result.stderr if self.result else 'timeout'))
            time.sleep(0.05)

    def stop(self):
        try:
            with open(self.pidfile, encoding='utf-8') as handle:
                os.kill(int(handle.read().strip()), signal.SIGTERM)
        except (OSError, ValueError):
            pass
        if self.thread is not None:
            self.thread.join(60)
        return self.result


class Fleet:
    def __init__(self, work, hosts=5, python='/usr/bin/python3', pythons=None, failing=('vs05',),
                 addresses=(FIRST_ADDRESS, ADDRESS_COUNT), make_root=None):
        """addresses: (first last octet, count) of the loopback range (contract 5); make_root(name, root)
        builds a host's emulated root instead of make_tree.py (the demo's realistic vServers)."""
        self.work = str(work)
        self.names = ['vs%02d' % n for n in range(1, hosts + 1)]
        first, count = addresses
        # more hosts than addresses (benchmarks) share addresses; each host still has its own root
        self.address = {name: '127.0.0.%d' % (first + i % count) for i, name in enumerate(self.names)}
        self.make_root = make_root
        self.python = python
        self.pythons = pythons or {}
        self.failing = [h for h in failing if h in self.names]
        self.sim = self.server = self.sshd = None
        self.collections = None
        # ssh's ControlPath must stay short (sun_path is 108 bytes)
        self.control_dir = tempfile.mkdtemp(prefix='fleet-cp-')

    # ---- life cycle
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        self.collections = collections_path(os.path.join(self.work, 'collections'))
        self.sim = start_appliance(os.path.join(self.work, 'appliance'))
        self.server = NfsServer(os.path.join(self.work, 'ganesha'))
        self.server.start()
        for name in self.names:
            if self.make_root is not None:
                self.make_root(name, self.root(name))
            else:
                subprocess.check_call([sys.executable, MAKE_TREE, self.root(name)])
                add_non_ascii_file(self.root(name))
            os.makedirs(os.path.join(self.host_dir(name), 'mnt'), exist_ok=True)
        self.sshd = Sshd(os.path.join(self.work, 'ssh'), sorted(set(self.address.values())))
        os.makedirs(self.sshd.work, exist_ok=True)
        self.sshd.start()
        self.write_inventory()

    def stop(self):
        if self.sshd is not None:
            self.close_ssh_masters()
            self.sshd.stop()
        if self.server is not None:
            self.server.stop()
        if self.sim is not None:
            self.sim.stop()
            remove_appliance_data(os.path.join(self.work, 'appliance'))
        shutil.rmtree(self.control_dir, ignore_errors=True)

    def close_ssh_masters(self):
        """End ansible's persistent ssh connections (ControlPersist): their sessions would keep sshd's
        namespace, and so stop(), waiting until they time out."""
        for name in sorted(os.listdir(self.control_dir)) if os.path.isdir(self.control_dir) else ():
            subprocess.run(['ssh', '-o', 'ControlPath=' + os.path.join(self.control_dir, name), '-O', 'exit', 'fleet'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30, check=False)

    # ---- the hosts
    def host_dir(self, name):
        return os.path.join(self.work, 'hosts', name)

    def root(self, name):
        return os.path.join(self.host_dir(name), 'root')

    def share_path(self, name):
        for share in self.sim.shares():
            if share['name'] == name:
                return share['path']
        return None

    def write_inventory(self):
        hosts = {}
        for name in self.names:
            entry = {'ansible_host': self.address[name]}
            if name in self.failing:
                # this share grants the host's own address, which the NFS bed never sees: its mount is refused
                entry['zfssa_backup_share_address'] = self.address[name]
            if name == 'vs02':  # a pre-backup hook that writes a fresh dump into the backed-up tree
                entry['vserver_backup_hooks'] = [{'name': 'database export', 'dump': self.root(name) + '/var/dump.sql',
                                                  'command': 'date > %s/var/dump.sql' % self.root(name)}]
            if name in self.pythons:
                entry['ansible_python_interpreter'] = self.pythons[name]
                # the apt module needs the system Python's apt bindings (OL guests use yum; see docs/interpreters.md)
                entry['vserver_backup_install_packages'] = False
            hosts[name] = entry
        work = self.work
        inventory = {'all': {
            'vars': {
                'zfssa_backup_share_pool': POOL,
                'zfssa_backup_share_connection': {'port': self.sim.port},
                'vserver_backup_connection': {'port': self.sim.port},
                'vserver_backup_pool': POOL,
            },
            'hosts': {'localhost': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}},
            'children': {'vservers': {'hosts': hosts, 'vars': {
                'ansible_user': 'root',
                'ansible_ssh_private_key_file': self.sshd.key,
                'ansible_ssh_common_args': '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR',
                'ansible_python_interpreter': self.python,
                # the address the NFS bed sees every client come from
                'zfssa_backup_share_address': '127.0.0.1',
                'vserver_backup_nfs_server': '127.0.0.1',
                'vserver_backup_root': work + '/hosts/{{ inventory_hostname }}/root',
                'vserver_backup_mount_point': work + '/hosts/{{ inventory_hostname }}/mnt',
                'vserver_backup_rsync_options': {
                    'lock_file': work + '/hosts/{{ inventory_hostname }}/backup.lock',
                    'extra_args': ['--omit-link-times'],  # ganesha keeps no symlink times (tests/nfs/README.md)
                },
                'vserver_restore_dest': work + '/hosts/{{ inventory_hostname }}/root',
                'vserver_restore_rsync_options': {'lock_file': work + '/hosts/{{ inventory_hostname }}/backup.lock'},
            }}},
        }}
        with open(self.inventory, 'w', encoding='utf-8') as handle:
            json.dump(inventory, handle, indent=1)

    @property
    def inventory(self):
        return os.path.join(self.work, 'inventory.json')

    # ---- running
    def env(self):
        temp = os.path.join(self.work, 'ansible-tmp')
        os.makedirs(temp, exist_ok=True)
        config = os.path.join(self.work, 'ansible.cfg')
        with open(config, 'w', encoding='utf-8') as handle:
            handle.write('[defaults]\n')
        return dict(
            os.environ, ANSIBLE_COLLECTIONS_PATH=self.collections, ANSIBLE_CONFIG=config,
            ANSIBLE_PIPELINING='True', ANSIBLE_SSH_CONTROL_PATH_DIR=self.control_dir,
            ANSIBLE_HOST_KEY_CHECKING='False', ANSIBLE_STDOUT_CALLBACK='default',
            ANSIBLE_CALLBACK_RESULT_FORMAT='json', ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0',
            ANSIBLE_LOCALHOST_WARNING='False', ANSIBLE_DEPRECATION_WARNINGS='False', ANSIBLE_LOCAL_TEMP=temp,
            ANSIBLE_HOME=os.path.join(self.work, 'ansible-home'), ANSIBLE_RETRY_FILES_ENABLED='False',
            PYTHONWARNINGS='ignore', ZFSSA_HOST=self.sim.host, ZFSSA_USER='root', ZFSSA_PASSWORD='secret',
            ZFSSA_CA_PATH=self.sim.cert)

    def playbook(self, name, *args, check=False, forks=10, extra=None, timeout=600):
        inventory = [] if '-i' in args else ['-i', self.inventory]
        argv = [ansible_playbook()] + inventory + ['exalogic.backup.%s' % name, '-f', str(forks)]
        if extra:
            argv += ['-e', json.dumps(extra)]
        argv += list(args) + (['--check', '--diff'] if check else [])
        started = time.monotonic()
        proc = subprocess.run(argv, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout, cwd=self.work, check=False)
        return PlaybookRun(argv, proc, time.monotonic() - started)

    def python_versions(self):
        """{host: Python version its modules run on}, from ansible.builtin.setup over ssh."""
        argv = [ansible_playbook().replace('ansible-playbook', 'ansible'), 'vservers', '-i', self.inventory,
                '-m', 'ansible.builtin.setup', '-a', 'gather_subset=!all filter=ansible_python_version']
        proc = subprocess.run(argv, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=300, cwd=self.work, check=False)
        found, decoder = {}, json.JSONDecoder()
        for match in re.finditer(r'^(\S+) \| SUCCESS => ', proc.stdout, re.MULTILINE):
            found[match.group(1)] = decoder.raw_decode(proc.stdout, match.end())[0]['ansible_facts']['ansible_python_version']
        return found

    def sync_exports(self):
        return self.server.sync_exports(self.sim)

    def fences(self):
        """{share: [snapshot names]} of the backup project's shares."""
        found = {}
        for name in self.names:
            status, _headers, body = self.sim.api(
                'GET', '/api/storage/v1/pools/%s/projects/backups/filesystems/%s/snapshots' % (POOL, name))
            found[name] = sorted(s['name'] for s in body.get('snapshots', [])) if status == 200 else []
        return found

    # ---- the appliance's request log
    def clear_requests(self):
        self.sim.clear_requests()

    def requests(self):
        return self.sim.requests()

    def writes(self):
        """Requests that change the appliance (login and logout excepted)."""
        return [r for r in self.requests()
                if r.get('method') != 'GET' and not r.get('path', '').startswith('/api/access/')]


NON_ASCII = 'data/caf\u00e9-\u00fcber \u65e5\u672c.txt'


def add_non_ascii_file(root):
    """A file with a non-ASCII name and a POSIX ACL: NFSv3 cannot hold the ACL, the side-car must."""
    path = os.path.join(root, NON_ASCII)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('non-ascii name\n')
    subprocess.check_call(['setfacl', '-m', 'u:4242:r', path])


def tree_state(top):
    """Every entry below top with type, mode, owner, size and mtime - to show that nothing changed."""
    state = {}
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            state[os.path.relpath(path, top)] = (st.st_mode, st.st_uid, st.st_gid, st.st_size, st.st_mtime_ns)
    return state
