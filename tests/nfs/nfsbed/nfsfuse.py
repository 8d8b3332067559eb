"""A small FUSE NFSv3 client: mounts host:/export on a directory through libnfs (ctypes) and fusepy.

    python -m nfsbed.nfsfuse HOST EXPORT MOUNTPOINT [-o ro,soft,timeo=20,retrans=2]

It runs in the foreground and returns when the mount point is unmounted (umount DIR). The mount
shows up as fstype `fuse.nfs`, source `HOST:EXPORT`, with the server's inode numbers (so hard links
stay hard links). Every request is served by one libnfs context as the calling process's user
(root), single-threaded. Options: `ro`, `soft` with `timeo` (tenths of a second, default 600) and
`retrans` (default 3); anything else mount(8) passes (vers=3, tcp, hard, nolock, ...) is accepted
and ignored. Test-bed code, not a general NFS client.
"""

import codecs
import errno
import os
import stat
import sys
import time

from fuse import FUSE, FuseOSError, Operations  # pylint: disable=import-error

from nfsbed.libnfs import NfsContext

# fusepy decodes paths with one codec name; this one keeps non-UTF-8 names as surrogates.
PATH_CODEC = 'nfsbed-utf-8-surrogateescape'
UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2
NS = 10 ** 9


def _find_codec(name):
    if name != PATH_CODEC.replace('-', '_') and name != PATH_CODEC:
        return None
    utf8 = codecs.lookup('utf-8')
    return codecs.CodecInfo(name=PATH_CODEC,
                            encode=lambda text, errors='surrogateescape': utf8.encode(text, 'surrogateescape'),
                            decode=lambda data, errors='surrogateescape': utf8.decode(data, 'surrogateescape'))


codecs.register(_find_codec)


def parse_options(opts):
    """mount -o string -> {'ro': bool, 'timeout_ms': int|None, 'reconnect': bool}.

    A hard mount (the default) waits and reconnects for ever, like the kernel's; a soft mount gives
    up after timeo/10 s and `retrans` more tries, failing the call with an error (EIO/ETIMEDOUT).
    """
    values = {}
    for item in (opts or '').split(','):
        if item:
            key, _sep, value = item.partition('=')
            values[key.strip()] = value.strip()
    if 'vers' in values and values['vers'] not in ('3', '3.0'):
        raise ValueError('only NFS version 3 is supported, not vers=%s' % values['vers'])
    soft = 'soft' in values and 'hard' not in values
    timeo = int(values.get('timeo') or 600)
    retrans = int(values.get('retrans') or 3)
    return {
        'ro': 'ro' in values and 'rw' not in values,
        'timeout_ms': timeo * 100 * (retrans + 1) if soft else None,
        'reconnect': not soft,
    }


def stat_dict(st):
    """libnfs nfs_stat_64 -> the st_* dict fusepy fills into struct stat (times in ns)."""
    return {
        'st_ino': st.ino, 'st_mode': st.mode, 'st_nlink': st.nlink, 'st_uid': st.uid, 'st_gid': st.gid,
        'st_rdev': st.rdev, 'st_size': st.size, 'st_blksize': st.blksize, 'st_blocks': st.blocks,
        'st_atime': st.atime * NS + st.atime_nsec, 'st_mtime': st.mtime * NS + st.mtime_nsec,
        'st_ctime': st.ctime * NS + st.ctime_nsec,
    }


def resolve_times(times, current, now_ns):
    """FUSE utimens (atime_ns, mtime_ns) with UTIME_NOW / UTIME_OMIT -> two (sec, nsec) pairs.

    times None means both "now"; OMIT keeps the current value (`current` = (atime_ns, mtime_ns)).
    """
    if times is None:
        times = (UTIME_NOW, UTIME_NOW)
    result = []
    for value, old in zip(times, current):
        if value == UTIME_NOW:
            value = now_ns
        elif value == UTIME_OMIT:
            value = old
        result.append(divmod(int(value), NS))
    return result


class NfsOperations(Operations):
    """Path-based FUSE operations mapped one to one onto libnfs calls."""

    use_ns = True

    def __init__(self, nfs):
        self.nfs = nfs
        self.handles = {}
        self.next_handle = 1

    def __call__(self, op, *args):
        try:
            return getattr(self, op)(*args)
        except OSError as err:
            raise FuseOSError(err.errno or errno.EIO) from err

    # ---- metadata

    def getattr(self, path, fh=None):
        return stat_dict(self.nfs.lstat(path))

    def readdir(self, path, fh):
        return self.nfs.listdir(path)

    def readlink(self, path):
        return self.nfs.readlink(path)

    def statfs(self, path):
        st = self.nfs.statvfs(path)
        return {'f_bsize': st.bsize, 'f_frsize': st.frsize, 'f_blocks': st.blocks, 'f_bfree': st.bfree,
                'f_bavail': st.bavail, 'f_files': st.files, 'f_ffree': st.ffree, 'f_favail': st.favail,
                'f_namemax': st.namemax}

    # ---- attributes

    def chmod(self, path, mode):
        self.nfs.call('chmod', path, stat.S_IMODE(mode))

    def chown(self, path, uid, gid):
        # -1 means "leave as is"; NFSv3 SETATTR needs both, so fill in the current value
        if uid == -1 or gid == -1:
            st = self.nfs.lstat(path)
            uid = st.uid if uid == -1 else uid
            gid = st.gid if gid == -1 else gid
        self.nfs.call('lchown', path, uid, gid)

    def utimens(self, path, times=None):
        current = (0, 0)
        if times is None or UTIME_OMIT in times:
            attrs = stat_dict(self.nfs.lstat(path))
            current = (attrs['st_atime'], attrs['st_mtime'])
        atime, mtime = resolve_times(times, current, time.time_ns())
        self.nfs.lutimes(path, atime, mtime)

    # ---- namespace

    def mknod(self, path, mode, dev):
        self.nfs.call('mknod', path, mode, dev)

    def mkdir(self, path, mode):
        self.nfs.call('mkdir2', path, stat.S_IMODE(mode))

    def rmdir(self, path):
        self.nfs.call('rmdir', path)

    def unlink(self, path):
        self.nfs.call('unlink', path)

    def rename(self, old, new):
        self.nfs.call('rename', old, new)

    def link(self, target, source):
        """fusepy order: the new name first, the existing file second."""
        self.nfs.call('link', source, target)

    def symlink(self, target, source):
        """fusepy order: the link's path first, its content second."""
        self.nfs.call('symlink', source, target)

    # ---- data

    def _remember(self, handle):
        number = self.next_handle
        self.next_handle += 1
        self.handles[number] = handle
        return number

    def create(self, path, mode, fi=None):
        return self._remember(self.nfs.create(path, os.O_RDWR, stat.S_IMODE(mode)))

    def open(self, path, flags):
        return self._remember(self.nfs.open(path, flags))

    def read(self, path, size, offset, fh):
        return self.nfs.pread(self.handles[fh], size, offset)

    def write(self, path, data, offset, fh):
        return self.nfs.pwrite(self.handles[fh], data, offset)

    def truncate(self, path, length, fh=None):
        if fh is not None and fh in self.handles:
            self.nfs.call('ftruncate', self.handles[fh], length)
        else:
            self.nfs.call('truncate', path, length)

    def fsync(self, path, datasync, fh):
        self.nfs.call('fsync', self.handles[fh])

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        handle = self.handles.pop(fh, None)
        if handle is not None:
            self.nfs.call('close', handle)

    def destroy(self, path):
        self.nfs.close()


def mount(host, export, mountpoint, opts=''):
    """Mount and serve until unmounted. Raises OSError when the server refuses the mount."""
    settings = parse_options(opts)
    nfs = NfsContext(host, export, timeout_ms=settings['timeout_ms'], reconnect=settings['reconnect'])
    FUSE(NfsOperations(nfs), mountpoint, encoding=PATH_CODEC, foreground=True, nothreads=True,
         use_ino=True, fsname='%s:%s' % (host, export), subtype='nfs', allow_other=True,
         default_permissions=True, hard_remove=True, big_writes=True, max_write=131072,
         ro=settings['ro'])


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    opts = ''
    if '-o' in args:
        index = args.index('-o')
        opts = args[index + 1]
        del args[index:index + 2]
    if len(args) != 3:
        sys.stderr.write('usage: nfsfuse HOST EXPORT MOUNTPOINT [-o OPTIONS]\n')
        return 2
    try:
        mount(args[0], args[1], args[2], opts)
    except OSError as err:
        sys.stderr.write('nfsfuse: %s\n' % (err.strerror or err))
        return 32
    except (ValueError, RuntimeError) as err:
        sys.stderr.write('nfsfuse: %s\n' % err)
        return 32
    return 0


if __name__ == '__main__':
    sys.exit(main())
