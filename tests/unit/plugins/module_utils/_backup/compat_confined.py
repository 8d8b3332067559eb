# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run test_confined.py on a target Python without pytest or Ansible (2.7, 3.6):

    /root/.pyenv/versions/2.7.18/bin/python2.7 tests/unit/plugins/module_utils/_backup/compat_confined.py

confined.py is loaded from the source tree under the collection's import name; each test_* function
gets a fresh temp directory.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import imp
import os
import shutil
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, '..', '..', '..', '..', '..'))
PACKAGE = 'ansible_collections.exalogic.backup.plugins.module_utils._backup'


def load():
    parts = PACKAGE.split('.')
    for i in range(1, len(parts) + 1):
        name = '.'.join(parts[:i])
        sys.modules.setdefault(name, types.ModuleType(name))
    source = os.path.join(TOP, 'plugins', 'module_utils', '_backup', 'confined.py')
    module = imp.load_source(PACKAGE + '.confined', source)
    setattr(sys.modules[PACKAGE], 'confined', module)
    return imp.load_source('test_confined', os.path.join(HERE, 'test_confined.py'))


def main():
    tests = load()
    failed = 0
    names = sorted(n for n in dir(tests) if n.startswith('test_'))
    for name in names:
        func = getattr(tests, name)
        tmp = tempfile.mkdtemp()
        try:
            if func.__code__.co_argcount:
                func(tmp)
            else:
                func()
            print('ok     %s' % name)
        except Exception as err:  # report every test, then fail
            failed += 1
            # ASCII only: under LC_ALL=C stdout cannot print the non-ASCII names some tests use
            print('FAILED %s: %s' % (name, repr(err).encode('ascii', 'backslashreplace').decode('ascii')))
        finally:
            shutil.rmtree(tmp)
    print('%s: %d passed, %d failed' % (sys.version.split()[0], len(names) - failed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
