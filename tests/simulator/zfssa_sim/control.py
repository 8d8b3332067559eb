"""Start, drive and stop simulator processes from tests, integration targets and the NFS test bed.

    from zfssa_sim.control import start_simulator
    with start_simulator(tmp_path / 'appliance') as sim:
        sim.api('GET', '/api/storage/v1/pools')      # Basic auth as root, CA = sim.cert
        sim.advance(3600)                             # POST /_sim/clock, runs due schedules

Command line (the simulator keeps running in the background until stopped):
    python -m zfssa_sim.control start --data-dir DIR [--host 127.0.0.1] [--port 0] [-- extra simulator args]
    python -m zfssa_sim.control stop --data-dir DIR
"""

import argparse
import base64
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
READY_NAME = 'ready.json'
LOG_NAME = 'simulator.log'


class SimulatorError(RuntimeError):
    pass


class Simulator:
    """A running simulator process (or one started elsewhere, when proc is None)."""

    def __init__(self, info, data_dir, user='root', password='secret', proc=None):
        self.info = info
        self.data_dir = data_dir
        self.user = user
        self.password = password
        self.proc = proc
        self.url = info['url']
        self.host = info['host']
        self.port = info['port']
        self.cert = info['cert']
        self.pid = info['pid']
        self._ctx = ssl.create_default_context(cafile=self.cert)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- lifecycle

    def stop(self, timeout=15):
        """SIGTERM, wait, SIGKILL if it does not go (only this simulator's own pid)."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout)
            return
        stop_pid(self.pid, timeout)

    def remove_data(self):
        """Stop, then delete the data dir."""
        self.stop()
        remove_data_dir(self.data_dir)

    def alive(self):
        if self.proc is not None:
            return self.proc.poll() is None
        return pid_alive(self.pid)

    # ---- HTTP

    def request(self, method, path, body=None, headers=None, timeout=60):
        """(status, headers dict with lower-case names, parsed JSON or None) without raising on HTTP errors."""
        data = None
        hdrs = {'Accept': 'application/json'}
        if body is not None:
            data = json.dumps(body).encode('utf-8')
            hdrs['Content-Type'] = 'application/json'
        hdrs.update(headers or {})
        req = urllib.request.Request(self.url + path, data=data, headers=hdrs, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self._ctx) as resp:
                status, resp_headers, raw = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            status, resp_headers, raw = err.code, err.headers, err.read()
        parsed = json.loads(raw.decode('utf-8')) if raw.strip() else None
        return status, dict((k.lower(), v) for k, v in resp_headers.items()), parsed

    def basic_auth(self, user=None, password=None):
        user = self.user if user is None else user
        password = self.password if password is None else password
        token = base64.b64encode(('%s:%s' % (user, password)).encode('utf-8')).decode('ascii')
        return {'Authorization': 'Basic ' + token}

    def api(self, method, path, body=None, headers=None, auth=True):
        """An API call with Basic auth (the default credentials) unless auth=False."""
        hdrs = self.basic_auth() if auth else {}
        hdrs.update(headers or {})
        return self.request(method, path, body, hdrs)

    def control(self, method, path, body=None):
        status, _headers, parsed = self.request(method, '/_sim/' + path.lstrip('/'), body)
        if status >= 400:
            raise SimulatorError('%s /_sim/%s -> %s %s' % (method, path, status, parsed))
        return parsed

    # ---- test control shortcuts

    def clock(self):
        return self.control('GET', 'clock')

    def advance(self, seconds):
        return self.control('POST', 'clock', {'advance': seconds})

    def set_clock(self, iso_time):
        return self.control('POST', 'clock', {'set': iso_time})

    def inject(self, kind, count=1, **extra):
        """Next `count` matching API requests fail: kind '503', '500', 'reset', 'reset_after' or 'delay'."""
        spec = dict(extra, kind=str(kind), count=count)
        return self.control('POST', 'faults', spec)

    def clear_faults(self):
        self.control('DELETE', 'faults')

    def expire_sessions(self):
        return self.control('POST', 'sessions/expire')['expired']

    def requests(self):
        return self.control('GET', 'requests')['requests']

    def clear_requests(self):
        self.control('DELETE', 'requests')

    def reset(self):
        self.control('POST', 'reset')

    def shares(self):
        return self.control('GET', 'shares')['shares']

    def configure(self, **settings):
        return self.control('POST', 'config', settings)


def remove_data_dir(data_dir):
    """Delete a stopped simulator's data dir (snapshot trees are immutable, so plain rm -rf fails)."""
    from . import dataplane  # pylint: disable=import-outside-toplevel
    dataplane.remove_tree(str(data_dir))


def unlock_data_dir(data_dir):
    """Clear the immutable flags below data_dir so that anything (pytest's tmp cleanup) can delete it."""
    from . import dataplane  # pylint: disable=import-outside-toplevel
    dataplane.set_immutable(str(data_dir), False, recursive=True)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_pid(pid, timeout=15):
    if not pid_alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return
        except ChildProcessError:
            pass
        if not pid_alive(pid):
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def simulator_command(data_dir, host='127.0.0.1', port=0, user='root', password='secret', pools=('gold',),
                      ready_file=None, python=None, **opts):
    """The argv that starts a simulator; opts map to --options (session_timeout=5 -> --session-timeout 5)."""
    cmd = [python or sys.executable, '-m', 'zfssa_sim', '--host', host, '--port', str(port), '--data-dir', str(data_dir),
           '--user', user, '--password', password, '--pools', ','.join(pools) if not isinstance(pools, str) else pools,
           '--ready-file', str(ready_file or os.path.join(str(data_dir), READY_NAME))]
    for key, value in sorted(opts.items()):
        if value is not None:
            cmd += ['--' + key.replace('_', '-'), str(value)]
    return cmd


def start_simulator(data_dir, host='127.0.0.1', port=0, user='root', password='secret', pools=('gold',), timeout=15,
                    detach=False, python=None, **opts):
    """Start a simulator on (host, port) with its state in data_dir; returns a Simulator once it listens."""
    data_dir = os.path.abspath(str(data_dir))
    os.makedirs(data_dir, exist_ok=True)
    ready = os.path.join(data_dir, READY_NAME)
    if os.path.exists(ready):
        os.unlink(ready)
    env = dict(os.environ)
    env['PYTHONPATH'] = PACKAGE_PARENT + (os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
    cmd = simulator_command(data_dir, host, port, user, password, pools, ready, python, **opts)
    with open(os.path.join(data_dir, LOG_NAME), 'ab') as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,  # pylint: disable=consider-using-with
                                start_new_session=detach)
    deadline = time.monotonic() + timeout
    while not os.path.exists(ready):
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            raise SimulatorError('simulator did not start (exit %s); log: %s' % (proc.returncode, log_tail(data_dir)))
        time.sleep(0.02)
    with open(ready, encoding='utf-8') as handle:
        info = json.load(handle)
    return Simulator(info, data_dir, user, password, proc=None if detach else proc)


def attach(data_dir, user='root', password='secret'):
    """A Simulator for one already running with its state in data_dir (started with detach=True)."""
    with open(os.path.join(os.path.abspath(str(data_dir)), READY_NAME), encoding='utf-8') as handle:
        return Simulator(json.load(handle), data_dir, user, password)


def log_tail(data_dir, lines=20):
    try:
        with open(os.path.join(data_dir, LOG_NAME), encoding='utf-8', errors='replace') as handle:
            return ''.join(handle.readlines()[-lines:])
    except OSError:
        return '(no log)'


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m zfssa_sim.control')
    parser.add_argument('action', choices=('start', 'stop', 'info'))
    parser.add_argument('--data-dir', required=True)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--user', default='root')
    parser.add_argument('--password', default='secret')
    parser.add_argument('--pools', default='gold')
    parser.add_argument('--remove', action='store_true', help='with stop: also delete the data directory')
    parser.epilog = 'more simulator options (--clock frozen ...) go after --'
    # Split at '--' first: argparse cannot give a positional the words after '--' once 'action' was matched.
    argv = list(sys.argv[1:] if argv is None else argv)
    more = argv[argv.index('--') + 1:] if '--' in argv else []
    args = parser.parse_args(argv[:argv.index('--')] if '--' in argv else argv)
    if args.action == 'start':
        extra = dict(zip([e.lstrip('-').replace('-', '_') for e in more[::2]], more[1::2]))
        sim = start_simulator(args.data_dir, args.host, args.port, args.user, args.password, args.pools.split(','),
                              detach=True, **extra)
        print(json.dumps(sim.info, sort_keys=True))
    elif args.action == 'stop':
        try:
            sim = attach(args.data_dir, args.user, args.password)
        except OSError:
            print('no simulator running in %s' % args.data_dir)
        else:
            sim.stop()
        if args.remove and os.path.exists(args.data_dir):
            remove_data_dir(args.data_dir)
    else:
        print(json.dumps(attach(args.data_dir).info, sort_keys=True))
    return 0


if __name__ == '__main__':
    sys.exit(main())
