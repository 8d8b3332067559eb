# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""Pure logic of the replication modules (zfssa_replication_target, zfssa_replication_action).

No appliance calls here: choosing the action of a project or share, comparing settings and
schedules in one vocabulary, and reading the outcome of an update from the action object.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from ansible.module_utils.six import string_types

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa import schedules
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.schedules import (
    ScheduleError, appliance_fields, from_appliance, normalize_timing, schedule_order)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.sizes import parse_size

# Boolean settings of an action that the module passes through under the appliance's own names.
ACTION_FLAGS = ('enabled', 'continuous', 'include_snaps', 'use_ssl', 'compression')

UNKNOWN_RESULT = '<unknown>'


# ------------------------------------------------------------------------------------ values

def as_bool(value):
    """The appliance answers JSON booleans; some releases and clients use 'true'/'false' strings."""
    if isinstance(value, string_types):
        return value.strip().lower() in ('true', 'on', 'yes', '1')
    return bool(value)


def as_bandwidth(value):
    """max_bandwidth in bytes/s; 0 = unlimited (the appliance may report unlimited as 0, -1 or null)."""
    if value is None or value == '' or (isinstance(value, string_types) and value.strip().lower() == 'unlimited'):
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    return max(number, 0)


def parse_bandwidth(value):
    """Bytes per second from the max_bandwidth option ('100M', 104857600, 0); ValueError naming the option."""
    if isinstance(value, string_types) and value.strip().lower() == 'unlimited':
        return 0
    if isinstance(value, string_types) and re.match(r'^[0-9]+\Z', value.strip()):  # ASCII digits only
        return int(value.strip())
    return parse_size(value, 'max_bandwidth')


# ------------------------------------------------------------------------------------ schedules

def normalize_schedule(item, where='schedules'):
    """Canonical {frequency, day?, hour?, minute?} of a schedule option (hour and minute are required where
    they apply); raises ScheduleError naming the field (where[...]) and the fix."""
    if not isinstance(item, dict):
        raise ScheduleError('%s must be a dictionary with frequency, day, hour and minute, got %r' % (where, item))
    return normalize_timing(item, where, clock_required=True)


def normalize_schedules(items):
    """Canonical list from the schedules option (None stays None: schedules are not managed)."""
    if items is None:
        return None
    return [normalize_schedule(item, 'schedules[%d]' % index) for index, item in enumerate(items)]


def sorted_schedules(schedules):
    return sorted(schedules, key=schedule_order)


def plan_schedules(current, desired):
    """(bodies to create, schedule objects to delete) turning the appliance schedules ``current`` into ``desired``.

    current: the appliance objects (addressed by their href, see client.object_path); desired: canonical
    schedules. Schedules are compared as a set: an identical schedule is kept, duplicates are removed.
    """
    wanted = []
    for sched in desired:
        if sched not in wanted:
            wanted.append(sched)
    indexed = [(index, from_appliance(sched, with_keep=False)) for index, sched in enumerate(current)]
    plan = schedules.plan_schedules(indexed, wanted, exclusive=True)
    return ([appliance_fields(sched) for sched in sorted_schedules(plan['create'])],
            [current[index] for index in sorted(plan['delete'])])


def canonical_current_schedules(current):
    """The appliance schedules in canonical form, for the diff and the result."""
    return sorted_schedules(from_appliance(sched, with_keep=False) for sched in current)


# ------------------------------------------------------------------------------------ actions

def target_names(target):
    """Every name an action may use for a target: label, id (target-000), asn, hostname."""
    names = set()
    for key in ('label', 'target', 'asn', 'hostname'):
        if target.get(key):
            names.add(target[key])
    return names


def find_target(targets, label):
    for target in targets:
        if target.get('label') == label:
            return target
    return None


def actions_for(actions, pool, project, filesystem, names):
    """The actions that replicate exactly this project (filesystem None) or share to the target `names`."""
    found = []
    for action in actions:
        if action.get('pool') not in (None, pool) or action.get('project') not in (None, project):
            continue
        if (action.get('share') or None) != (filesystem or None):
            continue
        if action.get('target') in names:
            found.append(action)
    return found


def choose_action(candidates, target_pool, what):
    """(the action to manage or None, a problem message or None) among the actions for one target.

    An action's target pool cannot change: a different one asks the user to remove and re-create.
    """
    if target_pool is not None:
        same = [a for a in candidates if a.get('target_pool') == target_pool]
        if same:
            return same[0], None
        if candidates:
            pools = ', '.join(sorted(set('%s' % a.get('target_pool') for a in candidates)))
            return None, ('%s already replicates to target pool %s; the target pool of a replication action cannot '
                          'change after creation. Remove the action (state: absent) and create it again with '
                          'target_pool %s (the next update is then a full one)' % (what, pools, target_pool))
        return None, None
    if len(candidates) > 1:
        pools = ', '.join(sorted('%s' % a.get('target_pool') for a in candidates))
        return None, ('%s has %d replication actions to this target (target pools %s); set target_pool to choose one'
                      % (what, len(candidates), pools))
    return (candidates[0] if candidates else None), None


def desired_settings(params):
    """{appliance key: value} of the settings the user gave (None = leave as it is)."""
    settings = dict((key, params.get(key)) for key in ACTION_FLAGS)
    if params.get('max_bandwidth') is not None:
        settings['max_bandwidth'] = parse_bandwidth(params['max_bandwidth'])
    return dict((k, v) for k, v in settings.items() if v is not None)


def settings_changes(action, settings):
    """{key: wanted} for every setting that differs from the action (booleans and bandwidth normalised)."""
    changes = {}
    for key, wanted in settings.items():
        have = action.get(key)
        if key == 'max_bandwidth':
            if as_bandwidth(have) != wanted:
                changes[key] = wanted
        elif have is None or as_bool(have) != wanted:
            changes[key] = wanted
    return changes


def action_view(action, schedules=None):
    """What the diff shows of an action: its settings in the module's vocabulary."""
    if not action:
        return {}
    view = {}
    for key in ('target', 'target_pool'):
        if key in action:
            view[key] = action[key]
    for key in ACTION_FLAGS:
        if key in action:
            view[key] = as_bool(action[key])
    if 'max_bandwidth' in action:
        view['max_bandwidth'] = as_bandwidth(action['max_bandwidth'])
    if schedules is not None:
        view['schedules'] = schedules
    return view


# ------------------------------------------------------------------------------------ updates

def is_busy(action):
    """True while the action sends (state other than idle)."""
    return (action.get('state') or 'idle').lower() != 'idle'


def update_finished(action, before, started_seen):
    """True when the update started after `before` (the action object then) is over.

    An update has finished when the action is idle again and either it was seen sending, or its
    last_try/last_sync moved on (a fast update may be over before the first poll).
    """
    if is_busy(action):
        return False
    if action.get('last_result') in (None, '', UNKNOWN_RESULT):
        return False
    if started_seen:
        return True
    return any(action.get(key) != before.get(key) for key in ('last_try', 'last_sync'))


def update_succeeded(action):
    return (action.get('last_result') or '').strip().lower() == 'success'
