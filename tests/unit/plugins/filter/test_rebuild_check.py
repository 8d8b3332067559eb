# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rebuild_check: the verification report of a rebuilt system."""
from __future__ import annotations

from ansible_collections.exalogic.backup.plugins.filter.rebuild_check import rebuild_check

LAYOUT = {
    'fstab': {'entries': [
        {'file': '/', 'vfstype': 'xfs', 'mntops': 'defaults'},
        {'file': '/u01', 'vfstype': 'ext4', 'mntops': 'defaults'},
        {'file': '/scratch', 'vfstype': 'ext4', 'mntops': 'defaults,nofail'},
        {'file': '/mnt/iso', 'vfstype': 'iso9660', 'mntops': 'noauto,ro'},
        {'file': 'swap', 'vfstype': 'swap', 'mntops': 'defaults'},
        {'file': '/u01/common', 'vfstype': 'nfs', 'mntops': 'rw,hard'},
    ]},
    'filesystems': [{'mount_point': '/'}, {'mount_point': '/u01'}],
    'network': {'interfaces': [{'name': 'eth0', 'addresses': [{'address': '10.2.0.21', 'prefixlen': 24}]},
                               {'name': 'lo', 'addresses': [{'address': '127.0.0.1'}]}]},
}


def test_a_booted_system_is_checked_for_mounts_addresses_services_and_ports():
    report = rebuild_check(LAYOUT, expected_addresses=['10.2.0.21', '192.168.30.21'], booted=True,
                           services=['sshd', 'weblogic'],
                           service_states={'sshd.service': {'state': 'running'}, 'weblogic.service': {'state': 'stopped'}},
                           ports=[{'item': 22, 'failed': False}, {'item': {'port': 7001}, 'failed': True}])
    assert report['unmounted'] == ['/u01/common'] and report['unmounted_nofail'] == ['/scratch']
    assert report['addresses_missing'] == ['192.168.30.21']
    assert report['services_down'] == ['weblogic'] and report['ports_closed'] == ['127.0.0.1:7001']
    assert report['problems'] == ['fstab entries not mounted: /u01/common', 'addresses on no interface: 192.168.30.21',
                                  'services not running: weblogic', 'ports not open: 127.0.0.1:7001']
    assert report['summary'].startswith('NOT verified')


def test_everything_up_verifies():
    layout = dict(LAYOUT, filesystems=[{'mount_point': m} for m in ('/', '/u01', '/u01/common', '/scratch')])
    report = rebuild_check(layout, expected_addresses=['10.2.0.21'], booted=True)
    assert report['problems'] == [] and report['summary'] == (
        'verified: 3 fstab entries mounted, 1 addresses up, 0 services running, 0 ports open')


def test_a_system_not_booted_is_not_judged_on_what_only_a_boot_shows():
    report = rebuild_check(LAYOUT, expected_addresses=['192.168.30.21'], booted=False, services=['weblogic'])
    assert report['problems'] == [] and report['unmounted'] == [] and 'not booted' in report['summary']


def test_expected_addresses_are_the_old_hosts_own_through_the_map():
    old = {'network': {'interfaces': [
        {'name': 'eth0', 'addresses': [{'address': '10.1.0.11'}, {'address': 'fe80::1'}]},
        {'name': 'bond1', 'addresses': [{'address': '192.168.10.11'}]},
        {'name': 'lo', 'addresses': [{'address': '127.0.0.1'}, {'address': '::1'}]}]}}
    report = rebuild_check(LAYOUT, old_layout=old, address_map={'10.1.0.11': '10.2.0.21/24', '10.1.0.12': '10.2.0.22'},
                           booted=True)
    assert report['addresses_missing'] == ['192.168.10.11']  # 10.1.0.11 became 10.2.0.21, which eth0 holds
