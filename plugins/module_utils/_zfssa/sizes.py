# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""Byte sizes as users write them ('10G', '512m', '1.5T', 1073741824) and as the appliance keeps them.

The appliance stores sizes as integers in bytes (quota, reservation, max_bandwidth ...); options
accept either form. Units are powers of 1024, like the appliance CLI and `zfs`.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

UNITS = {'': 1, 'B': 1, 'K': 1024, 'M': 1024 ** 2, 'G': 1024 ** 3, 'T': 1024 ** 4, 'P': 1024 ** 5}
SIZE_RE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*([KMGTP]?)(?:I?B)?\s*$', re.IGNORECASE)


def parse_size(value, option='size'):
    """Bytes (int) from an int or a '10G'-style string; ValueError naming the option otherwise.

    None stays None (option not given). Booleans are rejected: a YAML `yes` is never a size.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("%s: %r is not a size; give bytes (10737418240) or a string such as '10G'" % (option, value))
    if isinstance(value, int):
        if value < 0:
            raise ValueError('%s: %d is negative; sizes are 0 (none) or more bytes' % (option, value))
        return value
    match = SIZE_RE.match(str(value))
    if not match:
        raise ValueError("%s: '%s' is not a size; give bytes (10737418240) or a number with K, M, G, T or P "
                         "(powers of 1024), for example '10G'" % (option, value))
    number, unit = match.groups()
    return int(round(float(number) * UNITS[unit.upper()]))


def format_size(value):
    """'10G' for 10737418240: the largest unit that divides the value exactly (for messages and diffs)."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return str(value)
    for unit in ('P', 'T', 'G', 'M', 'K'):
        if value % UNITS[unit] == 0:
            return '%d%s' % (value // UNITS[unit], unit)
    return str(value)
