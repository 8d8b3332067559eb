# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""The side-car files that keep what an NFSv3 share cannot: POSIX ACLs, file capabilities, user xattrs.

acls.txt is `getfacl --skip-base --numeric` output with names relative to the backed-up root
(blocks starting with '# file: <path>'). capabilities.txt is `getcap` output, one '<path> <caps>'
line per file (libcap 2.2x; older libcap wrote '<path> = <caps>'); several clauses are separated by
spaces ('cap_net_admin=i cap_net_raw+p'). xattrs.txt is `getfattr --dump --match='^user[.]'
--encoding=base64` output: '# file: <path>' blocks like acls.txt, one 'user.<name>=0s<base64>' line per
attribute. Only user.* attributes are kept and applied: security.* (SELinux labels, capabilities),
trusted.* and system.* from the share are never written (SELinux labels are relabelled instead).

All three files come from the share, which is untrusted: they are handled as bytes end to end (names
are whatever bytes the filesystem holds), every name must be a clean relative path (confined.split),
'# owner:', '# group:' and '# flags:' lines are never applied (rsync restored owners and modes), ACL
entry lines and capability text are validated, and each entry is applied to one file at a time
through a descriptor opened by the confined layer, so a symlink planted by a local user between the
rsync and the side-car is never followed.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import binascii
import errno
import os
import re
import stat
from collections import namedtuple

from ansible_collections.exalogic.backup.plugins.module_utils._backup import confined

FILE_PREFIX = b'# file: '
ACL_ENTRY_RE = re.compile(br'^(default:)?(user|group|mask|other):[0-9]*:[rwx-]{3}([ \t]*#effective:[rwx-]{3})?$')
XATTR_LINE_RE = re.compile(br'^(user\.[^\x00=]{1,250})=0s([A-Za-z0-9+/]*={0,2})$')
MAX_XATTR_VALUE = 64 * 1024  # the Linux limit for one attribute value
CAP_CLAUSE_RE = re.compile(br'^(all|cap_[a-z0-9_]+(,cap_[a-z0-9_]+)*)?([=+-][eip]*)+$')


to_bytes = confined.fs_bytes


def unescape(name):
    """getfacl writes unusual bytes as octal escapes (\\040 for a space, \\134 for a backslash)."""
    data = bytearray(to_bytes(name))
    out = bytearray()
    i = 0
    while i < len(data):
        digits = data[i + 1:i + 4]
        if data[i] == 0x5c and len(digits) == 3 and all(0x30 <= d <= 0x37 for d in digits):
            out.append(int(bytes(digits).decode('ascii'), 8) & 0xff)
            i += 4
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


def checked_name(name):
    """name if it is a clean relative path ('opt/app/x'), else None (absolute, '..', empty parts, NUL)."""
    try:
        confined.split(name)
    except confined.ConfinedError:
        return None
    return name


def acl_entries(data):
    """([(relative path, ACL text to --set-file)], [problems]) from a getfacl dump (bytes).

    Comment lines (# owner, # group, # flags) are dropped; a block with an entry line that is not
    an ACL entry, or a name that is not a clean relative path, is refused and reported.
    """
    entries, problems = [], []
    for name, lines in dump_blocks(data):
        bad = next((line for line in lines if not ACL_ENTRY_RE.match(line)), None)
        if checked_name(name) is None:
            problems.append('acls.txt: refused the name %r: not a clean path relative to the root' % (name,))
        elif bad is not None:
            problems.append('acls.txt: refused the entry for %r: %r is not an ACL entry' % (name, bad))
        elif lines:
            entries.append((name, b''.join(line.split(b'#')[0].strip() + b'\n' for line in lines)))
    return entries, problems


def xattr_entries(data):
    """([(relative path, [(attribute name, value bytes)])], [problems]) from a getfattr dump (bytes).

    A block with a line that is not a user.* attribute in base64, a value over 64 KiB, or a name that
    is not a clean relative path is refused and reported as a whole.
    """
    entries, problems = [], []
    for name, lines in dump_blocks(data):
        pairs, bad = [], None
        for line in lines:
            match = XATTR_LINE_RE.match(line)
            value = _base64(match.group(2)) if match else None
            if value is None or len(value) > MAX_XATTR_VALUE:
                bad = line
                break
            pairs.append((unescape(match.group(1)), value))
        if checked_name(name) is None:
            problems.append('xattrs.txt: refused the name %r: not a clean path relative to the root' % (name,))
        elif bad is not None:
            problems.append('xattrs.txt: refused the entry for %r: %r is not a user.* attribute' % (name, bad[:80]))
        elif pairs:
            entries.append((name, pairs))
    return entries, problems


def dump_blocks(data):
    """[(unescaped name, [lines])] of a '# file: ' dump; comment and empty lines dropped."""
    blocks = []
    for line in to_bytes(data or b'').split(b'\n'):
        if line.startswith(FILE_PREFIX):
            blocks.append((unescape(line[len(FILE_PREFIX):]), []))
        elif blocks and line.strip() and not line.startswith(b'#'):
            blocks[-1][1].append(line)
    return blocks


def _base64(text):
    try:
        return base64.b64decode(text) if len(text) % 4 == 0 else None
    except (binascii.Error, TypeError, ValueError):
        return None


def valid_capabilities(text):
    clauses = to_bytes(text).split(b' ')
    return bool(clauses) and all(CAP_CLAUSE_RE.match(clause) for clause in clauses)


def capability_entries(data):
    """([(relative path, capability text)], [problems]) from getcap output (bytes, both styles).

    The capability text is the longest run of valid clauses at the end of the line, so names with
    spaces and sets with several clauses both parse.
    """
    entries, problems = [], []
    for line in to_bytes(data or b'').split(b'\n'):
        if not line.strip():
            continue
        if b' = ' in line:
            name, caps = line.rsplit(b' = ', 1)
        else:
            words = line.split(b' ')
            cut = len(words)
            while cut > 1 and CAP_CLAUSE_RE.match(words[cut - 1]):
                cut -= 1
            name, caps = b' '.join(words[:cut]), b' '.join(words[cut:])
        if not caps or not valid_capabilities(caps):
            problems.append('capabilities.txt: refused %r: no valid capability text' % (line,))
        elif checked_name(name) is None:
            problems.append('capabilities.txt: refused the name %r: not a clean path relative to the root' % (name,))
        else:
            entries.append((name, caps))
    return entries, problems


def parse_getcap_output(out, names):
    """getcap output lines -> 'name caps' lines, matching each line to the longest name asked for."""
    lines = []
    by_length = sorted(set(to_bytes(n) for n in names), key=len, reverse=True)
    for line in to_bytes(out).split(b'\n'):
        for name in by_length:
            for sep in (b' = ', b' '):
                if line.startswith(name + sep) and valid_capabilities(line[len(name) + len(sep):]):
                    lines.append(name + b' ' + line[len(name) + len(sep):])
                    break
            else:
                continue
            break
    return lines


def under(path, selected):
    """Is a root-relative path (no leading '/') one of the selected paths or below one of them?"""
    path = to_bytes(path).strip(b'/')
    for chosen in selected:
        chosen = to_bytes(chosen).strip(b'/')
        if not chosen or path == chosen or path.startswith(chosen + b'/'):
            return True
    return False


def select(entries, selected=None):
    return [entry for entry in entries if selected is None or under(entry[0], selected)]


# ---------------------------------------------------------------------------------------- scanning

ACL_XATTRS = ('system.posix_acl_access', 'system.posix_acl_default')
CAP_XATTR = 'security.capability'

# What one pass over the backed-up entries found: names (relative to the root) for getfacl and getcap,
# and the user.* dump itself (None when it must come from getfattr, on Python 2).
AttributeScan = namedtuple('AttributeScan', 'acl_names cap_names xattrs')


def scan_attributes(root, entries):
    """One listxattr per entry (Python 3): only entries that carry an ACL or a capability are handed to
    getfacl/getcap, and user.* values are read directly. None on Python 2, which has no os.listxattr:
    the tools then look at every entry."""
    if not hasattr(os, 'listxattr'):
        return None
    acl_names, cap_names, dump = [], [], []
    for rel, st in entries:
        if stat.S_ISLNK(st.st_mode):
            continue
        name = rel.lstrip('/') or '.'
        full = os.path.join(root, name)
        try:
            attrs = os.listxattr(full, follow_symlinks=False)  # novermin (guarded above)
        except OSError:
            continue  # vanished since the walk, or a filesystem without xattrs
        if any(a in ACL_XATTRS for a in attrs):
            acl_names.append(name)
        if CAP_XATTR in attrs and stat.S_ISREG(st.st_mode):
            cap_names.append(name)
        users = sorted(a for a in attrs if a.startswith('user.'))
        if users:
            dump.append(xattr_block(full, name, users))
    return AttributeScan(acl_names, cap_names, b''.join(dump))


def xattr_block(full, name, attrs):
    """The getfattr --dump --encoding=base64 block of one file, for the attributes that still exist."""
    lines = [FILE_PREFIX + escape(name) + b'\n']
    for attr in attrs:
        try:
            value = os.getxattr(full, attr, follow_symlinks=False)  # novermin (Python 3 only)
        except OSError:
            continue
        lines.append(to_bytes(attr) + b'=0s' + base64.b64encode(value) + b'\n')
    return b''.join(lines) + b'\n'


def escape(name):
    """Octal escapes as getfacl/getfattr write them (backslash and control bytes); unescape reverses it."""
    out = bytearray()
    for byte in bytearray(to_bytes(name)):
        out.extend(b'\\%03o' % byte if byte in (0x5c, 0x7f) or byte < 0x20 else bytearray([byte]))
    return bytes(out)


# ---------------------------------------------------------------------------------------- applying

def _xattr(fd, name):
    try:
        return os.getxattr(fd, name)  # novermin (Python 3 only: callers check hasattr(os, 'getxattr'))
    except OSError as err:
        if err.errno in (errno.ENODATA, getattr(errno, 'ENOATTR', errno.ENODATA), errno.ENOTSUP):
            return None
        raise


class Applier(object):
    """Apply side-car entries below root one file at a time, through descriptors (never a path string).

    run_command is AnsibleModule.run_command; applied/changed/problems are counted for the result.
    """

    def __init__(self, run_command, root, setfacl=None, setcap=None, getfacl=None, getcap=None, setfattr=None):
        self.run_command = run_command
        self.root = root
        self.setfacl, self.setcap, self.getfacl, self.getcap = setfacl, setcap, getfacl, getcap
        self.setfattr = setfattr
        self.applied = dict(acls=0, capabilities=0, xattrs=0)
        self.changed = 0
        self.problems = []

    def _open(self, name):
        """(parent dir fd, fd, stat) of root/name, a regular file or directory reached without symlinks."""
        try:
            return confined.open_entry(self.root, name)
        except confined.ConfinedError as err:
            self.problems.append('side-car entry not applied: %s' % err)
            return None

    @staticmethod
    def _proc(fd):
        return '/proc/%d/fd/%d' % (os.getpid(), fd)

    def _run(self, argv, **kwargs):
        # names are bytes from the share: never expand '$' or '~' in them
        return self.run_command(argv, expand_user_and_vars=False, binary_data=True, **kwargs)

    def _state(self, fd, names, command, cwd=None):
        """What the file's ACL or capability is now (xattrs where Python reads them, else the tool's view)."""
        if hasattr(os, 'getxattr'):
            return tuple(_xattr(fd, n) for n in names) + (os.fstat(fd).st_mode,)
        if command is None:
            return None
        return self._run(command, cwd=cwd)[1]

    def acl(self, name, text):
        opened = self._open(name)
        if opened is None:
            return
        dfd, fd, _st = opened
        try:
            proc = self._proc(fd)
            probe = [self.getfacl, '--numeric', '--absolute-names', proc] if self.getfacl else None
            names = ('system.posix_acl_access', 'system.posix_acl_default')
            before = self._state(fd, names, probe)
            rc, out, err = self._run([self.setfacl, '--set-file=-', proc], data=text)
            if rc != 0:
                self.problems.append('setfacl on %s: %s' % (confined.show(self.root, name), (err or out).strip()))
                return
            self.applied['acls'] += 1
            if before is None or before != self._state(fd, names, probe):
                self.changed += 1
        finally:
            os.close(fd)
            os.close(dfd)

    def capability(self, name, caps):
        opened = self._open(name)
        if opened is None:
            return
        dfd, fd, st = opened
        where = confined.show(self.root, name)
        try:
            if not (st.st_mode & 0o170000) == 0o100000:
                self.problems.append('capability for %s not applied: it is not a regular file' % where)
                return
            # setcap refuses /proc/<pid>/fd links: give it a name only root controls (a hard link in a
            # private directory), so the owner of the parent cannot rename another file into its way
            try:
                pinned = confined.pin_name(dfd, fd)
            except confined.ConfinedError as err:
                self.problems.append('capability for %s not applied: %s' % (where, err))
                return
            target_dir, leaf = (pinned[0], b'f') if pinned else (dfd, os.path.basename(to_bytes(name)))
            try:
                self._set_capability(where, fd, st, caps, target_dir, leaf)
            finally:
                if pinned:
                    confined.unpin_name(dfd, pinned)
        finally:
            os.close(fd)
            os.close(dfd)

    def _set_capability(self, where, fd, st, caps, dfd, leaf):
        """setcap on leaf inside the directory open as dfd, which must still be the file fd (st) checked."""
        cwd = self._proc(dfd)
        probe = [self.getcap, leaf] if self.getcap else None
        before = self._state(fd, ('security.capability',), probe, cwd)
        rc, out, err = self._run([self.setcap, to_bytes(caps), leaf], cwd=cwd)
        now = confined.lstat_at(dfd, leaf)
        if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            # only without pin_name (Python 2.7): the name in the parent was swapped while setcap ran
            self.problems.append('%s was replaced while its capability was set: check it' % where)
            return
        if rc != 0:
            self.problems.append('setcap %s %s: %s' % (caps, where, (err or out).strip()))
            return
        self.applied['capabilities'] += 1
        if before is None or before != self._state(fd, ('security.capability',), probe, cwd):
            self.changed += 1

    def xattrs(self, name, pairs):
        """Set user.* attributes through the file's descriptor (Python 3) or its /proc fd link (setfattr)."""
        opened = self._open(name)
        if opened is None:
            return
        dfd, fd, _st = opened
        try:
            for attr, value in pairs:
                if hasattr(os, 'setxattr'):
                    if _xattr(fd, attr) == value:
                        continue
                    try:
                        os.setxattr(fd, attr, value)  # novermin (Python 3 only, guarded)
                    except OSError as err:
                        self.problems.append('xattr %s on %s: %s' % (attr, confined.show(self.root, name), err))
                        continue
                    self.changed += 1
                elif not self._setfattr(fd, name, attr, value):
                    continue
                self.applied['xattrs'] += 1
        finally:
            os.close(fd)
            os.close(dfd)

    def _setfattr(self, fd, name, attr, value):
        """Python 2: setfattr on /proc/<pid>/fd/<fd> (the pinned file itself, not a path to it)."""
        if self.setfattr is None:
            self.problems.append('setfattr is not installed: user xattrs not applied (install attr)')
            return False
        encoded = b'0s' + base64.b64encode(value)
        rc, out, err = self._run([self.setfattr, b'-n', attr, b'-v', encoded, self._proc(fd)])
        if rc != 0:
            self.problems.append('setfattr %s on %s: %s' % (attr, confined.show(self.root, name), (err or out).strip()))
            return False
        self.changed += 1  # setfattr cannot tell: count it as a change
        return True
