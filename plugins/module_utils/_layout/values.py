# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""Small value helpers shared by the layout parsers (ints, booleans, empty strings).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.module_utils.common.text.converters import to_text


def to_int(value):
    """int() for tool output that may be a number, a numeric string, '' or None (-> None)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        pass
    text = to_text(value).strip().rstrip('Bb')
    try:
        return int(float(text))
    except ValueError:
        return None


def to_bool(value):
    """lsblk prints booleans as true/false (new) or "0"/"1" (old)."""
    if isinstance(value, bool) or value is None:
        return value
    return to_text(value).strip().lower() in ('1', 'true', 'yes')


def empty_to_none(value):
    if value is None:
        return None
    value = to_text(value).strip()
    return value or None


def fill_missing(target, source, keys):
    """Copy keys from source where target has no value yet (first source wins)."""
    for key in keys:
        if target.get(key) in (None, '') and source.get(key) not in (None, ''):
            target[key] = source[key]
    return target


ID_KEYS = ('fstype', 'uuid', 'label', 'partuuid', 'partlabel')
