# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The confined-path layer refuses what an untrusted share or a local user can plant.

Plain functions of one temp directory, no pytest-only helpers, so compat_confined.py can run them
on the target Pythons (2.7, 3.6) too.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import contextlib
import os
import stat

from ansible_collections.exalogic.backup.plugins.module_utils._backup import confined


@contextlib.contextmanager
def refused(*words):
    try:
        yield
    except confined.ConfinedError as err:
        for word in words:
            assert word in str(err), (word, str(err))
    else:
        raise AssertionError('not refused')


def setup(tmp):
    """root/ with meta/, a victim file outside, returns (root, victim)."""
    tmp = str(tmp)
    root = os.path.join(tmp, 'share')
    os.makedirs(os.path.join(root, 'vs1', 'meta'))
    victim = os.path.join(tmp, 'victim')
    with open(victim, 'w') as handle:
        handle.write('root:HASH:\n')
    return root, victim


def content(path):
    with open(path, 'rb') as handle:
        return handle.read()


def test_relpath_must_be_relative_without_dotdot_empty_or_nul(tmp_path):
    root, _victim = setup(tmp_path)
    for bad, word in (('/etc/shadow', 'absolute'), ('vs1/../../victim', "'..'"), ('..', "'..'"),
                      ('vs1//meta', 'empty'), ('vs1/./meta', "'.'"), ('', 'empty'), ('vs1/\0x', 'NUL'),
                      (b'vs1/../x', "'..'"), (b'/x', 'absolute')):
        for call in (lambda: confined.read_file(root, bad, 100),
                     lambda: confined.write_file(root, bad, b'x'),
                     lambda: confined.make_dirs(root, bad),
                     lambda: confined.lstat_inside(root, bad),
                     lambda: confined.resolve(root, bad)):
            with refused(word):
                call()
    assert sorted(os.listdir(os.path.dirname(root))) == ['share', 'victim']


def test_read_file_reads_regular_files_and_reports_missing(tmp_path):
    root, _victim = setup(tmp_path)
    with open(os.path.join(root, 'vs1', 'meta', 'run.json'), 'w') as handle:
        handle.write('{}')
    assert confined.read_file(root, 'vs1/meta/run.json', 100) == b'{}'
    assert confined.read_file(root, 'vs1/meta/none.json', 100, missing_ok=True) is None
    assert confined.read_file(root, 'nodir/none.json', 100, missing_ok=True) is None
    with refused('missing'):
        confined.read_file(root, 'vs1/meta/none.json', 100)


def test_symlinked_component_is_never_followed(tmp_path):
    root, victim = setup(tmp_path)
    outside = os.path.dirname(victim)
    os.symlink(outside, os.path.join(root, 'vs1', 'root'))
    with refused('symlink', 'vs1/root'):
        confined.read_file(root, 'vs1/root/victim', 100)
    with refused('symlink'):
        confined.write_file(root, 'vs1/root/victim', b'JSON')
    with refused('symlink'):
        confined.make_dirs(root, 'vs1/root/etc')
    with refused('symlink'):
        confined.lstat_inside(root, 'vs1/root/victim')
    assert content(victim) == b'root:HASH:\n'
    assert not os.path.exists(os.path.join(outside, 'etc'))


def test_symlinked_leaf_is_refused_for_reading_and_replaced_not_followed_for_writing(tmp_path):
    root, victim = setup(tmp_path)
    leaf = os.path.join(root, 'vs1', 'meta', 'layout.json')
    os.symlink(victim, leaf)
    with refused('symlink'):
        confined.read_file(root, 'vs1/meta/layout.json', 100)
    assert stat.S_ISLNK(confined.lstat_inside(root, 'vs1/meta/layout.json').st_mode)
    confined.write_file(root, 'vs1/meta/layout.json', b'{"a": 1}')
    assert content(victim) == b'root:HASH:\n'
    assert not os.path.islink(leaf) and content(leaf) == b'{"a": 1}'
    assert sorted(os.listdir(os.path.dirname(leaf))) == ['layout.json']


def test_fifo_is_refused_without_blocking(tmp_path):
    root, _victim = setup(tmp_path)
    os.mkfifo(os.path.join(root, 'vs1', 'meta', 'manifest.json'))
    with refused('FIFO', 'not a regular file'):
        confined.read_file(root, 'vs1/meta/manifest.json', 1 << 20)


def test_dev_zero_is_refused_as_a_device_and_through_a_symlink(tmp_path):
    root, _victim = setup(tmp_path)
    os.symlink('/dev/zero', os.path.join(root, 'vs1', 'meta', 'acls.txt'))
    with refused('symlink'):
        confined.read_file(root, 'vs1/meta/acls.txt', 1 << 20)
    with refused('device node'):
        confined.read_file('/dev', 'zero', 1 << 20)


def test_oversize_file_is_refused(tmp_path):
    root, _victim = setup(tmp_path)
    with open(os.path.join(root, 'vs1', 'meta', 'manifest.json'), 'wb') as handle:
        handle.write(b'x' * 101)
    with refused('101 bytes', 'limit of 100'):
        confined.read_file(root, 'vs1/meta/manifest.json', 100)
    assert len(confined.read_file(root, 'vs1/meta/manifest.json', 101)) == 101


def test_other_device_below_root_is_refused_unless_allowed():
    with refused('another filesystem'):
        confined.read_file('/', 'proc/version', 1 << 16)
    with refused('another filesystem'):
        confined.make_dirs('/', 'proc/exalogic-never')
    assert confined.read_file('/', 'proc/version', 1 << 16, one_device=False).startswith(b'Linux')


def test_write_file_is_atomic_with_mode_and_owner(tmp_path):
    root, _victim = setup(tmp_path)
    confined.write_file(root, 'vs1/meta/run.json', b'one')
    confined.write_file(root, 'vs1/meta/run.json', b'two', mode=0o640, uid=os.getuid(), gid=12345 if
                        os.getuid() == 0 else None)
    path = os.path.join(root, 'vs1', 'meta', 'run.json')
    st = os.lstat(path)
    assert content(path) == b'two' and stat.S_IMODE(st.st_mode) == 0o640
    if os.getuid() == 0:
        assert st.st_gid == 12345
    assert os.listdir(os.path.dirname(path)) == ['run.json']
    with refused('directory is missing'):
        confined.write_file(root, 'vs2/meta/run.json', b'x')
    os.mkdir(os.path.join(root, 'vs1', 'meta', 'adir'))
    with refused('adir'):
        confined.write_file(root, 'vs1/meta/adir', b'x')
    assert sorted(os.listdir(os.path.dirname(path))) == ['adir', 'run.json']


def test_write_file_accepts_bytes_names(tmp_path):
    root, _victim = setup(tmp_path)
    confined.write_file(root.encode('utf-8'), b'vs1/meta/x\xff', b'data')
    assert content(os.path.join(root.encode('utf-8'), b'vs1/meta/x\xff')) == b'data'
    assert confined.read_file(root, b'vs1/meta/x\xff', 10) == b'data'


def test_non_ascii_text_names_work_under_any_locale(tmp_path):
    """Python 3.6 with LANG=C encodes str paths as ASCII; the layer hands the kernel UTF-8 bytes itself.

    (compat_confined.py runs this file under LC_ALL=C on Python 2.7 and 3.6.)
    """
    root, _victim = setup(tmp_path)
    name = u'vs1/meta/caf\u00e9-\u65e5\u672c.txt'
    confined.write_file(root, name, b'data')
    assert confined.read_file(root, name, 10) == b'data'
    assert confined.lstat_inside(root, name) is not None
    assert os.path.exists(os.path.join(root, 'vs1', 'meta').encode('utf-8') + b'/caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac.txt')


def test_write_file_streams_a_file_object(tmp_path):
    """The rsync log of a big first backup is copied in chunks, never read into memory whole."""
    root, _victim = setup(tmp_path)
    source = os.path.join(str(tmp_path), 'log')
    with open(source, 'wb') as handle:
        handle.write(b'>f+++++++++ etc/hosts\n' * 200000)  # 4.4 MB: several 1 MiB chunks
    with open(source, 'rb') as handle:
        confined.write_file(root, 'vs1/meta/rsync.log', handle)
    assert content(os.path.join(root, 'vs1', 'meta', 'rsync.log')) == content(source)


def test_make_dirs_creates_real_directories_with_the_mode(tmp_path):
    root, _victim = setup(tmp_path)
    old = os.umask(0o022)
    try:
        assert confined.make_dirs(root, 'vs2/root', mode=0o700) == ['vs2', 'vs2/root']
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.lstat(os.path.join(root, 'vs2')).st_mode) == 0o700
    assert confined.make_dirs(root, 'vs2/root') == []
    with open(os.path.join(root, 'vs2', 'afile'), 'w'):
        pass
    with refused('regular file', 'not a directory'):
        confined.make_dirs(root, 'vs2/afile/x')


def test_create_temp_uses_unpredictable_exclusive_names(tmp_path):
    root, _victim = setup(tmp_path)
    fd1, name1 = confined.create_temp(root, '', prefix='.exalogic-probe-')
    fd2, name2 = confined.create_temp(root, '', prefix='.exalogic-probe-')
    os.close(fd1)
    os.close(fd2)
    assert name1 != name2 and name1.startswith('.exalogic-probe-') and len(name1) >= len('.exalogic-probe-') + 16
    assert stat.S_ISREG(os.lstat(os.path.join(root, name1)).st_mode)


def test_resolve_uses_chroot_semantics(tmp_path):
    root, victim = setup(tmp_path)
    tree = os.path.join(root, 'vs1', 'root')
    os.makedirs(os.path.join(tree, 'usr', 'bin'))
    os.makedirs(os.path.join(tree, 'data', 'app'))
    os.symlink('usr/bin', os.path.join(tree, 'bin'))
    os.makedirs(os.path.join(tree, 'opt'))
    os.symlink('/data/app', os.path.join(tree, 'opt', 'app'))
    os.symlink('../../../..' + os.path.dirname(victim), os.path.join(tree, 'opt', 'out'))
    os.symlink(os.path.dirname(victim), os.path.join(tree, 'lnk'))
    os.symlink('loop', os.path.join(tree, 'loop'))
    assert confined.resolve(tree, 'bin/foo') == 'usr/bin/foo'
    assert confined.resolve(tree, 'bin') == 'usr/bin'
    assert confined.resolve(tree, 'opt/app/conf/x.ini') == 'data/app/conf/x.ini'
    # an absolute link resolves inside the tree, never on the host
    assert confined.resolve(tree, 'lnk/victim') == os.path.dirname(victim).lstrip('/') + '/victim'
    with refused('leads out'):
        confined.resolve(tree, 'opt/out/victim')
    with refused('too many levels'):
        confined.resolve(tree, 'loop/x')
    assert confined.resolve(tree.encode('utf-8'), b'bin/f\xff') == b'usr/bin/f\xff'


def test_pin_name_gives_a_root_only_name_to_the_open_file_and_leaves_no_trace(tmp_path):
    root, _victim = setup(tmp_path)
    bindir = os.path.join(root, 'vs1', 'bin')
    os.makedirs(bindir)
    with open(os.path.join(bindir, 'tool'), 'w') as handle:
        handle.write('tool')
    os.utime(bindir, (1600000000, 1600000000))
    dfd, fd, st = confined.open_entry(root, 'vs1/bin/tool')
    try:
        pinned = confined.pin_name(dfd, fd)
        if pinned is None:  # Python 2.7: no linkat; the capability code checks the name afterwards instead
            return
        private = os.path.join(bindir, pinned[1].decode('ascii'))
        assert stat.S_IMODE(os.lstat(private).st_mode) == 0o700
        here = os.lstat(os.path.join(private, 'f'))
        assert (here.st_dev, here.st_ino) == (st.st_dev, st.st_ino)
        os.rename(os.path.join(bindir, 'tool'), os.path.join(bindir, 'moved'))  # the private name still holds
        assert os.lstat(os.path.join(private, 'f')).st_ino == st.st_ino
        confined.unpin_name(dfd, pinned)
    finally:
        os.close(fd)
        os.close(dfd)
    assert os.listdir(bindir) == ['moved'] and os.stat(bindir).st_mtime == 1600000000
