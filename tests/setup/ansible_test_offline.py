"""Make ansible-test's pip bootstrap work on machines that cannot reach its download host.

ansible-test bootstraps pip in every venv it creates with a get-pip script downloaded from
ci-files.testing.ansible.com and cached in ~/.ansible/test/cache/get_pip_<version>.py. This
script reads the pip version the installed ansible-test pins, tries the real download once, and
only when that is impossible installs tests/setup/get_pip_standin.py in its place.

Usage: python tests/setup/ansible_test_offline.py   (with the venv's python, HOME as for ansible-test)
"""
import os
import re
import shutil
import sys
import urllib.request

import ansible_test

HERE = os.path.dirname(os.path.abspath(__file__))
URL = 'https://ci-files.testing.ansible.com/ansible-test/get-pip-%s.py'


def pinned_pip_version():
    path = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
    with open(path, encoding='utf-8') as source:
        match = re.search(r"pip='([0-9.]+)'", source.read())
    if not match:
        raise SystemExit('cannot find the pip version pinned by ansible-test in %s' % path)
    return match.group(1)


def main():
    version = pinned_pip_version()
    cache = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % version.replace('.', '_'))
    if os.path.exists(cache):
        print('ansible-test pip bootstrap: %s already present' % cache)
        return 0
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    try:
        with urllib.request.urlopen(URL % version, timeout=10) as download:
            data = download.read()
        with open(cache, 'wb') as target:
            target.write(data)
        print('ansible-test pip bootstrap: downloaded %s' % (URL % version))
    except OSError as exc:
        shutil.copyfile(os.path.join(HERE, 'get_pip_standin.py'), cache)
        print('ansible-test pip bootstrap: download impossible (%s); installed the offline stand-in as %s' % (exc, cache))
    return 0


if __name__ == '__main__':
    sys.exit(main())
