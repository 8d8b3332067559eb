# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""How fstab_remap rewrites a restored /etc/fstab for a new host (pure: no file access).

For every entry of a local block device (UUID=, LABEL=, PARTUUID=, PARTLABEL=, /dev/...):
1. an explicit ``device_map`` entry (old spec -> new spec) wins;
2. otherwise the new host's own fstab (from its layout_info facts) names the device for the same
   mount point (swap areas are paired in order);
3. a device that the new host does not have gets the ``missing_device`` policy: comment (the line
   is commented out), nofail (``nofail`` is added, so boot goes on), keep, or fail.
Network entries (NFS ``host:/path``, ``[v6]:/path``, CIFS ``//host/share``) keep their options;
their host part is remapped by the address map. Pseudo filesystems, bind mounts and swap files
are left alone.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.exalogic.backup.plugins.module_utils._host.fstab import classify_spec, fstab_entries

MISSING_POLICIES = ('comment', 'nofail', 'keep', 'fail')
_TAG_PREFIX = {'uuid': 'UUID=', 'label': 'LABEL=', 'partuuid': 'PARTUUID=', 'partlabel': 'PARTLABEL='}


def spec_key(spec):
    """A comparable form of a device spec: UUID="x" == UUID=x; UUID values ignore case."""
    kind, value = classify_spec(spec)
    if kind in ('uuid', 'partuuid'):
        return _TAG_PREFIX[kind] + value.lower()
    if kind in _TAG_PREFIX:
        return _TAG_PREFIX[kind] + value
    return spec


def is_local_device(line):
    kind, value = classify_spec(line.spec)
    if kind in _TAG_PREFIX:
        return True
    return kind == 'device' and value.startswith('/dev/') and 'bind' not in line.options and 'rbind' not in line.options


def known_devices(layout):
    """spec_key of every device the new host has, from its layout_info facts."""
    known = set()
    for device in layout.get('devices') or []:
        for field, prefix in (('uuid', 'UUID='), ('label', 'LABEL='), ('partuuid', 'PARTUUID='), ('partlabel', 'PARTLABEL=')):
            if device.get(field):
                known.add(spec_key(prefix + device[field]))
        if device.get('path'):
            known.add(device['path'])
    for filesystem in layout.get('filesystems') or []:
        for field in ('device', 'source'):
            if filesystem.get(field):
                known.add(filesystem[field])
        if filesystem.get('uuid'):
            known.add(spec_key('UUID=' + filesystem['uuid']))
    for lv in (layout.get('lvm') or {}).get('lvs') or []:
        if lv.get('path'):
            known.add(lv['path'])
        if lv.get('vg') and lv.get('name'):
            known.add('/dev/mapper/%s-%s' % (lv['vg'].replace('-', '--'), lv['name'].replace('-', '--')))
    for swap in layout.get('swap') or []:
        for field, prefix in (('device', ''), ('uuid', 'UUID='), ('label', 'LABEL=')):
            if swap.get(field):
                known.add(spec_key(prefix + swap[field]))
    for entry in (layout.get('fstab') or {}).get('entries') or []:
        known.add(spec_key(entry['spec']))
    return known


def specs_by_mount_point(layout):
    """{mount point: spec} of the new host's own fstab, and its swap specs in order."""
    by_file, swaps = {}, []
    for entry in (layout.get('fstab') or {}).get('entries') or []:
        if entry.get('vfstype') == 'swap':
            swaps.append(entry['spec'])
        elif entry.get('file', '').startswith('/'):
            by_file[entry['file']] = entry['spec']
    return by_file, swaps


def remap_network_spec(spec, address_map):
    """The spec with its server address remapped, or None when it is not mapped."""
    if spec.startswith('//'):
        host, sep, rest = spec[2:].partition('/')
        new = address_map.new_address(host)
        return '//' + new + sep + rest if new else None
    if spec.startswith('['):
        host, sep, rest = spec[1:].partition(']')
        new = address_map.new_address(host)
        return '[' + new + sep + rest if new else None
    host, sep, rest = spec.partition(':')
    new = address_map.new_address(host)
    if not new:
        return None
    return ('[%s]' % new if ':' in new else new) + sep + rest


def plan_fstab(lines, device_map, layout, address_map, missing_device, device_exists):
    """Change the FstabLine objects in place; returns (changes, errors).

    ``device_exists(spec)`` says whether the new host has the device; ``layout`` is the new
    host's layout_info (may be empty). ``errors`` is non-empty only with missing_device=fail.
    """
    mapped = dict((spec_key(old), new) for old, new in (device_map or {}).items())
    by_file, swaps = specs_by_mount_point(layout or {})
    swaps = list(swaps)
    changes, errors = [], []
    for line in fstab_entries(lines):
        old = line.spec
        kind, _value = classify_spec(old)
        if kind == 'network':
            new = remap_network_spec(old, address_map)
            if new and new != old:
                line.set_field('spec', new)
                changes.append({'line': line.number, 'file': line.file, 'old': old, 'new': new, 'action': 'address'})
            continue
        if not is_local_device(line):
            continue
        new = mapped.get(spec_key(old))
        how = 'device_map'
        if new is None and line.vfstype == 'swap' and swaps and not device_exists(old):
            new, how = swaps.pop(0), 'layout'
        elif new is None and line.file in by_file and not device_exists(old):
            new, how = by_file[line.file], 'layout'
        if new is not None and spec_key(new) != spec_key(old):
            line.set_field('spec', new)
            changes.append({'line': line.number, 'file': line.file, 'old': old, 'new': new, 'action': how})
            continue
        if new is not None or device_exists(old):
            continue
        change = {'line': line.number, 'file': line.file, 'old': old, 'new': None, 'action': missing_device}
        if missing_device == 'fail':
            errors.append('line %d (%s): no device %s on this host' % (line.number, line.file, old))
        elif missing_device == 'nofail':
            if 'nofail' not in line.options:
                line.set_field('mntops', ','.join(line.options + ['nofail']))
                changes.append(change)
        elif missing_device == 'comment':
            comment_out(line)
            changes.append(change)
    return changes, errors


def comment_out(line):
    """Turn an entry into a comment that keeps its text (so it can be restored by hand)."""
    line.raw = '#' + line.raw
    line.kind = 'comment'


def mount_points(lines):
    """Directories the entries mount on (swap and 'none' left out), in file order."""
    return [line.file for line in fstab_entries(lines)
            if line.file.startswith('/') and line.vfstype != 'swap']
