# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for module unit tests that work with ansible-core 2.16 to 2.19+.

ansible-core 2.19 added ``ansible.module_utils.testing.patch_module_args``; older cores read the
arguments from ``basic._ANSIBLE_ARGS``. ``set_module_args`` hides the difference.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import contextlib
import json

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    patch_module_args = None


class AnsibleExitJson(SystemExit):
    """Raised by the patched exit_json; .result holds what the module returned.

    A SystemExit, like the real exit_json/fail_json (sys.exit): code that catches only Exception lets it
    through in the tests exactly as in production.
    """

    def __init__(self, result):
        super(AnsibleExitJson, self).__init__(result)
        self.result = result


class AnsibleFailJson(SystemExit):
    """Raised by the patched fail_json; .result holds msg and the other fields (a SystemExit, see above)."""

    def __init__(self, result):
        super(AnsibleFailJson, self).__init__(result)
        self.result = result


def exit_json(*args, **kwargs):
    kwargs.setdefault('changed', False)
    raise AnsibleExitJson(kwargs)


def fail_json(*args, **kwargs):
    kwargs['failed'] = True
    raise AnsibleFailJson(kwargs)


@contextlib.contextmanager
def set_module_args(args):
    """Make ``args`` the arguments the next AnsibleModule() sees."""
    args = dict(args)
    args.setdefault('_ansible_remote_tmp', '/tmp')
    args.setdefault('_ansible_keep_remote_files', False)
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    saved = basic._ANSIBLE_ARGS
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = saved


@contextlib.contextmanager
def patched_exits(monkeypatch):
    """Patch AnsibleModule.exit_json/fail_json to raise AnsibleExitJson/AnsibleFailJson."""
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    yield


def run_module(module_main, args, monkeypatch):
    """Run a module's main() with args; return (result, failed)."""
    with patched_exits(monkeypatch):
        with set_module_args(args):
            try:
                module_main()
            except AnsibleExitJson as exc:
                return exc.result, False
            except AnsibleFailJson as exc:
                return exc.result, True
    raise AssertionError('module returned without calling exit_json or fail_json')
