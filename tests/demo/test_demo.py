"""End to end: the mission `make demo` runs (tests/demo/mission.py), with assertions at every step.

One test, because the steps build on each other in a fixed order (setup with replication to the DR
appliance, backup with a replication update, change, backup, restore, restore from the DR appliance's
copy, rebuild, report); each assertion says what a user relies on after that step. A second mission
then starts where the first one ran: `make demo` twice in a row works.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mission import CHANGED, DR_MOUNTPOINT, DR_PROJECT, HOSTS, Mission  # noqa: E402  pylint: disable=wrong-import-position

NAMES = ['vs%02d' % n for n in range(1, HOSTS + 1)]


def test_the_mission_step_by_step(tmp_path):
    with Mission(str(tmp_path)) as mission:
        shares = mission.appliance_setup()
        assert sorted(shares) == NAMES
        assert all(v == 'sec=sys,rw=@127.0.0.1/32,root=@127.0.0.1/32' for v in shares.values()), shares

        first, fences, _seconds = mission.backup(replicate=True)
        actions = mission.replication_actions()
        assert [(a['project'], a['target_pool'], a['last_result']) for a in actions] == [('backups', 'dr', 'success')]
        for host in NAMES:
            assert first[host].get('status', 'complete') == 'complete', first[host]
            assert first[host]['files_transferred'] > 0, first[host]
            assert len(fences[host]) == 1 and re.match(r'^%s-\d{8}T\d{6}Z$' % host, fences[host][0]), fences
            mirror = os.path.join(mission.fleet.share_path(host), host, 'root')
            assert os.path.islink(os.path.join(mirror, 'bin')) and os.readlink(os.path.join(mirror, 'bin')) == 'usr/bin'
            assert 'UUID=' in open(os.path.join(mirror, 'etc', 'fstab'), encoding='utf-8').read()
            assert os.lstat(os.path.join(mirror, 'home', 'oracle')).st_uid == 54321 + int(host[2:])

        before, after = mission.change()
        second, fences, _seconds = mission.backup()
        assert second['vs01']['files_transferred'] < first['vs01']['files_transferred'], (first['vs01'], second['vs01'])
        assert all(len(fences[h]) == 2 for h in NAMES), fences

        restored, snapshot_copy = mission.restore_from_first_fence()
        assert restored == snapshot_copy == before != after

        replica = mission.restore_from_replica()
        # the DR copy is the first backup's state (the second backup sent no update): the first fence's text,
        # not the primary's live mirror (which holds the change)
        assert replica['restored'] == replica['first_fence'] == before
        primary_live = os.path.join(mission.fleet.share_path('vs01'), 'vs01', 'root', CHANGED)
        assert open(primary_live, encoding='utf-8').read() == after
        assert replica['clone']['changed'] and replica['clone']['project']['name'] == DR_PROJECT
        assert replica['export'] == DR_MOUNTPOINT + '/vs01'
        assert 'restored 1 entries' in replica['summary'], replica['summary']
        # the export the restore mounted is the clone's directory on the DR simulator
        served = dict((e['pseudo'], e['path']) for e in mission.fleet.server.exports)
        assert served[replica['export']] == mission.dr_share_path('vs01')
        assert served[replica['export']].startswith(mission.dr_dir + os.sep)
        clones = [r for r in mission.dr.requests() if r.get('method') == 'PUT' and r.get('path', '').endswith('/clone')]
        assert len(clones) == 1, clones

        rebuilt = mission.rebuild()
        files = rebuilt['files']
        hosts_text = files['etc/hosts']['text']
        assert '192.168.10.113 vs03.example.com vs03' in hosts_text and '192.168.10.13 ' not in hosts_text
        fstab = files['etc/fstab']['text']
        assert 'UUID=%s / ext4' % rebuilt['new_uuids']['root'] in fstab and 'UUID=%s swap' % rebuilt['new_uuids']['swap'] in fstab
        assert 'tmpfs /dev/shm tmpfs defaults 0 0' in fstab  # lines the rebuild does not touch stay as they were
        eth0 = files['etc/sysconfig/network-scripts/ifcfg-eth0']['text']
        assert 'IPADDR=192.168.10.113' in eth0 and 'HWADDR=00:16:3E:01:03:00' in eth0
        assert all(f['diff'] for f in files.values()), files
        assert 'not booted' in rebuilt['summary']
        mirror_config = os.path.join(mission.fleet.share_path('vs03'), 'vs03', 'root', 'u01')
        assert sorted(os.listdir(os.path.join(rebuilt['root'], 'u01'))) == sorted(os.listdir(mirror_config))

        rows, _table, html = mission.report()
        listed = rows['rows']
        assert sorted(r['host'] for r in listed) == NAMES, rows
        assert os.path.getsize(html) > 0
        assert any('ganesha.nfsd' in cmd for _pid, cmd in mission.left_behind()['processes'])  # the check sees this bed
    assert mission.started and not mission.left_behind()

    # `make demo` twice in a row: a second mission starts on the same addresses and ports and sets up again
    with Mission(str(tmp_path / 'again')) as again:
        assert sorted(again.appliance_setup()) == NAMES
    assert not again.left_behind()
