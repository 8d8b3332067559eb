# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A routed fake appliance for unit tests of the zfssa_* modules.

Module tests describe the appliance as routes, run the module's main() through the real REST
client (only the HTTP transport is replaced) and check the exact writes it sent::

    appliance = FakeAppliance({
        ('GET', '/api/storage/v1/pools/gold/projects/backups'): not_found(),
        ('POST', '/api/storage/v1/pools/gold/projects'): answer({'project': {'name': 'backups'}}, 201),
    })
    result, failed = run_zfssa_module(zfssa_project.main, dict(CONNECTION, name='backups'), monkeypatch, appliance)
    assert appliance.writes() == [('POST', '/api/storage/v1/pools/gold/projects', {'name': 'backups', ...})]

Login (POST /api/access/v1) and logout (DELETE /api/access/v1) are answered automatically. A route
may hold one answer (reused), or a list of answers consumed in order (the last one is reused). An
answer may be an exception (a TransportError, for example) to raise instead. Unknown routes answer
404 like the appliance does.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

from ansible.module_utils import basic
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa import client as zfssa
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.utils import run_module

try:
    from urllib.parse import urlsplit
except ImportError:  # Python 2
    from urlparse import urlsplit

CONNECTION = dict(host='zfs.example.com', user='root', password='S3cret-Pa55', retries=2)  # the fake ignores TLS
ACCESS = '/api/access/v1'
# Every appliance answer carries the software version (docs/reference/appliance-api.md, transport).
VERSION_HEADER = {'X-Zfssa-Version': 'nas.2013.1.1'}


def answer(obj, status=200):
    return (status, dict(VERSION_HEADER, **{'Content-Type': 'application/json'}), json.dumps(obj).encode())


def fault(status, message, details=None):
    content = {'message': message, 'code': status}
    if details is not None:
        content['details'] = details
    return (status, {'Content-Type': 'application/json'}, json.dumps({'fault': content}).encode())


def not_found(what='object'):
    return fault(404, 'ERR_NOT_FOUND', 'no such %s' % what)


NO_CONTENT = (204, {}, b'')


class FakeAppliance(object):
    """A transport for ZfssaClient that answers from routes and records every request."""

    def __init__(self, routes=None):
        self.routes = dict(routes or {})
        self.calls = []

    def route(self, method, path, *answers):
        self.routes[(method, path)] = list(answers) if len(answers) > 1 else answers[0]

    def __call__(self, method, url, headers, data, timeout, validate_certs, ca_path):
        parts = urlsplit(url)
        body = json.loads(data.decode('utf-8')) if data else None
        self.calls.append((method, parts.path, parts.query, body))
        if parts.path == ACCESS and (method, ACCESS) not in self.routes:
            if method == 'POST':
                return (201, {'X-Auth-Session': 'fake-session'}, json.dumps({'access': {}}).encode())
            return NO_CONTENT
        found = self.routes.get((method, parts.path))
        if found is None:
            return not_found('path %s' % parts.path)
        if isinstance(found, list):
            found = found.pop(0) if len(found) > 1 else found[0]
        if isinstance(found, BaseException):
            raise found
        return found

    def requests(self):
        """(method, path) of every call except login and logout."""
        return [(m, p) for m, p, q, b in self.calls if p != ACCESS]

    def writes(self):
        """(method, path, json body) of every POST/PUT/DELETE except login and logout."""
        return [(m, p, b) for m, p, q, b in self.calls if p != ACCESS and m in ('POST', 'PUT', 'DELETE')]


def module_args(defaults, check=False, diff=False, **args):
    """Arguments of a module run: CONNECTION, a test file's defaults, then args; check and diff turn on
    Ansible's check mode and diff mode."""
    params = dict(CONNECTION)
    params.update(defaults)
    params.update(args)
    params['_ansible_check_mode'] = check
    params['_ansible_diff'] = diff
    return params


def run_zfssa_module(module_main, args, monkeypatch, appliance):
    """Run a zfssa_* module's main() against the fake appliance; return (result, failed).

    The module's warnings (module.warn) are in result['warnings'] when there are any, as Ansible
    would show them.
    """
    monkeypatch.setattr(zfssa, 'urls_transport', appliance)
    monkeypatch.setattr(zfssa.time, 'sleep', lambda seconds: None)
    warnings = []
    original_warn = basic.AnsibleModule.warn

    def warn(self, text):
        warnings.append(text)
        original_warn(self, text)

    monkeypatch.setattr(basic.AnsibleModule, 'warn', warn)
    result, failed = run_module(module_main, args, monkeypatch)
    if warnings:
        result['warnings'] = list(result.get('warnings') or []) + warnings
    return result, failed


def run(module_main, appliance, monkeypatch, check=False, diff=False, **params):
    """The one way appliance module tests run a module: CONNECTION plus params, check and diff mode as
    asked, against the fake appliance; returns (result, failed)."""
    return run_zfssa_module(module_main, module_args({}, check, diff, **params), monkeypatch, appliance)
