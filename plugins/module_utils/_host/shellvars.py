# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""``KEY=value`` files (os-release, /etc/sysconfig/*, ifcfg-*): shell-style assignments.

A value is read the way sh reads a word: unquoted text, '...' and "..." parts run together
(``A="x""y"`` is ``xy``), a backslash outside single quotes escapes the next character, and an
unquoted space or tab ends it. Several assignments may share a line; ``#`` after white space
starts a comment. ``scan_line`` also returns where each value is written, so a rewriter can
replace one value and keep the rest of the line byte for byte (see ifcfg.py).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

_KEY = re.compile(r'[A-Za-z_][A-Za-z0-9_]*=')
_DOUBLE_QUOTE_ESCAPES = '"\\$`'


class Assignment(object):
    """KEY=value found on a line: ``start``/``end`` delimit the value as written."""

    def __init__(self, key, value, start, end):
        self.key = key
        self.value = value
        self.start = start
        self.end = end


def _read_word(line, position):
    """(value, end) of the shell word starting at ``position``."""
    chars = []
    length = len(line)
    while position < length and line[position] not in ' \t':
        char = line[position]
        if char == "'":
            close = line.find("'", position + 1)
            close = length if close < 0 else close
            chars.append(line[position + 1:close])
            position = close + 1
        elif char == '"':
            position += 1
            while position < length and line[position] != '"':
                if line[position] == '\\' and position + 1 < length and line[position + 1] in _DOUBLE_QUOTE_ESCAPES:
                    position += 1
                chars.append(line[position])
                position += 1
            position += 1
        elif char == '\\' and position + 1 < length:
            chars.append(line[position + 1])
            position += 2
        else:
            chars.append(char)
            position += 1
    return ''.join(chars), min(position, length)


def scan_line(line):
    """The assignments on one line (without its line ending), in order; [] for other lines."""
    assignments = []
    position = 0
    length = len(line)
    while True:
        while position < length and line[position] in ' \t':
            position += 1
        if position >= length or line[position] == '#':
            return assignments
        if line.startswith('export', position) and line[position + 6:position + 7] in (' ', '\t'):
            position += 6
            continue
        match = _KEY.match(line, position)
        if not match:
            return assignments  # a command or something else: not an assignment line
        start = match.end()
        value, end = _read_word(line, start)
        assignments.append(Assignment(match.group(0)[:-1], value, start, end))
        position = end


def quote_value(value):
    """``value`` written so that sh (and scan_line) reads it back unchanged."""
    if value and re.match(r'[A-Za-z0-9_@%+=:,./-]+\Z', value):
        return value
    return '"%s"' % ''.join('\\' + char if char in _DOUBLE_QUOTE_ESCAPES else char for char in value)


def parse_shell_assignments(text):
    """KEY=value lines with shell quoting (os-release, sysconfig files, selinux/config) as a dict."""
    values = {}
    for line in text.splitlines():
        for assignment in scan_line(line):
            values[assignment.key] = assignment.value
    return values
