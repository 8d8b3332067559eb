#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: fstab_remap
short_description: Rewrite a restored /etc/fstab for the disks and addresses of a new host
version_added: 0.2.0
description:
  - Rewrites the device specs of a restored C(/etc/fstab) so that it mounts the new host's devices. An entry's device
    is taken from O(device_map) first; otherwise, when the old device does not exist, from the entry for the same
    mount point in the new host's own fstab (O(new_layout), the result of M(exalogic.backup.layout_info) taken before
    the restore); swap areas are paired in order.
  - An entry whose device the new host does not have is handled by O(missing_device).
  - NFS and CIFS entries are kept with their options; the server address is remapped by O(address_map).
  - Pseudo filesystems (proc, tmpfs, ...), bind mounts and swap files are not changed.
  - Only the fields that change are rewritten; every other byte of the file stays as it was.
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  path:
    description: The fstab to rewrite, as seen from O(root).
    type: path
    default: /etc/fstab
  device_map:
    description:
      - Old device spec to new device spec, for example C(/dev/xvdb1) to C(/dev/vdb1) or C(UUID=6b8a...) to C(UUID=0c1d...).
      - Keys match the spec of an entry; C(UUID="x") and C(UUID=x) are the same, UUIDs are compared ignoring case.
    type: dict
    default: {}
  new_layout:
    description:
      - The RV(exalogic.backup.layout_info#module:layout) of the new host, gathered before the restore
        (sections C(devices), C(filesystems), C(lvm), C(swap) and C(fstab)).
      - Its fstab gives the device for each mount point; its devices say which devices exist.
      - Without it, a device exists when C(/dev/disk/by-uuid/...), C(/dev/disk/by-label/...) (and so on) or the
        C(/dev/...) path exists on the host the module runs on.
    type: dict
  address_map:
    description:
      - Old IPv4/IPv6 address to new address, applied to the server part of network entries
        (C(192.168.20.9:/export/x), C([fd00::9]:/export/x), C(//192.168.20.9/share)).
      - Build it from network maps with the P(exalogic.backup.ip_remap#filter) filter.
    type: dict
    default: {}
  missing_device:
    description:
      - What to do with an entry whose device the new host does not have.
      - V(comment) comments the line out (its text is kept after C(#)); V(nofail) adds C(nofail) so that boot
        continues; V(keep) leaves it; V(fail) changes nothing and fails, listing the entries.
    type: str
    choices: [comment, nofail, keep, fail]
    default: comment
  create_mountpoints:
    description:
      - Create the missing mount point directories of the entries (not of swap) below O(root), with
        O(mountpoint_mode), owned by root.
    type: bool
    default: false
  mountpoint_mode:
    description: Mode of the mount point directories that O(create_mountpoints) creates.
    type: raw
    default: '0755'
extends_documentation_fragment:
  - exalogic.backup.file_rewrite
seealso:
  - module: exalogic.backup.layout_info
  - module: exalogic.backup.hosts_remap
'''

EXAMPLES = r'''
- name: Read the new host's layout before the restore
  exalogic.backup.layout_info:
    gather: [devices, filesystems, lvm, swap, fstab]
  register: new_host

- name: Point the restored fstab at the new disks, comment out what is not there
  exalogic.backup.fstab_remap:
    root: /mnt/sysimage
    new_layout: "{{ new_host.layout }}"
    device_map:
      /dev/xvdb1: /dev/vdb1
    address_map:
      192.168.20.9: 192.168.30.9
    create_mountpoints: true
  register: remapped

- name: Show what was remapped
  ansible.builtin.debug:
    var: remapped.changes
'''

RETURN = r'''
changes:
  description:
    - One item per changed entry - line, file (mount point), old and new spec (new is null when the line was
      commented out or got C(nofail)), action (V(device_map), V(layout), V(address), V(comment), V(nofail)).
  type: list
  elements: dict
  returned: always
  sample: [{line: 10, file: /boot, old: "UUID=6b8a5e0c-2d5c-4f57-9a3c-3c1f3c2a7d11",
            new: "UUID=0c1d2e3f-aaaa-bbbb-cccc-000011112222", action: layout}]
backup_files:
  description: Paths (as seen from O(root)) of the copies of the old file; empty when nothing was written.
  type: list
  elements: str
  returned: always
  sample: [/etc/fstab.20261207T011500Z~]
mountpoints_created:
  description: Mount point directories created (as seen from O(root)); in check mode, the ones that would be.
  type: list
  elements: str
  returned: always
  sample: [/u01, /u01/common/general]
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.exalogic.backup.plugins.module_utils._backup.confined import ConfinedError, lstat_inside, make_dirs
from ansible_collections.exalogic.backup.plugins.module_utils._host import textfile
from ansible_collections.exalogic.backup.plugins.module_utils._host.addrmap import AddressMap
from ansible_collections.exalogic.backup.plugins.module_utils._host.fstab import classify_spec, parse_fstab, render_fstab_bytes
from ansible_collections.exalogic.backup.plugins.module_utils._host.fstab_plan import (
    MISSING_POLICIES, known_devices, mount_points, plan_fstab, spec_key)

_BY = {'uuid': 'by-uuid', 'label': 'by-label', 'partuuid': 'by-partuuid', 'partlabel': 'by-partlabel'}


def probe_device(spec):
    """Whether the running system has the device (udev's /dev/disk/by-* links)."""
    kind, value = classify_spec(spec)
    if kind in _BY:
        return os.path.exists(os.path.join('/dev/disk', _BY[kind], value.replace('/', '\\x2f')))
    return os.path.exists(spec)


def device_checker(layout):
    if not layout:
        return probe_device
    known = known_devices(layout)
    return lambda spec: spec_key(spec) in known


def create_mountpoints(module, root, lines, mode):
    created = []
    for mount_point in mount_points(lines):
        relpath = mount_point.strip('/')
        if not relpath or lstat_inside(root, relpath) is not None:
            continue
        if module.check_mode:
            created.append(mount_point)
            continue
        # one_device=False: below a new root the mount points of other filesystems are normal (/u01 mounted
        # before /u01/common is created); symlinked components are still refused
        created.extend('/' + path for path in make_dirs(root, relpath, mode=mode, one_device=False))
    return created


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type='path', default='/'),
            path=dict(type='path', default='/etc/fstab'),
            backup=dict(type='bool', default=True),
            device_map=dict(type='dict', default={}),
            new_layout=dict(type='dict'),
            address_map=dict(type='dict', default={}),
            missing_device=dict(type='str', choices=list(MISSING_POLICIES), default='comment'),
            create_mountpoints=dict(type='bool', default=False),
            mountpoint_mode=dict(type='raw', default='0755'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if not os.path.isdir(p['root']):
        module.fail_json(msg='root %s is not a directory; give the directory that holds the etc/ to rewrite' % p['root'])
    try:
        mode = p['mountpoint_mode'] if isinstance(p['mountpoint_mode'], int) else int('%s' % p['mountpoint_mode'], 8)
        address_map = AddressMap(p['address_map'])
        before = textfile.read(p['root'], p['path'])
        lines = parse_fstab(before)
        changes, errors = plan_fstab(lines, p['device_map'], p['new_layout'], address_map,
                                     p['missing_device'], device_checker(p['new_layout']))
    except (ValueError, ConfinedError) as exc:
        module.fail_json(msg='fstab_remap: %s' % to_native(exc))
    if errors:
        module.fail_json(msg='fstab_remap: missing_device=fail and the new host lacks devices of %s; nothing was '
                             'changed. Map them with device_map or choose another missing_device: %s'
                             % (p['path'], '; '.join(errors)), changes=changes)
    try:
        result = textfile.rewrite(p['root'], p['path'], before, render_fstab_bytes(lines), module.check_mode, p['backup'])
        created = create_mountpoints(module, p['root'], lines, mode) if p['create_mountpoints'] else []
    except (ValueError, ConfinedError, OSError) as exc:
        module.fail_json(msg='fstab_remap: %s' % to_native(exc))
    module.exit_json(
        changed=result['changed'] or bool(created),
        changes=changes,
        backup_files=[result['backup_file']] if result['backup_file'] else [],
        mountpoints_created=created,
        diff=result['diff'],
    )


if __name__ == '__main__':
    main()
