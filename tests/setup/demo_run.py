"""`make demo`: the main job end to end against the bundled appliance simulator and the NFSv3 test bed.

Run from the laid-out collection with the project venv on PATH (tests/setup/demo.sh does that).
Every step prints what it did; the summary lists only steps that really ran, and anything started
here (simulator, nfs-ganesha, FUSE clients, mounts) is stopped at the end, also after a failure.
"""
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(COLLECTION, 'tests', 'nfs'))

from nfsbed.bed import remove_appliance_data, start_appliance  # noqa: E402  pylint: disable=wrong-import-position
from nfsbed.leftovers import leftovers  # noqa: E402  pylint: disable=wrong-import-position
from nfsbed.namespace import run_in_mount_namespace  # noqa: E402  pylint: disable=wrong-import-position
from nfsbed.server import NfsServer  # noqa: E402  pylint: disable=wrong-import-position

DEMO = os.path.join(COLLECTION, 'tests', 'demo')
MAKE_TREE = os.path.join(COLLECTION, 'tests', 'integration', 'targets', 'rsync_backup', 'files', 'make_tree.py')
HOSTS = ('vs1', 'vs2')


class Demo:
    def __init__(self, work):
        self.work = work
        self.done = []
        self.sim = None
        self.server = None

    def step(self, title, func):
        print('\n==> %s' % title, flush=True)
        started = time.time()
        func()
        self.done.append('%s (%.1f s)' % (title, time.time() - started))

    def env(self):
        env = dict(os.environ, ZFSSA_HOST=self.sim.host, ZFSSA_USER='root', ZFSSA_PASSWORD='secret',
                   ZFSSA_CA_PATH=self.sim.cert, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0')
        return env

    def playbook(self, name, namespace=False, **extra):
        argv = ['ansible-playbook', '-i', os.path.join(DEMO, 'inventory.yml'), os.path.join(DEMO, name),
                '-e', 'demo_dir=%s' % self.work, '-e', 'zfssa_port=%d' % self.sim.port]  # a free port, not 215
        for key, value in extra.items():
            argv += ['-e', '%s=%s' % (key, value)]
        if namespace:
            result = run_in_mount_namespace(argv, env=self.env(), timeout=900)
            sys.stdout.write(result.stdout or '')
            sys.stderr.write(result.stderr or '')
            if result.left_mounted:
                raise RuntimeError('mounts left after %s: %s' % (name, result.left_mounted))
            code = result.returncode
        else:
            code = subprocess.call(argv, env=self.env())
        if code != 0:
            raise RuntimeError('%s failed (exit %d)' % (name, code))

    def start_appliance(self):
        self.sim = start_appliance(os.path.join(self.work, 'appliance'))
        print('appliance simulator at %s (CA %s)' % (self.sim.url, self.sim.cert))

    def build_vservers(self):
        for host in HOSTS:
            subprocess.check_call([sys.executable, MAKE_TREE, os.path.join(self.work, host)])
            print('%s: demo server root at %s' % (host, os.path.join(self.work, host)))

    def start_nfs(self):
        self.server = NfsServer(os.path.join(self.work, 'ganesha'))
        self.server.start()
        self.server.sync_exports(self.sim)
        print('nfs-ganesha exports the shares: %s' % ', '.join('127.0.0.1:/export/%s' % h for h in HOSTS))

    def change_a_file(self):
        with open(os.path.join(self.work, 'vs1', 'etc', 'hosts'), 'a') as handle:
            handle.write('10.9.9.9 oops-an-unwanted-change\n')
        print('vs1: appended a line to /etc/hosts (it will be restored from the snapshot)')

    def check_restored(self):
        with open(os.path.join(self.work, 'vs1', 'etc', 'hosts')) as handle:
            text = handle.read()
        if 'oops' in text:
            raise RuntimeError('/etc/hosts of vs1 still holds the unwanted change')
        print('vs1: /etc/hosts is back to the snapshot version')

    def stop(self):
        if self.server is not None:
            self.server.stop()
        if self.sim is not None:
            self.sim.stop()
            remove_appliance_data(os.path.join(self.work, 'appliance'))
        left = leftovers()
        if left:
            raise RuntimeError('left behind: %s' % left)
        print('simulator and nfs-ganesha stopped; nothing mounted or running')


def main():
    work = os.path.join(COLLECTION, 'tests', 'output', 'demo')
    if os.path.exists(work):
        subprocess.call(['python', '-c', 'import sys; sys.path.insert(0, "tests/simulator"); '
                         'from zfssa_sim.control import remove_data_dir; remove_data_dir(sys.argv[1])', work],
                        cwd=COLLECTION)
        shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    demo = Demo(work)
    snapshot = time.strftime('demo-%Y%m%dT%H%M%SZ', time.gmtime())
    failed = None
    try:
        demo.step('start the ZFSSA appliance simulator', demo.start_appliance)
        demo.step('appliance setup: project, one share per vServer with root access, snapshot schedule',
                  lambda: demo.playbook('appliance_setup.yml'))
        demo.step('build two demo vServer roots', demo.build_vservers)
        demo.step('start nfs-ganesha exporting the shares', demo.start_nfs)
        demo.step('back up both vServers over NFSv3, then take a snapshot fence',
                  lambda: demo.playbook('backup.yml', namespace=True, demo_snapshot=snapshot))
        demo.step('change a file on vs1 and back up again', lambda: (demo.change_a_file(),
                                                                     demo.playbook('backup.yml', namespace=True)))
        demo.step('restore /etc/hosts of vs1 from snapshot %s' % snapshot,
                  lambda: (demo.playbook('restore.yml', namespace=True, demo_snapshot=snapshot), demo.check_restored()))
    except Exception as err:  # pylint: disable=broad-except
        failed = err
    try:
        demo.step('stop everything and leave nothing mounted or running', demo.stop)
    except Exception as err:  # pylint: disable=broad-except
        failed = failed or err
    print('\ndemo: steps that ran:')
    for line in demo.done:
        print('  - ' + line)
    if failed:
        print('demo: FAILED: %s' % failed)
        return 1
    print('demo: all steps passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
