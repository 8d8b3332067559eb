# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""The confined-path layer: every read and write of the share, the mirror, side-car files and restore targets.

The rule
    A path that comes from, or lies on, untrusted ground is never handed to open(), chown(), makedirs(),
    setfacl or rsync as a plain string. It is split into a `root` the caller has verified (a mount point,
    a dest_root, an alternate root) and a `relpath` below it, and this module walks relpath one component
    at a time from a descriptor of root: every directory is opened with O_NOFOLLOW|O_DIRECTORY relative to
    its parent's descriptor, so a symlink anywhere in the path is refused, never followed, and a directory
    swapped for a symlink between two steps cannot redirect the walk. Files are opened O_NOFOLLOW|O_NONBLOCK
    and checked with fstat (regular file, size cap, same device as root where asked); files are written as
    a temp file created O_EXCL in the verified parent directory and renamed over the target.

The threat model, in short
    (a) a local unprivileged user on a backed-up or restored host (races in world-writable or user-owned
    directories); (b) anyone who can write to the backup share (symlinks, FIFOs, device nodes, huge files,
    crafted side-car names with '..' or absolute paths); (c) operator accidents ('//', empty names).
    A whole-tree restore trusts the share's data; nothing may let the share or a local user reach beyond
    root/relpath.

relpath is relative ('etc/fstab'), str or bytes (bytes for names read from side-car files); absolute paths,
empty components, '.', '..' and NUL are refused with ConfinedError. On Python 3 the walk uses dir_fd; on
Python 2.7 it opens '/proc/self/fd/<n>/<name>', which the kernel resolves from the same directory descriptor.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import binascii
import errno
import os
import stat

O_CLOEXEC = getattr(os, 'O_CLOEXEC', 0o2000000)
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | O_CLOEXEC
READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | O_CLOEXEC
CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_NOCTTY | O_CLOEXEC
# Python 2 has no dir_fd; the *_at helpers below fall back to /proc/self/fd paths there.
# '# novermin' marks the lines that only run when _DIR_FD is true.
_DIR_FD = getattr(os, 'supports_dir_fd', None) is not None and os.open in os.supports_dir_fd  # novermin


class ConfinedError(Exception):
    """A path was refused; the message names the path and why. errno: the OS error behind it, if any."""

    def __init__(self, message, errno_value=None):
        super(ConfinedError, self).__init__(message)
        self.errno = errno_value


def _sep(path):
    return b'/' if isinstance(path, bytes) else '/'


def _text(path):
    if isinstance(path, bytes):
        return path.decode('utf-8', 'backslashreplace') if str is not bytes else path
    return path


def show(root, relpath):
    """root/relpath for a message (undecodable bytes shown as escapes)."""
    return os.path.join(_text(root), _text(relpath))


def split(relpath):
    """The components of relpath; ConfinedError for absolute, empty, '.', '..' or NUL."""
    if not relpath:
        raise ConfinedError('refused an empty path')
    nul = b'\0' if isinstance(relpath, bytes) else '\0'
    if nul in relpath:
        raise ConfinedError('refused %r: it contains a NUL byte' % (relpath,))
    sep = _sep(relpath)
    if relpath.startswith(sep):
        raise ConfinedError('refused %s: an absolute path where a path relative to its root was expected'
                            % _text(relpath))
    parts = relpath.split(sep)
    for part in parts:
        if part in (b'', '', b'.', '.'):
            raise ConfinedError("refused %s: empty or '.' component" % _text(relpath))
        if part in (b'..', '..'):
            raise ConfinedError("refused %s: '..' component" % _text(relpath))
    return parts


def fs_bytes(name):
    """A path as the bytes the kernel gets: text is UTF-8 (surrogate escapes become the bytes they stand for).

    Every system call below takes bytes, so a non-ASCII name works under any locale, also LANG=C on
    Python 3.6 (whose file system encoding is then ASCII) and with unicode on Python 2.
    """
    if isinstance(name, bytes):
        return name
    return name.encode('utf-8', 'strict' if str is bytes else 'surrogateescape')


def _like(name, value):
    """value (bytes from the kernel) as the same type as name."""
    if isinstance(name, bytes) or isinstance(value, type(name)):
        return value
    return value.decode('utf-8', 'strict' if str is bytes else 'surrogateescape')


def _at(dfd, name):
    """(path, kwargs) that address name inside the directory open as dfd."""
    if _DIR_FD:
        return fs_bytes(name), {'dir_fd': dfd}
    return b'/proc/self/fd/%d/' % dfd + fs_bytes(name), {}


def _open_at(dfd, name, flags, mode=0o600):
    path, kw = _at(dfd, name)
    return os.open(path, flags, mode, **kw)


def lstat_at(dfd, name):
    """lstat of name in the directory open as dfd (name itself is never followed)."""
    if _DIR_FD:
        return os.stat(fs_bytes(name), dir_fd=dfd, follow_symlinks=False)  # novermin
    return os.lstat(_at(dfd, name)[0])


def _kind(st):
    if stat.S_ISLNK(st.st_mode):
        return 'a symlink'
    if stat.S_ISDIR(st.st_mode):
        return 'a directory'
    if stat.S_ISREG(st.st_mode):
        return 'a regular file'
    if stat.S_ISFIFO(st.st_mode):
        return 'a FIFO'
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        return 'a device node'
    if stat.S_ISSOCK(st.st_mode):
        return 'a socket'
    return 'not a regular file'


def _refusal(dfd, name, where, wanted):
    """The ConfinedError for name (in dfd) that could not be opened as `wanted`."""
    try:
        kind = _kind(lstat_at(dfd, name))
    except OSError:
        kind = 'not usable'
    return ConfinedError('refused %s: it is %s, not %s (symlinks are never followed here)' % (where, kind, wanted))


def _open_leaf(dfd, name, where, allow_dir):
    """fd of the regular file (or directory) name in dfd; devices and FIFOs are never opened at all."""
    wanted = 'a regular file or directory' if allow_dir else 'a regular file'
    try:
        before = lstat_at(dfd, name)
    except OSError as err:
        if err.errno == errno.ENOENT:
            return None
        raise ConfinedError('cannot lstat %s: %s' % (where, err.strerror))
    if not (stat.S_ISREG(before.st_mode) or (allow_dir and stat.S_ISDIR(before.st_mode))):
        raise ConfinedError('refused %s: it is %s, not %s (symlinks are never followed here)'
                            % (where, _kind(before), wanted))
    try:
        fd = _open_at(dfd, name, READ_FLAGS)
    except OSError as err:
        if err.errno == errno.ENOENT:
            return None
        if err.errno == errno.ELOOP:
            raise _refusal(dfd, name, where, wanted)
        raise ConfinedError('cannot open %s: %s' % (where, err.strerror))
    st = os.fstat(fd)
    if (st.st_dev, st.st_ino) != (before.st_dev, before.st_ino) or not (
            stat.S_ISREG(st.st_mode) or (allow_dir and stat.S_ISDIR(st.st_mode))):
        os.close(fd)
        raise ConfinedError('refused %s: it was replaced while being opened' % where)
    return fd


def _open_root(root):
    try:
        fd = os.open(fs_bytes(root), os.O_RDONLY | os.O_DIRECTORY | O_CLOEXEC)
    except OSError as err:
        raise ConfinedError('cannot open the directory %s: %s' % (_text(root), err.strerror))
    return fd


def _check_device(fd, root_dev, where):
    if root_dev is not None and os.fstat(fd).st_dev != root_dev:
        raise ConfinedError('refused %s: it is on another filesystem than its root (a mount or a planted '
                            'device below the verified directory)' % where)


def _walk(root, parts, one_device, create_mode=None, created=None):
    """Descriptor of the directory root/parts..., walked without following symlinks.

    None when a component is missing (and create_mode is None); with create_mode, missing components
    are created (mkdir, then opened no-follow and re-checked) and their relpaths appended to created.
    """
    fd = _open_root(root)
    root_dev = os.fstat(fd).st_dev if one_device else None
    sep = _sep(parts[0]) if parts else '/'
    try:
        for i, name in enumerate(parts):
            where = show(root, sep.join(parts[:i + 1]))
            try:
                nfd = _open_at(fd, name, DIR_FLAGS)
            except OSError as err:
                if err.errno != errno.ENOENT:
                    if err.errno in (errno.ELOOP, errno.ENOTDIR):
                        raise _refusal(fd, name, where, 'a directory')
                    raise ConfinedError('cannot open %s: %s' % (where, err.strerror))
                if create_mode is None:
                    os.close(fd)
                    return None
                path, kw = _at(fd, name)
                made = True
                try:
                    os.mkdir(path, 0o700, **kw)
                except OSError as err:
                    if err.errno != errno.EEXIST:
                        raise ConfinedError('cannot create the directory %s: %s' % (where, err.strerror))
                    made = False  # another process created it meanwhile: check it like any existing one
                try:
                    nfd = _open_at(fd, name, DIR_FLAGS)
                except OSError:
                    raise _refusal(fd, name, where, 'a directory')
                if made:
                    os.fchmod(nfd, create_mode)
                    created.append(sep.join(parts[:i + 1]))
            os.close(fd)
            fd = nfd
            _check_device(fd, root_dev, where)
        return fd
    except BaseException:
        os.close(fd)
        raise


def open_dir(root, relpath, one_device=True):
    """Descriptor (the caller closes it) of the existing directory root/relpath, walked no-follow; None if missing."""
    return _walk(root, split(relpath), one_device)


def lstat_inside(root, relpath, one_device=False):
    """lstat of root/relpath with no symlink component followed; None when missing.

    The last component may itself be a symlink (its own lstat is returned); a symlink or a
    non-directory among the parents raises ConfinedError.
    """
    parts = split(relpath)
    dfd = _walk(root, parts[:-1], one_device)
    if dfd is None:
        return None
    try:
        return lstat_at(dfd, parts[-1])
    except OSError as err:
        if err.errno == errno.ENOENT:
            return None
        raise ConfinedError('cannot lstat %s: %s' % (show(root, relpath), err.strerror))
    finally:
        os.close(dfd)


def open_regular(root, relpath, max_bytes, missing_ok=False, one_device=True):
    """A binary file object of the REGULAR file root/relpath (no symlink followed, never blocks on a FIFO).

    ConfinedError when it is anything but a regular file of at most max_bytes, lies on another device
    than root (one_device), or is missing (unless missing_ok: then None).
    """
    parts = split(relpath)
    where = show(root, relpath)
    dfd = _walk(root, parts[:-1], one_device)
    if dfd is None:
        if missing_ok:
            return None
        raise ConfinedError('%s is missing' % where)
    try:
        fd = _open_leaf(dfd, parts[-1], where, allow_dir=False)
        if fd is None:
            if missing_ok:
                return None
            raise ConfinedError('%s is missing' % where)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise ConfinedError('refused %s: it is %s, not a regular file' % (where, _kind(st)))
            if one_device and st.st_dev != os.fstat(dfd).st_dev:
                raise ConfinedError('refused %s: it is on another filesystem than its directory' % where)
            if max_bytes is not None and st.st_size > max_bytes:
                raise ConfinedError('refused %s: %d bytes, more than the limit of %d' % (where, st.st_size, max_bytes))
            return os.fdopen(fd, 'rb')
        except BaseException:
            os.close(fd)
            raise
    finally:
        os.close(dfd)


def open_entry(root, relpath, one_device=False):
    """(parent dir fd, fd, fstat) of the regular file or directory root/relpath, reached without symlinks.

    For work on an existing entry through its descriptor (/proc/self/fd/<fd>): whatever is renamed
    or swapped afterwards, the descriptor stays on the file that was checked. The caller closes both.
    """
    parts = split(relpath)
    where = show(root, relpath)
    dfd = _walk(root, parts[:-1], one_device)
    if dfd is None:
        raise ConfinedError('%s is missing' % where)
    try:
        fd = _open_leaf(dfd, parts[-1], where, allow_dir=True)
        if fd is None:
            raise ConfinedError('%s is missing' % where)
        st = os.fstat(fd)
        return dfd, fd, st
    except BaseException:
        os.close(dfd)
        raise


def read_file(root, relpath, max_bytes, missing_ok=False, one_device=True):
    """The bytes of the regular file root/relpath (see open_regular); None if missing and missing_ok."""
    handle = open_regular(root, relpath, max_bytes, missing_ok, one_device)
    if handle is None:
        return None
    with handle:
        data = handle.read(max_bytes + 1) if max_bytes is not None else handle.read()
    if max_bytes is not None and len(data) > max_bytes:
        raise ConfinedError('refused %s: it grew beyond the limit of %d bytes while being read'
                            % (show(root, relpath), max_bytes))
    return data


def _temp_name(prefix):
    token = binascii.hexlify(os.urandom(8))
    if isinstance(prefix, bytes):
        return prefix + token
    return prefix + token.decode('ascii')


def create_temp(root, dir_relpath, prefix='.exalogic-tmp-', mode=0o600, one_device=True):
    """(fd, name) of a new file with an unpredictable name, created O_EXCL in root/dir_relpath.

    dir_relpath '' means root itself. The caller closes fd and removes or renames name.
    """
    parts = split(dir_relpath) if dir_relpath else []
    dfd = _walk(root, parts, one_device)
    if dfd is None:
        raise ConfinedError('%s is missing' % show(root, dir_relpath))
    try:
        for _attempt in range(100):
            name = _temp_name(prefix)
            try:
                return _open_at(dfd, name, CREATE_FLAGS, mode), name
            except OSError as err:
                if err.errno != errno.EEXIST:
                    raise ConfinedError('cannot create a file in %s: %s' % (show(root, dir_relpath), err.strerror),
                                        err.errno)
        raise ConfinedError('cannot create a unique file in %s' % show(root, dir_relpath))
    finally:
        os.close(dfd)


def _rename_at(dfd, src, dst):
    if _DIR_FD:
        os.rename(fs_bytes(src), fs_bytes(dst), src_dir_fd=dfd, dst_dir_fd=dfd)  # novermin
    else:
        os.rename(_at(dfd, src)[0], _at(dfd, dst)[0])


def unlink_at(dfd, name):
    """Remove name (a file or symlink, never followed) from the directory open as dfd."""
    path, kw = _at(dfd, name)
    os.unlink(path, **kw)


def pin_name(dfd, fd):
    """(private dir fd, name) naming the open file fd by a hard link in a fresh 0700 directory inside dfd.

    For a tool that takes a path and refuses /proc/self/fd links (setcap): run it with
    cwd=/proc/self/fd/<private dir fd> on name. Only root can change that directory, so a local user
    renaming files in dfd (their own directory) cannot make the tool act on another file.
    None where Python lacks linkat (2.7); undo with unpin_name. ConfinedError if it cannot be made.
    """
    if not _DIR_FD or os.link not in getattr(os, 'supports_follow_symlinks', ()):  # novermin
        return None
    private = _temp_name(b'.exalogic-pin-')
    parent = os.fstat(dfd)
    try:
        os.mkdir(private, 0o700, dir_fd=dfd)  # novermin
        pfd = _open_at(dfd, private, DIR_FLAGS)
    except OSError as err:
        raise ConfinedError('cannot make a private directory next to the file: %s' % err.strerror, err.errno)
    pinned = (pfd, private, (parent.st_atime_ns, parent.st_mtime_ns))
    try:
        st = os.fstat(pfd)
        if st.st_uid != os.geteuid() or stat.S_IMODE(st.st_mode) & 0o077:
            raise ConfinedError('the private directory made next to the file was replaced by another user\'s')
        os.link(b'/proc/self/fd/%d' % fd, b'f', dst_dir_fd=pfd, follow_symlinks=True)  # novermin
    except (OSError, ConfinedError) as err:
        unpin_name(dfd, pinned)
        if isinstance(err, ConfinedError):
            raise
        raise ConfinedError('cannot link the file into a private directory: %s' % err.strerror, err.errno)
    return pinned


def unpin_name(dfd, pinned):
    """Remove what pin_name made (the directory only if it is still the one made, never another user's)."""
    pfd, private, times = pinned
    try:
        try:
            unlink_at(pfd, b'f')
        except OSError:
            pass
        here, now = os.fstat(pfd), lstat_at(dfd, private)
        if (here.st_dev, here.st_ino) == (now.st_dev, now.st_ino):
            os.rmdir(private, dir_fd=dfd)  # novermin
            os.utime(dfd, ns=times)  # the restored directory keeps the backup's mtime  # novermin
    except OSError:
        pass  # renamed away by the directory's owner: an empty root-owned directory is left, nothing else
    finally:
        os.close(pfd)


def remove_file(root, relpath, missing_ok=True):
    """Remove the file or symlink root/relpath (never followed); parents walked no-follow."""
    parts = split(relpath)
    dfd = _walk(root, parts[:-1], False)
    if dfd is None:
        return
    try:
        unlink_at(dfd, parts[-1])
    except OSError as err:
        if not (missing_ok and err.errno == errno.ENOENT):
            raise ConfinedError('cannot remove %s: %s' % (show(root, relpath), err.strerror))
    finally:
        os.close(dfd)


def _write_all(fd, data):
    chunks = iter(lambda: data.read(1 << 20), b'') if hasattr(data, 'read') else [data]
    for chunk in chunks:
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view):]


def write_file(root, relpath, data, mode=0o600, uid=None, gid=None, one_device=True):
    """Write data (bytes, or a binary file object read to its end in 1 MiB chunks) to root/relpath
    atomically, never following a symlink.

    The parent directory must exist (make_dirs creates it); a temp file is created O_EXCL there,
    fchown/fchmod/fsync'ed on its descriptor and renamed over relpath (a symlink there is replaced,
    not followed).
    """
    parts = split(relpath)
    where = show(root, relpath)
    dfd = _walk(root, parts[:-1], one_device)
    if dfd is None:
        raise ConfinedError('cannot write %s: its directory is missing' % where)
    prefix = (b'.%s.tmp-' if isinstance(relpath, bytes) else '.%s.tmp-') % parts[-1][:40]
    tmp = None
    try:
        for _attempt in range(100):
            tmp = _temp_name(prefix)
            try:
                fd = _open_at(dfd, tmp, CREATE_FLAGS, 0o600)
                break
            except OSError as err:
                if err.errno != errno.EEXIST:
                    raise ConfinedError('cannot write %s: %s' % (where, err.strerror))
        else:
            raise ConfinedError('cannot create a temp file for %s' % where)
        try:
            if uid is not None or gid is not None:
                os.fchown(fd, -1 if uid is None else uid, -1 if gid is None else gid)
            os.fchmod(fd, mode)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            _rename_at(dfd, tmp, parts[-1])
        except OSError as err:
            raise ConfinedError('cannot write %s: %s' % (where, err.strerror))
        tmp = None
        try:
            os.fsync(dfd)
        except OSError:
            pass  # some filesystems refuse fsync on a directory; the rename is done
    finally:
        if tmp is not None:
            try:
                unlink_at(dfd, tmp)
            except OSError:
                pass
        os.close(dfd)


def make_dirs(root, relpath, mode=0o700, one_device=True):
    """Create the missing directories of root/relpath one by one; the list of relpaths created.

    Each component, existing or new, is opened no-follow and must be a real directory (on root's
    device with one_device). New directories get mode (umask does not apply); existing ones are kept.
    """
    created = []
    os.close(_walk(root, split(relpath), one_device, create_mode=mode, created=created))
    return created


def _readlink_inside(root, parents, name):
    dfd = _walk(root, parents, False)
    if dfd is None:
        raise ConfinedError('%s vanished while being resolved' % show(root, _sep(name).join(parents + [name])))
    try:
        path, kw = _at(dfd, name)
        return _like(name, os.readlink(path, **kw))
    finally:
        os.close(dfd)


def resolve(root, relpath, max_links=40):
    """relpath with every symlink of the tree resolved the way a chroot into root would resolve it.

    A relative link resolves against its directory, an absolute one against root (never the host's /).
    ConfinedError when the resolution would leave root ('..' above it), loops, or crosses a
    non-directory. Missing components are kept as they are (the result may not exist).
    """
    sep = _sep(relpath)
    dotdot = b'..' if sep == b'/' else '..'
    dot = b'.' if sep == b'/' else '.'
    pending = list(reversed(split(relpath)))
    done = []
    links = 0
    while pending:
        name = pending.pop()
        if name in (b'', '', dot):
            continue
        if name == dotdot:
            if not done:
                raise ConfinedError('refused %s: a symlink in it leads out of %s' % (show(root, relpath), _text(root)))
            done.pop()
            continue
        st = lstat_inside(root, sep.join(done + [name]), one_device=False)
        if st is None:
            done.append(name)
            done.extend(reversed(pending))
            return sep.join(done)
        if stat.S_ISLNK(st.st_mode):
            links += 1
            if links > max_links:
                raise ConfinedError('refused %s: too many levels of symlinks' % show(root, relpath))
            target = _readlink_inside(root, done, name)
            if target.startswith(sep):
                done = []
            pending.extend(reversed(target.split(sep)))
            continue
        if pending and not stat.S_ISDIR(st.st_mode):
            raise ConfinedError('refused %s: %s is %s, not a directory'
                                % (show(root, relpath), _text(sep.join(done + [name])), _kind(st)))
        done.append(name)
    if not done:
        raise ConfinedError('refused %s: it resolves to the root of %s itself' % (show(root, relpath), _text(root)))
    return sep.join(done)
