"""Real directories for shares and real read-only point-in-time copies for snapshots.

Layout under the data dir (README.md "Data plane"):
  export/<mountpoint below /export>                     the share (mountpoint /export/a/b -> <data>/export/a/b)
  export/.../<share>/.zfs/snapshot/<name>               snapshots while snapdir=visible
  .sim/hidden/<share id>/.zfs/snapshot/<name>           snapshots while snapdir=hidden (moved by rename)
Snapshot trees carry the immutable attribute (chattr +i), so even root cannot change them,
when the data dir's filesystem supports it (ext4, xfs, btrfs); file data is cloned (reflink) when
the filesystem can, copied otherwise.
"""

import errno
import fcntl
import os
import shutil
import stat
import struct

FICLONE = 0x40049409
FS_IOC_GETFLAGS = 0x80086601
FS_IOC_SETFLAGS = 0x40086602
FS_IMMUTABLE_FL = 0x00000010
SNAPDIR = '.zfs'


# ------------------------------------------------------------------ immutable attribute

def _set_flag(path, on):
    """Set/clear the immutable flag of one file or directory; False when the filesystem cannot."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        buf = fcntl.ioctl(fd, FS_IOC_GETFLAGS, struct.pack('i', 0))
        flags = struct.unpack('i', buf)[0]
        wanted = flags | FS_IMMUTABLE_FL if on else flags & ~FS_IMMUTABLE_FL
        if wanted != flags:
            fcntl.ioctl(fd, FS_IOC_SETFLAGS, struct.pack('i', wanted))
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def set_immutable(path, on=True, recursive=False):
    if not os.path.lexists(path):
        return False
    if not recursive:
        return _set_flag(path, on)
    ok = _set_flag(path, on)
    if not ok and on:
        return False  # filesystem without the attribute: do not walk the whole tree for nothing
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            full = os.path.join(root, name)
            if stat.S_ISDIR(os.lstat(full).st_mode) or stat.S_ISREG(os.lstat(full).st_mode):
                _set_flag(full, on)
    return ok


def remove_tree(path):
    """rm -rf that first clears immutable flags (snapshot trees)."""
    if not os.path.lexists(path):
        return
    if os.path.isdir(path) and not os.path.islink(path):
        set_immutable(path, False, recursive=True)
        shutil.rmtree(path)
    else:
        _set_flag(path, False)
        os.unlink(path)


class Unlocked:
    """Context manager: clear the immutable flag of directories while we change their entries."""

    def __init__(self, *paths):
        self.paths = [p for p in paths if os.path.isdir(p)]

    def __enter__(self):
        for path in self.paths:
            _set_flag(path, False)
        return self

    def __exit__(self, *exc):
        for path in self.paths:
            if os.path.isdir(path):
                _set_flag(path, True)
        return False


# ------------------------------------------------------------------ copying

def _clone_file(src, dst, mode):
    with open(src, 'rb') as fin:
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode & 0o777 | 0o200)
        with os.fdopen(fd, 'wb') as fout:
            try:
                fcntl.ioctl(fout.fileno(), FICLONE, fin.fileno())
                return
            except OSError:
                pass
            shutil.copyfileobj(fin, fout, 1024 * 1024)


def _copy_xattrs(src, dst, follow):
    try:
        names = os.listxattr(src, follow_symlinks=follow)
    except OSError:
        return
    for name in names:
        try:
            os.setxattr(dst, name, os.getxattr(src, name, follow_symlinks=follow), follow_symlinks=follow)
        except OSError:
            pass


def _copy_meta(src, dst, st):
    is_link = stat.S_ISLNK(st.st_mode)
    try:
        os.chown(dst, st.st_uid, st.st_gid, follow_symlinks=False)
    except OSError:
        pass
    _copy_xattrs(src, dst, follow=False)
    if not is_link:
        os.chmod(dst, stat.S_IMODE(st.st_mode))
    try:
        os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)
    except OSError:
        pass


def copy_tree(src, dst, exclude_top=(SNAPDIR,)):
    """Copy the tree at src to dst (dst may exist as an empty directory): owners, modes, times,
    xattrs/ACLs, symlinks, hard links, device nodes. Names in exclude_top are skipped at the top.
    Returns the bytes allocated by the copied entries (as du counts them)."""
    links = {}
    total = [0]

    def copy_entry(path, target, st):
        mode = st.st_mode
        total[0] += st.st_blocks * 512
        if stat.S_ISDIR(mode):
            os.mkdir(target, 0o700)
            copy_children(path, target, ())
        elif stat.S_ISLNK(mode):
            os.symlink(os.readlink(path), target)
        elif stat.S_ISREG(mode):
            key = (st.st_dev, st.st_ino)
            if st.st_nlink > 1 and key in links:
                os.link(links[key], target)
                return
            _clone_file(path, target, mode)
            if st.st_nlink > 1:
                links[key] = target
        else:
            os.mknod(target, mode, st.st_rdev)
        _copy_meta(path, target, st)

    def copy_children(path, target, exclude):
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.name in exclude:
                    continue
                copy_entry(entry.path, os.path.join(target, entry.name), entry.stat(follow_symlinks=False))

    if not os.path.isdir(dst):
        os.mkdir(dst, 0o700)
    copy_children(src, dst, exclude_top)
    _copy_meta(src, dst, os.lstat(src))
    return total[0]


def clear_dir(path, keep=(SNAPDIR,)):
    """Empty a directory in place (its inode stays, so NFS handles of the share root survive)."""
    with os.scandir(path) as entries:
        for entry in list(entries):
            if entry.name not in keep:
                remove_tree(entry.path)


def tree_usage(path, exclude_top=(SNAPDIR,)):
    """Bytes allocated below path (du), without the snapshot directory."""
    total = 0
    seen = set()
    stack = [(path, True)]
    while stack:
        current, top = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            if top and entry.name in exclude_top:
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            total += st.st_blocks * 512
            if stat.S_ISDIR(st.st_mode):
                stack.append((entry.path, False))
    return total


def ensure_parent(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)


def prune_empty_parents(path, stop):
    """Remove now-empty directories between path's parent and stop (left by moved/deleted shares)."""
    parent = os.path.dirname(path)
    while parent.startswith(stop + os.sep) and parent != stop:
        try:
            os.rmdir(parent)
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.EBUSY, errno.EPERM):
                return
            if exc.errno != errno.ENOENT:
                return
        parent = os.path.dirname(parent)
