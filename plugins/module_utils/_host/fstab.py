# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""The one /etc/fstab parser of the collection.

``parse_fstab(text)`` keeps every line (comments, blank lines, malformed lines) together with its
original text, including the whitespace between fields and the line ending, so that
``render_fstab(lines)`` gives back the input unchanged and a rewriter can change one field of
one line without touching anything else (``FstabLine.set_field``).

Field names follow fstab(5) and getmntent(3): spec, file, vfstype, mntops, freq, passno.
Spaces and other special characters inside a field are written as octal escapes (``\\040``);
``spec``/``file`` and friends hold the decoded value, ``fields`` the text as written.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

FIELD_NAMES = ('spec', 'file', 'vfstype', 'mntops', 'freq', 'passno')

# spec prefixes that name a device by a tag (fstab(5), libmount); value -> spec_kind
SPEC_TAGS = (
    ('UUID=', 'uuid'),
    ('LABEL=', 'label'),
    ('PARTUUID=', 'partuuid'),
    ('PARTLABEL=', 'partlabel'),
    ('ID=', 'id'),
)

_OCTAL_ESCAPE = re.compile(r'\\([0-7]{3})')
_LINE = re.compile(r'[^\n]*\n|[^\n]+$')
_TOKEN = re.compile(r'(\s+)')
# characters that cannot appear literally in a field (getmntent decodes exactly these)
_MUST_ESCAPE = {' ': '\\040', '\t': '\\011', '\n': '\\012', '\\': '\\134'}


def decode_field(value):
    """Turn octal escapes such as ``\\040`` into the characters they stand for."""
    return _OCTAL_ESCAPE.sub(lambda match: chr(int(match.group(1), 8)), value)


def encode_field(value):
    """Write ``value`` so that it is one fstab field (space, tab, newline, backslash escaped)."""
    return ''.join(_MUST_ESCAPE.get(char, char) for char in value)


def classify_spec(spec):
    """Return (spec_kind, spec_value) for a decoded spec.

    Kinds: uuid, label, partuuid, partlabel, id (tags, value without the prefix or quotes),
    device (an absolute path such as /dev/sda1 or /dev/mapper/vg-lv), network (host:/path or
    //server/share) and other (tmpfs, proc, none, ...).
    """
    for prefix, kind in SPEC_TAGS:
        if spec.upper().startswith(prefix):
            value = spec[len(prefix):]
            if len(value) >= 2 and value[0] == value[-1] and value[0] in ('"', "'"):
                value = value[1:-1]
            return kind, value
    if spec.startswith('//') or (':' in spec and not spec.startswith('/')):
        return 'network', spec
    if spec.startswith('/'):
        return 'device', spec
    return 'other', spec


class FstabLine(object):
    """One line of an fstab file.

    kind is 'entry', 'comment', 'blank' or 'invalid'. ``raw`` is the exact original text
    including the line ending; ``error`` says why an 'invalid' line was not understood.
    """

    def __init__(self, raw, number):
        self.raw = raw
        self.number = number
        self.error = None
        body, self.ending = _split_ending(raw)
        self._tokens = [token for token in _TOKEN.split(body) if token]
        stripped = body.strip()
        if not stripped:
            self.kind = 'blank'
        elif stripped.startswith('#'):
            self.kind = 'comment'
        elif not 3 <= len(self.fields) <= 6:
            self.kind = 'invalid'
            self.error = 'expected 3 to 6 fields (spec file vfstype [mntops [freq [passno]]]), found %d' % len(self.fields)
        elif not all(field.isdigit() for field in self.fields[4:]):
            self.kind = 'invalid'
            self.error = 'freq and passno must be numbers'
        else:
            self.kind = 'entry'

    @property
    def fields(self):
        """The fields as written in the file (still escaped)."""
        return [token for token in self._tokens if not token.isspace()]

    def _field(self, index, default=None):
        fields = self.fields
        if self.kind != 'entry' or index >= len(fields):
            return default
        return decode_field(fields[index])

    @property
    def spec(self):
        return self._field(0)

    @property
    def file(self):
        return self._field(1)

    @property
    def vfstype(self):
        return self._field(2)

    @property
    def mntops(self):
        # fstab(5): an absent mntops field means "defaults"
        return self._field(3, 'defaults' if self.kind == 'entry' else None)

    @property
    def freq(self):
        value = self._field(4, '0' if self.kind == 'entry' else None)
        return None if value is None else int(value)

    @property
    def passno(self):
        value = self._field(5, '0' if self.kind == 'entry' else None)
        return None if value is None else int(value)

    @property
    def options(self):
        """mntops as a list (comma separated; empty items dropped)."""
        mntops = self.mntops
        return [item for item in mntops.split(',') if item] if mntops else []

    def set_field(self, name, value):
        """Replace one field of an entry with the (decoded) ``value``; whitespace stays as it was.

        Setting mntops, freq or passno on a short line appends the missing fields with one space.
        """
        if self.kind != 'entry':
            raise ValueError('line %d is a %s line, not an fstab entry' % (self.number, self.kind))
        if name not in FIELD_NAMES:
            raise ValueError('unknown fstab field %r; expected one of %s' % (name, ', '.join(FIELD_NAMES)))
        index = FIELD_NAMES.index(name)
        encoded = encode_field('%s' % (value,))
        if not encoded:
            raise ValueError('fstab field %s cannot be empty' % name)
        defaults = ['defaults', '0', '0']
        while len(self.fields) <= index:
            self._append_token(defaults[len(self.fields) - 3])
        position = [i for i, token in enumerate(self._tokens) if not token.isspace()][index]
        self._tokens[position] = encoded
        self.raw = ''.join(self._tokens) + self.ending

    def _append_token(self, token):
        # keep trailing whitespace after the new field, so "a b c  \n" becomes "a b c defaults  \n"
        if self._tokens and self._tokens[-1].isspace():
            trailing = self._tokens.pop()
            self._tokens.extend([' ', token, trailing])
        else:
            self._tokens.extend([' ', token])

    def to_dict(self):
        """A JSON-friendly view of an entry (decoded values) or of a non-entry line."""
        if self.kind != 'entry':
            result = {'line': self.number, 'kind': self.kind, 'text': self.raw.rstrip('\r\n')}
            if self.error:
                result['error'] = self.error
            return result
        spec_kind, spec_value = classify_spec(self.spec)
        return {
            'line': self.number,
            'kind': 'entry',
            'spec': self.spec,
            'spec_kind': spec_kind,
            'spec_value': spec_value,
            'file': self.file,
            'vfstype': self.vfstype,
            'mntops': self.mntops,
            'options': self.options,
            'freq': self.freq,
            'passno': self.passno,
        }


def _split_ending(raw):
    for ending in ('\r\n', '\n'):
        if raw.endswith(ending):
            return raw[:-len(ending)], ending
    return raw, ''


def parse_fstab(text):
    """Split fstab ``text`` into FstabLine objects, one per line, losing nothing."""
    return [FstabLine(raw, number) for number, raw in enumerate(_LINE.findall(text), 1)]


def render_fstab(lines):
    """Join FstabLine objects back into file text (identical to the input when nothing changed)."""
    return ''.join(line.raw for line in lines)


def fstab_entries(lines):
    """Only the entry lines."""
    return [line for line in lines if line.kind == 'entry']


def fstab_to_dict(text):
    """Summary used by layout_info: decoded entries plus the lines that could not be parsed."""
    lines = parse_fstab(text)
    return {
        'entries': [line.to_dict() for line in lines if line.kind == 'entry'],
        'invalid': [line.to_dict() for line in lines if line.kind == 'invalid'],
    }
