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
    ZfssaError, name_problem, storage_paths, zfssa_argument_spec)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.module import (
    InputError, ZfssaTask, dispatch, run_zfssa_module)
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


class ProjectTask(ZfssaTask):
    """read the project -> plan create, change, delete or nothing -> write -> report.

    A plan is a dict: ``action`` (create, change, delete or None), ``body`` (what is sent) and
    ``result`` (the module result as planned; the write's answer replaces its ``project``).
    """

    def __init__(self, module, client):
        super(ProjectTask, self).__init__(module, client)
        params = self.params
        problem = name_problem('pool', params['pool']) or name_problem('name', params['name'])
        if problem:
            raise InputError(problem)
        self.desired = {}
        if params['state'] == 'present':
            try:
                self.desired = desired_properties(params, COMMON_TYPED)
            except ValueError as err:
                raise InputError(to_text(err))
        self.pool = params['pool']
        self.name = params['name']
        self.path = storage_paths.project(self.pool, self.name)
        self.what = 'project %s/%s' % (self.pool, self.name)

    def read(self):
        return self.client.get_or_none(self.path, 'project', doing='read %s' % self.what)

    def plan(self, current):
        return dispatch({'present': self.plan_present, 'absent': self.plan_absent}, self.params['state'])(current)

    def plan_present(self, current):
        if current is None:
            return self.plan_create()
        changes = property_changes(current, self.desired)
        result = dict(changed=bool(changes), changes=changes, project=current)
        if changes:
            result['diff'] = change_diff(current, changes)
            result['project'] = dict(current, **changes)
        report_widening(self.module, result, widening_note(current, changes), self.what)
        return dict(action='change' if changes else None, body=changes, result=result)

    def plan_create(self):
        problem = self.missing_pool()
        if problem:
            self.module.fail_json(msg='Could not create %s: %s' % (self.what, problem))
        body = dict(self.desired, name=self.name)
        result = dict(changed=True, changes=self.desired, project=dict(body, pool=self.pool),
                      diff={'before': {}, 'after': body})
        report_widening(self.module, result, widening_note(None, self.desired), self.what)
        return dict(action='create', body=body, result=result)

    def missing_pool(self):
        try:
            return missing_container(self.client, self.pool)
        except ZfssaError as err:
            err.doing = 'create %s' % self.what
            raise

    def plan_absent(self, current):
        if current is None:
            return dict(action=None, result=dict(changed=False, changes={}, project=None))
        shares = self.share_names()
        if shares and not self.params['force']:
            self.module.fail_json(
                msg="%s still holds %d share(s): %s. Deleting it would delete them and their snapshots too; "
                    "set force: true to do that, or delete the shares first." % (self.what, len(shares), ', '.join(shares)),
                filesystems=shares)
        result = dict(changed=True, changes={}, project=None,
                      diff={'before': {'name': self.name, 'pool': self.pool, 'filesystems': shares}, 'after': {}})
        if shares:
            result['filesystems'] = shares
        return dict(action='delete', result=result)

    def share_names(self):
        doing = 'list the shares of %s' % self.what
        listed = self.client.get(storage_paths.filesystems(self.pool, self.name), doing=doing).get('filesystems', [])
        return sorted(fs.get('name') for fs in listed)

    def apply(self, plan):
        result = plan['result']
        if plan['action'] == 'create':
            result['project'] = self.client.post(storage_paths.projects(self.pool), plan['body'], lookup=self.path,
                                                 doing='create %s' % self.what)['project']
        elif plan['action'] == 'change':
            result['project'] = self.client.put(self.path, plan['body'], doing='change %s' % self.what)['project']
        elif plan['action'] == 'delete':
            self.client.delete(self.path, doing='delete %s' % self.what)

    def report(self, current, plan):
        return plan['result']


def main():
    module = AnsibleModule(argument_spec=argument_spec(), mutually_exclusive=NFS_EXCLUSIVE, supports_check_mode=True)
    run_zfssa_module(module, ProjectTask)


if __name__ == '__main__':
    main()
