# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""The side-car files that keep what an NFSv3 share cannot: POSIX ACLs and file capabilities.

acls.txt is `getfacl --skip-base --numeric` output with names relative to the backed-up root
(blocks starting with '# file: <path>'), restored with `setfacl --restore`. capabilities.txt is
`getcap` output, one '<path> <caps>' line per file (libcap 2.2x; older libcap wrote '<path> = <caps>').
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

FILE_PREFIX = '# file: '


def acl_blocks(text):
    """[(relative path, block text)] from a getfacl dump."""
    blocks = []
    current = None
    for line in (text or '').splitlines(True):
        if line.startswith(FILE_PREFIX):
            current = [unescape(line[len(FILE_PREFIX):].rstrip('\n')), [line]]
            blocks.append(current)
        elif current is not None:
            current[1].append(line)
    return [(path, ''.join(lines).rstrip('\n') + '\n\n') for path, lines in blocks]


def unescape(name):
    """getfacl writes unusual characters as octal escapes (\\040 for a space)."""
    out, i = [], 0
    while i < len(name):
        if name[i] == '\\' and i + 4 <= len(name) and name[i + 1:i + 4].isdigit():
            out.append(chr(int(name[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(name[i])
            i += 1
    return ''.join(out)


def capability_entries(text):
    """[(relative path, capability text)] from getcap output (both output styles)."""
    entries = []
    for line in (text or '').splitlines():
        line = line.strip()
        if not line:
            continue
        if ' = ' in line:
            path, caps = line.rsplit(' = ', 1)
        elif ' ' in line:
            path, caps = line.rsplit(' ', 1)
        else:
            continue
        entries.append((path, caps))
    return entries


def under(path, selected):
    """Is a root-relative path (no leading '/') one of the selected paths or below one of them?"""
    path = path.strip('/')
    for chosen in selected:
        chosen = chosen.strip('/')
        if not chosen or path == chosen or path.startswith(chosen + '/'):
            return True
    return False


def select_acls(text, selected=None):
    """The getfacl dump restricted to the selected paths (all when selected is None)."""
    return ''.join(block for path, block in acl_blocks(text) if selected is None or under(path, selected))


def select_capabilities(text, selected=None):
    return [(path, caps) for path, caps in capability_entries(text) if selected is None or under(path, selected)]
