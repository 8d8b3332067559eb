# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Python a host gets and the shell command that installs it, from a raw probe of the host."""

from __future__ import annotations

DOCUMENTATION = r'''
name: python_bootstrap
short_description: The Python interpreter for a host and the command that installs it
version_added: 1.0.0
description:
  - Input is the output of the probe command in RV(probe_command) run with M(ansible.builtin.raw)
    (the host's C(/etc/os-release) or C(/etc/redhat-release) and the interpreters it already has).
  - Output says which interpreter Ansible should use and the shell command that installs it when it is
    missing - Python 2.7 from the software collections on Oracle Linux / RHEL 6 (behind a small wrapper
    that sets C(LD_LIBRARY_PATH)), the system Python on 7, C(platform-python) on 8, C(python3) on 9 and Debian.
  - The playbook C(exalogic.backup.bootstrap_python) uses it; see C(docs/interpreters.md).
options:
  _input:
    description: The probe's standard output.
    type: str
    required: true
'''

EXAMPLES = r'''
- name: Probe
  ansible.builtin.raw: "{{ 'probe' | exalogic.backup.python_bootstrap_probe }}"
  register: probe
  changed_when: false

- name: Decide
  ansible.builtin.set_fact:
    plan: "{{ probe.stdout | exalogic.backup.python_bootstrap }}"
'''

RETURN = r'''
_value:
  description: The plan.
  type: dict
  contains:
    distribution:
      description: C(redhat) (Oracle Linux, RHEL, CentOS), C(debian) or C(unknown).
      type: str
    major:
      description: Major release, 0 when unknown.
      type: int
    interpreter:
      description: Value for C(ansible_python_interpreter).
      type: str
    install:
      description: Shell command to run with M(ansible.builtin.raw) when the interpreter is missing, else empty.
      type: str
'''

import re
import shlex

from ansible.errors import AnsibleFilterError

# what the probe prints: the release files, then "have <path>" for every interpreter present
CANDIDATES = ('/usr/bin/python3', '/usr/libexec/platform-python', '/usr/bin/python2.7',
              '/usr/local/bin/exalogic-python2.7')
PROBE = ('cat /etc/os-release 2>/dev/null; cat /etc/redhat-release 2>/dev/null; '
         'for p in %s; do [ -x "$p" ] && echo "have $p"; done; true' % ' '.join(CANDIDATES))

SCL_ROOT = '/opt/rh/python27/root'
SCL_WRAPPER = '/usr/local/bin/exalogic-python2.7'
REDHAT_IDS = ('ol', 'rhel', 'centos', 'redhat', 'almalinux', 'rocky')


def release(probe):
    """(distribution, major) from os-release or redhat-release text."""
    fields = dict(re.findall(r'^([A-Z_]+)="?([^"\n]*)"?$', probe, re.MULTILINE))
    ident = fields.get('ID', '').lower()
    like = fields.get('ID_LIKE', '').lower().split()
    major = re.match(r'(\d+)', fields.get('VERSION_ID', ''))
    if ident:
        family = 'redhat' if ident in REDHAT_IDS or 'rhel' in like or 'fedora' in like else (
            'debian' if ident == 'debian' or 'debian' in like else 'unknown')
        return family, int(major.group(1)) if major else 0
    # Oracle Linux / RHEL 6 have no os-release: "Oracle Linux Server release 6.10"
    legacy = re.search(r'release (\d+)', probe)
    if legacy and re.search(r'Oracle|Red Hat|CentOS', probe):
        return 'redhat', int(legacy.group(1))
    return 'unknown', 0


def scl_install():
    wrapper = ('#!/bin/sh\nLD_LIBRARY_PATH=%s/usr/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} '
               'exec %s/usr/bin/python2.7 "$@"\n' % (SCL_ROOT, SCL_ROOT))
    return ('yum -y install python27 && printf %%s %s > %s && chmod 0755 %s'
            % (shlex.quote(wrapper), SCL_WRAPPER, SCL_WRAPPER))


def plan(distribution, major, have):
    """(interpreter, install command or '') for a release and the interpreters it has."""
    if distribution == 'redhat' and major == 6:
        return SCL_WRAPPER, '' if SCL_WRAPPER in have else scl_install()
    if distribution == 'redhat' and major == 7:
        if '/usr/bin/python3' in have:
            return '/usr/bin/python3', ''
        return '/usr/bin/python2.7', '' if '/usr/bin/python2.7' in have else 'yum -y install python'
    if distribution == 'redhat' and major == 8:
        return '/usr/libexec/platform-python', '' if '/usr/libexec/platform-python' in have else 'dnf -y install platform-python'
    if distribution == 'redhat' and major >= 9:
        return '/usr/bin/python3', '' if '/usr/bin/python3' in have else 'dnf -y install python3'
    if distribution == 'debian':
        return '/usr/bin/python3', '' if '/usr/bin/python3' in have else 'apt-get update && apt-get -y install python3'
    raise AnsibleFilterError('python_bootstrap: unsupported release (%s %s); supported: Oracle Linux/RHEL 6-9, Debian. '
                             'Set ansible_python_interpreter for this host by hand' % (distribution, major or '?'))


def python_bootstrap(probe):
    if not isinstance(probe, str):
        raise AnsibleFilterError('python_bootstrap expects the probe output (a string)')
    distribution, major = release(probe)
    have = set(re.findall(r'^have (\S+)$', probe, re.MULTILINE))
    interpreter, install = plan(distribution, major, have)
    return {'distribution': distribution, 'major': major, 'interpreter': interpreter, 'install': install}


def python_bootstrap_probe(_ignored=None):
    """The shell command whose output python_bootstrap reads."""
    return PROBE


class FilterModule:
    def filters(self):
        return {'python_bootstrap': python_bootstrap, 'python_bootstrap_probe': python_bootstrap_probe}
