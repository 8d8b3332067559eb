# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.exalogic.backup.plugins.module_utils._layout.collect import LVM_FIELDS
from ansible_collections.exalogic.backup.plugins.module_utils._layout.lvm import (
    normalize_lvm, parse_lvm_json, parse_lvm_separated)


VGS_JSON = """  {
      "report": [
          {
              "vg": [
                  {"vg_name":"ol", "vg_uuid":"AbCdEf-gHiJ-kLmN", "vg_size":"52609155072", "vg_free":"0",
                   "vg_extent_size":"4194304", "pv_count":"1", "lv_count":"2"}
              ]
          }
      ]
  }
"""


LVS_JSON = """  {
      "report": [
          {
              "lv": [
                  {"lv_name":"root", "vg_name":"ol", "lv_uuid":"XyZ-1", "lv_size":"48318382080", "lv_attr":"-wi-ao----",
                   "segtype":"linear", "pool_lv":"", "origin":"", "lv_path":"/dev/ol/root"},
                  {"lv_name":"swap-1", "vg_name":"ol-data", "lv_uuid":"XyZ-2", "lv_size":"4290772992",
                   "lv_attr":"-wi-ao----", "segtype":"linear", "pool_lv":"", "origin":"", "lv_path":"/dev/ol-data/swap-1"}
              ]
          }
      ]
  }
"""


PVS_JSON = """{"report": [{"pv": [{"pv_name":"/dev/sda2", "vg_name":"ol", "pv_uuid":"PvUuId-1",
                                  "pv_size":"52609155072", "pv_free":"0"}]}]}"""


# LVM 2.02.143 (OL6) has no JSON: --noheadings --separator '|'
VGS_SEPARATED = "  VolGroup|Qw3-rT|21470642176|0|4194304|1|2\n"


def test_lvm_json_reports():
    lvm = normalize_lvm(parse_lvm_json(VGS_JSON, 'vg'), parse_lvm_json(LVS_JSON, 'lv'),
                        parse_lvm_json(PVS_JSON, 'pv'))
    assert lvm['vgs'] == [{'name': 'ol', 'uuid': 'AbCdEf-gHiJ-kLmN', 'size': 52609155072, 'free': 0,
                           'extent_size': 4194304, 'pv_count': 1, 'lv_count': 2}]
    root, swap = lvm['lvs']
    assert (root['name'], root['vg'], root['size'], root['pool'], root['dm_path']) == (
        'root', 'ol', 48318382080, None, '/dev/mapper/ol-root')
    assert swap['dm_path'] == '/dev/mapper/ol--data-swap--1'  # dashes doubled, as device-mapper names them
    assert lvm['pvs'][0] == {'name': '/dev/sda2', 'vg': 'ol', 'uuid': 'PvUuId-1', 'size': 52609155072, 'free': 0}


def test_lvm_separated_report_of_old_lvm():
    rows = parse_lvm_separated(VGS_SEPARATED, LVM_FIELDS['vgs'])
    vg = normalize_lvm(rows, [], [])['vgs'][0]
    assert (vg['name'], vg['size'], vg['lv_count']) == ('VolGroup', 21470642176, 2)
