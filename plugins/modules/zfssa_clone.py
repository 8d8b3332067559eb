#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: zfssa_clone
short_description: Clone a share snapshot to a new share on an Oracle ZFS Storage Appliance, or remove the clone
version_added: 0.1.0
description:
  - Creates a new share (filesystem) from a snapshot of a share, holding the share's content at the time of the
    snapshot. The clone is writable and takes no space until it is changed.
  - Typical uses - a restore drill (mount the clone on a test vServer and check the backup), and restores when the
    share's C(.zfs/snapshot) directory is hidden (mount the clone instead of browsing the snapshot).
  - O(state=absent) deletes the clone share, but only when it is a clone of the given snapshot; any other share of
    that name makes the module fail without deleting anything.
  - While a clone exists, its snapshot cannot be deleted (M(exalogic.backup.zfssa_snapshot) and
    M(exalogic.backup.zfssa_snapshot_prune) leave it alone).
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  pool:
    description:
      - Storage pool of the share that has the snapshot.
    type: str
    required: true
  project:
    description:
      - Project of the share that has the snapshot.
    type: str
    required: true
  filesystem:
    description:
      - Share that has the snapshot.
      - For a project snapshot, give any share of the project; the clone holds that share's part of it.
    type: str
    required: true
    aliases: [share]
  snapshot:
    description:
      - Name of the snapshot to clone.
    type: str
    required: true
  name:
    description:
      - Name of the new share (the clone).
    type: str
    required: true
  target_project:
    description:
      - Project that gets the clone. It must exist. Default is O(project).
      - A separate project (for example C(restore-drills)) keeps drills apart from the backups and lets them have
        their own NFS access rules.
    type: str
  target_pool:
    description:
      - Pool of O(target_project). Default is O(pool).
      - The appliance keeps a clone in the pool of its snapshot, so another pool is normally refused by the appliance.
    type: str
  properties:
    description:
      - Share properties to set on the clone when it is created, by their appliance REST API names, for example
        C(sharenfs), C(mountpoint), C(readonly), C(quota).
      - Sizes may be given like V(10G) (powers of 1024) and are sent in bytes; boolean properties such as C(readonly)
        may be given as V(yes)/V(no) or V(true)/V(false) and are sent as JSON booleans.
      - Other properties are copied from the origin share (the appliance does this), except the mountpoint, which
        follows the target project.
      - Only applied when the clone is created. If an existing clone differs, the module warns; change it with
        M(exalogic.backup.zfssa_filesystem).
    type: dict
    default: {}
  state:
    description:
      - V(present) creates the clone if the share does not exist; an existing share must be a clone of the snapshot.
      - V(absent) deletes the clone share if it exists and is a clone of the snapshot.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    details: Only reads (GET) from the appliance.
  diff_mode:
    details: The clone share's name, project and origin before and after.
seealso:
  - module: exalogic.backup.zfssa_snapshot
extends_documentation_fragment:
  - exalogic.backup.zfssa
  - exalogic.backup.zfssa.action_group
  - exalogic.backup.zfssa.attributes
'''

EXAMPLES = r'''
- name: Restore drill - clone last night's snapshot of vs01 into the drills project, read-only
  exalogic.backup.zfssa_clone:
    host: zfssa.example.com
    user: admin
    password: "{{ zfssa_password }}"
    pool: gold
    project: backups
    filesystem: vs01
    snapshot: backup-20240131T010000Z
    target_project: restore-drills
    name: vs01-drill
    properties:
      readonly: true
      sharenfs: "sec=sys,ro=@10.0.5.20/32,root=@10.0.5.20/32"
  register: drill

- name: Where to mount the clone
  ansible.builtin.debug:
    msg: "mount -t nfs -o vers=3 zfssa.example.com:{{ drill.filesystem.mountpoint }} /mnt/drill"

- name: Remove the drill clone afterwards
  exalogic.backup.zfssa_clone:
    pool: gold
    project: backups
    filesystem: vs01
    snapshot: backup-20240131T010000Z
    target_project: restore-drills
    name: vs01-drill
    state: absent
'''

RETURN = r'''
filesystem:
  description:
    - The clone share as the appliance describes it (in check mode, the expected C(name), C(pool), C(project) and
      C(origin) of a clone about to be created). Empty after O(state=absent).
    - C(origin) names the snapshot the share was cloned from.
  returned: always
  type: dict
  sample:
    name: vs01-drill
    pool: gold
    project: restore-drills
    mountpoint: /export/restore-drills/vs01-drill
    readonly: true
    origin: {pool: gold, collection: local, project: backups, share: vs01, snapshot: backup-20240131T010000Z}
'''


from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.snapshots import (
    clone_origin, snapshot_name_problem)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client import (
    ZfssaError, storage_paths, zfssa_argument_spec)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.module import (
    InputError, ZfssaTask, dispatch, run_zfssa_module)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.properties import appliance_value

RESERVED_PROPERTIES = ('name', 'share', 'project', 'pool')


def argument_spec():
    spec = zfssa_argument_spec()
    spec.update(
        pool=dict(type='str', required=True),
        project=dict(type='str', required=True),
        filesystem=dict(type='str', required=True, aliases=['share']),
        snapshot=dict(type='str', required=True),
        name=dict(type='str', required=True),
        target_project=dict(type='str'),
        target_pool=dict(type='str'),
        properties=dict(type='dict', default={}),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )
    return spec


def params_problem(params):
    problem = snapshot_name_problem(params['snapshot'], 'snapshot')
    if problem:
        return problem
    reserved = sorted(key for key in params['properties'] if key in RESERVED_PROPERTIES)
    if reserved:
        return ('properties must not contain %s: give the clone name in name, its project in target_project and its '
                'pool in target_pool' % ', '.join(reserved))
    return None


def clone_properties(properties):
    """The properties in the form the appliance takes (JSON booleans, sizes in bytes); ValueError naming the key."""
    return dict((key, appliance_value(key, value, 'properties.%s' % key)) for key, value in properties.items())


def differing_properties(share, properties):
    """Names of the wanted properties the existing clone has other values for (compared as text, any case)."""
    return sorted(key for key, value in properties.items()
                  if to_text(share.get(key)).lower() != to_text(value).lower())


class CloneTask(ZfssaTask):
    """read the target share -> plan clone, delete or nothing -> write -> report.

    A plan is a dict: ``action`` (clone, delete or None) and ``result`` (the module result as planned;
    the clone's answer replaces its ``filesystem``).
    """

    def __init__(self, module, client):
        super(CloneTask, self).__init__(module, client)
        params = self.params
        problem = params_problem(params)
        if problem:
            raise InputError(problem)
        try:
            self.properties = clone_properties(params['properties'])
        except ValueError as err:
            raise InputError(to_text(err))
        self.origin = (params['pool'], params['project'], params['filesystem'], params['snapshot'])
        self.target_pool = params['target_pool'] or params['pool']
        self.target_project = params['target_project'] or params['project']
        self.name = params['name']
        self.source_label = '%s/%s/%s@%s' % self.origin
        self.target_label = '%s/%s/%s' % (self.target_pool, self.target_project, self.name)
        self.target_path = storage_paths.filesystem(self.target_pool, self.target_project, self.name)
        pool, project, filesystem, snapshot = self.origin
        self.snapshot_path = storage_paths.snapshot(pool, project, snapshot, filesystem)

    def read(self):
        return self.client.get_or_none(self.target_path, 'filesystem', doing='read share %s' % self.target_label)

    def plan(self, current):
        return dispatch({'present': self.plan_present, 'absent': self.plan_absent}, self.params['state'])(current)

    def is_our_clone(self, share):
        """True when the share was cloned from our snapshot (a pool missing from the origin is not held against it)."""
        found = clone_origin(share)
        if found is None:
            return False
        pool, rest = found[0], found[1:]
        return rest == self.origin[1:] and pool in (None, self.origin[0])

    def fail_not_our_clone(self, share, doing, advice):
        found = clone_origin(share)
        what = 'its origin is %s/%s/%s@%s' % found if found else 'it is not a clone'
        self.module.fail_json(msg='cannot %s: share %s is not a clone of %s (%s); %s'
                              % (doing, self.target_label, self.source_label, what, advice), filesystem=share)

    def summary(self):
        return dict(name=self.name, project=self.target_project, pool=self.target_pool, origin=self.source_label)

    def plan_present(self, current):
        if current is not None:
            return dict(action=None, result=dict(changed=False, filesystem=self.keep_existing(current)))
        doing = 'read snapshot %s' % self.source_label
        if self.client.get_or_none(self.snapshot_path, 'snapshot', doing=doing) is None:
            self.module.fail_json(msg='cannot clone %s: the snapshot does not exist' % self.source_label)
        pool, project, filesystem, snapshot = self.origin
        planned = dict(name=self.name, pool=self.target_pool, project=self.target_project,
                       origin=dict(pool=pool, project=project, share=filesystem, snapshot=snapshot))
        return dict(action='clone', result=dict(changed=True, filesystem=planned,
                                                diff=dict(before={}, after=self.summary())))

    def keep_existing(self, current):
        if not self.is_our_clone(current):
            self.fail_not_our_clone(current, 'clone %s to %s' % (self.source_label, self.target_label),
                                    'choose another name for the clone')
        different = differing_properties(current, self.properties)
        if different:
            self.module.warn('The existing clone %s has other values for %s than requested; properties are only set '
                             'when the clone is created (change them with exalogic.backup.zfssa_filesystem)'
                             % (self.target_label, ', '.join(different)))
        return current

    def plan_absent(self, current):
        if current is None:
            return dict(action=None, result=dict(changed=False, filesystem={}))
        if not self.is_our_clone(current):
            self.fail_not_our_clone(current, 'delete the clone %s' % self.target_label, 'the share was left alone')
        return dict(action='delete', result=dict(changed=True, filesystem={},
                                                 diff=dict(before=self.summary(), after={})))

    def apply(self, plan):
        if plan['action'] == 'clone':
            plan['result']['filesystem'] = self.clone()
        elif plan['action'] == 'delete':
            self.client.delete(self.target_path, doing='delete the clone %s' % self.target_label)

    def clone(self):
        body = dict(self.properties, project=self.target_project, share=self.name)
        if self.params['target_pool']:
            body['pool'] = self.target_pool
        try:
            answer = self.client.put(self.snapshot_path + '/clone', body,
                                     doing='clone %s to %s' % (self.source_label, self.target_label))
        except ZfssaError as err:
            # A clone request repeated after a lost answer meets its own result: accept it when it is ours.
            if err.status != 409:
                raise
            current = self.read()
            if current is None or not self.is_our_clone(current):
                raise err
            return current
        return answer.get('filesystem') or self.read()

    def report(self, current, plan):
        return plan['result']


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_zfssa_module(module, CloneTask)


if __name__ == '__main__':
    main()
