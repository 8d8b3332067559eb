"""Compare two directory trees the way a restore must reproduce them; exit 1 and list differences.

Usage: compare_trees.py EXPECTED ACTUAL [--skip REL ...] [--no-xattrs]
Compared per entry: type, mode, owner and group by number, size, content (sha256), mtime to the
second (rsync compares whole seconds), symlink target, device numbers, the hard-link grouping,
and (unless --no-xattrs) the POSIX ACL, file capability and user.* attributes. Written independently of
the modules under test: it walks with os.lstat, not with the collection's code.
"""
import argparse
import hashlib
import os
import stat
import sys

ATTRS = ('system.posix_acl_access', 'security.capability')


def describe(root, rel, st, xattrs):
    full = os.path.join(root, rel)
    info = {'type': stat.S_IFMT(st.st_mode), 'mode': stat.S_IMODE(st.st_mode), 'uid': st.st_uid, 'gid': st.st_gid}
    if stat.S_ISREG(st.st_mode):
        with open(full, 'rb') as handle:
            info['sha256'] = hashlib.sha256(handle.read()).hexdigest()
        info['size'] = st.st_size
    if stat.S_ISLNK(st.st_mode):
        info['target'] = os.readlink(full)
    else:
        info['mtime'] = int(st.st_mtime)
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        info['rdev'] = (os.major(st.st_rdev), os.minor(st.st_rdev))
    if xattrs and not stat.S_ISLNK(st.st_mode):
        names = list(ATTRS) + sorted(n for n in os.listxattr(full, follow_symlinks=False) if n.startswith('user.'))
        for name in names:
            try:
                info[name] = os.getxattr(full, name)
            except OSError:
                pass
    return info


def scan(root, skip, xattrs):
    entries, inodes = {}, {}
    for top, dirs, files in os.walk(root):
        for name in dirs + files:
            full = os.path.join(top, name)
            rel = os.path.relpath(full, root)
            if any(rel == s or rel.startswith(s + '/') for s in skip):
                continue
            st = os.lstat(full)
            entries[rel] = describe(root, rel, st, xattrs)
            if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
                inodes.setdefault(st.st_ino, []).append(rel)
    groups = sorted(sorted(group) for group in inodes.values() if len(group) > 1)
    return entries, groups


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('expected')
    parser.add_argument('actual')
    parser.add_argument('--skip', action='append', default=[])
    parser.add_argument('--no-xattrs', action='store_true')
    parser.add_argument('--mtime-free', action='append', default=[],
                        help='directories whose mtime may differ (something was added or rewritten in them)')
    args = parser.parse_args()
    want, want_links = scan(args.expected, args.skip, not args.no_xattrs)
    have, have_links = scan(args.actual, args.skip, not args.no_xattrs)
    problems = []
    for rel in sorted(set(want) | set(have)):
        if rel not in have:
            problems.append('missing: %s' % rel)
        elif rel not in want:
            problems.append('extra: %s' % rel)
        elif rel in args.mtime_free and dict(want[rel], mtime=None) == dict(have[rel], mtime=None):
            continue
        elif want[rel] != have[rel]:
            diff = {k: (want[rel].get(k), have[rel].get(k)) for k in set(want[rel]) | set(have[rel])
                    if want[rel].get(k) != have[rel].get(k)}
            problems.append('differs: %s %s' % (rel, diff))
    if want_links != have_links:
        problems.append('hard links differ: %s vs %s' % (want_links, have_links))
    print('\n'.join(problems) if problems else 'identical: %d entries, %d hard-link groups' % (len(want), len(want_links)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
