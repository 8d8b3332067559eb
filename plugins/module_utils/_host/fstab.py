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

from ansible_collections.exalogic.backup.plugins.module_utils._host.rawtext import (
    decode_bytes, encode_text, escape_undecodable, has_undecodable,
)

FIELD_NAMES = ('spec', 'file', 'vfstype', 'mntops', 'freq', 'passno')

# spec prefixes that name a device by a tag; value -> spec_kind. Case-sensitive, like libmount:
# mount(8) reads "uuid=abc" as a path, not as a tag.
SPEC_TAGS = (
    ('UUID=', 'uuid'),
    ('LABEL=', 'label'),
    ('PARTUUID=', 'partuuid'),
    ('PARTLABEL=', 'partlabel'),
    ('ID=', 'id'),
)

_OCTAL_ESCAPE = re.compile(br'\\([0-7]{3})')
_LINE = re.compile(r'[^\n]*\n|[^\n]+$')
# fstab(5) and libmount separate fields by spaces and tabs only (never NBSP, \v, CR, ...)
_TOKEN = re.compile(r'([ \t]+)')
# freq/passno as libmount reads them (strtol: C-locale white space, a sign, ASCII digits)
_NUMBER = re.compile(r'^[ \t\n\v\f\r]*[+-]?[0-9]+$')
# characters written as octal escapes so that a field reads back as one field, unchanged
_MUST_ESCAPE = {' ': '\\040', '\t': '\\011', '\n': '\\012', '\r': '\\015', '\\': '\\134'}


def decode_field(value):
    """The value a field stands for: octal escapes such as ``\\040`` or ``\\351`` are bytes.

    Like libmount, an escape is one byte (``\\777`` is 0xFF) and ``\\000`` ends the value.
    Bytes that are not UTF-8 stay lone surrogates (see rawtext), so nothing is lost.
    """
    if '\\' not in value:
        return value
    raw = _OCTAL_ESCAPE.sub(lambda match: _byte(int(match.group(1), 8) & 0xff), encode_text(value))
    return decode_bytes(raw.split(b'\0', 1)[0])


def _byte(number):
    return bytes(bytearray([number]))


def encode_field(value):
    """Write ``value`` as one fstab field that reads back as ``value``.

    Space, tab, newline, CR and backslash are escaped, and so is a leading ``#`` (which would
    make the line a comment). A NUL cannot be written in fstab and is refused.
    """
    if '\0' in value:
        raise ValueError('an fstab field cannot contain a NUL character')
    encoded = ''.join(_MUST_ESCAPE.get(char, char) for char in value)
    if encoded.startswith('#'):
        encoded = '\\043' + encoded[1:]
    return encoded


def json_safe(value):
    """``value`` with non-UTF-8 bytes written as fstab octal escapes (results hold no surrogates)."""
    return escape_undecodable(value) if value is not None else None


def classify_spec(spec):
    """Return (spec_kind, spec_value) for a decoded spec.

    Kinds: uuid, label, partuuid, partlabel, id (tags, value without the prefix or quotes),
    device (an absolute path such as /dev/sda1 or /dev/mapper/vg-lv; also a bind-mount source or
    a swap file, see ``bind``/``swap`` in ``to_dict``), network (host:/path or //server/share)
    and other (tmpfs, proc, none, ...).
    """
    for prefix, kind in SPEC_TAGS:
        if spec.startswith(prefix):
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
    Like libmount, an entry is read from its first six fields; text after passno (for example
    ``# data disk``) is kept in the line and shown by ``trailing``.
    """

    def __init__(self, raw, number):
        self.raw = raw
        self.number = number
        self.error = None
        body, self.ending = _split_ending(raw)
        self._tokens = [token for token in _TOKEN.split(body) if token]
        stripped = body.strip(' \t')
        fields = self.fields
        if not stripped:
            self.kind = 'blank'
        elif stripped.startswith('#'):
            self.kind = 'comment'
        elif '\0' in body:
            self.kind = 'invalid'
            self.error = 'the line contains a NUL character'
        elif len(fields) < 3:
            self.kind = 'invalid'
            self.error = 'expected at least 3 fields (spec file vfstype [mntops [freq [passno]]]), found %d' % len(fields)
        elif not all(_NUMBER.match(field) for field in fields[4:6]):
            self.kind = 'invalid'
            self.error = 'freq and passno must be whole numbers (ASCII digits)'
        else:
            self.kind = 'entry'

    @property
    def fields(self):
        """The fields as written in the file (still escaped), including any trailing text."""
        return [token for token in self._tokens if not _is_separator(token)]

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
        return self._number(4)

    @property
    def passno(self):
        return self._number(5)

    def _number(self, index):
        if self.kind != 'entry':
            return None
        fields = self.fields
        return int(fields[index].strip(' \t\n\v\f\r')) if index < len(fields) else 0

    @property
    def trailing(self):
        """Text after the sixth field (ignored by mount), '' when there is none."""
        if self.kind != 'entry' or len(self.fields) <= 6:
            return ''
        positions = self._field_positions()
        return ''.join(self._tokens[positions[5] + 1:])

    @property
    def options(self):
        """mntops as a list (comma separated; empty items dropped)."""
        mntops = self.mntops
        return [item for item in mntops.split(',') if item] if mntops else []

    def _field_positions(self):
        return [i for i, token in enumerate(self._tokens) if not _is_separator(token)]

    def set_field(self, name, value):
        """Replace one field of an entry with the (decoded) ``value``; whitespace stays as it was.

        Setting mntops, freq or passno on a short line appends the missing fields with one space.
        The new line always reads back with ``name`` equal to ``value``; ValueError otherwise.
        """
        if self.kind != 'entry':
            raise ValueError('line %d is a %s line, not an fstab entry' % (self.number, self.kind))
        if name not in FIELD_NAMES:
            raise ValueError('unknown fstab field %r; expected one of %s' % (name, ', '.join(FIELD_NAMES)))
        index = FIELD_NAMES.index(name)
        if name in ('freq', 'passno'):
            if isinstance(value, bool) or not re.match(r'[0-9]+\Z', '%s' % (value,)):
                raise ValueError('fstab field %s must be a whole number (ASCII digits), got %r' % (name, value))
        encoded = encode_field('%s' % (value,))
        if not encoded:
            raise ValueError('fstab field %s cannot be empty' % name)
        defaults = ['defaults', '0', '0']
        while len(self.fields) <= index:
            self._append_token(defaults[len(self.fields) - 3])
        self._tokens[self._field_positions()[index]] = encoded
        self.raw = ''.join(self._tokens) + self.ending

    def _append_token(self, token):
        # keep trailing whitespace after the new field, so "a b c  \n" becomes "a b c defaults  \n"
        if self._tokens and _is_separator(self._tokens[-1]):
            trailing = self._tokens.pop()
            self._tokens.extend([' ', token, trailing])
        else:
            self._tokens.extend([' ', token])

    def to_dict(self):
        """A JSON-friendly view of an entry (decoded values) or of a non-entry line.

        No lone surrogates: a value holding bytes that are not UTF-8 is given with those bytes
        as fstab octal escapes (``/donn\\351es``) and its name is listed in ``escaped``.
        """
        if self.kind != 'entry':
            result = {'line': self.number, 'kind': self.kind, 'text': json_safe(self.raw.rstrip('\r\n'))}
            if self.error:
                result['error'] = self.error
            return result
        spec_kind, spec_value = classify_spec(self.spec)
        values = {
            'spec': self.spec,
            'spec_value': spec_value,
            'file': self.file,
            'vfstype': self.vfstype,
            'mntops': self.mntops,
        }
        escaped = sorted(key for key, value in values.items() if has_undecodable(value))
        result = dict((key, json_safe(value)) for key, value in values.items())
        options = self.options
        result.update({
            'line': self.number,
            'kind': 'entry',
            'spec_kind': spec_kind,
            'options': [json_safe(option) for option in options],
            'freq': self.freq,
            'passno': self.passno,
            'bind': 'bind' in options or 'rbind' in options,
            'swap': self.vfstype == 'swap',
        })
        if escaped:
            result['escaped'] = escaped
        if self.trailing:
            result['trailing'] = json_safe(self.trailing)
        return result


def _is_separator(token):
    return token[0] in ' \t'


def _split_ending(raw):
    # libmount drops one CR before the newline (or at the end of the file); a second CR belongs
    # to the last field
    for ending in ('\r\n', '\n', '\r'):
        if raw.endswith(ending):
            return raw[:-len(ending)], ending
    return raw, ''


def parse_fstab(text):
    """Split fstab ``text`` (text, or the file's bytes) into FstabLine objects, losing nothing."""
    return [FstabLine(raw, number) for number, raw in enumerate(_LINE.findall(decode_bytes(text)), 1)]


def render_fstab(lines):
    """Join FstabLine objects back into file text (identical to the input when nothing changed)."""
    return ''.join(line.raw for line in lines)


def render_fstab_bytes(lines):
    """The file bytes for FstabLine objects (the bytes read when nothing changed)."""
    return encode_text(render_fstab(lines))


def fstab_entries(lines):
    """Only the entry lines."""
    return [line for line in lines if line.kind == 'entry']


def fstab_warnings(lines):
    """Readable warnings about lines that mount would read differently from what they look like."""
    warnings = []
    for line in lines:
        if line.kind == 'invalid':
            warnings.append('fstab line %d is ignored by mount: %s' % (line.number, line.error))
        elif line.number == 1 and line.raw.startswith(u'\ufeff'):
            warnings.append('fstab line 1 starts with a byte order mark; mount reads it as part of the first field')
    return warnings


def fstab_to_dict(text):
    """Summary used by layout_info: decoded entries, the lines that could not be parsed, warnings."""
    lines = parse_fstab(text)
    return {
        'entries': [line.to_dict() for line in lines if line.kind == 'entry'],
        'invalid': [line.to_dict() for line in lines if line.kind == 'invalid'],
        'warnings': fstab_warnings(lines),
    }
