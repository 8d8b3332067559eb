"""The side-car step of rsync_backup (ACLs, capabilities, user xattrs) two ways, in one process run:

  scan   one os.listxattr per entry picks the few files getfacl/getcap must look at, and user.* values
         are read directly (what Python 3 targets do)
  tools  getfacl, getcap and getfattr over every entry (what Python 2 targets do, and what the side-car
         did before the scan)

    python tests/bench/bench_sidecar.py [--sizes 10000,100000] [--repeat 3]

Builds a tree (files in directories of 100; 20 files with an ACL, 5 with a capability, 20 with user
xattrs), runs Backup.write_sidecar of the real module both ways on a real AnsibleModule, checks that
both wrote the same entries, and prints the median seconds and the ratio. Numbers only; nothing is
asserted. Run as root from a built collection (make layout; this file finds .build itself).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get('BUILD', os.path.join(REPO, '.build'))
sys.path.insert(0, BUILD)

from ansible.module_utils import basic  # noqa: E402
from ansible_collections.exalogic.backup.plugins.modules import rsync_backup  # noqa: E402
from ansible_collections.exalogic.backup.plugins.module_utils._backup import sidecar  # noqa: E402
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.utils import set_module_args  # noqa: E402


def build_tree(root, files):
    for number in range(files):
        directory = os.path.join(root, 'd%04d' % (number // 100))
        if number % 100 == 0:
            os.makedirs(directory)
        path = os.path.join(directory, 'f%06d' % number)
        with open(path, 'w') as handle:
            handle.write('content %d\n' % number)
        if number % (files // 20) == 1:
            subprocess.check_call(['setfacl', '-m', 'u:1234:r', path])
            os.setxattr(path, 'user.origin', b'bench %d' % number)
        if number % (files // 5) == 2:
            subprocess.check_call(['setcap', 'cap_net_raw=ep', path])


def backup_job(root, share):
    args = dict(src=share, fstype='none', opts='bind', mount_point=share, backup_dir='vs1', root=root,
                sources=['/'], expected_mounts=[], sidecar=['acls', 'capabilities', 'xattrs'])
    with set_module_args(args):
        module = basic.AnsibleModule(argument_spec=rsync_backup.argument_spec(), supports_check_mode=True)
    job = rsync_backup.Backup(module)
    job.result['sources'] = ['/']
    return job


def side_car(share):
    meta = os.path.join(share, 'vs1', 'meta')
    found = {}
    for name, parse in (('acls.txt', sidecar.acl_entries), ('capabilities.txt', sidecar.capability_entries),
                        ('xattrs.txt', sidecar.xattr_entries)):
        with open(os.path.join(meta, name), 'rb') as handle:
            found[name] = sorted(parse(handle.read())[0])
    return found


def timed(root, share, way):
    original = sidecar.scan_attributes
    if way == 'tools':
        sidecar.scan_attributes = lambda _root, _entries: None
    try:
        job = backup_job(root, share)
        started = time.time()
        job.write_sidecar()
        return time.time() - started, side_car(share)
    finally:
        sidecar.scan_attributes = original


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--sizes', default='10000,100000')
    parser.add_argument('--repeat', type=int, default=3)
    args = parser.parse_args()
    print('%8s %10s %10s %8s  %s' % ('files', 'scan s', 'tools s', 'ratio', 'same side-car'))
    for size in [int(s) for s in args.sizes.split(',')]:
        work = tempfile.mkdtemp(prefix='bench-sidecar-')
        try:
            root, share = os.path.join(work, 'root'), os.path.join(work, 'share')
            build_tree(root, size)
            os.makedirs(os.path.join(share, 'vs1', 'meta'))
            times = {'scan': [], 'tools': []}
            results = {}
            for _round in range(args.repeat):
                for way in ('scan', 'tools'):
                    seconds, results[way] = timed(root, share, way)
                    times[way].append(seconds)
            scan, tools = statistics.median(times['scan']), statistics.median(times['tools'])
            print('%8d %10.2f %10.2f %7.1fx  %s' % (size, scan, tools, tools / scan, results['scan'] == results['tools']))
        finally:
            shutil.rmtree(work)


if __name__ == '__main__':
    main()
