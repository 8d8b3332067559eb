"""What the NFS test bed may leave behind on the host, found by looking (never killed by name)."""

import os

from nfsbed.mountshim import fuse_nfs_mounts

# programs the bed starts; matched on argv to report them, never to kill them
BED_PROGRAMS = ('ganesha.nfsd', 'rpcbind', 'nfsbed.nfsfuse')


def bed_processes(under=None):
    """[(pid, command line)] of running processes that look like the bed's daemons or clients.

    With ``under``, only those whose arguments or environment name that directory: the bed's own, not
    those of another test run sharing the machine (the server gives its daemons NFSBED_WORK).
    """
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
            if under is None or mentions(name, argv, under):
                found.append((int(name), ' '.join(argv)))
    return found


def mentions(pid, argv, directory):
    if any(directory in a for a in argv):
        return True
    try:
        with open('/proc/%s/environ' % pid, 'rb') as handle:
            return os.fsencode(directory) in handle.read()
    except OSError:
        return False


def leftovers(under=None):
    """{'mounts': [...], 'processes': [...]} of what is still there (below ``under``); empty dict when clean."""
    found = {}
    mounts = [m for m in fuse_nfs_mounts() if under is None or m[0].startswith(under)]
    if mounts:
        found['mounts'] = mounts
    processes = bed_processes(under)
    if processes:
        found['processes'] = processes
    return found
