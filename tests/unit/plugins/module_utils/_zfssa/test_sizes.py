# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.sizes import format_size, parse_size


@pytest.mark.parametrize('given, expected', [
    (None, None), (0, 0), (1073741824, 1073741824), ('10G', 10 * 1024 ** 3), ('10g', 10 * 1024 ** 3),
    ('512M', 512 * 1024 ** 2), ('1.5T', int(1.5 * 1024 ** 4)), ('2GiB', 2 * 1024 ** 3), ('2 GB', 2 * 1024 ** 3),
    ('4096', 4096), ('1k', 1024), ('3P', 3 * 1024 ** 5),
])
def test_parse_size_accepts_bytes_and_unit_strings(given, expected):
    assert parse_size(given) == expected


@pytest.mark.parametrize('given', ['ten', '10X', '-1G', '', '1.2.3G', True, -5])
def test_parse_size_rejects_with_the_option_name(given):
    with pytest.raises(ValueError) as err:
        parse_size(given, 'quota')
    assert str(err.value).startswith('quota:')


@pytest.mark.parametrize('given, expected', [
    (10 * 1024 ** 3, '10G'), (1536 * 1024 ** 2, '1536M'), (1000, '1000'), (0, '0'), (None, 'None'),
])
def test_format_size_uses_the_largest_exact_unit(given, expected):
    assert format_size(given) == expected
