"""What the NFS test bed may leave behind on the host, found by looking (never killed by name)."""

import os

from nfsbed.mountshim import fuse_nfs_mounts

# programs the bed starts; matched on argv to report them, never to kill them
BED_PROGRAMS = ('ganesha.nfsd', 'rpcbind', 'nfsbed.nfsfuse')


def bed_processes():
    """[(pid, command line)] of running processes that look like the bed's daemons or clients."""
    found = []
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % name, 'rb') as handle:
                argv = [a.decode('utf-8', 'replace') for a in handle.read().split(b'\0') if a]
            with open('/proc/%s/stat' % name, encoding='utf-8') as handle:
                state = handle.read().rsplit(')', 1)[1].split()[0]
        except OSError:
            continue
        if state != 'Z' and any(os.path.basename(a) in BED_PROGRAMS or a in BED_PROGRAMS for a in argv[:4]):
            found.append((int(name), ' '.join(argv)))
    return found


def leftovers(under=None):
    """{'mounts': [...], 'processes': [...]} of what is still there; empty dict when clean.

    under: only what belongs to the bed whose work directory this is (mounts below it, processes whose
    command line names it), so other test beds running on the machine are not counted. rpcbind's command
    line names no directory: check the PIDs of NfsServer.pids() for it.
    """
    found = {}
    mine = (lambda text: (under.rstrip(os.sep) + os.sep) in text + os.sep) if under else (lambda text: True)
    mounts = [m for m in fuse_nfs_mounts() if mine(m[0])]
    if mounts:
        found['mounts'] = mounts
    processes = [p for p in bed_processes() if mine(p[1])]
    if processes:
        found['processes'] = processes
    return found
