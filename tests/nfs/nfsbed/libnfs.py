"""ctypes bindings to Debian's libnfs13 (libnfs 4.0): the synchronous calls the FUSE client needs.

Every call returns 0 or a negative errno; `NfsContext` turns a negative result into OSError(errno)
so callers (the FUSE operations) can hand it to the kernel unchanged.
"""

import ctypes
import ctypes.util
import errno
import os

LIBRARY = 'libnfs.so.13'


class NfsStat64(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        'dev', 'ino', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'size', 'blksize', 'blocks',
        'atime', 'mtime', 'ctime', 'atime_nsec', 'mtime_nsec', 'ctime_nsec', 'used')]


class NfsStatvfs64(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        'bsize', 'frsize', 'blocks', 'bfree', 'bavail', 'files', 'ffree', 'favail', 'fsid', 'flag', 'namemax')]


class Timeval(ctypes.Structure):
    _fields_ = [('tv_sec', ctypes.c_long), ('tv_usec', ctypes.c_long)]


class NfsDirent(ctypes.Structure):
    pass


# Only the leading fields are declared: the entries are read through pointers, never allocated here.
NfsDirent._fields_ = [('next', ctypes.POINTER(NfsDirent)), ('name', ctypes.c_char_p), ('inode', ctypes.c_uint64)]

_ctx = ctypes.c_void_p
_str = ctypes.c_char_p
_int = ctypes.c_int
_u64 = ctypes.c_uint64
_pp = ctypes.POINTER(ctypes.c_void_p)

# name -> (restype, argtypes)
SIGNATURES = {
    'nfs_init_context': (_ctx, []),
    'nfs_destroy_context': (None, [_ctx]),
    'nfs_get_error': (_str, [_ctx]),
    'nfs_set_timeout': (None, [_ctx, _int]),
    'nfs_set_autoreconnect': (None, [_ctx, _int]),
    'nfs_mount': (_int, [_ctx, _str, _str]),
    'nfs_umount': (_int, [_ctx]),
    'nfs_lstat64': (_int, [_ctx, _str, ctypes.POINTER(NfsStat64)]),
    'nfs_statvfs64': (_int, [_ctx, _str, ctypes.POINTER(NfsStatvfs64)]),
    'nfs_opendir': (_int, [_ctx, _str, _pp]),
    'nfs_readdir': (ctypes.POINTER(NfsDirent), [_ctx, ctypes.c_void_p]),
    'nfs_closedir': (None, [_ctx, ctypes.c_void_p]),
    'nfs_readlink': (_int, [_ctx, _str, ctypes.c_char_p, _int]),
    'nfs_chmod': (_int, [_ctx, _str, _int]),
    'nfs_lchown': (_int, [_ctx, _str, _int, _int]),
    'nfs_lutimes': (_int, [_ctx, _str, ctypes.POINTER(Timeval)]),
    'nfs_mknod': (_int, [_ctx, _str, _int, _int]),
    'nfs_mkdir2': (_int, [_ctx, _str, _int]),
    'nfs_rmdir': (_int, [_ctx, _str]),
    'nfs_unlink': (_int, [_ctx, _str]),
    'nfs_rename': (_int, [_ctx, _str, _str]),
    'nfs_link': (_int, [_ctx, _str, _str]),
    'nfs_symlink': (_int, [_ctx, _str, _str]),
    'nfs_create': (_int, [_ctx, _str, _int, _int, _pp]),
    'nfs_open': (_int, [_ctx, _str, _int, _pp]),
    'nfs_pread': (_int, [_ctx, ctypes.c_void_p, _u64, _u64, ctypes.c_void_p]),
    'nfs_pwrite': (_int, [_ctx, ctypes.c_void_p, _u64, _u64, ctypes.c_void_p]),
    'nfs_truncate': (_int, [_ctx, _str, _u64]),
    'nfs_ftruncate': (_int, [_ctx, ctypes.c_void_p, _u64]),
    'nfs_fsync': (_int, [_ctx, ctypes.c_void_p]),
    'nfs_close': (_int, [_ctx, ctypes.c_void_p]),
}

_lib = None


def library():
    """The loaded libnfs with every used function's signature declared (loaded once)."""
    global _lib  # pylint: disable=global-statement
    if _lib is None:
        lib = ctypes.CDLL(ctypes.util.find_library('nfs') or LIBRARY, use_errno=True)
        for name, (restype, argtypes) in SIGNATURES.items():
            func = getattr(lib, name)
            func.restype = restype
            func.argtypes = argtypes
        _lib = lib
    return _lib


def encode(path):
    """File names are bytes on the wire: keep non-UTF-8 names intact."""
    return path.encode('utf-8', 'surrogateescape') if isinstance(path, str) else path


def split_timestamp(seconds, nanoseconds):
    """(seconds, nanoseconds) -> a Timeval (NFSv3 SETATTR through libnfs carries microseconds)."""
    return Timeval(int(seconds), int(nanoseconds) // 1000)


class NfsContext:
    """One mounted NFSv3 export; not thread-safe (the FUSE client runs single-threaded)."""

    def __init__(self, server, export, timeout_ms=None, reconnect=True):
        self.lib = library()
        self.ctx = self.lib.nfs_init_context()
        if not self.ctx:
            raise OSError(errno.ENOMEM, 'nfs_init_context failed')
        if timeout_ms is not None:
            self.lib.nfs_set_timeout(self.ctx, int(timeout_ms))
        # autoreconnect: -1 retries for ever (a "hard" mount), 0 never reconnects
        self.lib.nfs_set_autoreconnect(self.ctx, -1 if reconnect else 0)
        ret = self.lib.nfs_mount(self.ctx, encode(server), encode(export))
        if ret < 0:
            message = self.error()
            self.lib.nfs_destroy_context(self.ctx)
            self.ctx = None
            raise OSError(-ret, 'mount %s:%s failed: %s' % (server, export, message))

    def error(self):
        raw = self.lib.nfs_get_error(self.ctx)
        return raw.decode('utf-8', 'replace') if raw else ''

    def close(self):
        if self.ctx:
            self.lib.nfs_destroy_context(self.ctx)
            self.ctx = None

    def _check(self, ret, what, path=None):
        if ret < 0:
            raise OSError(-ret, '%s: %s' % (what, self.error()), path)
        return ret

    def call(self, name, *args):
        """Call nfs_<name>(ctx, *args) with str paths encoded; raise OSError on a negative result."""
        encoded = [encode(a) if isinstance(a, str) else a for a in args]
        return self._check(getattr(self.lib, 'nfs_' + name)(self.ctx, *encoded), name, args[0] if args else None)

    # ---- calls with out-parameters or buffers

    def lstat(self, path):
        st = NfsStat64()
        self.call('lstat64', path, ctypes.byref(st))
        return st

    def statvfs(self, path):
        st = NfsStatvfs64()
        self.call('statvfs64', path, ctypes.byref(st))
        return st

    def listdir(self, path):
        """Names in a directory, '.' and '..' included, as str (surrogateescape)."""
        handle = ctypes.c_void_p()
        self.call('opendir', path, ctypes.byref(handle))
        names = []
        try:
            while True:
                entry = self.lib.nfs_readdir(self.ctx, handle)
                if not entry:
                    break
                names.append(entry.contents.name.decode('utf-8', 'surrogateescape'))
        finally:
            self.lib.nfs_closedir(self.ctx, handle)
        return names

    def readlink(self, path):
        buf = ctypes.create_string_buffer(4097)
        self.call('readlink', path, buf, 4096)
        return buf.value.decode('utf-8', 'surrogateescape')

    def lutimes(self, path, atime, mtime):
        """atime/mtime as (seconds, nanoseconds) pairs; applies to a symlink itself, not its target."""
        times = (Timeval * 2)(split_timestamp(*atime), split_timestamp(*mtime))
        self.call('lutimes', path, times)

    def open(self, path, flags):
        handle = ctypes.c_void_p()
        self.call('open', path, flags & ~(os.O_CREAT | os.O_EXCL), ctypes.byref(handle))
        return handle

    def create(self, path, flags, mode):
        handle = ctypes.c_void_p()
        self.call('create', path, flags | os.O_CREAT, mode, ctypes.byref(handle))
        return handle

    def pread(self, handle, size, offset):
        buf = ctypes.create_string_buffer(size)
        count = self._check(self.lib.nfs_pread(self.ctx, handle, offset, size, buf), 'pread')
        return buf.raw[:count]

    def pwrite(self, handle, data, offset):
        return self._check(self.lib.nfs_pwrite(self.ctx, handle, offset, len(data), data), 'pwrite')
