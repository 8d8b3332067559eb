# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_layout/values.py: tool output (lsblk, blkid) as ints, booleans and None."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._layout.values import (
    empty_to_none, fill_missing, to_bool, to_int)


@pytest.mark.parametrize('value, number', [
    (512, 512), ('512', 512), (' 512B ', 512), ('1.5', 1), ('', None), (None, None), (True, None), ('n/a', None),
])
def test_to_int(value, number):
    assert to_int(value) == number


@pytest.mark.parametrize('value, flag', [('1', True), ('0', False), ('true', True), (' False ', False),
                                         (True, True), (None, None)])
def test_to_bool_reads_old_and_new_lsblk(value, flag):
    assert to_bool(value) is flag


def test_empty_to_none_and_fill_missing():
    assert empty_to_none('  ') is None and empty_to_none(' sda ') == 'sda' and empty_to_none(None) is None
    target = dict(fstype='', uuid='1234', label=None)
    assert fill_missing(target, dict(fstype='xfs', uuid='other', label='root'), ('fstype', 'uuid', 'label')) == dict(
        fstype='xfs', uuid='1234', label='root')
