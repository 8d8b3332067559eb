"""Snapshots: API semantics and the real data behind them (isolation, rollback, clone, .zfs)."""

import os

import pytest

P = '/pools/gold/projects/backups'
FS = P + '/filesystems/vs01'


def write(path, text):
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)


def read(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read()


@pytest.fixture
def backups(sim):
    """Project 'backups' (snapdir visible) with shares vs01 and vs02 holding one file each."""
    sim.project(mountpoint='/export/backups', snapdir='visible')
    for name in ('vs01', 'vs02'):
        sim.share(name)
        os.makedirs(os.path.join(sim.share_path(name), 'etc'))
        write(os.path.join(sim.share_path(name), 'etc', 'hosts'), 'v1 of %s\n' % name)
    return sim


def snap_path(sim, share, snap):
    return os.path.join(sim.share_path(share), '.zfs', 'snapshot', snap)


def test_share_snapshot_create_list_get(backups):
    sim = backups
    status, headers, body = sim.api('POST', '/api/storage/v1' + FS + '/snapshots', {'name': 'snap01'})
    assert status == 201
    assert headers['location'] == '/api/storage/v1' + FS + '/snapshots/snap01'
    snap = body['snapshot']
    assert (snap['name'], snap['project'], snap['share'], snap['numclones']) == ('snap01', 'backups', 'vs01', 0)
    assert snap['canonical_name'] == 'gold/local/backups/vs01@snap01'
    assert snap['creation'] == '20240101T00:00:00'
    assert sim.ok('GET', FS + '/snapshots/snap01')['snapshot'] == snap
    assert [s['name'] for s in sim.ok('GET', FS + '/snapshots')['snapshots']] == ['snap01']
    assert sim.ok('GET', P + '/snapshots')['snapshots'] == []
    assert [s['name'] for s in sim.ok('GET', '/snapshots')['snapshots']] == ['snap01']


def test_snapshot_is_isolated_from_later_changes(backups):
    sim = backups
    sim.ok('POST', FS + '/snapshots', {'name': 'before'})
    share = sim.share_path('vs01')
    write(os.path.join(share, 'etc', 'hosts'), 'v2\n')
    write(os.path.join(share, 'new'), 'new\n')
    frozen = snap_path(sim, 'vs01', 'before')
    assert read(os.path.join(frozen, 'etc', 'hosts')) == 'v1 of vs01\n'
    assert not os.path.exists(os.path.join(frozen, 'new'))
    assert not os.path.exists(os.path.join(frozen, '.zfs'))


def test_snapshot_cannot_be_changed_even_by_root(backups):
    sim = backups
    sim.ok('POST', FS + '/snapshots', {'name': 'ro'})
    frozen = snap_path(sim, 'vs01', 'ro')
    if os.geteuid() != 0:
        pytest.fail('the simulator suite runs as root (it sets ownership of share directories)')
    with pytest.raises(PermissionError):
        write(os.path.join(frozen, 'etc', 'hosts'), 'tampered\n')
    with pytest.raises(PermissionError):
        os.unlink(os.path.join(frozen, 'etc', 'hosts'))
    with pytest.raises(PermissionError):
        os.rmdir(os.path.join(sim.share_path('vs01'), '.zfs', 'snapshot'))


def test_project_snapshot_covers_every_share(backups):
    sim = backups
    status, headers, body = sim.api('POST', '/api/storage/v1' + P + '/snapshots', {'name': 'nightly'})
    assert status == 201
    assert headers['location'] == '/api/storage/v1' + P + '/snapshots/nightly'
    assert 'share' not in body['snapshot']
    for share in ('vs01', 'vs02'):
        assert read(os.path.join(snap_path(sim, share, 'nightly'), 'etc', 'hosts')) == 'v1 of %s\n' % share
        listed = sim.ok('GET', P + '/filesystems/%s/snapshots' % share)['snapshots']
        assert [s['name'] for s in listed] == ['nightly']
    # the per-share part belongs to the project snapshot
    status, parsed = sim.delete(FS + '/snapshots/nightly')
    assert (status, parsed['fault']['message']) == (403, 'ERR_DENIED')
    assert sim.delete(P + '/snapshots/nightly') == (204, None)
    assert not os.path.exists(snap_path(sim, 'vs01', 'nightly'))


def test_snapshot_name_conflicts(backups):
    sim = backups
    sim.ok('POST', FS + '/snapshots', {'name': 'a'})
    for path in (FS, P):
        status, parsed = sim.post(path + '/snapshots', {'name': 'a'})
        assert (status, parsed['fault']['message']) == (409, 'ERR_OBJECT_EXISTS')
    status, parsed = sim.post(FS + '/snapshots', {'name': 'b', 'label': 'x'})
    assert (status, parsed['fault']['message']) == (400, 'ERR_UNKNOWN_ARG')
    status, parsed = sim.post(FS + '/snapshots', {})
    assert (status, parsed['fault']['message']) == (400, 'ERR_MISSING_ARG')


def test_rename(backups):
    sim = backups
    sim.ok('POST', P + '/snapshots', {'name': 'initial-snapshot'})
    status, headers, body = sim.api('PUT', '/api/storage/v1' + P + '/snapshots/initial-snapshot', {'name': 'old-snapshot'})
    assert status == 202
    assert body['snapshot']['name'] == 'old-snapshot'
    assert headers['location'].endswith('/snapshots/old-snapshot')
    assert sim.get(P + '/snapshots/initial-snapshot')[0] == 404
    assert os.path.isdir(snap_path(sim, 'vs02', 'old-snapshot'))
    sim.ok('POST', FS + '/snapshots', {'name': 'mine'})
    sim.ok('PUT', FS + '/snapshots/mine', {'name': 'ours'})
    assert read(os.path.join(snap_path(sim, 'vs01', 'ours'), 'etc', 'hosts')) == 'v1 of vs01\n'


def test_rollback_restores_data_and_drops_newer_snapshots(backups):
    sim = backups
    share = sim.share_path('vs01')
    sim.ok('POST', FS + '/snapshots', {'name': 'one'})
    write(os.path.join(share, 'etc', 'hosts'), 'v2\n')
    write(os.path.join(share, 'added'), 'x')
    sim.ok('POST', FS + '/snapshots', {'name': 'two'})
    os.unlink(os.path.join(share, 'etc', 'hosts'))
    inode = os.stat(share).st_ino
    body = sim.ok('PUT', FS + '/snapshots/one/rollback')
    assert body['snapshot']['name'] == 'one'
    assert read(os.path.join(share, 'etc', 'hosts')) == 'v1 of vs01\n'
    assert not os.path.exists(os.path.join(share, 'added'))
    assert os.stat(share).st_ino == inode
    assert [s['name'] for s in sim.ok('GET', FS + '/snapshots')['snapshots']] == ['one']
    assert read(os.path.join(snap_path(sim, 'vs01', 'one'), 'etc', 'hosts')) == 'v1 of vs01\n'


def test_clone_dependents_and_delete_refusal(backups):
    sim = backups
    sim.project('restore', mountpoint='/export/restore')
    sim.ok('POST', FS + '/snapshots', {'name': 'snap01'})
    write(os.path.join(sim.share_path('vs01'), 'etc', 'hosts'), 'later\n')
    status, headers, body = sim.api('PUT', '/api/storage/v1' + FS + '/snapshots/snap01/clone',
                                    {'project': 'restore', 'share': 'vs01-clone', 'compression': 'gzip-9'})
    assert status == 201
    assert headers['location'] == '/api/storage/v1/pools/gold/projects/restore/filesystems/vs01-clone'
    clone = body['filesystem']
    assert (clone['compression'], clone['mountpoint']) == ('gzip-9', '/export/restore/vs01-clone')
    assert clone['origin'] == {'pool': 'gold', 'collection': 'local', 'project': 'backups', 'share': 'vs01', 'snapshot': 'snap01'}
    clone_dir = sim.share_path('vs01-clone', 'restore')
    assert read(os.path.join(clone_dir, 'etc', 'hosts')) == 'v1 of vs01\n'
    write(os.path.join(clone_dir, 'etc', 'hosts'), 'clone is writable\n')
    assert sim.ok('GET', FS + '/snapshots/snap01')['snapshot']['numclones'] == 1
    assert sim.ok('GET', FS + '/snapshots/snap01/dependents')['dependents'] == [
        {'project': 'restore', 'share': 'vs01-clone', 'href': '/api/storage/v1/pools/gold/projects/restore/filesystems/vs01-clone'}]
    status, parsed = sim.delete(FS + '/snapshots/snap01')
    assert (status, parsed['fault']['message'], parsed['fault']['code']) == (403, 'ERR_DENIED', 403)
    status, parsed = sim.delete(FS)
    assert status == 403
    sim.ok('DELETE', '/pools/gold/projects/restore/filesystems/vs01-clone')
    assert sim.ok('GET', FS + '/snapshots/snap01')['snapshot']['numclones'] == 0
    sim.ok('DELETE', FS + '/snapshots/snap01')


def test_clone_of_a_project_snapshot_part(backups):
    sim = backups
    sim.ok('POST', P + '/snapshots', {'name': 'nightly'})
    sim.ok('PUT', P + '/filesystems/vs02/snapshots/nightly/clone', {'project': 'backups', 'share': 'vs02-restore'}, expect=201)
    assert read(os.path.join(sim.share_path('vs02-restore'), 'etc', 'hosts')) == 'v1 of vs02\n'
    assert sim.ok('GET', P + '/snapshots/nightly')['snapshot']['numclones'] == 1
    assert sim.delete(P + '/snapshots/nightly')[0] == 403


def test_clone_errors(backups):
    sim = backups
    sim.ok('POST', FS + '/snapshots', {'name': 's'})
    status, parsed = sim.put(FS + '/snapshots/s/clone', {'project': 'backups'})
    assert (status, parsed['fault']['message']) == (400, 'ERR_MISSING_ARG')
    status, parsed = sim.put(FS + '/snapshots/s/clone', {'project': 'nope', 'share': 'x'})
    assert status == 404
    status, parsed = sim.put(FS + '/snapshots/s/clone', {'project': 'backups', 'share': 'vs02'})
    assert (status, parsed['fault']['message']) == (409, 'ERR_OBJECT_EXISTS')
    status, parsed = sim.put(FS + '/snapshots/s/clone', {'pool': 'silver', 'project': 'backups', 'share': 'y'})
    assert status == 400
    assert sim.put(FS + '/snapshots/missing/clone', {'project': 'backups', 'share': 'z'})[0] == 404


def test_snapdir_hidden_keeps_snapshots_out_of_the_share(backups):
    sim = backups
    sim.ok('POST', FS + '/snapshots', {'name': 's1'})
    share = sim.share_path('vs01')
    assert os.listdir(os.path.join(share, '.zfs', 'snapshot')) == ['s1']
    sim.ok('PUT', FS, {'snapdir': 'hidden'})
    assert not os.path.exists(os.path.join(share, '.zfs'))
    assert [s['snapshot_dir'] for s in sim.shares() if s['name'] == 'vs01'] == [None]
    sim.ok('PUT', FS, {'snapdir': 'visible'})
    assert read(os.path.join(share, '.zfs', 'snapshot', 's1', 'etc', 'hosts')) == 'v1 of vs01\n'


def test_delete_snapshot_removes_its_data(backups):
    sim = backups
    sim.ok('POST', FS + '/snapshots', {'name': 's1'})
    assert sim.delete(FS + '/snapshots/s1') == (204, None)
    assert not os.path.exists(snap_path(sim, 'vs01', 's1'))
    assert sim.delete(FS + '/snapshots/s1')[0] == 404


def test_hard_links_symlinks_and_owners_survive_snapshot_and_rollback(backups):
    sim = backups
    share = sim.share_path('vs01')
    write(os.path.join(share, 'a'), 'data')
    os.link(os.path.join(share, 'a'), os.path.join(share, 'b'))
    os.symlink('a', os.path.join(share, 'link'))
    os.chown(os.path.join(share, 'a'), 1234, 5678)
    os.chmod(os.path.join(share, 'a'), 0o640)
    sim.ok('POST', FS + '/snapshots', {'name': 's'})
    for name in ('a', 'b', 'link'):
        os.unlink(os.path.join(share, name))
    sim.ok('PUT', FS + '/snapshots/s/rollback')
    st_a, st_b = os.stat(os.path.join(share, 'a')), os.stat(os.path.join(share, 'b'))
    assert st_a.st_ino == st_b.st_ino
    assert (st_a.st_uid, st_a.st_gid, st_a.st_mode & 0o777) == (1234, 5678, 0o640)
    assert os.readlink(os.path.join(share, 'link')) == 'a'


def test_v2_snapshot_dates(backups):
    sim = backups
    sim.ok('POST', FS + '/snapshots', {'name': 's'})
    body = sim.call('GET', '/api/storage/v2' + FS + '/snapshots/s')[1]
    assert body['snapshot']['creation'] == '2024-01-01T00:00:00Z'
    assert body['snapshot']['href'] == '/api/storage/v2' + FS + '/snapshots/s'
