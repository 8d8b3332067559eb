# Offline stand-in for ansible-test's pip bootstrap script (get-pip-<version>.py).
#
# ansible-test downloads its get-pip script from a host that CI cannot reach. When the download
# is impossible, tests/setup/ansible_test_offline.py copies this file into ansible-test's cache
# under the name ansible-test looks for. It installs the requested pip from the package index,
# bootstrapping from the pip wheel that CPython bundles with ensurepip.
import glob
import os
import sys

import ensurepip


def main():
    args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
    wheels = sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), '_bundled', 'pip-*.whl')))
    sys.path.insert(0, wheels[-1])
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel
    return pip_main(['install', '--upgrade', '--force-reinstall'] + args)


if __name__ == '__main__':
    sys.exit(main())
