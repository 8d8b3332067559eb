#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: zfssa_project
short_description: Create, change or delete a project on an Oracle ZFS Storage Appliance
version_added: 0.1.0
description:
  - Makes sure a project exists in a pool of the appliance with the properties you give, or that it is gone.
  - A project groups shares; its properties (quota, compression, NFS sharing, snapshot directory ...) are
    inherited by the shares created in it, so backups usually set them once here.
  - Only the properties you give are managed; everything else keeps the appliance's value. Values are compared
    by meaning, so V(10G) equals C(10737418240) and two C(sharenfs) strings that list the same clients in another
    order are equal.
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  pool:
    description:
      - Storage pool of the project. There is no default because guessing a pool on a multi-pool appliance could
        put backups on the wrong disks.
    type: str
    required: true
  name:
    description:
      - Name of the project.
    type: str
    required: true
    aliases: [project]
  state:
    description:
      - V(present) creates the project or changes the given properties; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), also delete a project that still holds shares (their data and snapshots are lost).
      - Without it, deleting a project with shares fails and lists the shares.
    type: bool
    default: false
  quota:
    description:
      - Largest space the project and all its shares may use. Bytes (C(10737418240)) or a size with a unit
        (powers of 1024) such as V(500G) or V(2T). V(0) means no quota.
    type: raw
  reservation:
    description:
      - Space guaranteed to the project, as bytes or a size such as V(100G). V(0) means none.
    type: raw
  readonly:
    description:
      - Make the shares read-only.
    type: bool
  mountpoint:
    description:
      - Mount point of the project; shares default to it plus C(/<share name>). Must be C(/export) or below.
    type: str
  properties:
    description:
      - Any other appliance project property, by its appliance name, for example C(logbias), C(recordsize),
        C(nodestroy), C(default_user), C(default_permissions) or C(custom:<name>).
      - Sizes may be given like O(quota). A property may not also be set by its own option.
    type: dict
attributes:
  check_mode:
    details: In check mode only GET requests are sent.
  diff_mode:
    details: Shows the changed properties before and after.
notes:
  - Deleting a project deletes its shares and snapshots on the appliance. It needs O(force=true) when the project
    still holds shares.
  - Projects are found by pool and name; renaming a project is not supported by this module.
seealso:
  - module: exalogic.backup.zfssa_filesystem
extends_documentation_fragment:
  - exalogic.backup.zfssa
  - exalogic.backup.zfssa.action_group
  - exalogic.backup.zfssa.attributes
  - exalogic.backup.zfssa_objects.properties
'''

EXAMPLES = r'''
- name: Project for vServer backups, shared read-write with root access for two vServers only
  exalogic.backup.zfssa_project:
    host: zfssa.example.com
    user: root
    password: "{{ zfssa_password }}"
    ca_path: /etc/pki/zfssa-ca.pem
    pool: gold
    name: backups
    quota: 2T
    compression: lz4
    snapdir: visible
    atime: false
    mountpoint: /export/backups
    nfs_exceptions:
      - network: 10.0.1.5
        root: true
      - network: 10.0.1.6
        root: true
    default_access: none

- name: Other properties by their appliance names (connection options from module_defaults)
  exalogic.backup.zfssa_project:
    pool: gold
    name: backups
    properties:
      logbias: throughput
      nodestroy: true

- name: Delete a project and every share in it
  exalogic.backup.zfssa_project:
    pool: gold
    name: old-backups
    state: absent
    force: true
'''

RETURN = r'''
project:
  description:
    - The project as the appliance returns it after the change (in check mode, the current project with the
      planned changes applied). Null when the project does not exist (O(state=absent)).
  returned: always
  type: dict
  sample:
    name: backups
    pool: gold
    mountpoint: /export/backups
    quota: 2199023255552
    compression: lz4
    snapdir: visible
    sharenfs: sec=sys,rw=@10.0.1.5/32:@10.0.1.6/32,root=@10.0.1.5/32:@10.0.1.6/32
    href: /api/storage/v1/pools/gold/projects/backups
changes:
  description: The properties that were (or in check mode would be) sent, with their new values.
  returned: always
  type: dict
  sample: {quota: 2199023255552}
access_widened:
  description:
    - True when the run gives (or in check mode would give) NFS clients that no exception lists more access
      than before, for example O(default_access=rw) on a project that was restricted to its exceptions.
      The module then also warns and names the change in the C(--diff) header.
  returned: when O(state=present)
  type: bool
  sample: false
filesystems:
  description: Names of the shares that were deleted with the project (O(force=true)).
  returned: when O(state=absent) deleted a project with shares
  type: list
  elements: str
  sample: [vs01, vs02]
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client import (
    ZfssaClient, ZfssaError, fail_on_error, name_problem, storage_paths, zfssa_argument_spec)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.properties import (
    COMMON_TYPED, NFS_EXCLUSIVE, change_diff, desired_properties, missing_container, property_changes, property_spec,
    report_widening, widening_note)


def argument_spec():
    spec = zfssa_argument_spec()
    spec.update(
        pool=dict(type='str', required=True),
        name=dict(type='str', required=True, aliases=['project']),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        force=dict(type='bool', default=False),
    )
    spec.update(property_spec(share=False))
    return spec


class ProjectRun(object):
    """One module run: read the project, decide, write (unless check mode), report."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.pool = module.params['pool']
        self.name = module.params['name']
        self.path = storage_paths.project(self.pool, self.name)
        self.what = 'project %s/%s' % (self.pool, self.name)

    def fail(self, err, action):
        fail_on_error(self.module, err, action='%s %s' % (action, self.what))

    def read(self):
        try:
            return self.client.get_or_none(self.path, 'project')
        except ZfssaError as err:
            self.fail(err, 'read')

    def present(self, desired):
        current = self.read()
        if current is None:
            return self.create(desired)
        changes = property_changes(current, desired)
        result = dict(changed=bool(changes), changes=changes, project=current)
        if changes:
            result['diff'] = change_diff(current, changes)
            result['project'] = dict(current, **changes)
        report_widening(self.module, result, widening_note(current, changes), self.what)
        if changes:
            if not self.module.check_mode:
                try:
                    result['project'] = self.client.put(self.path, changes)['project']
                except ZfssaError as err:
                    self.fail(err, 'change')
        return result

    def create(self, desired):
        problem = self.missing_pool()
        if problem:
            self.module.fail_json(msg='Could not create %s: %s' % (self.what, problem))
        body = dict(desired, name=self.name)
        result = dict(changed=True, changes=desired, project=dict(body, pool=self.pool),
                      diff={'before': {}, 'after': body})
        report_widening(self.module, result, widening_note(None, desired), self.what)
        if not self.module.check_mode:
            try:
                result['project'] = self.client.post(storage_paths.projects(self.pool), body, lookup=self.path)['project']
            except ZfssaError as err:
                self.fail(err, 'create')
        return result

    def missing_pool(self):
        try:
            return missing_container(self.client, self.pool)
        except ZfssaError as err:
            self.fail(err, 'create')

    def absent(self):
        current = self.read()
        if current is None:
            return dict(changed=False, changes={}, project=None)
        shares = self.share_names()
        if shares and not self.module.params['force']:
            self.module.fail_json(
                msg="%s still holds %d share(s): %s. Deleting it would delete them and their snapshots too; "
                    "set force: true to do that, or delete the shares first." % (self.what, len(shares), ', '.join(shares)),
                filesystems=shares)
        result = dict(changed=True, changes={}, project=None,
                      diff={'before': {'name': self.name, 'pool': self.pool, 'filesystems': shares}, 'after': {}})
        if shares:
            result['filesystems'] = shares
        if not self.module.check_mode:
            try:
                self.client.delete(self.path)
            except ZfssaError as err:
                self.fail(err, 'delete')
        return result

    def share_names(self):
        try:
            listed = self.client.get(storage_paths.filesystems(self.pool, self.name)).get('filesystems', [])
        except ZfssaError as err:
            self.fail(err, 'list the shares of')
        return sorted(fs.get('name') for fs in listed)


def main():
    module = AnsibleModule(argument_spec=argument_spec(), mutually_exclusive=NFS_EXCLUSIVE, supports_check_mode=True)
    params = module.params
    problem = name_problem('pool', params['pool']) or name_problem('name', params['name'])
    if problem:
        module.fail_json(msg=problem)
    desired = {}
    if params['state'] == 'present':
        try:
            desired = desired_properties(params, COMMON_TYPED)
        except ValueError as err:
            module.fail_json(msg=to_text(err))
    with ZfssaClient.from_module(module) as client:
        run = ProjectRun(module, client)
        result = run.present(desired) if params['state'] == 'present' else run.absent()
    if not module._diff:
        result.pop('diff', None)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
