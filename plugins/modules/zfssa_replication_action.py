#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: zfssa_replication_action
short_description: Replicate a project or share of an Oracle ZFS Storage Appliance to another appliance
version_added: 0.1.0
description:
  - Creates, changes or removes the replication action of a project (or of one share) for one replication target,
    with its settings and schedules, and can send an update now and wait until it is done.
  - The action is identified by O(pool), O(project), O(filesystem) and O(target) (and O(target_pool) when the
    project replicates to several pools of the same target). A project can have actions for several targets.
  - The target and target pool of an action cannot change after creation. When the existing action replicates to
    another target pool, the module fails and changes nothing; remove the action (O(state=absent)) and create it
    again (the next update is then a full one).
  - Settings that are not given are left as they are (on creation the appliance defaults apply).
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  target:
    description:
      - Label of the replication target (see M(exalogic.backup.zfssa_replication_target)). It must exist.
    type: str
    required: true
  target_pool:
    description:
      - Pool on the target appliance that receives the data. Required to create the action.
    type: str
  enabled:
    description:
      - Whether the action runs (scheduled, continuous or on O(update)). Appliance default V(true).
    type: bool
  continuous:
    description:
      - Replicate continuously instead of on schedules. Appliance default V(false).
    type: bool
  include_snaps:
    description:
      - Also replicate the snapshots of the project or share. Appliance default V(true).
    type: bool
  max_bandwidth:
    description:
      - Bandwidth limit per second, in bytes (V(104857600)) or as a size with K, M, G or T (V(100M), powers of 1024).
      - V(0) (or V(unlimited)) means no limit.
    type: raw
  use_ssl:
    description:
      - Encrypt the replication stream.
    type: bool
  compression:
    description:
      - Compress the replication stream.
    type: bool
  schedules:
    description:
      - When to send updates automatically (ignored by the appliance while O(continuous=true)).
      - The list is the complete set of schedules of the action; missing ones are added, others removed. V([])
        removes all schedules. Leave the option out to keep the schedules as they are.
      - Times are UTC, as on the appliance.
    type: list
    elements: dict
    suboptions:
      frequency:
        description:
          - V(halfhour) and V(hour) use O(schedules[].minute); V(day) uses O(schedules[].hour) and
            O(schedules[].minute); V(week) and V(month) also use O(schedules[].day).
        type: str
        required: true
        choices: [halfhour, hour, day, week, month]
      day:
        description:
          - Weekday (V(Monday) or V(mon)) for V(week), day of the month (V(1) to V(31)) for V(month).
        type: str
      hour:
        description: Hour, V(0) to V(23).
        type: int
      minute:
        description: Minute, V(0) to V(59) (V(0) to V(29) for V(halfhour)).
        type: int
  state:
    description:
      - V(present) creates or updates the action; V(absent) removes it (the replicated copy on the target stays, as a
        package that can no longer receive updates).
    type: str
    choices: [present, absent]
    default: present
  update:
    description:
      - Send an update now (C(PUT .../sendupdate)); the module then always reports a change.
      - When an update is already running, the module waits for it first if O(wait=true), otherwise it only warns.
    type: bool
    default: false
  wait:
    description:
      - With O(update=true), wait until the update is over, and fail with the appliance's C(last_result) when it
        did not succeed.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true). When they pass, the module fails; the update goes on on the appliance.
    type: int
    default: 3600
attributes:
  check_mode:
    details: Only reads (GET) in check mode; O(update) reports a change without sending.
  diff_mode:
    details: Shows target, target pool, the settings and the schedules before and after.
notes:
  - Requests; one for the targets, one for the actions of the project or share, one for the schedules of an
    existing action, then one per write; with O(wait=true) one per poll (every 1 to 10 seconds).
  - Actions are created under the project or share (C(/pools/{pool}/projects/{project}[/filesystems/{fs}]/replication/actions)),
    the form every appliance release accepts; changes use C(/replication/actions/{id}).
seealso:
  - module: exalogic.backup.zfssa_replication_target
  - module: exalogic.backup.zfssa_info
extends_documentation_fragment:
  - exalogic.backup.zfssa
  - exalogic.backup.zfssa.action_group
  - exalogic.backup.zfssa.attributes
  - exalogic.backup.zfssa_objects
'''

EXAMPLES = r'''
- name: Replicate the backups project to the DR appliance every night at 02:30 UTC
  exalogic.backup.zfssa_replication_action:
    host: zfssa-primary.example.com
    user: root
    password: "{{ zfssa_password }}"
    pool: gold
    project: backups
    target: dr
    target_pool: gold
    include_snaps: true
    max_bandwidth: 200M
    schedules:
      - frequency: day
        hour: 2
        minute: 30

- name: Send an update now, after the nightly backup, and wait until it is on the DR appliance
  exalogic.backup.zfssa_replication_action:
    pool: gold
    project: backups
    target: dr
    update: true
    wait: true
    wait_timeout: 7200
  register: replication

- name: Show when the data last reached the DR appliance
  ansible.builtin.debug:
    msg: "{{ replication.action.last_sync }} ({{ replication.action.last_result }})"

- name: Replicate only one share, weekly on Sunday at 04:00 UTC, without snapshots
  exalogic.backup.zfssa_replication_action:
    pool: gold
    project: backups
    filesystem: vs01
    target: dr
    target_pool: silver
    include_snaps: false
    schedules:
      - frequency: week
        day: Sunday
        hour: 4
        minute: 0

- name: Stop replicating the project
  exalogic.backup.zfssa_replication_action:
    pool: gold
    project: backups
    target: dr
    state: absent
'''

RETURN = r'''
action:
  description:
    - The replication action after the task, as the appliance returns it, plus C(schedules) in the form of
      O(schedules). In check mode the planned settings. Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: The appliance's id of the action.
      type: str
      sample: 8373d331-de60-e590-90e8-9ad69fcb4aec
    target:
      description: The replication target (label, or the target's id on some releases).
      type: str
      sample: dr
    pool:
      description: Local pool.
      type: str
      sample: gold
    target_pool:
      description: Pool on the target.
      type: str
      sample: gold
    project:
      description: Replicated project.
      type: str
      sample: backups
    share:
      description: Replicated share, for an action of one share.
      type: str
      sample: vs01
    enabled:
      description: Whether the action runs.
      type: bool
      sample: true
    continuous:
      description: Continuous replication.
      type: bool
      sample: false
    include_snaps:
      description: Snapshots are replicated.
      type: bool
      sample: true
    max_bandwidth:
      description: Bandwidth limit in bytes per second, 0 = unlimited.
      type: int
      sample: 209715200
    use_ssl:
      description: The stream is encrypted.
      type: bool
      sample: true
    compression:
      description: The stream is compressed.
      type: bool
      sample: false
    state:
      description: V(idle), V(sending), ...
      type: str
      sample: idle
    last_sync:
      description: End of the last successful update (appliance time, UTC).
      type: str
      sample: 20240101T02:31:05
    last_try:
      description: Start of the last update.
      type: str
      sample: 20240101T02:30:00
    last_result:
      description: Outcome of the last update (V(success), V(<unknown>) before the first one, or the failure).
      type: str
      sample: success
    schedules:
      description: The schedules of the action.
      type: list
      elements: dict
      sample: [{frequency: day, hour: 2, minute: 30}]
  sample:
    id: 8373d331-de60-e590-90e8-9ad69fcb4aec
    target: dr
    pool: gold
    target_pool: gold
    project: backups
    enabled: true
    continuous: false
    include_snaps: true
    max_bandwidth: 0
    use_ssl: true
    compression: false
    state: idle
    last_sync: 20240101T02:31:05
    last_try: 20240101T02:30:00
    last_result: success
    bytes_sent: 10737418240
    schedules: [{frequency: day, hour: 2, minute: 30}]
update_sent:
  description: Whether an update was sent (in check mode, whether it would be).
  returned: always
  type: bool
  sample: true
'''

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client import (
    join_path, object_id, object_path, storage_paths, zfssa_argument_spec)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.module import (
    InputError, ZfssaTask, dispatch, run_zfssa_module)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.properties import scope_label, scope_spec
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.replication import (
    action_view, actions_for, as_bool, canonical_current_schedules, choose_action, desired_settings, find_target, is_busy,
    normalize_schedules, plan_schedules, settings_changes, sorted_schedules, target_names, update_finished,
    update_succeeded)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.schedules import FREQUENCIES

FIRST_POLL = 1.0
MAX_POLL = 10.0


def argument_spec():
    spec = zfssa_argument_spec()
    spec.update(scope_spec())
    spec.update(
        target=dict(type='str', required=True),
        target_pool=dict(type='str'),
        enabled=dict(type='bool'),
        continuous=dict(type='bool'),
        include_snaps=dict(type='bool'),
        max_bandwidth=dict(type='raw'),
        use_ssl=dict(type='bool'),
        compression=dict(type='bool'),
        schedules=dict(type='list', elements='dict', options=dict(
            frequency=dict(type='str', required=True, choices=list(FREQUENCIES)),
            day=dict(type='str'),
            hour=dict(type='int'),
            minute=dict(type='int'),
        )),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        update=dict(type='bool', default=False),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=3600),
    )
    return spec


class ActionTask(ZfssaTask):
    """read the target and the actions -> plan create, change, delete or nothing -> write (and send an update)
    -> report.

    A plan is a dict: ``kind`` (create, change, delete or None), ``action`` (the action the run manages, when
    it exists), what to send (``body``, ``changes``, schedules to ``create`` and ``delete``, the ``doomed``
    actions) and ``result`` (the module result as planned).
    """

    def __init__(self, module, client):
        super(ActionTask, self).__init__(module, client)
        p = self.params
        self.p = p
        self.settings, self.schedules = check_params(p)
        self.what = '%s %s' % ('share' if p['filesystem'] else 'project', scope_label(p['pool'], p['project'], p['filesystem']))
        self.reading = 'read the replication actions of %s' % self.what

    # ---- reads

    def read(self):
        target = self.read_target()
        return dict(target=target, candidates=self.read_candidates(target))

    def read_target(self):
        targets = self.client.get(storage_paths.replication_targets(), doing=self.reading).get('targets') or []
        return find_target(targets, self.p['target'])

    def read_candidates(self, target):
        p = self.p
        names = target_names(target) if target else set([p['target']])
        path = storage_paths.project_replication_actions(p['pool'], p['project'], p['filesystem'] or None)
        actions = self.client.get(path, doing=self.reading).get('actions') or []
        return actions_for(actions, p['pool'], p['project'], p['filesystem'], names)

    def read_schedules(self, action):
        return self.client.get(self.action_path(action, 'schedules'), doing=self.reading).get('schedules') or []

    def read_action(self, action, doing=None):
        doing = doing or 'read the replication action of %s' % self.what
        return self.client.get(self.action_path(action), doing=doing).get('action') or action

    @staticmethod
    def action_path(action, *more):
        path = object_path(action, storage_paths.replication_actions(), 'replication action')
        return path + (join_path(*more) if more else '')

    # ---- plans

    def plan(self, current):
        return dispatch({'present': self.plan_present, 'absent': self.plan_absent}, self.p['state'])(current)

    def plan_absent(self, current):
        p = self.p
        doomed = [a for a in current['candidates'] if p['target_pool'] is None or a.get('target_pool') == p['target_pool']]
        before = action_view(doomed[0]) if doomed else {}
        result = {'changed': bool(doomed), 'action': {}, 'update_sent': False, 'diff': {'before': before, 'after': {}}}
        return dict(kind='delete' if doomed else None, action=None, doomed=doomed, result=result)

    def plan_present(self, current):
        p = self.p
        if current['target'] is None:
            self.module.fail_json(msg='Replication target %s does not exist on %s; create it first with '
                                  'exalogic.backup.zfssa_replication_target' % (p['target'], p['host']))
        action, problem = choose_action(current['candidates'], p['target_pool'], self.what)
        if problem:
            self.module.fail_json(msg=problem)
        plan = self.plan_create() if action is None else self.plan_change(action)
        plan['result']['update_sent'] = False
        return plan

    def plan_create(self):
        p = self.p
        if not p['target_pool']:
            self.module.fail_json(msg='%s has no replication action to target %s yet; target_pool (the pool on the '
                                  'target appliance) is required to create it' % (self.what, p['target']))
        body = dict(self.settings, target=p['target'], target_pool=p['target_pool'])
        planned = dict(body, pool=p['pool'], project=p['project'])
        if p['filesystem']:
            planned['share'] = p['filesystem']
        wanted = self.schedules or []
        diff = {'before': {}, 'after': action_view(planned, wanted)}
        return dict(kind='create', action=None, body=body, create=wanted,
                    result=dict(changed=True, action=dict(planned, schedules=wanted), diff=diff))

    def plan_change(self, current):
        schedules = self.schedules
        have_schedules = self.read_schedules(current)
        before_schedules = canonical_current_schedules(have_schedules)
        changes = settings_changes(current, self.settings)
        create, delete = plan_schedules(have_schedules, schedules) if schedules is not None else ([], [])
        changed = bool(changes or create or delete)
        after_schedules = schedules if schedules is not None else before_schedules
        after = dict(current, **changes)
        diff = {'before': action_view(current, before_schedules), 'after': action_view(after, sorted_schedules(after_schedules))}
        return dict(kind='change' if changed else None, action=current, changes=changes, create=create, delete=delete,
                    result=dict(changed=changed, action=dict(after, schedules=sorted_schedules(after_schedules)), diff=diff))

    # ---- writes

    def apply(self, plan):
        dispatch({'create': self.apply_create, 'change': self.apply_change, 'delete': self.apply_delete,
                  None: lambda plan: None}, plan['kind'])(plan)
        action, result = plan['action'], plan['result']
        if action is None:
            return
        if self.p['update']:
            result['update_sent'] = self.send_update(action)
            result['changed'] = result['changed'] or result['update_sent']
        if result['changed']:
            result['action'] = dict(self.read_action(action),
                                    schedules=canonical_current_schedules(self.read_schedules(action)))

    def apply_delete(self, plan):
        for action in plan['doomed']:
            self.client.delete(self.action_path(action),
                               doing='remove the replication action %s of %s' % (object_id(action), self.what))

    def apply_create(self, plan):
        p = self.p
        path = storage_paths.project_replication_actions(p['pool'], p['project'], p['filesystem'] or None)
        action = self.client.post(path, plan['body'], doing='create the replication action of %s to %s'
                                  % (self.what, p['target'])).get('action') or {}
        if not object_id(action):
            self.module.fail_json(msg='The appliance created the replication action of %s but returned no href or id; '
                                  'run the task again to manage it' % self.what)
        plan['action'] = action
        self.add_schedules(action, plan['create'])

    def apply_change(self, plan):
        current = plan['action']
        if plan['changes']:
            self.client.put(self.action_path(current), plan['changes'],
                            doing='change the replication action of %s' % self.what)
        for sched in plan['delete']:
            self.client.delete(object_path(sched, self.action_path(current, 'schedules'), 'replication schedule'),
                               doing='remove schedule %s of the replication action of %s' % (object_id(sched), self.what))
        self.add_schedules(current, plan['create'])

    def add_schedules(self, action, schedules):
        for sched in schedules:
            self.client.post(self.action_path(action, 'schedules'), sched,
                             doing='add a schedule to the replication action of %s' % self.what)

    def report(self, current, plan):
        result = plan['result']
        if self.p['update'] and self.check_mode:
            result['changed'] = result['update_sent'] = True
        return result

    # ---- update now

    def send_update(self, action):
        """Send an update (waiting first for a running one with wait); True when one was sent."""
        p = self.p
        current = self.read_action(action)
        if current.get('enabled') is not None and not as_bool(current['enabled']):
            self.module.fail_json(msg='The replication action of %s to %s is disabled; set enabled: true to send an '
                                  'update' % (self.what, p['target']), action=current)
        if is_busy(current):
            if not p['wait']:
                self.module.warn('An update of %s to %s is already running; no new update was sent (use wait: true '
                                 'to wait for it and send another)' % (self.what, p['target']))
                return False
            current = self.wait_for(current, started_seen=True, deadline=time.time() + p['wait_timeout'])
        answer = self.client.put(self.action_path(action, 'sendupdate'),
                                 doing='send a replication update of %s to %s' % (self.what, p['target'])).get('action') or {}
        if p['wait']:
            current = self.wait_for(current, started_seen=is_busy(answer), deadline=time.time() + p['wait_timeout'])
            if not update_succeeded(current):
                self.module.fail_json(msg='The replication update of %s to %s failed: %s'
                                      % (self.what, p['target'], current.get('last_result')), action=current)
        return True

    def wait_for(self, before, started_seen, deadline):
        """Poll the action until the running (or just started) update is over; fail at the deadline."""
        delay = FIRST_POLL
        while True:
            action = self.read_action(before, doing='follow the replication update of %s' % self.what)
            started_seen = started_seen or is_busy(action)
            if update_finished(action, before, started_seen):
                return action
            remaining = deadline - time.time()
            if remaining <= 0:
                self.module.fail_json(
                    msg='The replication update of %s to %s did not finish within wait_timeout (%s s); state %s. '
                        'It goes on on the appliance: raise wait_timeout or check later '
                        '(exalogic.backup.zfssa_info with gather_subset replication_actions)'
                        % (self.what, self.p['target'], self.p['wait_timeout'], action.get('state')), action=action)
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, MAX_POLL)


def check_params(params):
    """(settings, schedules) from the options; InputError before any request when they are wrong."""
    try:
        settings = desired_settings(params)
        schedules = normalize_schedules(params['schedules'])
    except ValueError as exc:
        raise InputError(str(exc))
    if params['wait_timeout'] < 0:
        raise InputError('wait_timeout must be 0 or more seconds')
    if params['state'] == 'absent' and params['update']:
        raise InputError('update: true needs state: present (an absent action cannot send updates)')
    return settings, schedules


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_zfssa_module(module, ActionTask)


if __name__ == '__main__':
    main()
