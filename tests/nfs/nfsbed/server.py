"""nfs-ganesha (FSAL VFS) and rpcbind, started and stopped by the tests themselves, on loopback.

Both daemons run in a private mount namespace with their own tmpfs on /run, so their runtime files
(/run/rpcbind.sock, /run/ganesha) never touch the host and vanish with them. rpcbind must run
first (ganesha exits when it cannot register). They listen on the fixed NFS ports (111, 2049,
20048), so one server per machine at a time: `start()` waits for a lock file and then fails with
a clear message when the ports are taken.

    server = NfsServer(work_dir)
    server.start()
    server.sync_exports(sim)        # export every simulator share as its sharenfs says
    server.sync_exports(sim, peer)  # ... and a second simulator's too (distinct mountpoints)
    ...
    server.stop()                   # ganesha, then rpcbind, by PID
"""

import atexit
import fcntl
import os
import signal
import socket
import subprocess
import time

from nfsbed.exports import render_ganesha, share_export

LOCK_FILE = '/tmp/exalogic-nfs-test-bed.lock'
PORTS = (111, 2049, 20048)
READY_LINE = 'NFS SERVER INITIALIZED'


class NfsServerError(RuntimeError):
    pass


def port_open(host, port, timeout=0.2):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def stop_process(proc, timeout=10):
    """SIGTERM, wait, then SIGKILL: only this process, by its PID."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


class NfsServer:
    """rpcbind + ganesha.nfsd serving the exports of `sync_exports` to `client` on `bind_addr`."""

    def __init__(self, work_dir, bind_addr='127.0.0.1', client='127.0.0.1', lock_timeout=300):
        self.work_dir = os.path.abspath(str(work_dir))
        self.bind_addr = bind_addr
        self.client = client
        self.lock_timeout = lock_timeout
        self.config_path = os.path.join(self.work_dir, 'ganesha.conf')
        self.log_path = os.path.join(self.work_dir, 'ganesha.log')
        self.exports = []
        self.rpcbind = None
        self.ganesha = None
        self._lock = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- lifecycle

    def start(self, exports=()):
        os.makedirs(os.path.join(self.work_dir, 'recovery'), exist_ok=True)
        self._take_lock()
        atexit.register(self.stop)
        busy = [p for p in PORTS if port_open(self.bind_addr, p)]
        if busy:
            self.stop()
            raise NfsServerError('ports %s on %s are in use: another NFS server or rpcbind runs on this machine; '
                                 'stop it first' % (busy, self.bind_addr))
        self._start_rpcbind()
        self.exports = list(exports)
        self._start_ganesha()

    def stop(self):
        """Stop ganesha, then rpcbind (their private /run goes with them); safe to call twice."""
        stop_process(self.ganesha)
        stop_process(self.rpcbind)
        self.ganesha = self.rpcbind = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def stop_ganesha(self):
        """Stop only the NFS service (rpcbind stays): clients see the server go away."""
        stop_process(self.ganesha)
        self.ganesha = None

    def restart(self):
        stop_process(self.ganesha)
        self._start_ganesha()

    def pids(self):
        return [p.pid for p in (self.rpcbind, self.ganesha) if p is not None and p.poll() is None]

    def running(self):
        return self.ganesha is not None and self.ganesha.poll() is None

    # ---- exports

    def sync_exports(self, sim, *more_sims):
        """Export every share of the simulator `sim` (and of `more_sims`, e.g. a replication target holding a
        clone) as its sharenfs says; restart ganesha on change. Mountpoints must differ across the simulators:
        one server serves them all by mountpoint."""
        exports = [share_export(share, self.client) for each in (sim,) + more_sims for share in each.shares()]
        pseudos = [e['pseudo'] for e in exports]
        clashes = sorted(set(p for p in pseudos if pseudos.count(p) > 1))
        if clashes:
            raise NfsServerError('two simulators have shares with the mountpoint %s; give one of them another '
                                 'mountpoint (one NFS server exports them all)' % ', '.join(clashes))
        return self.set_exports(exports)

    def set_exports(self, exports):
        exports = sorted(exports, key=lambda e: e['pseudo'])
        if exports != self.exports or not self.running():
            self.exports = exports
            self.restart()
        return exports

    # ---- internals

    def _take_lock(self):
        if self._lock is not None:
            return
        handle = open(LOCK_FILE, 'a+', encoding='utf-8')  # pylint: disable=consider-using-with
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    handle.close()
                    raise NfsServerError('another NFS test bed holds %s' % LOCK_FILE) from None
                time.sleep(0.2)
        self._lock = handle

    def _spawn(self, argv, log_name):
        with open(os.path.join(self.work_dir, log_name), 'ab') as log:
            # NFSBED_WORK marks the daemons as this bed's for the leftover checks (nfsbed.leftovers)
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,  # pylint: disable=consider-using-with
                                    start_new_session=True, env=dict(os.environ, NFSBED_WORK=self.work_dir))

    def _start_rpcbind(self):
        # unshare execs sh, sh execs rpcbind: the Popen pid is rpcbind's, and its namespace is ganesha's too
        script = 'mount -n -t tmpfs -o mode=0755 nfsbed-run /run && exec rpcbind -f'
        self.rpcbind = self._spawn(['unshare', '-m', '--propagation', 'private', '--', 'sh', '-c', script],
                                   'rpcbind.log')
        self._wait(lambda: port_open(self.bind_addr, 111), self.rpcbind, 'rpcbind', 'rpcbind.log')

    def _start_ganesha(self):
        if self.rpcbind is None or self.rpcbind.poll() is not None:
            raise NfsServerError('rpcbind is not running; call start() first')
        with open(self.config_path, 'w', encoding='utf-8') as handle:
            handle.write(render_ganesha(self.exports, self.work_dir, self.bind_addr))
        log_start = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        argv = ['nsenter', '-t', str(self.rpcbind.pid), '-m', '--', 'ganesha.nfsd', '-F', '-f', self.config_path,
                '-L', self.log_path, '-p', os.path.join(self.work_dir, 'ganesha.pid'), '-N', 'NIV_EVENT']
        self.ganesha = self._spawn(argv, 'ganesha.out')

        def ready():
            return READY_LINE in self._log_since(log_start) and port_open(self.bind_addr, 2049)
        self._wait(ready, self.ganesha, 'ganesha.nfsd', 'ganesha.log')

    def _log_since(self, offset):
        try:
            with open(self.log_path, 'rb') as handle:
                handle.seek(offset)
                return handle.read().decode('utf-8', 'replace')
        except OSError:
            return ''

    def _wait(self, ready, proc, name, log_name, timeout=30):
        deadline = time.monotonic() + timeout
        while not ready():
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_process(proc)
                raise NfsServerError('%s did not start (exit %s); see %s'
                                     % (name, proc.returncode, os.path.join(self.work_dir, log_name)))
            time.sleep(0.05)
