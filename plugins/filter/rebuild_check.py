# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r'''
name: rebuild_check
short_description: The verification of a rebuilt system - mounts, addresses, services, ports
version_added: 0.3.0
description:
  - Reads the M(exalogic.backup.layout_info) result of a rebuilt system and says what does not match - an fstab
    entry that is not mounted, an expected address that no interface holds, a service that is not running, a port
    that did not open.
  - On a system that was not booted after the restore (a rebuild into a directory, or O(booted=false)) only the
    files can be checked; the result says so and lists no problems.
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  _input:
    description: The layout of the rebuilt system (C(fstab), C(filesystems), C(network)).
    type: dict
    required: true
  expected_addresses:
    description:
      - Addresses an interface must hold. Default - the addresses the old host had on its interfaces (O(old_layout)),
        each through O(address_map); loopback and link-local addresses are left out.
    type: list
    elements: str
  old_layout:
    description: The layout the backup recorded, for the default of O(expected_addresses).
    type: dict
  address_map:
    description: Old address to new address (a new address may carry C(/prefix)).
    type: dict
  booted:
    description: Whether the rebuilt system is the one running now.
    type: bool
    default: false
  services:
    description: Services that must be running.
    type: list
    elements: str
    default: []
  service_states:
    description: M(ansible.builtin.service_facts) C(ansible_facts.services).
    type: dict
    default: {}
  ports:
    description: The C(results) of a M(ansible.builtin.wait_for) loop over the ports to check.
    type: list
    elements: dict
    default: []
'''

EXAMPLES = r'''
- name: Report
  ansible.builtin.set_fact:
    report: "{{ after.layout | exalogic.backup.rebuild_check(expected_addresses=['10.2.0.21'], booted=true) }}"
'''

RETURN = r'''
_value:
  description:
    - C(booted), C(unmounted) (fstab mount points that are not mounted; C(nofail) ones are in C(unmounted_nofail)),
      C(addresses_missing), C(services_down), C(ports_closed), C(problems) (sentences; empty when everything
      verifies) and C(summary) (one line).
  type: dict
  sample: {booted: true, unmounted: [], unmounted_nofail: [/scratch], addresses_missing: [], services_down: [],
           ports_closed: [], problems: [], summary: 'verified: 6 fstab entries mounted, 2 addresses up'}
'''

SKIPPED_TYPES = ('swap', 'none', 'ignore')


def fstab_mounts(layout):
    """(must be mounted, may be missing) mount points of the fstab entries mounted at boot."""
    required, optional = [], []
    for entry in (layout.get('fstab') or {}).get('entries') or []:
        options = (entry.get('mntops') or entry.get('options') or '').split(',')
        if entry.get('vfstype') in SKIPPED_TYPES or 'noauto' in options or not (entry.get('file') or '').startswith('/'):
            continue
        (optional if 'nofail' in options else required).append(entry['file'])
    return required, optional


def held_addresses(layout):
    interfaces = (layout.get('network') or {}).get('interfaces') or {}
    if isinstance(interfaces, dict):
        interfaces = interfaces.values()
    return set(a.get('address') for i in interfaces for a in (i.get('addresses') or []) if isinstance(a, dict))


def expected_from(old_layout, address_map):
    """The old host's own addresses as they are on the new host (through the address map)."""
    mapping = dict((old.split('%')[0], new.split('/')[0]) for old, new in (address_map or {}).items())
    wanted = []
    for address in sorted(held_addresses(old_layout or {})):
        if not address or address.startswith(('127.', 'fe80:')) or address == '::1':
            continue
        new = mapping.get(address, address)
        if new not in wanted:
            wanted.append(new)
    return wanted


def rebuild_check(layout, expected_addresses=None, old_layout=None, address_map=None, booted=False, services=(),
                  service_states=None, ports=()):
    layout = layout or {}
    if expected_addresses is None:
        expected_addresses = expected_from(old_layout, address_map)
    required, optional = fstab_mounts(layout)
    report = dict(booted=booted, unmounted=[], unmounted_nofail=[], addresses_missing=[], services_down=[],
                  ports_closed=[], problems=[])
    if not booted:
        report['summary'] = ('files remapped; not booted, so mounts, addresses, services and ports are not checked: '
                             'boot the rebuilt system and run the verification (%d fstab entries to mount)' % len(required))
        return report
    mounted = set(fs.get('mount_point') for fs in layout.get('filesystems') or [])
    report['unmounted'] = [m for m in required if m not in mounted]
    report['unmounted_nofail'] = [m for m in optional if m not in mounted]
    held = held_addresses(layout)
    report['addresses_missing'] = [a for a in expected_addresses if a not in held]
    states = service_states or {}
    report['services_down'] = [s for s in services if not is_running(states, s)]
    report['ports_closed'] = [port_name(r) for r in ports if r.get('failed') or r.get('msg', '').startswith('Timeout')]
    for key, what in (('unmounted', 'fstab entries not mounted'), ('addresses_missing', 'addresses on no interface'),
                      ('services_down', 'services not running'), ('ports_closed', 'ports not open')):
        if report[key]:
            report['problems'].append('%s: %s' % (what, ', '.join(str(v) for v in report[key])))
    report['summary'] = ('verified: %d fstab entries mounted, %d addresses up, %d services running, %d ports open'
                         % (len(required), len(expected_addresses), len(services), len(ports))
                         if not report['problems'] else 'NOT verified: ' + '; '.join(report['problems']))
    return report


def is_running(states, name):
    for key in (name, name + '.service'):
        if key in states:
            return states[key].get('state') == 'running'
    return False


def port_name(result):
    item = result.get('item')
    if isinstance(item, dict):
        return '%s:%s' % (item.get('host', '127.0.0.1'), item.get('port'))
    return str(item)


class FilterModule:
    """The verification report of a rebuild."""

    def filters(self):
        return {'rebuild_check': rebuild_check}
