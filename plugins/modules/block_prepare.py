#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: block_prepare
short_description: Create volume groups, logical volumes and filesystems on empty devices of a new host
version_added: 0.4.0
description:
  - Makes the volume groups, logical volumes and filesystems a rebuild needs exist on the new host, and mounts the
    filesystems below O(root) - what an administrator does by hand with C(pvcreate), C(vgcreate), C(lvcreate),
    C(mkfs) and C(mount) before a restore.
  - Only what is missing is created. A volume group or logical volume that exists is kept as it is (never extended,
    resized or removed); a device that already holds the filesystem asked for (same type, and same label when one
    is given) is kept.
  - B(Data-loss gate.) A device is written only when a low-level probe (C(blkid -p)) finds no signature on it - no
    filesystem, partition table, LVM or RAID label. A device that holds anything else makes the module fail,
    naming the device, before any device is written; set C(force=true) on that one entry to overwrite it.
  - Every device is probed and every decision made before the first command runs, so a refusal or bad input changes
    nothing.
  - Mounts are not written to any fstab; the restored fstab is fitted to the new devices afterwards by
    M(exalogic.backup.fstab_remap), which can take RV(fstab_entries) as the new host's entries.
  - Needs C(blkid) (util-linux), the C(mkfs) program of each type, and the LVM tools (C(lvm2)) when volume groups or
    logical volumes are given. Runs as root.
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  volume_groups:
    description: Volume groups that must exist.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The volume group name.
        type: str
        required: true
      devices:
        description:
          - Its physical volumes, for example C(/dev/vdb). A device without any signature is made a physical volume.
          - A volume group that exists must already contain every device given (it is not extended).
        type: list
        elements: path
        required: true
      pesize:
        description: Physical extent size for C(vgcreate -s), for example C(4m). Only used when the group is created.
        type: str
      force:
        description: Make a device that holds another signature (a filesystem, a partition table) a physical volume
          anyway. B(Destroys what is on it.) A physical volume of another volume group is never taken.
        type: bool
        default: false
  logical_volumes:
    description: Logical volumes that must exist (C(/dev/<vg>/<name>)).
    type: list
    elements: dict
    default: []
    suboptions:
      vg:
        description: The volume group that holds it (existing, or in O(volume_groups)).
        type: str
        required: true
      name:
        description: The logical volume name.
        type: str
        required: true
      size:
        description:
          - Its size as LVM takes it - a number with a unit (C(512m), C(10g), C(1.5t); no unit is MiB) or a share of
            the volume group (C(100%FREE), C(50%VG)).
          - A logical volume that exists is kept; the module fails when it is smaller than an absolute O(logical_volumes[].size).
        type: str
        required: true
  filesystems:
    description: Filesystems (and swap areas) that must exist, in the order given.
    type: list
    elements: dict
    default: []
    suboptions:
      device:
        description: The device, for example C(/dev/vdc1) or a logical volume of O(logical_volumes) as C(/dev/<vg>/<name>).
        type: path
        required: true
      fstype:
        description: The filesystem type.
        type: str
        required: true
        choices: [ext2, ext3, ext4, xfs, btrfs, swap]
      label:
        description: Its label (C(mkfs -L)); at most 16 bytes for ext*, 12 for xfs, 15 for swap.
        type: str
      opts:
        description: More options for the mkfs program, one list item per argument (C([-m, '1']), C([-i, size=512])).
        type: list
        elements: str
        default: []
      mount_point:
        description:
          - Where the filesystem is mounted in the new system (C(/u01)); it is mounted at that path below O(root),
            after its parents, and the directory is created (mode 0755) when missing. Not for swap.
          - Omit it to only create the filesystem.
        type: str
      mount_options:
        description: Mount options for that mount (C(noatime)); also the options of its RV(fstab_entries) entry.
        type: str
      force:
        description: Create the filesystem even when the device holds another signature. B(Destroys what is on it.)
        type: bool
        default: false
  root:
    description: The directory the new system lives in (C(/), or for example C(/mnt/sysimage) on a rescue system).
    type: path
    default: /
notes:
  - Check mode probes the devices and reports what would be created and mounted without writing anything; a
    filesystem on a logical volume that does not exist yet is reported as to be created.
  - The LVM tools read their configuration from C(/etc/lvm) or the directory in the environment variable
    C(LVM_SYSTEM_DIR); set it with the task's C(environment) to use another one (for example a device filter).
attributes:
  check_mode:
    description: Probes and reports, writes nothing.
    support: full
  diff_mode:
    description: Lists what exists before and after (volume groups, logical volumes, filesystems, mounts).
    support: full
seealso:
  - module: exalogic.backup.layout_info
  - module: exalogic.backup.fstab_remap
'''

EXAMPLES = r'''
- name: A volume group on the new second disk, an LV for /u01, and an xfs filesystem on the third disk
  exalogic.backup.block_prepare:
    volume_groups:
      - {name: appvg, devices: [/dev/vdb]}
    logical_volumes:
      - {vg: appvg, name: u01, size: 40g}
    filesystems:
      - {device: /dev/appvg/u01, fstype: ext4, label: u01, mount_point: /u01}
      - {device: /dev/vdc, fstype: xfs, label: data, mount_point: /data, mount_options: noatime}
  register: prepared

- name: The same on a rescue system with the new root mounted at /mnt/sysimage
  exalogic.backup.block_prepare:
    root: /mnt/sysimage
    filesystems:
      - {device: /dev/vdc, fstype: xfs, mount_point: /data}

- name: Re-create a filesystem on a disk that held an old one (its data is lost)
  exalogic.backup.block_prepare:
    filesystems:
      - {device: /dev/vdd, fstype: ext4, force: true}
'''

RETURN = r'''
commands:
  description: The commands run, in order, as argument lists; in check mode, the ones that would run.
  type: list
  elements: list
  returned: always
  sample: [[pvcreate, "--", /dev/vdb], [vgcreate, "--", appvg, /dev/vdb], [mkfs.xfs, -L, data, /dev/vdc]]
volume_groups:
  description: Each volume group asked for - name, uuid (null in check mode when still to be created), devices, created.
  type: list
  elements: dict
  returned: always
  sample: [{name: appvg, uuid: y9LZyq-Gu2L-gpot-0O0Y-0QmC-y4cX-yxCKGl, devices: [/dev/vdb], created: true}]
logical_volumes:
  description: Each logical volume asked for - vg, name, path, uuid, size (bytes, null until it exists), created.
  type: list
  elements: dict
  returned: always
  sample: [{vg: appvg, name: u01, path: /dev/appvg/u01, uuid: jjKf07-uv4f-krjD-LPff-BHMj-PzPU-3wbVFU,
            size: 42949672960, created: true}]
filesystems:
  description:
    - Each filesystem asked for - device, fstype, label, uuid (the new filesystem UUID; null in check mode when still
      to be created), size (bytes of the device when known), created, mount_point (in the new system),
      mounted_at (the path below O(root)) and mounted (the module mounted it in this run; in check mode, would).
  type: list
  elements: dict
  returned: always
  sample: [{device: /dev/vdc, fstype: xfs, label: data, uuid: 0c1d2e3f-aaaa-bbbb-cccc-000011112222, size: 107374182400,
            created: true, mount_point: /data, mounted_at: /data, mounted: true}]
fstab_entries:
  description:
    - The fstab entries (C(spec) C(UUID=...), C(file), C(vfstype), C(mntops), C(freq), C(passno)) of the new host for
      these filesystems, shaped like the C(fstab.entries) of M(exalogic.backup.layout_info), so that
      M(exalogic.backup.fstab_remap) can map the restored fstab to them by mount point. Not written to any file.
  type: list
  elements: dict
  returned: always
  sample: [{spec: UUID=0c1d2e3f-aaaa-bbbb-cccc-000011112222, file: /data, vfstype: xfs, mntops: noatime, freq: 0, passno: 2}]
layout_filesystems:
  description:
    - The filesystems this run mounted (in check mode, would mount), shaped like the C(filesystems) of
      M(exalogic.backup.layout_info) - C(mount_point) is the path below O(root), C(size) the device size - so that a
      check-mode fit check (P(exalogic.backup.rebuild_fit#filter)) can count them before they exist.
  type: list
  elements: dict
  returned: always
  sample: [{device: /dev/vdc, source: /dev/vdc, fstype: xfs, kind: local, mount_point: /mnt/sysimage/data,
            size: 107374182400, used: null, uuid: null, label: data, overmounted: false}]
'''

import os
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.exalogic.backup.plugins.module_utils._backup.confined import ConfinedError, make_dirs
from ansible_collections.exalogic.backup.plugins.module_utils._backup.mounts import (
    canonical, describe, mount_at, mount_command, read_mount_table)
from ansible_collections.exalogic.backup.plugins.module_utils._layout import block_prepare as plan
from ansible_collections.exalogic.backup.plugins.module_utils._layout.lvm import dm_path, parse_lvm_separated
from ansible_collections.exalogic.backup.plugins.module_utils._layout.values import to_int

LVM_REPORT = ['--noheadings', '--separator', '|', '--units', 'b', '--nosuffix', '-o']
PV_FIELDS = ['pv_name', 'vg_name', 'pv_uuid']
VG_FIELDS = ['vg_name', 'vg_uuid']
LV_FIELDS = ['vg_name', 'lv_name', 'lv_uuid', 'lv_size']
# LVM warns about inherited descriptors on stderr; the warning is noise in a module's error messages
LVM_ENV = {'LVM_SUPPRESS_FD_WARNINGS': '1'}


def first_lines(text, count=3):
    """The start of a tool's error output (mkfs.xfs follows its one-line reason with its whole usage text)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return '\n'.join(lines[:count]) + ('\n...' if len(lines) > count else '')


class Preparer(object):
    """Probe everything, decide everything, then run the commands; report what is there afterwards."""

    def __init__(self, module):
        self.module = module
        self.p = module.params
        self.commands = []      # (argv, what it is for)
        self.created = set()    # ('vg', name), ('lv', vg, name), ('fs', device)
        self.mounts = []        # (fs, target path) to mount
        self.before = []
        self.after = []

    def fail(self, msg, **extra):
        self.module.fail_json(msg='block_prepare: %s' % msg, commands=[argv for argv, _why in self.commands], **extra)

    def run(self, argv, environ=None):
        rc, out, err = self.module.run_command(argv, environ_update=environ or {})
        return rc, out, err

    # ---- reading ----------------------------------------------------------------------------------------------

    def lvm_report(self, tool, fields):
        rc, out, err = self.run([tool] + LVM_REPORT + [','.join(fields)], LVM_ENV)
        if rc != 0:
            self.fail('%s failed (exit %d): %s' % (tool, rc, err.strip() or out.strip()))
        return parse_lvm_separated(out, fields)

    def read_lvm(self):
        if not self.p['volume_groups'] and not self.p['logical_volumes']:
            return {}, {}, {}
        if self.module.get_bin_path('lvm') is None:
            self.fail('volume_groups and logical_volumes need the LVM tools; install lvm2 on this host')
        pvs = dict((canonical(row['pv_name']), row.get('vg_name') or '') for row in self.lvm_report('pvs', PV_FIELDS))
        vgs = {}
        for row in self.lvm_report('vgs', VG_FIELDS):
            vgs[row['vg_name']] = {'uuid': row.get('vg_uuid'), 'pvs': []}
        for name, vg_name in pvs.items():
            if vg_name in vgs:
                vgs[vg_name]['pvs'].append(name)
        lvs = dict(((row['vg_name'], row['lv_name']), {'uuid': row.get('lv_uuid'), 'size': to_int(row.get('lv_size'))})
                   for row in self.lvm_report('lvs', LV_FIELDS))
        return pvs, vgs, lvs

    def block_device(self, device, where):
        try:
            st = os.stat(device)
        except OSError:
            self.fail('%s: device %s does not exist on this host' % (where, device))
        if not stat.S_ISBLK(st.st_mode):
            self.fail('%s: %s is not a block device' % (where, device))
        return st

    def signature(self, device, where):
        self.block_device(device, where)
        rc, out, _err = self.run(['blkid', '-p', '-o', 'export', '--', device])
        return plan.probe_signature(rc, out, device)

    # ---- deciding ---------------------------------------------------------------------------------------------

    def decide(self):
        pvs, vgs, lvs = self.read_lvm()
        planned_lvs = {}
        for index, vg in enumerate(self.p['volume_groups']):
            self.decide_vg(index, vg, pvs, vgs)
        for index, lv in enumerate(self.p['logical_volumes']):
            self.decide_lv(index, lv, vgs, lvs, planned_lvs)
        for index, fs in enumerate(self.p['filesystems']):
            self.decide_fs(index, fs, planned_lvs)
        table = read_mount_table()
        for fs in plan.mount_order(self.p['filesystems']):
            self.decide_mount(fs, table)
        return vgs, lvs

    def decide_vg(self, index, vg, pvs, vgs):
        where = 'volume_groups[%d]' % index
        devices = [canonical(device) for device in vg['devices']]
        for device in vg['devices']:
            self.block_device(device, where)
        if plan.vg_decision(dict(vg, devices=devices), vgs[vg['name']]['pvs'] if vg['name'] in vgs else None) == 'exists':
            self.before.append('volume group %s on %s' % (vg['name'], ', '.join(vg['devices'])))
            self.after.append(self.before[-1])
            return
        for device, real in zip(vg['devices'], devices):
            signature = None if real in pvs else self.signature(device, where)
            if plan.pv_decision(device, vg['name'], signature, pvs.get(real), vg['force']) == 'pvcreate':
                self.commands.append((plan.pvcreate_command(device, vg['force']), None))
        self.commands.append((plan.vgcreate_command(vg), ('vg', vg['name'])))
        self.before.append('volume group %s: absent' % vg['name'])
        self.after.append('volume group %s on %s' % (vg['name'], ', '.join(vg['devices'])))

    def decide_lv(self, index, lv, vgs, lvs, planned_lvs):
        vg_known = lv['vg'] in vgs or any(vg['name'] == lv['vg'] for vg in self.p['volume_groups'])
        existing = lvs.get((lv['vg'], lv['name']))
        name = '%s/%s' % (lv['vg'], lv['name'])
        if plan.lv_decision(lv, existing['size'] if existing else None, vg_known) == 'exists':
            self.before.append('logical volume %s (%s bytes)' % (name, existing['size']))
            self.after.append(self.before[-1])
            return
        self.commands.append((plan.lvcreate_command(lv), ('lv', lv['vg'], lv['name'])))
        for path in (plan.lv_path(lv['vg'], lv['name']), dm_path(lv['vg'], lv['name'])):
            planned_lvs[path] = lv
        self.before.append('logical volume %s: absent' % name)
        self.after.append('logical volume %s (%s)' % (name, lv['size']))

    def decide_fs(self, index, fs, planned_lvs):
        where = 'filesystems[%d]' % index
        new_lv = fs['device'] in planned_lvs
        signature = None if new_lv else self.signature(fs['device'], where)
        wanted = '%s %s%s' % (fs['device'], fs['fstype'], ' labelled %s' % fs['label'] if fs['label'] is not None else '')
        if plan.fs_decision(fs, signature) == 'exists':
            self.before.append('filesystem %s' % wanted)
            self.after.append(self.before[-1])
            return
        self.commands.append((plan.mkfs_command(fs), ('fs', fs['device'])))
        self.before.append('filesystem on %s: %s' % (fs['device'], 'none' if signature is None else plan.describe_signature(signature)))
        self.after.append('filesystem %s' % wanted)

    def target(self, fs):
        return os.path.join(self.p['root'], plan.normalize_mount_point(fs['mount_point']).lstrip('/')).rstrip('/') or '/'

    def decide_mount(self, fs, table):
        path = self.target(fs)
        entry = mount_at(path, table)
        if entry is not None and not os.path.exists(fs['device']):
            self.fail('%s is already a mount point (%s); filesystem %s cannot be mounted there'
                      % (path, describe(entry), fs['device']))
        if entry is not None:
            rdev = os.stat(fs['device']).st_rdev
            if entry['maj_min'] == '%d:%d' % (os.major(rdev), os.minor(rdev)):
                return
            self.fail('%s is already a mount point of %s, not of %s; unmount it or choose another mount_point'
                      % (path, describe(entry), fs['device']))
        self.mounts.append((fs, path))
        self.commands.append((mount_command(fs['device'], path, fs['fstype'], fs['mount_options']), ('mount', path)))
        self.before.append('%s: not mounted' % path)
        self.after.append('%s: %s mounted' % (path, fs['device']))

    # ---- doing ------------------------------------------------------------------------------------------------

    def apply(self):
        for argv, what in self.commands:
            if what and what[0] == 'mount':
                self.make_mount_point(what[1])
            environ = LVM_ENV if argv[0] in ('pvcreate', 'vgcreate', 'lvcreate') else None
            rc, out, err = self.run(argv, environ)
            if rc != 0:
                done = [cmd for cmd, _why in self.commands[:self.commands.index((argv, what))]]
                self.fail('%s failed (exit %d): %s' % (' '.join(argv), rc, first_lines(err or out)), done=done)
            if what:
                self.created.add(what)

    def make_mount_point(self, path):
        relpath = os.path.relpath(path, self.p['root'])
        if relpath == '.':
            return
        try:
            make_dirs(self.p['root'], relpath, mode=0o755, one_device=False)
        except (ConfinedError, OSError) as exc:
            self.fail('cannot create mount point %s: %s' % (path, to_native(exc)))

    # ---- reporting --------------------------------------------------------------------------------------------

    def report(self):
        _pvs, vgs, lvs = self.read_lvm()
        result_vgs = [{'name': vg['name'], 'uuid': (vgs.get(vg['name']) or {}).get('uuid'), 'devices': vg['devices'],
                       'created': self.was(('vg', vg['name']))}
                      for vg in self.p['volume_groups']]
        result_lvs = []
        for lv in self.p['logical_volumes']:
            found = lvs.get((lv['vg'], lv['name'])) or {}
            key = ('lv', lv['vg'], lv['name'])
            result_lvs.append({'vg': lv['vg'], 'name': lv['name'], 'path': plan.lv_path(lv['vg'], lv['name']),
                               'uuid': found.get('uuid'), 'size': found.get('size'),
                               'created': self.was(key)})
        result_fs, entries, layout_filesystems = [], [], []
        mounted = set(path for _fs, path in self.mounts)
        for fs in self.p['filesystems']:
            tags = self.probe_after(fs)
            item = {'device': fs['device'], 'fstype': fs['fstype'], 'label': fs['label'], 'uuid': tags.get('uuid'),
                    'size': self.device_size(fs), 'created': self.was(('fs', fs['device'])),
                    'mount_point': plan.normalize_mount_point(fs['mount_point']) if fs['mount_point'] else None,
                    'mounted_at': self.target(fs) if fs['mount_point'] else None,
                    'mounted': bool(fs['mount_point']) and self.target(fs) in mounted}
            result_fs.append(item)
            if fs['mount_point'] or fs['fstype'] == 'swap':
                entries.append(plan.fstab_entry(fs, item['uuid']))
            if item['mounted']:
                layout_filesystems.append(plan.layout_filesystem(item))
        return dict(
            changed=bool(self.commands),
            commands=[argv for argv, _why in self.commands],
            volume_groups=result_vgs, logical_volumes=result_lvs, filesystems=result_fs, fstab_entries=entries,
            layout_filesystems=layout_filesystems,
            diff={'before': ''.join(line + '\n' for line in self.before),
                  'after': ''.join(line + '\n' for line in self.after)},
        )

    def would(self, key):
        return self.module.check_mode and any(what == key for _argv, what in self.commands)

    def was(self, key):
        return key in self.created or self.would(key)

    def probe_after(self, fs):
        if not os.path.exists(fs['device']):
            return {}
        rc, out, _err = self.run(['blkid', '-p', '-o', 'export', '--', fs['device']])
        try:
            return plan.probe_signature(rc, out, fs['device']) or {}
        except plan.PrepareError:
            return {}

    def device_size(self, fs):
        try:
            fd = os.open(fs['device'], os.O_RDONLY)
        except OSError:
            lv = [lv for lv in self.p['logical_volumes'] if fs['device'] in (
                plan.lv_path(lv['vg'], lv['name']), dm_path(lv['vg'], lv['name']))]
            return plan.size_bytes(lv[0]['size']) if lv else None
        try:
            return os.lseek(fd, 0, os.SEEK_END)
        finally:
            os.close(fd)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            volume_groups=dict(type='list', elements='dict', default=[], options=dict(
                name=dict(type='str', required=True),
                devices=dict(type='list', elements='path', required=True),
                pesize=dict(type='str'),
                force=dict(type='bool', default=False),
            )),
            logical_volumes=dict(type='list', elements='dict', default=[], options=dict(
                vg=dict(type='str', required=True),
                name=dict(type='str', required=True),
                size=dict(type='str', required=True),
            )),
            filesystems=dict(type='list', elements='dict', default=[], options=dict(
                device=dict(type='path', required=True),
                fstype=dict(type='str', required=True, choices=sorted(plan.MKFS)),
                label=dict(type='str'),
                opts=dict(type='list', elements='str', default=[]),
                mount_point=dict(type='str'),
                mount_options=dict(type='str'),
                force=dict(type='bool', default=False),
            )),
            root=dict(type='path', default='/'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if not os.path.isdir(p['root']):
        module.fail_json(msg='block_prepare: root %s is not a directory; give the directory the new system lives in' % p['root'])
    preparer = Preparer(module)
    try:
        plan.validate(p['volume_groups'], p['logical_volumes'], p['filesystems'])
        preparer.decide()
    except plan.PrepareError as exc:
        preparer.commands = []
        preparer.fail('%s' % to_native(exc))
    if not module.check_mode:
        preparer.apply()
    module.exit_json(**preparer.report())


if __name__ == '__main__':
    main()
