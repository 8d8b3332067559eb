#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: zfssa_snapshot_prune
short_description: Delete old manual snapshots on an Oracle ZFS Storage Appliance by a keep-last/daily/weekly/monthly policy
version_added: 0.1.0
description:
  - Applies a grandfather-father-son retention policy to the manual snapshots of a project or share whose names
    start with O(prefix), for example the C(backup-...) snapshots taken after each backup with
    M(exalogic.backup.zfssa_snapshot).
  - O(keep_last) keeps the N newest snapshots. O(keep_hourly), O(keep_daily), O(keep_weekly) and O(keep_monthly)
    each keep the newest snapshot of each of the N most recent hours, days, weeks or months that have a snapshot
    (periods without a snapshot do not count, so a paused backup does not age out the older history).
    A snapshot kept by any rule stays. Periods are in UTC by creation time; weeks run Monday to Sunday (ISO weeks).
  - Never deleted, whatever the policy says - the newest snapshot with the prefix; snapshots that have clones;
    snapshots whose creation time cannot be read; snapshots whose names do not start with O(prefix);
    automatic snapshots (C(.auto-...), use the schedule's C(keep) for those).
  - With O(filesystem), only the share's own snapshots are pruned. A share also shows the project snapshots that
    include it; those are never pruned through the share (prune them without O(filesystem)).
  - RV(kept) says for every kept snapshot why it is kept, RV(deleted) lists what was (in check mode what would be) deleted.
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  prefix:
    description:
      - Only snapshots whose name starts with this text are considered, for example C(backup-).
      - Letters, digits, underscore, period, colon and hyphen; it must start with a letter or a digit.
      - Give a prefix that only your backup snapshots use; snapshots taken by hand with other names are never touched.
    type: str
    required: true
  keep_last:
    description:
      - Keep this many of the newest snapshots.
    type: int
    default: 0
  keep_hourly:
    description:
      - Keep the newest snapshot of each of this many most recent hours (UTC) that have one.
    type: int
    default: 0
  keep_daily:
    description:
      - Keep the newest snapshot of each of this many most recent days (UTC) that have one.
    type: int
    default: 0
  keep_weekly:
    description:
      - Keep the newest snapshot of each of this many most recent ISO weeks (Monday to Sunday, UTC) that have one.
    type: int
    default: 0
  keep_monthly:
    description:
      - Keep the newest snapshot of each of this many most recent calendar months (UTC) that have one.
    type: int
    default: 0
attributes:
  check_mode:
    details: Only reads (GET) from the appliance; RV(deleted) lists what would be deleted.
  diff_mode:
    details: The names of the snapshots with the prefix before and after pruning.
notes:
  - At least one C(keep_*) option must be above 0.
  - When a delete fails half way, the error message lists the snapshots already deleted; run the task again to finish.
seealso:
  - module: exalogic.backup.zfssa_snapshot
  - module: exalogic.backup.zfssa_snapshot_schedule
extends_documentation_fragment:
  - exalogic.backup.zfssa
  - exalogic.backup.zfssa.action_group
  - exalogic.backup.zfssa.attributes
  - exalogic.backup.zfssa_objects
'''

EXAMPLES = r'''
- name: Keep 7 daily, 4 weekly and 6 monthly backup snapshots of one share
  exalogic.backup.zfssa_snapshot_prune:
    host: zfssa.example.com
    user: admin
    password: "{{ zfssa_password }}"
    pool: gold
    project: backups
    filesystem: vs01
    prefix: backup-
    keep_daily: 7
    keep_weekly: 4
    keep_monthly: 6

- name: Preview what a stricter policy would delete
  exalogic.backup.zfssa_snapshot_prune:
    pool: gold
    project: backups
    filesystem: vs01
    prefix: backup-
    keep_last: 3
    keep_daily: 2
  check_mode: true
  register: preview

- name: Show the preview
  ansible.builtin.debug:
    msg: "would delete {{ preview.deleted | map(attribute='name') | list }}, keeps {{ preview.kept | items2dict('name', 'reasons') }}"

- name: Prune project snapshots taken before upgrades
  exalogic.backup.zfssa_snapshot_prune:
    pool: gold
    project: backups
    prefix: pre-upgrade-
    keep_last: 2
'''

RETURN = r'''
kept:
  description:
    - The snapshots with the prefix that stay, newest first, each with the reasons it is kept -
      C(newest), C(last N) (one of the O(keep_last) newest), C(hourly 2024-01-31T01), C(daily 2024-01-31),
      C(weekly 2024-W05), C(monthly 2024-01), C(has clones), C(creation time unknown).
  returned: always
  type: list
  elements: dict
  sample:
    - {name: backup-20240131T010000Z, creation: "2024-01-31T01:00:00Z", reasons: [newest, daily 2024-01-31, weekly 2024-W05]}
    - {name: backup-20240130T010000Z, creation: "2024-01-30T01:00:00Z", reasons: [daily 2024-01-30]}
deleted:
  description: The snapshots deleted (in check mode, that would be deleted), newest first, with their creation time in UTC.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: backup-20231231T010000Z, creation: "2023-12-31T01:00:00Z"}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.schedules import KEEP_OPTIONS
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.snapshots import (
    is_automatic, parse_creation, policy_problem, select_retention, snapshot_name_problem)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client import storage_paths, zfssa_argument_spec
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.module import InputError, ScopeTask, run_zfssa_module
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.properties import scope_spec


def argument_spec():
    spec = zfssa_argument_spec()
    spec.update(scope_spec())
    spec.update(
        prefix=dict(type='str', required=True),
    )
    for option in KEEP_OPTIONS:
        spec[option] = dict(type='int', default=0)
    return spec


class PruneTask(ScopeTask):
    """read the prefixed manual snapshots -> plan the retention -> delete the others -> report kept/deleted."""

    def __init__(self, module, client):
        super(PruneTask, self).__init__(module, client)
        problem = snapshot_name_problem(self.params['prefix'], 'prefix') or policy_problem(self.params)
        if problem:
            raise InputError(problem)

    def path(self, name=None, filesystem=None):
        filesystem = self.filesystem if filesystem is None else filesystem
        if name is None:
            return storage_paths.snapshots(self.pool, self.project, filesystem)
        return storage_paths.snapshot(self.pool, self.project, name, filesystem)

    def read(self):
        """Manual snapshots with the prefix, with creation as epoch seconds and a clone count."""
        prefix = self.params['prefix']
        listed = self.client.get(self.path(), doing='list the snapshots of %s' % self.owner).get('snapshots') or []
        project_level = set()
        if self.filesystem:
            # A share lists its parts of project snapshots too; they can only be destroyed on the project.
            doing = 'list the snapshots of project %s/%s' % (self.pool, self.project)
            project_level = set(snap.get('name') for snap in
                                self.client.get(self.path(filesystem=''), doing=doing).get('snapshots') or [])
        found = []
        for snap in listed:
            name = snap.get('name') or ''
            if not name.startswith(prefix) or is_automatic(name) or name in project_level:
                continue
            found.append(dict(name=name, creation=parse_creation(snap.get('creation')), numclones=self.clone_count(snap)))
        return found

    def clone_count(self, snap):
        if snap.get('numclones') is not None:
            return snap['numclones']
        doing = 'list the clones of snapshot %s@%s' % (self.owner, snap['name'])
        return len(self.client.get(self.path(snap['name']) + '/dependents', doing=doing).get('dependents') or [])

    def plan(self, current):
        policy = dict((option, self.params[option]) for option in KEEP_OPTIONS)
        return select_retention(current, policy)

    def apply(self, plan):
        done = []
        for entry in plan['delete']:
            doing = 'delete snapshot %s@%s' % (self.owner, entry['name'])
            if done:
                doing += ' (already deleted: %s)' % ', '.join(done)
            self.client.delete(self.path(entry['name']), doing=doing)
            done.append(entry['name'])

    def report(self, current, plan):
        result = dict(changed=bool(plan['delete']), kept=plan['keep'], deleted=plan['delete'])
        if result['changed']:
            result['diff'] = dict(before=dict(snapshots=sorted(snap['name'] for snap in current)),
                                  after=dict(snapshots=sorted(entry['name'] for entry in plan['keep'])))
        return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_zfssa_module(module, PruneTask)


if __name__ == '__main__':
    main()
