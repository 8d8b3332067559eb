# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""The one file-rewrite helper of the remap modules: read bytes, compare, diff, back up, write atomically.

All file I/O goes through the confined-path layer (_backup/confined.py): the file is named by a
verified ``root`` (``/`` or an alternate root such as a new system mounted at /mnt/sysimage) and a
relative path, no symlink is followed, and the new content replaces the old one by rename, with the
old file's mode and owner. In check mode nothing is written. The diff holds no lone surrogates
(bytes that are not UTF-8 are shown as octal escapes).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import stat
import time

from ansible_collections.exalogic.backup.plugins.module_utils._backup import confined
from ansible_collections.exalogic.backup.plugins.module_utils._host.rawtext import decode_bytes, escape_undecodable

MAX_BYTES = 16 * 1024 * 1024  # configuration files; anything larger is not what we think it is


def relpath_of(path):
    """'etc/fstab' for '/etc/fstab' (the path as seen from inside the root); ValueError when not absolute."""
    if not path.startswith('/'):
        raise ValueError('%s must be an absolute path as seen on the (alternate) root, for example /etc/fstab' % path)
    return path.lstrip('/')


def read(root, path, missing_ok=False):
    """Bytes of root/path (None when missing and missing_ok); confined.ConfinedError when refused."""
    return confined.read_file(root, relpath_of(path), MAX_BYTES, missing_ok=missing_ok)


def list_dir(root, path):
    """Names in the directory root/path ([] when it is missing), walked without following symlinks."""
    dfd = confined.open_dir(root, relpath_of(path), one_device=False)
    if dfd is None:
        return []
    try:
        return sorted(os.listdir('/proc/self/fd/%d' % dfd))
    finally:
        os.close(dfd)


def diff_of(path, before, after):
    """An Ansible diff dict for two byte strings."""
    return {
        'before_header': path, 'after_header': path,
        'before': escape_undecodable(decode_bytes(before or b'')),
        'after': escape_undecodable(decode_bytes(after)),
    }


def backup_name(relpath, now=None):
    """Name of the backup copy, next to the file: fstab.20261207T011500Z~ (UTC)."""
    stamp = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now))
    return '%s.%s~' % (relpath, stamp)


def rewrite(root, path, before, after, check_mode, backup=True):
    """Replace root/path (whose bytes were ``before``) with ``after``.

    Returns {changed, diff, backup_file}. ``backup_file`` is the path (as seen on the root) of a copy
    of the old file, written first, with the old mode and owner; None when nothing was backed up.
    """
    result = {'changed': before != after, 'diff': diff_of(path, before, after), 'backup_file': None}
    if not result['changed'] or check_mode:
        return result
    relpath = relpath_of(path)
    st = confined.lstat_inside(root, relpath)
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise confined.ConfinedError('refused %s: it is not a regular file' % confined.show(root, relpath))
    mode, uid, gid = (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) if st is not None else (0o644, None, None)
    current = confined.read_file(root, relpath, MAX_BYTES, missing_ok=True)
    if current != before:
        raise confined.ConfinedError('%s changed while it was being rewritten; nothing was written, run again'
                                     % confined.show(root, relpath))
    if backup and before is not None:
        copy = backup_name(relpath)
        confined.write_file(root, copy, before, mode=mode, uid=uid, gid=gid)
        result['backup_file'] = '/' + copy
    confined.write_file(root, relpath, after, mode=mode, uid=uid, gid=gid)
    return result
