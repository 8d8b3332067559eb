#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: layout_info
short_description: Collect the disk, filesystem, network and system facts a rebuild needs
version_added: 0.1.0
description:
  - Reads C(/proc), C(/sys) and, when they are installed, C(lsblk), C(blkid), C(vgs)/C(lvs)/C(pvs)
    and C(ip), and returns the layout of the host as one dictionary - block devices, mounted
    filesystems with UUIDs, LABELs and usage, LVM volume groups and logical volumes, swap areas,
    the parsed C(/etc/fstab), network interfaces with MAC and IP addresses, default routes,
    hostname, OS release, kernel, SELinux mode, firmware type and kernel command line.
  - A missing or failing optional tool never makes the module fail; the layout then says what is
    missing in RV(layout.tools_missing) and what is not reported in RV(layout.warnings).
  - With O(dest) the layout is also written as JSON to a file on the host, the side-car a rebuild
    reads (M(exalogic.backup.rsync_backup) writes the same JSON next to each backup).
  - Works with Python 2.7 and 3.6+ on the target (Oracle Linux 6, 7, 8 and 9).
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  root:
    description:
      - Root directory whose C(/etc/fstab), C(/etc/os-release) (or C(/etc/oracle-release) and
        C(/etc/redhat-release)), C(/etc/hostname) (or C(/etc/sysconfig/network)) and
        C(/etc/selinux/config) are read, for example C(/mnt/sysimage) from a rescue system or a
        restored tree.
      - Devices, mounts, LVM, swap, network, kernel, SELinux mode and firmware always describe the
        running system.
    type: path
    default: /
  gather:
    description:
      - Sections to collect. Leave out sections that are not needed to save time.
      - V(system) holds hostname, FQDN, OS release, kernel, SELinux, firmware and kernel command line.
    type: list
    elements: str
    choices: [devices, filesystems, lvm, swap, fstab, network, system]
    default: [devices, filesystems, lvm, swap, fstab, network, system]
  dest:
    description:
      - Also write the layout as JSON (sorted keys, two-space indent) to this file.
      - The file is written only when its content differs; the module then reports a change. Usage
        figures of mounted filesystems change all the time, so a layout with O(gather=filesystems)
        written to O(dest) usually differs from the previous one.
      - The parent directory must exist.
    type: path
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: In check mode nothing is written to O(dest); RV(changed) says whether it would be.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: Shows the old and new content of O(dest).
notes:
  - Run as root for complete results; C(blkid) and LVM tools need it.
  - Filesystem usage is read with C(statvfs) for local and memory filesystems only. Network and
    FUSE filesystems are listed without sizes because C(statvfs) on a hard NFS mount whose server
    is gone would never return.
  - Without C(ip) (C(iproute)), IPv4 addresses are not reported; IPv6 addresses then come from
    C(/proc/net/if_inet6) and the IPv4 default route from C(/proc/net/route).
seealso:
  - module: exalogic.backup.rsync_backup
'''

EXAMPLES = r'''
- name: Collect the layout of a vServer
  exalogic.backup.layout_info:
  register: layout

- name: Show the UUID of the root filesystem
  ansible.builtin.debug:
    msg: "{{ (layout.layout.filesystems | selectattr('mount_point', 'equalto', '/') | first).uuid }}"

- name: Keep a copy of the layout on the host, next to the other rebuild notes
  exalogic.backup.layout_info:
    dest: /var/lib/exalogic-backup/layout.json
    mode: '0644'

- name: Read fstab and OS release of a restored tree mounted under /mnt/sysimage
  exalogic.backup.layout_info:
    root: /mnt/sysimage
    gather: [fstab, system]
  register: restored

- name: Only the network facts, for remapping addresses on the new vServer
  exalogic.backup.layout_info:
    gather: network
  register: net
'''

RETURN = r'''
changed:
  description: Whether O(dest) was (or in check mode would be) written. Always false without O(dest).
  returned: always
  type: bool
  sample: false
dest:
  description: The file the JSON was written to.
  returned: when O(dest) is set
  type: str
  sample: /var/lib/exalogic-backup/layout.json
layout:
  description:
    - The collected facts. Only the sections named in O(gather) are present, plus C(schema_version),
      C(root), C(gathered), C(warnings) and C(tools_missing).
    - Sizes are in bytes. Missing values are null.
  returned: always
  type: dict
  contains:
    schema_version:
      description: Version of this structure; increases when keys change meaning.
      type: int
      sample: 1
    root:
      description: The O(root) the configuration files were read from.
      type: str
      sample: /
    gathered:
      description: The sections collected.
      type: list
      elements: str
      sample: [devices, filesystems, lvm, swap, fstab, network, system]
    devices:
      description:
        - Block devices with name, kname, path, maj_min, type (disk, part, lvm, crypt, mpath, raid1, loop,
          rom, ...), size, parent, parents, fstype, uuid, label, partuuid, partlabel, pttype, ptuuid,
          model, serial, ro, removable and mountpoints.
      type: list
      elements: dict
      returned: when V(devices) is gathered
      sample:
        - {name: sda, kname: sda, path: /dev/sda, maj_min: "8:0", type: disk, size: 53687091200, parent: null,
           parents: [], pttype: dos, fstype: null, uuid: null, label: null, mountpoints: []}
        - {name: sda1, kname: sda1, path: /dev/sda1, maj_min: "8:1", type: part, size: 1073741824, parent: sda,
           parents: [sda], fstype: xfs, uuid: 0b2b9b4e-5f33-4c3c-9e4b-8a0f1c2d3e4f, label: null, mountpoints: [/boot]}
    devices_source:
      description: Where the device list came from, C(lsblk) or C(sysfs).
      type: str
      returned: when V(devices) is gathered
      sample: lsblk
    filesystems:
      description:
        - Mounted filesystems (kernel pseudo filesystems such as proc, sysfs and cgroup left out) with
          device, source, maj_min, fstype, kind (local, network, memory, fuse), mount_point, fs_root (the
          directory of the filesystem that is mounted; not C(/) for bind mounts and btrfs subvolumes),
          options, uuid, label, partuuid, overmounted (another mount on the same mount point hides this one;
          no usage figures then), size, used, avail, inodes and inodes_used.
      type: list
      elements: dict
      returned: when V(filesystems) is gathered
      sample:
        - {device: /dev/mapper/ol-root, source: /dev/mapper/ol-root, maj_min: "252:0", fstype: xfs, kind: local,
           mount_point: /, fs_root: /, options: "rw,relatime,attr2,inode64,noquota",
           uuid: 6a3b2c1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0, label: null, partuuid: null, overmounted: false, size: 37558423552,
           used: 5012344832, avail: 32546078720, inodes: 18343936, inodes_used: 120433}
    lvm:
      description:
        - C(available) (false when the LVM tools are missing or fail), and lists C(vgs) (name, uuid, size,
          free, extent_size, pv_count, lv_count), C(lvs) (name, vg, uuid, size, attr, segtype, pool, origin,
          path, dm_path) and C(pvs) (name, vg, uuid, size, free).
      type: dict
      returned: when V(lvm) is gathered
      sample:
        available: true
        vgs: [{name: ol, uuid: AbCdEf-1234, size: 52609155072, free: 0, extent_size: 4194304, pv_count: 1, lv_count: 2}]
        lvs: [{name: root, vg: ol, size: 37558423552, attr: -wi-ao----, segtype: linear, path: /dev/ol/root,
               dm_path: /dev/mapper/ol-root, uuid: XyZ-5678, pool: null, origin: null}]
        pvs: [{name: /dev/sda2, vg: ol, uuid: PqR-9012, size: 52609155072, free: 0}]
    swap:
      description: Active swap areas from C(/proc/swaps) with device, type (partition or file), size, used, priority, uuid and label.
      type: list
      elements: dict
      returned: when V(swap) is gathered
      sample: [{device: /dev/dm-1, type: partition, size: 4290768896, used: 0, priority: -2, uuid: 1c2d-..., label: null}]
    fstab:
      description:
        - C(path) and C(present), C(entries) with line, spec, spec_kind (uuid, label, partuuid, partlabel, id,
          device, network, other), spec_value (the UUID, LABEL, ... without the prefix), file, vfstype,
          mntops, options (list), freq and passno, bind and swap (booleans), trailing (text after passno,
          which mount ignores, when there is any); C(invalid), the lines that are not valid entries,
          with line, text and error; and C(warnings) about such lines. Octal escapes such as C(\040)
          are decoded. Bytes that are not UTF-8 are given as octal escapes (C(\351)) and the names of
          the values holding them are listed in the entry's C(escaped).
      type: dict
      returned: when V(fstab) is gathered
      sample:
        path: /etc/fstab
        present: true
        entries:
          - {line: 9, kind: entry, spec: "UUID=0b2b9b4e-5f33-4c3c-9e4b-8a0f1c2d3e4f", spec_kind: uuid,
             spec_value: 0b2b9b4e-5f33-4c3c-9e4b-8a0f1c2d3e4f, file: /boot, vfstype: xfs, mntops: defaults,
             options: [defaults], freq: 0, passno: 0}
        invalid: []
    network:
      description:
        - C(interfaces) (name, mac, permanent_mac, mtu, state, kind (loopback, physical, virtual, bond,
          bridge), master, addresses with family, address, prefixlen, broadcast, scope, label and dynamic),
          C(default_routes) (family, gateway, dev, metric, protocol) and C(source) of the addresses
          (C(ip-json), C(ip-text) or C(proc)).
      type: dict
      returned: when V(network) is gathered
      sample:
        interfaces:
          - {name: eth0, mac: "00:21:f6:00:00:01", permanent_mac: null, mtu: 1500, state: up, kind: physical, master: null,
             addresses: [{family: inet, address: 10.0.0.21, prefixlen: 24, broadcast: 10.0.0.255, scope: global,
                          label: eth0, dynamic: false}]}
        default_routes: [{family: inet, gateway: 10.0.0.1, dev: eth0, metric: null, protocol: null}]
        source: ip-json
    host_config:
      description:
        - The old host's network and volume configuration as written in the files under O(root) (so a
          backed-up tree describes the host it came from), for a rebuild.
        - C(hosts) (C(/etc/hosts) entries and invalid lines, null when missing); C(dns) (C(nameservers),
          C(search) from C(/etc/resolv.conf)); C(interfaces) from C(ifcfg-*) files and NetworkManager keyfiles
          (name, file, C(managed_by) V(network-scripts) or V(NetworkManager), C(onboot), C(config) with the
          file's values, C(bond) with mode, options and primary, C(ipoib) with mode, pkey and parent);
          C(routes) (static routes from C(route-*)/C(route6-*) and C(/etc/sysconfig/static-routes));
          C(net_rules) (MAC-to-name rules of C(70-persistent-net.rules)); C(lvm_backup) (VG name, extent size,
          PV devices and LV names and sizes in bytes from C(/etc/lvm/backup), present when the LVM tools are not).
      type: dict
      returned: when V(network) is gathered
      sample:
        dns: {nameservers: [10.1.0.2], search: [example.com]}
        interfaces:
          - {name: bond1, file: /etc/sysconfig/network-scripts/ifcfg-bond1, managed_by: network-scripts, onboot: true,
             config: {device: bond1, ipaddr: 192.168.10.11, prefix: "24"},
             bond: {mode: active-backup, primary: ib0, options: {mode: "1", miimon: "100", primary: ib0}}}
        routes: [{device: eth0, to: 10.9.0.0/16, via: 10.1.0.254}]
        net_rules: [{mac: "00:16:3e:aa:bb:01", name: eth0}]
        lvm_backup: [{name: ol, extent_size: 4194304, pvs: [/dev/xvda2], lvs: [{name: root, size: 12884901888}]}]
    system:
      description:
        - C(hostname) and C(fqdn) of the running system (with a non-default O(root), C(hostname) is the
          configured one and C(fqdn) is null), C(hostname_configured) (from C(/etc/hostname) or
          C(/etc/sysconfig/network)), C(machine_id) (from C(/etc/machine-id), or C(/var/lib/dbus/machine-id) on
          Oracle Linux 6; null when neither exists), C(os) (id, id_like, name, version_id, version, pretty_name, source,
          release_files), C(kernel) (release, version, machine), C(selinux) (mode of the running kernel,
          config_mode and config_type from C(/etc/selinux/config)), C(firmware) (uefi or bios) and C(cmdline).
      type: dict
      returned: when V(system) is gathered
      sample:
        hostname: vserver1
        fqdn: vserver1.example.com
        hostname_configured: vserver1.example.com
        machine_id: 4c4c4544004a39108035b2c04f4e3732
        os: {id: ol, name: Oracle Linux Server, version_id: "7.9", pretty_name: Oracle Linux Server 7.9,
             id_like: fedora, version: "7.9", source: /etc/os-release,
             release_files: {/etc/oracle-release: Oracle Linux Server release 7.9}}
        kernel: {release: 4.14.35-2047.510.5.el7uek.x86_64, version: "#2 SMP", machine: x86_64}
        selinux: {mode: enforcing, config_mode: enforcing, config_type: targeted}
        firmware: bios
        cmdline: BOOT_IMAGE=/vmlinuz-4.14.35 root=/dev/mapper/ol-root ro rd.lvm.lv=ol/root
    warnings:
      description: What could not be collected and why (missing tools, unreadable files, failed commands).
      type: list
      elements: str
      sample: ["ip not found: IPv4 addresses and default routes are not reported ..."]
    tools_missing:
      description: Optional tools that were looked for and not found.
      type: list
      elements: str
      sample: [lsblk]
'''

import os
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible_collections.exalogic.backup.plugins.module_utils._backup import confined
from ansible_collections.exalogic.backup.plugins.module_utils._layout.collect import (
    SECTIONS, collect_layout, layout_json)


MAX_DEST_BYTES = 64 << 20


def split_dest(path):
    path = os.path.abspath(path)
    return os.path.dirname(path), os.path.basename(path)


def read_existing(module, path):
    """Current content of dest as text, or None when it does not exist; a symlink or non-file is refused."""
    try:
        data = confined.read_file(*split_dest(path), max_bytes=MAX_DEST_BYTES, missing_ok=True, one_device=False)
    except confined.ConfinedError as err:
        module.fail_json(msg='dest %s: %s; give the path of a regular file' % (path, err))
    return None if data is None else to_text(data, errors='surrogate_or_strict')


def write_atomically(module, path, content):
    """A new temp file (unpredictable name, O_EXCL) in dest's directory, renamed over dest."""
    directory, name = split_dest(path)
    try:
        mode = stat.S_IMODE(os.lstat(path).st_mode)
    except OSError:
        mode = 0o644
    try:
        confined.write_file(directory, name, to_bytes(content, errors='surrogate_or_strict'), mode=mode,
                            one_device=False)
    except confined.ConfinedError as err:
        module.fail_json(msg='Cannot write %s (option dest): %s' % (path, err))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type='path', default='/'),
            gather=dict(type='list', elements='str', choices=list(SECTIONS), default=list(SECTIONS)),
            dest=dict(type='path'),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    root = module.params['root']
    dest = module.params['dest']
    if not os.path.isdir(root):
        module.fail_json(msg='root %s is not a directory; give the directory that holds the etc/ to read' % root)
    if dest and not os.path.isdir(os.path.dirname(os.path.abspath(dest))):
        module.fail_json(msg='The directory of dest %s does not exist; create it first or choose another dest' % dest)
    if dest and os.path.isdir(dest):
        module.fail_json(msg='dest %s is a directory; give a file name such as %s/layout.json' % (dest, dest.rstrip('/')))

    layout = collect_layout(module, root=root, gather=module.params['gather'])
    result = {'changed': False, 'layout': layout}
    if dest:
        content = layout_json(layout)
        before = read_existing(module, dest)
        result['dest'] = dest
        if before != content:
            result['changed'] = True
            result['diff'] = {'before': before or '', 'after': content,
                              'before_header': dest if before is not None else '%s (absent)' % dest,
                              'after_header': dest}
            if not module.check_mode:
                write_atomically(module, dest, content)
        if os.path.exists(dest):
            file_args = module.load_file_common_arguments(module.params, path=dest)
            result['changed'] = module.set_fs_attributes_if_different(file_args, result['changed'])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
