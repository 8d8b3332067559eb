"""End to end: the mission `make demo` runs (tests/demo/mission.py), with assertions at every step.

One test, because the steps build on each other in a fixed order (setup, backup, change, backup,
restore, rebuild, report); each assertion says what a user relies on after that step.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'nfs'))

from mission import HOSTS, Mission  # noqa: E402  pylint: disable=wrong-import-position
from nfsbed.leftovers import leftovers  # noqa: E402  pylint: disable=wrong-import-position

NAMES = ['vs%02d' % n for n in range(1, HOSTS + 1)]


def test_the_mission_step_by_step(tmp_path):
    with Mission(str(tmp_path)) as mission:
        shares = mission.appliance_setup()
        assert sorted(shares) == NAMES
        assert all(v == 'sec=sys,rw=@127.0.0.1/32,root=@127.0.0.1/32' for v in shares.values()), shares

        first, fences, _seconds = mission.backup()
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
    assert not leftovers(str(tmp_path))
