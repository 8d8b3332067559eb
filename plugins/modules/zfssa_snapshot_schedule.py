#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: zfssa_snapshot_schedule
short_description: Manage the automatic snapshot schedules of a project or share on an Oracle ZFS Storage Appliance
version_added: 0.1.0
description:
  - Makes sure the automatic snapshot schedules listed in O(schedules) exist on a project or, with O(filesystem),
    on one share, with the listed retention (O(schedules[].keep)). The schedules of a project take project
    snapshots (all its shares at the same moment).
  - The appliance then takes snapshots named C(.auto-<UTC time>) (C(.auto-<snaplabel>-<UTC time>) when the
    project or share has a C(snaplabel)) and destroys the oldest ones of each schedule beyond its C(keep).
  - A listed schedule matches an existing one with the same O(schedules[].frequency), O(schedules[].day),
    O(schedules[].hour) and O(schedules[].minute); if only its C(keep) differs, the existing schedule is updated.
    Values are compared by meaning, so C(hour=1) matches the appliance's C("01") and C(day=mon) matches C(Monday).
  - Schedules that are not listed are left alone unless O(exclusive=true). O(state=absent) removes the listed
    schedules, or all of them when O(schedules) is empty.
  - The appliance takes schedules on a project or on its shares, not both. The module fails before changing
    anything when it would add a schedule at one level while the other level has schedules, and names them.
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  schedules:
    description:
      - The schedules. All times are in UTC, whatever the time zone of the appliance or of the control node.
      - Each schedule fires once per period at the given time and the appliance keeps the newest O(schedules[].keep)
        snapshots it took.
    type: list
    elements: dict
    default: []
    suboptions:
      frequency:
        description:
          - How often - every half hour, hour, day, week or month.
        type: str
        required: true
        choices: [halfhour, hour, day, week, month]
      day:
        description:
          - Only for V(week) (a weekday - V(Monday) or V(mon), any case) and V(month) (day of the month, 1 to 31;
            in shorter months days past the end fire on the month's last day); required for both.
        type: raw
      hour:
        description:
          - Hour in UTC, 0 to 23. Only for V(day), V(week) and V(month). Default V(0).
        type: int
      minute:
        description:
          - Minute past the hour, 0 to 59 (0 to 29 for V(halfhour), which also fires 30 minutes later). Default V(0).
        type: int
      keep:
        description:
          - How many snapshots of this schedule the appliance keeps; V(0) keeps all (not allowed for V(halfhour),
            at most 48, and V(hour), at most 24).
          - Required with O(state=present). Ignored with O(state=absent).
          - Lowering C(keep) makes the appliance destroy the oldest automatic snapshots of the schedule at once.
        type: int
  exclusive:
    description:
      - With O(state=present), also remove the schedules of the project or share that are not listed in O(schedules).
      - Off by default because removing a schedule destroys its automatic snapshots (see O(convert)).
    type: bool
    default: false
  convert:
    description:
      - When a schedule is removed, keep the automatic snapshots it took as manual snapshots instead of destroying them.
      - Kept snapshots keep their C(.auto-...) names and are no longer deleted by any schedule.
    type: bool
    default: false
  state:
    description:
      - V(present) creates or updates the listed schedules.
      - V(absent) removes the listed schedules (matched by frequency, day, hour and minute), or every schedule of the
        project or share when O(schedules) is empty. Their automatic snapshots are destroyed unless O(convert=true).
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    details: Only reads (GET) from the appliance; RV(schedules) shows the schedules as they would be.
  diff_mode:
    details: The schedules (frequency, day, hour, minute, keep) before and after.
notes:
  - Schedules with the same frequency, day, hour and minute cannot be listed twice.
  - The REST paths of automatic snapshots (C(.../automatic)) and the formats of C(day), C(hour) and C(minute) are not
    confirmed by the vendor documentation; the module reads numbers as numbers or text (C(1) or C("01")) and weekdays
    as full or short names.
seealso:
  - module: exalogic.backup.zfssa_snapshot
  - module: exalogic.backup.zfssa_snapshot_prune
extends_documentation_fragment:
  - exalogic.backup.zfssa
  - exalogic.backup.zfssa.action_group
  - exalogic.backup.zfssa.attributes
  - exalogic.backup.zfssa_objects
'''

EXAMPLES = r'''
- name: Daily snapshot at 01:00 UTC kept for a week, weekly on Sunday kept for a month
  exalogic.backup.zfssa_snapshot_schedule:
    host: zfssa.example.com
    user: admin
    password: "{{ zfssa_password }}"
    pool: gold
    project: backups
    filesystem: vs01
    schedules:
      - frequency: day
        hour: 1
        keep: 7
      - frequency: week
        day: Sunday
        hour: 2
        keep: 4

- name: Exactly these schedules on the project; remove any other, keeping its snapshots as manual ones
  exalogic.backup.zfssa_snapshot_schedule:
    pool: gold
    project: backups
    exclusive: true
    convert: true
    schedules:
      - frequency: hour
        minute: 15
        keep: 24
      - frequency: month
        day: 1
        hour: 0
        keep: 12

- name: Remove the weekly schedule of vs01 (its snapshots are destroyed)
  exalogic.backup.zfssa_snapshot_schedule:
    pool: gold
    project: backups
    filesystem: vs01
    state: absent
    schedules:
      - frequency: week
        day: Sunday
        hour: 2

- name: Remove every schedule of the project
  exalogic.backup.zfssa_snapshot_schedule:
    pool: gold
    project: backups
    state: absent
'''

RETURN = r'''
schedules:
  description:
    - The schedules of the project or share after the task (in check mode as they would be), ordered by frequency
      and time. C(hour), C(minute) and a month's C(day) are integers, a week's C(day) is the weekday's name;
      fields that do not apply to the frequency are left out. C(id) is the appliance's id of the schedule, or the
      last segment of its C(href) when the appliance gives no id; null for a schedule not created yet (check mode).
  returned: always
  type: list
  elements: dict
  sample:
    - {id: automatic-000, frequency: day, hour: 1, minute: 0, keep: 7}
    - {id: automatic-001, frequency: week, day: Sunday, hour: 2, minute: 0, keep: 4}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.schedules import (
    FREQUENCIES, ScheduleError, appliance_fields, describe_schedule, from_appliance, normalize_schedule, plan_schedules,
    repeated_timing_problem, schedule_order)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client import (
    ZfssaError, object_id, object_path, storage_paths, zfssa_argument_spec)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.module import InputError, ScopeTask, run_zfssa_module
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.properties import scope_spec


def argument_spec():
    spec = zfssa_argument_spec()
    spec.update(scope_spec())
    spec.update(
        schedules=dict(type='list', elements='dict', default=[], options=dict(
            frequency=dict(type='str', required=True, choices=list(FREQUENCIES)),
            day=dict(type='raw'),
            hour=dict(type='int'),
            minute=dict(type='int'),
            keep=dict(type='int'),
        )),
        exclusive=dict(type='bool', default=False),
        convert=dict(type='bool', default=False),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )
    return spec


def wanted_schedules(params):
    """Canonical schedules from the options; raises ScheduleError naming the entry."""
    present = params['state'] == 'present'
    wanted = [normalize_schedule(entry, 'schedules[%d]' % index, need_keep=present)
              for index, entry in enumerate(params['schedules'])]
    problem = repeated_timing_problem(wanted)
    if problem:
        raise ScheduleError(problem)
    return wanted


def shown(schedule, sched_id=None):
    return dict(schedule, id=sched_id)


def ordered(schedules):
    return sorted(schedules, key=schedule_order)


class ScheduleTask(ScopeTask):
    """read the schedules -> plan create/update/delete (checking the other level) -> write -> report."""

    def __init__(self, module, client):
        super(ScheduleTask, self).__init__(module, client)
        try:
            self.wanted = wanted_schedules(self.params)
        except ScheduleError as err:
            raise InputError(str(err))
        self.objects = {}  # id -> the schedule object as listed, to address it by its href
        self.relisted = None  # the schedules read back after the writes

    def path(self, filesystem=None):
        filesystem = self.filesystem if filesystem is None else filesystem
        return storage_paths.automatic(self.pool, self.project, filesystem or None)

    def object_path(self, sched_id, doing):
        try:
            return object_path(self.objects.get(sched_id), self.path(), 'automatic snapshot schedule')
        except ZfssaError as err:
            err.doing = doing
            raise

    def current(self, filesystem=None, label=None):
        """[(id, canonical schedule)] of the project or share; the id is the object's id or the end of its href."""
        doing = 'list the automatic snapshot schedules of %s' % (label or self.owner)
        listed = self.client.get(self.path(filesystem=filesystem), doing=doing).get('automatic') or []
        found = []
        for obj in listed:
            sched_id = object_id(obj)
            if filesystem is None:
                self.objects[sched_id] = obj
            found.append((sched_id, from_appliance(obj)))
        return found

    def read(self):
        return self.current()

    def plan(self, current):
        params = self.params
        plan = plan_schedules(current, self.wanted, exclusive=params['exclusive'], removing=params['state'] == 'absent')
        if plan['create']:
            self.check_other_level()
        return plan

    @staticmethod
    def changes(plan):
        return bool(plan['create'] or plan['update'] or plan['delete'])

    def report(self, current, plan):
        changed = self.changes(plan)
        after = self.predicted(current, plan)
        result = dict(changed=changed, schedules=[shown(schedule, sched_id) for sched_id, schedule in after])
        if changed:
            result['diff'] = dict(before=dict(schedules=ordered(schedule for dummy, schedule in current)),
                                  after=dict(schedules=ordered(schedule for dummy, schedule in after)))
        if self.relisted is not None:
            result['schedules'] = [shown(schedule, sched_id) for sched_id, schedule in
                                   sorted(self.relisted, key=lambda item: schedule_order(item[1]))]
        return result

    @staticmethod
    def predicted(current, plan):
        """[(id, schedule)] after the plan, ordered; created schedules have no id yet."""
        updates = dict(plan['update'])
        after = [(sched_id, updates.get(sched_id, schedule)) for sched_id, schedule in current
                 if sched_id not in plan['delete']]
        after += [(None, schedule) for schedule in plan['create']]
        return sorted(after, key=lambda item: schedule_order(item[1]))

    def check_other_level(self):
        """Fail when the other level (project vs. its shares) already has schedules: the appliance refuses both."""
        if self.filesystem:
            found = self.current(filesystem='', label='project %s/%s' % (self.pool, self.project))
            if found:
                self.module.fail_json(msg=(
                    'project %s/%s already has automatic snapshot schedules (%s); the appliance takes schedules on a project '
                    'or on its shares, not both: manage them on the project (leave out filesystem) or remove them there first '
                    '(state=absent without filesystem)' % (self.pool, self.project, '; '.join(describe_schedule(s) for dummy, s in found))))
            return
        doing = 'list the filesystems of project %s/%s' % (self.pool, self.project)
        shares = self.client.get(storage_paths.filesystems(self.pool, self.project), doing=doing).get('filesystems') or []
        busy = []
        for share in shares:
            label = '%s/%s/%s' % (self.pool, self.project, share.get('name'))
            found = self.current(filesystem=share.get('name'), label=label)
            if found:
                busy.append('%s (%s)' % (share.get('name'), '; '.join(describe_schedule(s) for dummy, s in found)))
        if busy:
            self.module.fail_json(msg=(
                'shares of project %s/%s already have automatic snapshot schedules: %s; the appliance takes schedules on a '
                'project or on its shares, not both: manage them per share (give filesystem) or remove them there first'
                % (self.pool, self.project, ', '.join(busy))))

    def apply(self, plan):
        if not self.changes(plan):
            return
        query = {'convert': True} if self.params['convert'] else None
        for sched_id in plan['delete']:
            doing = 'delete automatic snapshot schedule %s of %s' % (sched_id, self.owner)
            self.client.request('DELETE', self.object_path(sched_id, doing), query=query, doing=doing)
        for sched_id, schedule in plan['update']:
            doing = 'change automatic snapshot schedule %s of %s to %s' % (sched_id, self.owner, describe_schedule(schedule))
            self.client.put(self.object_path(sched_id, doing), dict(keep=schedule['keep']), doing=doing)
        for schedule in plan['create']:
            doing = 'create automatic snapshot schedule %s on %s' % (describe_schedule(schedule), self.owner)
            self.client.post(self.path(), appliance_fields(schedule), doing=doing)
        self.relisted = self.current()


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_zfssa_module(module, ScheduleTask)


if __name__ == '__main__':
    main()
