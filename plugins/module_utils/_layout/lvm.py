# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""LVM: vgs/lvs/pvs reports (JSON or separated) and device-mapper paths.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

from ansible_collections.exalogic.backup.plugins.module_utils._layout.values import empty_to_none, to_int


def parse_lvm_json(text, report):
    """`vgs/lvs/pvs --reportformat json` -> list of row dicts (all values text)."""
    data = json.loads(text)
    rows = []
    for section in data.get('report', []):
        rows.extend(section.get(report, []))
    return rows


def parse_lvm_separated(text, fields):
    """`vgs --noheadings --separator '|' -o f1,f2` (LVM without JSON, e.g. OL6) -> rows."""
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        values = [value.strip() for value in line.strip().split('|')]
        rows.append(dict(zip(fields, values)))
    return rows


def dm_path(vg_name, lv_name):
    """/dev/mapper name of an LV: dashes inside VG and LV names are doubled."""
    return '/dev/mapper/%s-%s' % (vg_name.replace('-', '--'), lv_name.replace('-', '--'))


def normalize_lvm(vgs, lvs, pvs):
    """Raw LVM report rows -> {vgs, lvs, pvs} with sizes as integers (bytes)."""
    return {
        'vgs': [{
            'name': row.get('vg_name'),
            'uuid': empty_to_none(row.get('vg_uuid')),
            'size': to_int(row.get('vg_size')),
            'free': to_int(row.get('vg_free')),
            'extent_size': to_int(row.get('vg_extent_size')),
            'pv_count': to_int(row.get('pv_count')),
            'lv_count': to_int(row.get('lv_count')),
        } for row in vgs],
        'lvs': [{
            'name': row.get('lv_name'),
            'vg': row.get('vg_name'),
            'uuid': empty_to_none(row.get('lv_uuid')),
            'size': to_int(row.get('lv_size')),
            'attr': empty_to_none(row.get('lv_attr')),
            'segtype': empty_to_none(row.get('segtype')),
            'pool': empty_to_none(row.get('pool_lv')),
            'origin': empty_to_none(row.get('origin')),
            'path': empty_to_none(row.get('lv_path')),
            'dm_path': dm_path(row.get('vg_name') or '', row.get('lv_name') or ''),
        } for row in lvs],
        'pvs': [{
            'name': row.get('pv_name'),
            'vg': empty_to_none(row.get('vg_name')),
            'uuid': empty_to_none(row.get('pv_uuid')),
            'size': to_int(row.get('pv_size')),
            'free': to_int(row.get('pv_free')),
        } for row in pvs],
    }
