#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: zfssa_snapshot
short_description: Create, delete, rename or roll back snapshots on an Oracle ZFS Storage Appliance
version_added: 0.1.0
description:
  - Manages one manual snapshot of a project (all its shares at the same moment) or, with O(filesystem), of one share.
  - O(state=present) takes the snapshot when it does not exist yet, O(state=absent) destroys it.
  - O(state=renamed) renames the snapshot O(rename_from) to O(name).
  - O(state=rolled_back) returns a share to the content it had when the snapshot was taken. This destroys every
    newer snapshot of the share and all changes made since, so it needs O(confirm_rollback=true).
  - Snapshot names may use letters, digits, underscore, period, colon and hyphen, must start with a letter or a digit and have at most
    64 characters. Names starting with C(.auto) belong to the appliance's automatic schedules
    (M(exalogic.backup.zfssa_snapshot_schedule)).
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  name:
    description:
      - Name of the snapshot, for example C(backup-2024-01-31) or C(pre-upgrade).
      - With O(state=renamed), the new name.
    type: str
    required: true
  state:
    description:
      - V(present) takes the snapshot if it does not exist. An existing snapshot is never replaced; delete it
        first to take it again.
      - V(absent) destroys the snapshot. A snapshot that has clones cannot be destroyed; the module says which
        shares are its clones (remove them with M(exalogic.backup.zfssa_clone)).
      - V(renamed) renames O(rename_from) to O(name). When O(name) exists and O(rename_from) does not, the rename
        happened before and nothing changes.
      - V(rolled_back) rolls the share back to snapshot O(name); it needs O(filesystem), because the appliance rolls
        back shares, not projects. It always acts and reports a change, because the appliance cannot tell whether
        the share changed since the snapshot.
    type: str
    choices: [present, absent, renamed, rolled_back]
    default: present
  rename_from:
    description:
      - Current name of the snapshot to rename; required with O(state=renamed).
    type: str
  confirm_rollback:
    description:
      - Must be V(true) with O(state=rolled_back). A rollback discards everything written to the share since
        the snapshot and destroys every newer snapshot of the share (also the share's part of newer project
        snapshots). Snapshots with clones block the rollback.
      - Use check mode first to see which snapshots would be destroyed (RV(destroyed_snapshots)).
    type: bool
    default: false
attributes:
  check_mode:
    details: Only reads (GET) from the appliance.
  diff_mode:
    details: Shows the snapshot name before and after, and for a rollback the snapshots of the share before and after.
notes:
  - Creation times are returned as the appliance sends them, in UTC (C(20240131T01:00:00) with O(api_version=v1),
    C(2024-01-31T01:00:00Z) with V(v2)).
seealso:
  - module: exalogic.backup.zfssa_snapshot_prune
  - module: exalogic.backup.zfssa_snapshot_schedule
  - module: exalogic.backup.zfssa_clone
extends_documentation_fragment:
  - exalogic.backup.zfssa
  - exalogic.backup.zfssa.action_group
  - exalogic.backup.zfssa.attributes
  - exalogic.backup.zfssa_objects
'''

EXAMPLES = r'''
- name: Snapshot the share of one vServer after its backup finished
  exalogic.backup.zfssa_snapshot:
    host: zfssa.example.com
    user: admin
    password: "{{ zfssa_password }}"
    pool: gold
    project: backups
    filesystem: vs01
    name: "backup-{{ now(utc=true, fmt='%Y%m%dT%H%M%SZ') }}"

- name: Snapshot every share of the project at the same moment
  exalogic.backup.zfssa_snapshot:
    pool: gold
    project: backups
    name: before-upgrade

- name: Keep the pre-upgrade snapshot under a clearer name
  exalogic.backup.zfssa_snapshot:
    pool: gold
    project: backups
    name: before-upgrade-2024-01
    rename_from: before-upgrade
    state: renamed

- name: See which snapshots a rollback of vs01 would destroy
  exalogic.backup.zfssa_snapshot:
    pool: gold
    project: backups
    filesystem: vs01
    name: before-upgrade-2024-01
    state: rolled_back
    confirm_rollback: true
  check_mode: true
  register: preview

- name: Roll the share back
  exalogic.backup.zfssa_snapshot:
    pool: gold
    project: backups
    filesystem: vs01
    name: before-upgrade-2024-01
    state: rolled_back
    confirm_rollback: true

- name: Delete the snapshot
  exalogic.backup.zfssa_snapshot:
    pool: gold
    project: backups
    name: before-upgrade-2024-01
    state: absent
'''

RETURN = r'''
snapshot:
  description:
    - The snapshot as the appliance describes it after the task (in check mode the one found, or the expected
      C(name), C(pool), C(project) and C(share) of a snapshot that would be created).
    - Empty after O(state=absent).
  returned: always
  type: dict
  sample:
    name: backup-20240131T010000Z
    id: 2b5f7c1e-6d3a-4f0b-9a8e-1c2d3e4f5a6b
    pool: gold
    project: backups
    share: vs01
    collection: local
    canonical_name: gold/local/backups/vs01@backup-20240131T010000Z
    creation: "20240131T01:00:00"
    numclones: 0
    space_unique: 0
    space_data: 1073741824
    href: /api/storage/v1/pools/gold/projects/backups/filesystems/vs01/snapshots/backup-20240131T010000Z
destroyed_snapshots:
  description: Names of the newer snapshots the rollback destroyed (would destroy, in check mode), oldest first.
  returned: when O(state=rolled_back)
  type: list
  elements: str
  sample: [backup-20240201T010000Z, .auto-20240202T010000Z]
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.snapshots import (
    parse_creation, snapshot_name_problem)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client import storage_paths, zfssa_argument_spec
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.module import (
    InputError, ScopeTask, dispatch, run_zfssa_module)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.properties import scope_spec


def argument_spec():
    spec = zfssa_argument_spec()
    spec.update(scope_spec())
    spec.update(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent', 'renamed', 'rolled_back']),
        rename_from=dict(type='str'),
        confirm_rollback=dict(type='bool', default=False),
    )
    return spec


def params_problem(params):
    """A message about bad input (checked before any call to the appliance), or None."""
    state = params['state']
    problem = snapshot_name_problem(params['name'], 'name')
    if problem:
        return problem
    if state == 'renamed':
        problem = snapshot_name_problem(params['rename_from'], 'rename_from')
        if problem:
            return problem
        if params['rename_from'] == params['name']:
            return 'rename_from and name are both %s: give the current name in rename_from and the new one in name' % params['name']
    elif params['rename_from']:
        return 'rename_from is only used with state=renamed (state is %s)' % state
    if state == 'rolled_back':
        if not params['filesystem']:
            return ('state=rolled_back needs filesystem: the appliance rolls back shares, not projects; '
                    'roll back each share of the project')
        if not params['confirm_rollback']:
            return ('state=rolled_back discards every change since snapshot %s and destroys all newer snapshots of '
                    'the share; set confirm_rollback: true to do it (run in check mode first to see what would be destroyed)'
                    % params['name'])
    elif params['confirm_rollback']:
        return 'confirm_rollback is only used with state=rolled_back (state is %s)' % state
    return None


class SnapshotTask(ScopeTask):
    """read the snapshot(s) the state needs -> plan one write (or none) -> write -> report.

    A plan is a dict: ``action`` (create, delete, rename, rollback or None), ``snapshot`` (what the
    result shows when nothing is written or in check mode), ``before``/``after`` for the diff and
    ``extra`` result keys.
    """

    def __init__(self, module, client):
        super(SnapshotTask, self).__init__(module, client)
        problem = params_problem(self.params)
        if problem:
            raise InputError(problem)
        self.name = self.params['name']
        self.state = self.params['state']
        self.written = None  # the snapshot as the appliance answered the write

    def label(self, name):
        """gold/backups/vs01@daily (or gold/backups@daily for a project snapshot), for messages."""
        return '%s@%s' % (self.owner, name)

    def path(self, name=None):
        if name is None:
            return storage_paths.snapshots(self.pool, self.project, self.filesystem)
        return storage_paths.snapshot(self.pool, self.project, name, self.filesystem)

    def find(self, name):
        return self.client.get_or_none(self.path(name), 'snapshot', doing='read snapshot %s' % self.label(name))

    def expected(self, name):
        """What a snapshot about to be created will look like (check mode)."""
        found = dict(name=name, pool=self.pool, project=self.project)
        if self.filesystem:
            found['share'] = self.filesystem
        return found

    # ---- read: what each state needs to know

    def read(self):
        return dispatch({
            'present': self.read_wanted,
            'absent': self.read_wanted,
            'renamed': self.read_pair,
            'rolled_back': self.read_rollback,
        }, self.state)()

    def read_wanted(self):
        return dict(wanted=self.find(self.name))

    def read_pair(self):
        return dict(wanted=self.find(self.name), source=self.find(self.params['rename_from']))

    def read_rollback(self):
        wanted = self.find(self.name)
        snapshots = None
        if wanted is not None:
            doing = 'list the snapshots of %s/%s/%s' % (self.pool, self.project, self.filesystem)
            snapshots = self.client.get(self.path(), doing=doing).get('snapshots') or []
        return dict(wanted=wanted, snapshots=snapshots)

    # ---- plan: one write or none

    def plan(self, current):
        return dispatch({
            'present': self.plan_present,
            'absent': self.plan_absent,
            'renamed': self.plan_renamed,
            'rolled_back': self.plan_rolled_back,
        }, self.state)(current)

    @staticmethod
    def no_write(snapshot):
        return dict(action=None, snapshot=snapshot)

    def plan_present(self, current):
        if current['wanted'] is not None:
            return self.no_write(current['wanted'])
        if self.check_mode:
            # A 404 may mean the project or share is missing: fail as the real run would.
            problem = self.missing_parent()
            if problem:
                self.module.fail_json(msg='Could not create snapshot %s: %s' % (self.label(self.name), problem))
        return dict(action='create', snapshot=self.expected(self.name), before={}, after=dict(name=self.name))

    def plan_absent(self, current):
        snapshot = current['wanted']
        if snapshot is None:
            return self.no_write({})
        if snapshot.get('numclones'):
            self.fail_with_clones(snapshot)
        return dict(action='delete', snapshot={}, before=dict(name=self.name), after={})

    def plan_renamed(self, current):
        old, target, source = self.params['rename_from'], current['wanted'], current['source']
        if target is not None and source is not None:
            self.module.fail_json(msg='cannot rename %s to %s: both snapshots exist; delete one of them or choose another name'
                                  % (self.label(old), self.name))
        if target is not None:
            return self.no_write(target)
        if source is None:
            self.module.fail_json(msg='cannot rename %s to %s: neither snapshot exists' % (self.label(old), self.name))
        return dict(action='rename', snapshot=dict(source, name=self.name), before=dict(name=old), after=dict(name=self.name))

    def plan_rolled_back(self, current):
        target, snapshots = current['wanted'], current['snapshots']
        if target is None:
            self.module.fail_json(msg='cannot roll back to %s: the snapshot does not exist' % self.label(self.name))
        newer = newer_snapshots(snapshots, target)
        blocking = [snap['name'] for snap in newer if snap.get('numclones')]
        if blocking:
            self.module.fail_json(
                msg=('cannot roll back to %s: the rollback would destroy the newer snapshot(s) %s, which have clones; '
                     'delete those clones first' % (self.label(self.name), ', '.join(blocking))),
                destroyed_snapshots=[snap['name'] for snap in newer])
        names = [snap.get('name') for snap in snapshots]
        destroyed = [snap['name'] for snap in newer]
        return dict(action='rollback', snapshot=target, before=dict(snapshots=names),
                    after=dict(snapshots=[name for name in names if name not in destroyed]),
                    extra=dict(destroyed_snapshots=destroyed))

    def fail_with_clones(self, snapshot):
        doing = 'list the clones of snapshot %s' % self.label(self.name)
        dependents = self.client.get(self.path(self.name) + '/dependents', doing=doing).get('dependents') or []
        clones = ', '.join('%s/%s' % (dep.get('project'), dep.get('share')) for dep in dependents) or 'unknown shares'
        self.module.fail_json(
            msg=('snapshot %s has %s clone(s) (%s) and cannot be deleted: delete the clones first '
                 '(exalogic.backup.zfssa_clone with state=absent)' % (self.label(self.name), snapshot['numclones'], clones)),
            snapshot=snapshot)

    # ---- apply and report

    def apply(self, plan):
        action = plan['action']
        if action == 'create':
            body = self.client.post(self.path(), dict(name=self.name), lookup=self.path(self.name),
                                    doing='create snapshot %s' % self.label(self.name))
            self.written = body.get('snapshot') or self.find(self.name)
        elif action == 'delete':
            self.client.delete(self.path(self.name), doing='delete snapshot %s' % self.label(self.name))
        elif action == 'rename':
            old = self.params['rename_from']
            body = self.client.put(self.path(old), dict(name=self.name),
                                   doing='rename snapshot %s to %s' % (self.label(old), self.name))
            self.written = body.get('snapshot') or self.find(self.name)
        elif action == 'rollback':
            doing = 'roll back %s/%s/%s to snapshot %s' % (self.pool, self.project, self.filesystem, self.name)
            body = self.client.put(self.path(self.name) + '/rollback', doing=doing)
            self.written = body.get('snapshot') or plan['snapshot']

    def report(self, current, plan):
        result = dict(changed=plan['action'] is not None, snapshot=self.written or plan['snapshot'])
        result.update(plan.get('extra') or {})
        if result['changed']:
            result['diff'] = dict(before=plan['before'], after=plan['after'])
        return result


def newer_snapshots(snapshots, target):
    """The snapshots taken after ``target`` (oldest first): later creation time, or the same second and
    listed after it (several snapshots can share a second); list order when a time cannot be read."""
    names = [snap.get('name') for snap in snapshots]
    position = names.index(target['name']) if target['name'] in names else len(names)
    when = parse_creation(target.get('creation'))
    newer = []
    for index, snap in enumerate(snapshots):
        if snap.get('name') == target['name']:
            continue
        created = parse_creation(snap.get('creation'))
        if when is None or created is None:
            later = index > position
        else:
            later = created > when or (created == when and index > position)
        if later:
            newer.append((created if created is not None else float('inf'), index, snap))
    return [snap for dummy, dummy2, snap in sorted(newer, key=lambda item: (item[0], item[1]))]


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           required_if=[('state', 'renamed', ['rename_from'])])
    run_zfssa_module(module, SnapshotTask)


if __name__ == '__main__':
    main()
