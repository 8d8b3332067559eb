# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import subprocess

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.exalogic.backup.plugins.filter.python_bootstrap import (
    SCL_WRAPPER, python_bootstrap, python_bootstrap_probe)

OL6 = 'Oracle Linux Server release 6.10\n'
OL7 = 'NAME="Oracle Linux Server"\nVERSION="7.9"\nID="ol"\nID_LIKE="fedora"\nVERSION_ID="7.9"\n'
OL8 = 'NAME="Oracle Linux Server"\nID="ol"\nID_LIKE="fedora"\nVERSION_ID="8.10"\n'
RHEL9 = 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n'
DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'


def test_ol6_installs_python27_from_software_collections_behind_a_wrapper(tmp_path):
    plan = python_bootstrap(OL6 + 'have /usr/bin/python2.6\n')
    assert (plan['distribution'], plan['major'], plan['interpreter']) == ('redhat', 6, SCL_WRAPPER)
    assert plan['install'].startswith('yum -y install python27 && ')
    # the wrapper the command writes really is a shell script that runs the collection's python
    script = plan['install'].split(' && ', 1)[1].replace(SCL_WRAPPER, str(tmp_path / 'py'))
    subprocess.check_call(['sh', '-c', script])
    text = (tmp_path / 'py').read_text()
    assert text.startswith('#!/bin/sh\n') and 'exec /opt/rh/python27/root/usr/bin/python2.7 "$@"' in text
    assert 'LD_LIBRARY_PATH=/opt/rh/python27/root/usr/lib64' in text
    assert os.access(str(tmp_path / 'py'), os.X_OK)


def test_ol6_with_wrapper_in_place_installs_nothing():
    assert python_bootstrap(OL6 + 'have %s\n' % SCL_WRAPPER)['install'] == ''


@pytest.mark.parametrize('probe, interpreter, install', [
    (OL7 + 'have /usr/bin/python2.7\n', '/usr/bin/python2.7', ''),
    (OL7 + 'have /usr/bin/python3\nhave /usr/bin/python2.7\n', '/usr/bin/python3', ''),
    (OL7, '/usr/bin/python2.7', 'yum -y install python'),
    (OL8 + 'have /usr/libexec/platform-python\n', '/usr/libexec/platform-python', ''),
    (OL8, '/usr/libexec/platform-python', 'dnf -y install platform-python'),
    (RHEL9, '/usr/bin/python3', 'dnf -y install python3'),
    (DEBIAN + 'have /usr/bin/python3\n', '/usr/bin/python3', ''),
    (DEBIAN, '/usr/bin/python3', 'apt-get update && apt-get -y install python3'),
])
def test_interpreter_and_install_per_release(probe, interpreter, install):
    plan = python_bootstrap(probe)
    assert (plan['interpreter'], plan['install']) == (interpreter, install)


def test_unknown_release_is_refused_with_the_fix():
    with pytest.raises(AnsibleFilterError, match='Set ansible_python_interpreter for this host by hand'):
        python_bootstrap('ID=alpine\nVERSION_ID=3.19\n')
    with pytest.raises(AnsibleFilterError, match='probe output'):
        python_bootstrap(None)


def test_probe_on_this_machine_reads_back_as_debian():
    out = subprocess.run(['sh', '-c', python_bootstrap_probe()], stdout=subprocess.PIPE, check=True).stdout.decode()
    plan = python_bootstrap(out)
    assert plan['distribution'] == 'debian' and plan['interpreter'] == '/usr/bin/python3'
    assert 'have /usr/bin/python3' in out and plan['install'] == ''
