#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: zfssa_info
short_description: Read pools, projects, shares, snapshots, schedules and replication of an Oracle ZFS Storage Appliance
version_added: 0.1.0
description:
  - Returns what the appliance holds, subset by subset, as the appliance describes it (its own property names).
  - Reads only; never changes anything.
  - Uses as few requests as possible; the number of requests per subset is listed under O(gather_subset).
  - An optional JMESPath O(query) picks the part of the result a play needs.
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  gather_subset:
    description:
      - What to read. V(all) means every subset; a name with a leading V(!) removes that subset
        (V([all, '!schedules'])).
      - V(pools) (1 request), V(projects) (1), V(filesystems) (1, every share at once), V(snapshots) (1, every
        snapshot at once), V(replication_targets) (1), V(replication_sources) (1, plus 1 per source when the
        appliance does not list its packages), V(replication_actions) (1, plus 1 per action for its schedules).
      - V(schedules) are the automatic snapshot schedules; the appliance keeps them per project and per share, so
        this subset costs 1 request per project and 1 per share (after the O(pool) and O(project) filters), plus the
        project and share lists when they are not gathered anyway. Narrow it with O(pool) and O(project) on large
        appliances.
      - The default, V(pools), V(projects) and V(filesystems), costs 3 requests however large the appliance is.
    type: list
    elements: str
    default: [pools, projects, filesystems]
  pool:
    description:
      - Only this pool (pools, projects, shares, snapshots, schedules and replication actions of it).
    type: str
  project:
    description:
      - Only projects with this name (and their shares, snapshots, schedules and replication actions).
    type: str
  query:
    description:
      - A JMESPath expression applied to RV(appliance); the outcome is returned as RV(query_result).
      - Needs the C(jmespath) Python library on the control node (C(pip install jmespath)). It is checked before any
        request is sent.
    type: str
attributes:
  check_mode:
    details: The module only reads, in check mode as in a normal run.
  diff_mode:
    support: none
requirements:
  - jmespath (on the control node, only for O(query))
seealso:
  - module: exalogic.backup.zfssa_replication_action
  - module: exalogic.backup.zfssa_replication_target
extends_documentation_fragment:
  - exalogic.backup.zfssa
  - exalogic.backup.zfssa.action_group
  - exalogic.backup.zfssa.attributes
'''

EXAMPLES = r'''
- name: Pools, projects and shares (the default, 3 requests)
  exalogic.backup.zfssa_info:
    host: zfssa.example.com
    user: root
    password: "{{ zfssa_password }}"
    ca_path: /etc/pki/zfssa-ca.pem
  register: zfssa

- name: Free space of each pool
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.usage.available | human_readable }} free"
  loop: "{{ zfssa.appliance.pools }}"
  loop_control:
    label: "{{ item.name }}"

- name: Everything except the snapshot schedules
  exalogic.backup.zfssa_info:
    gather_subset: [all, '!schedules']

- name: Snapshots of the backups project, newest last, names only
  exalogic.backup.zfssa_info:
    gather_subset: snapshots
    pool: gold
    project: backups
    query: "sort_by(snapshots, &creation)[].name"
  register: snaps

- name: Replication actions that did not succeed last time
  exalogic.backup.zfssa_info:
    gather_subset: replication_actions
    query: "replication_actions[?last_result != 'success'].{project: project, target: target, result: last_result}"
  register: failing

- name: Shares of one project with their NFS exceptions
  exalogic.backup.zfssa_info:
    gather_subset: filesystems
    pool: gold
    project: backups
    query: "filesystems[].{name: name, sharenfs: sharenfs, mountpoint: mountpoint}"
'''

RETURN = r'''
appliance:
  description:
    - One list per gathered subset, each item as the appliance returns it.
  returned: always
  type: dict
  contains:
    gathered:
      description: The subsets read.
      type: list
      elements: str
      sample: [pools, projects, filesystems]
    pools:
      description: Pools with C(name), C(status), C(owner), C(asn) and C(usage) (bytes).
      type: list
      elements: dict
      returned: when V(pools) is gathered
    projects:
      description: Projects with every property (C(name), C(pool), C(mountpoint), C(quota), C(sharenfs), C(snapdir), ...).
      type: list
      elements: dict
      returned: when V(projects) is gathered
    filesystems:
      description: Shares with every property (C(name), C(pool), C(project), C(mountpoint), C(sharenfs), C(space_data), ...).
      type: list
      elements: dict
      returned: when V(filesystems) is gathered
    snapshots:
      description:
        - Snapshots with C(name), C(pool), C(project), C(share) (share snapshots), C(creation), C(numclones), ...
        - A project snapshot is listed once, at project level.
      type: list
      elements: dict
      returned: when V(snapshots) is gathered
    schedules:
      description:
        - Automatic snapshot schedules with C(pool), C(project), C(share) (null for a project schedule), C(id),
          C(href), C(frequency), C(day), C(hour), C(minute) and C(keep). C(id) is the last segment of C(href) when
          the appliance gives no id.
      type: list
      elements: dict
      returned: when V(schedules) is gathered
    replication_targets:
      description: Replication targets with C(label), C(hostname), C(address), C(asn) and C(actions).
      type: list
      elements: dict
      returned: when V(replication_targets) is gathered
    replication_actions:
      description:
        - Replication actions with C(id), C(pool), C(project), C(share), C(target), C(target_pool), C(enabled),
          C(state), C(last_sync), C(last_result), ... and C(schedules) (the action's schedules).
      type: list
      elements: dict
      returned: when V(replication_actions) is gathered
    replication_sources:
      description: Appliances that replicate to this one, with C(name), C(asn) and their C(packages).
      type: list
      elements: dict
      returned: when V(replication_sources) is gathered
  sample:
    gathered: [pools, projects]
    pools: [{name: gold, status: online, usage: {available: 1099511627776, used: 10737418240}}]
    projects: [{name: backups, pool: gold, mountpoint: /export/backups, snapdir: visible}]
query_result:
  description: The outcome of O(query) applied to RV(appliance).
  returned: when O(query) is set
  type: raw
  sample: [".auto-20240101T010000Z", "nightly-20240102"]
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client import (
    object_id, object_path, storage_paths, zfssa_argument_spec)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.module import (
    InputError, ZfssaTask, dispatch, run_zfssa_module)

SUBSETS = ('pools', 'projects', 'filesystems', 'snapshots', 'schedules',
           'replication_targets', 'replication_actions', 'replication_sources')
DEFAULT_SUBSETS = ['pools', 'projects', 'filesystems']
SCHEDULE_KEYS = ('id', 'frequency', 'day', 'hour', 'minute', 'keep', 'href')


def resolve_subsets(values):
    """The subsets to gather, in SUBSETS order, from names, 'all' and '!name'; ValueError when unknown."""
    wanted = set()
    removed = set()
    for raw in values:
        name = (raw or '').strip()
        negate = name.startswith('!')
        name = name.lstrip('!').strip()
        if name != 'all' and name not in SUBSETS:
            raise ValueError("gather_subset: unknown subset '%s'; use all or %s (prefix ! to leave one out)"
                             % (raw, ', '.join(SUBSETS)))
        names = set(SUBSETS) if name == 'all' else set([name])
        (removed if negate else wanted).update(names)
    if not wanted and removed:
        wanted = set(SUBSETS)  # only exclusions given: everything else
    return [name for name in SUBSETS if name in wanted and name not in removed]


def compile_query(module, expression):
    """The compiled JMESPath expression; fails before any request when jmespath is missing or the query is bad."""
    try:
        import jmespath
    except ImportError as exc:
        module.fail_json(msg='%s Install it on the control node: pip install jmespath' % missing_required_lib('jmespath'),
                         exception=str(exc))
    try:
        return jmespath.compile(expression)
    except jmespath.exceptions.JMESPathError as exc:
        module.fail_json(msg='query is not a valid JMESPath expression: %s' % exc)


def matches(item, pool, project):
    return (pool is None or item.get('pool') == pool) and (project is None or item.get('project') == project)


def is_local(item):
    """Replicated copies (collection 'replication') appear in some lists; their schedules are not local paths."""
    return item.get('collection') in (None, 'local')


class Gatherer(object):
    """Reads each subset with the fewest requests, reusing lists another subset already read."""

    def __init__(self, client, pool, project):
        self.client = client
        self.pool = pool
        self.project = project
        self.cache = {}

    def gather(self, subset):
        return dispatch({
            'pools': self.pools, 'projects': self.projects, 'filesystems': self.filesystems,
            'snapshots': self.snapshots, 'schedules': self.schedules, 'replication_targets': self.replication_targets,
            'replication_actions': self.replication_actions, 'replication_sources': self.replication_sources,
        }, subset)()

    def listing(self, path, key):
        return self.client.get(path, doing='read %s' % path).get(key) or []

    def pools(self):
        return [p for p in self.listing(storage_paths.pools(), 'pools') if self.pool in (None, p.get('name'))]

    def projects(self):
        if 'projects' not in self.cache:
            path = storage_paths.projects(self.pool) if self.pool else '/projects'
            found = self.listing(path, 'projects')
            self.cache['projects'] = [p for p in found if self.pool in (None, p.get('pool'))
                                      and self.project in (None, p.get('name'))]
        return self.cache['projects']

    def filesystems(self):
        if 'filesystems' not in self.cache:
            if self.pool and self.project:
                found = self.listing(storage_paths.filesystems(self.pool, self.project), 'filesystems')
            else:
                found = self.listing('/filesystems', 'filesystems')
            self.cache['filesystems'] = [f for f in found if matches(f, self.pool, self.project)]
        return self.cache['filesystems']

    def snapshots(self):
        return [s for s in self.listing('/snapshots', 'snapshots') if matches(s, self.pool, self.project)]

    def schedules(self):
        found = []
        for project in self.projects():
            if is_local(project):
                path = storage_paths.automatic(project['pool'], project['name'])
                found += [schedule_item(s, project['pool'], project['name'], None) for s in self.listing(path, 'automatic')]
        for share in self.filesystems():
            if is_local(share):
                path = storage_paths.automatic(share['pool'], share['project'], share['name'])
                found += [schedule_item(s, share['pool'], share['project'], share['name'])
                          for s in self.listing(path, 'automatic')]
        return found

    def replication_targets(self):
        return self.listing(storage_paths.replication_targets(), 'targets')

    def replication_actions(self):
        actions = [a for a in self.listing(storage_paths.replication_actions(), 'actions') if matches(a, self.pool, self.project)]
        for action in actions:
            if object_id(action):
                path = object_path(action, storage_paths.replication_actions(), 'replication action') + '/schedules'
                action['schedules'] = self.listing(path, 'schedules')
        return actions

    def replication_sources(self):
        sources = self.listing(storage_paths.replication_sources(), 'sources')
        for source in sources:
            if 'packages' not in source and source.get('name'):
                detail = self.client.get(storage_paths.replication_sources(source['name']),
                                         doing='read replication source %s' % source['name']).get('source') or {}
                source['packages'] = detail.get('packages') or []
        return sources


def schedule_item(sched, pool, project, share):
    item = dict((k, sched.get(k)) for k in SCHEDULE_KEYS if k in sched)
    item.update(pool=pool, project=project, share=share, id=object_id(sched))  # id: from the href when not given
    return item


class InfoTask(ZfssaTask):
    """read the subsets -> (nothing to plan or write) -> report them, with the query's answer."""

    def __init__(self, module, client):
        super(InfoTask, self).__init__(module, client)
        try:
            self.subsets = resolve_subsets(self.params['gather_subset'])
        except ValueError as exc:
            raise InputError(str(exc))
        self.query = compile_query(module, self.params['query']) if self.params['query'] else None

    def read(self):
        gatherer = Gatherer(self.client, self.params['pool'], self.params['project'])
        appliance = {'gathered': self.subsets}
        for subset in self.subsets:
            appliance[subset] = gatherer.gather(subset)
        return appliance

    def plan(self, current):
        return None

    def report(self, current, plan):
        result = {'changed': False, 'appliance': current}
        if self.query is not None:
            result['query_result'] = self.query.search(current)
        return result


def main():
    spec = zfssa_argument_spec()
    spec.update(
        gather_subset=dict(type='list', elements='str', default=list(DEFAULT_SUBSETS)),
        pool=dict(type='str'),
        project=dict(type='str'),
        query=dict(type='str'),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    run_zfssa_module(module, InfoTask)


if __name__ == '__main__':
    main()
