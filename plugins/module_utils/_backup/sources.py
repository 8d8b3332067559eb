# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""What a backup reads: source paths below a root, exclude matching, and one walk over them.

Paths are "root-relative absolute" ('/', '/var', '/etc/hosts'): the path a file has on the server
being backed up, whatever directory `root` puts that server at on this machine.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib
import os
import re
import stat


def on_host(root, path):
    """Where a root-relative path is on this machine."""
    return os.path.normpath(os.path.join(root, path.lstrip('/')))


def anchored(root, path):
    """rsync --relative source: '<root>/./<path>' so the tree lands as <path> in the mirror."""
    if not path.strip('/'):
        return os.path.join(root, '.') + '/'
    return os.path.join(root, '.', path.strip('/'))


def relative_to_root(root, host_path):
    root = os.path.normpath(root)
    if root == '/':
        return host_path
    return '/' + os.path.relpath(host_path, root) if os.path.normpath(host_path) != root else '/'


def is_excluded(path, patterns):
    """Would rsync skip this root-relative path: does it, or a directory above it, match an exclude?"""
    parts = path.strip('/').split('/')
    return any(matches_any('/' + '/'.join(parts[:end]), patterns) for end in range(1, len(parts) + 1) if parts[0])


def matches_any(path, patterns):
    """Does this one path match an exclude pattern, the way rsync matches (no look at its parents)?"""
    return any(compiled(pattern).match(path) for pattern in patterns)


_COMPILED = {}


def compiled(pattern):
    """rsync's matching rules (rsync(1) "PATTERN MATCHING RULES") as a regular expression:
    a leading '/' anchors at the root; a pattern with an inner '/' or '**' matches the end of the path at
    a '/' boundary; any other pattern matches the last component. '*' stops at '/', '**' does not,
    'dir/***' is the directory and everything in it. A trailing '/' is dropped (directories only, in
    rsync; the walker treats it as any type)."""
    if pattern not in _COMPILED:
        body = pattern.rstrip('/') if pattern != '/' else pattern
        anchored = body.startswith('/')
        tail = body.endswith('/***')
        if tail:
            body = body[:-4]
        regex = glob_regex(body.lstrip('/') if anchored else body)
        if tail:
            regex += '(/.*)?'
        # anchored: from the root; otherwise the last component(s), starting at a '/' boundary
        regex = ('/' if anchored else '(.*/)?') + regex
        _COMPILED[pattern] = re.compile('^' + regex + '$', re.DOTALL)
    return _COMPILED[pattern]


def glob_regex(glob):
    out = []
    index = 0
    while index < len(glob):
        char = glob[index]
        if glob.startswith('**', index):
            out.append('.*')
            index += 2
            continue
        if char == '*':
            out.append('[^/]*')
        elif char == '?':
            out.append('[^/]')
        elif char == '[':
            end = glob.find(']', index + 2)
            if end < 0:
                out.append(re.escape(char))
            else:
                inner = glob[index + 1:end]
                out.append('[' + ('^' + inner[1:] if inner[:1] in '!^' else inner).replace('\\', '\\\\') + ']')
                index = end
        else:
            out.append(re.escape(char))
        index += 1
    return ''.join(out)


def exclude_digest(patterns, exclude_from_text=''):
    text = '\n'.join(patterns) + '\n--exclude-from--\n' + (exclude_from_text or '')
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def walk(root, sources, excludes, limit=None):
    """Yield (root-relative path, lstat) of every entry below the sources, staying on each source's
    filesystem and skipping excluded paths; stops after `limit` entries when given."""
    count = 0
    for source in sources:
        top = on_host(root, source)
        try:
            top_stat = os.lstat(top)
        except OSError:
            continue
        stack = [(source, top, top_stat)]
        while stack:
            rel, full, st = stack.pop()
            yield rel, st
            count += 1
            if limit is not None and count >= limit:
                return
            if not stat.S_ISDIR(st.st_mode) or st.st_dev != top_stat.st_dev:
                continue
            try:
                names = sorted(os.listdir(full))
            except OSError:
                continue
            for name in names:
                child_rel = rel.rstrip('/') + '/' + name
                if matches_any(child_rel, excludes):  # parents were checked on the way down
                    continue
                child = os.path.join(full, name)
                try:
                    child_st = os.lstat(child)
                except OSError:
                    continue  # vanished while walking
                if stat.S_ISDIR(child_st.st_mode) and child_st.st_dev != top_stat.st_dev:
                    yield child_rel, child_st  # another filesystem's mount point: listed, not entered
                    count += 1
                    continue
                stack.append((child_rel, child, child_st))


def count_at_least(root, sources, excludes, wanted):
    """How many entries the sources hold, counting no further than `wanted` (cheap on big trees)."""
    return sum(1 for _entry in walk(root, sources, excludes, limit=wanted))
