"""Lay the checkout out as <build>/ansible_collections/exalogic/backup.

ansible-test and ansible-lint need the collection under that path. Rather than asking users to
clone into it, `make layout` mirrors the files git tracks plus untracked files git does not ignore
(so work in progress is tested too) into the build directory, removes files that are gone, and
keeps the copy a git repository of its own so ansible-test lists exactly these files.

Usage: python tests/setup/build_tree.py [BUILD_DIR]     (default: .build next to this checkout)
"""
import filecmp
import os
import shutil
import subprocess
import sys

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEEP = ('.git', 'tests/output')


def source_files():
    try:
        out = subprocess.run(['git', '-C', SOURCE, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                             check=True, capture_output=True).stdout
        names = [n.decode('utf-8', 'surrogateescape') for n in out.split(b'\0') if n]
    except (OSError, subprocess.CalledProcessError):
        names = walk(SOURCE, skip=('.git', '.build', '.venv', 'tests/output'))
    return {n for n in names if os.path.lexists(os.path.join(SOURCE, n))}


def walk(root, skip):
    found = []
    for top, dirs, files in os.walk(root):
        rel_top = os.path.relpath(top, root)
        dirs[:] = [d for d in dirs if os.path.normpath(os.path.join(rel_top, d)) not in skip and not d.startswith('.venv')]
        found.extend(os.path.normpath(os.path.join(rel_top, f)) for f in files)
    return found


def copy_if_changed(src, dst):
    if os.path.islink(src):
        if os.path.lexists(dst):
            os.remove(dst)
        os.symlink(os.readlink(src), dst)
    elif not (os.path.isfile(dst) and not os.path.islink(dst) and filecmp.cmp(src, dst, shallow=False)):
        if os.path.lexists(dst):
            os.remove(dst)
        shutil.copy2(src, dst)
    else:
        shutil.copymode(src, dst)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(SOURCE, '.build'))
    dest = os.path.join(build, 'ansible_collections', 'exalogic', 'backup')
    os.makedirs(dest, exist_ok=True)
    wanted = source_files()
    for name in sorted(wanted):
        target = os.path.join(dest, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        copy_if_changed(os.path.join(SOURCE, name), target)
    for name in walk(dest, skip=KEEP):
        if name not in wanted:
            os.remove(os.path.join(dest, name))
    for top, dirs, files in os.walk(dest, topdown=False):
        rel = os.path.relpath(top, dest)
        if rel != '.' and not rel.startswith(KEEP) and not dirs and not files:
            os.rmdir(top)
    if not os.path.isdir(os.path.join(dest, '.git')):
        subprocess.run(['git', 'init', '-q', dest], check=True)
    print(dest)


if __name__ == '__main__':
    main()
