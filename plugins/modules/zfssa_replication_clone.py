#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: zfssa_replication_clone
short_description: Clone a received replication package into a local project on the DR Oracle ZFS Storage Appliance
version_added: 0.1.0
description:
  - On the appliance that B(receives) replication (the target, for example the one in the DR site), a replicated
    project is held in a I(package) that cannot be shared over NFS. Cloning the package makes a new, writable, local
    project with the package's shares as of its last completed update; that project can be exported and mounted,
    for example to restore files from the DR copy while the primary appliance is down.
  - Replication goes on while the clone exists; the clone keeps the data of the update it was made from. For newer
    data remove the clone project (M(exalogic.backup.zfssa_project) with O(exalogic.backup.zfssa_project#module:state=absent)) and clone again.
  - The package is found by the replicated O(project) name, narrowed by O(source), O(package) or O(pool) when this
    appliance holds several packages of that name.
  - Before cloning, the module asks the appliance whether the clone would conflict (for example with the mountpoints
    of existing shares) and fails with the appliance's text, changing nothing.
  - An existing O(target_project) that holds exactly the package's shares is taken as the clone made earlier and
    left alone; any other project of that name makes the module fail without writing.
  - To stop replication and keep the DR copy as an ordinary project for good (fail-over), the appliance's I(sever)
    operation is the tool; this module does not sever.
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  project:
    description:
      - Name of the replicated project, as it is named on the source appliance (the package's C(project)).
    type: str
    required: true
  target_project:
    description:
      - Name of the local project the clone creates, in the package's pool.
      - It must differ from the names of existing projects (unless it is this package's earlier clone).
    type: str
    required: true
  source:
    description:
      - Name (or asn) of the source appliance, as this appliance lists it under its replication sources.
      - Needed only when packages of O(project) from several sources are on this appliance.
    type: str
  package:
    description:
      - Id of the package. Needed only when O(project) and O(source) do not identify one package.
    type: str
  pool:
    description:
      - Pool of the package on this appliance (the action's target pool). Narrows the search like O(source).
    type: str
  properties:
    description:
      - Project properties to set on the clone when it is created, by their appliance REST API names, for example
        C(mountpoint) (where the clone's shares appear, default as the appliance chooses) and C(sharenfs) (who may
        mount them).
      - Sizes may be given like V(10G) (powers of 1024) and are sent in bytes; boolean properties may be given as
        V(yes)/V(no) and are sent as JSON booleans.
      - Only applied when the clone is created. Change an existing clone with M(exalogic.backup.zfssa_project).
    type: dict
    default: {}
attributes:
  check_mode:
    details: Only reads (GET) from the appliance, including the appliance's own conflict check.
  diff_mode:
    details: The clone project's name and pool and the package it comes from, before and after.
notes:
  - The clone request is C(PUT .../replication/packages/<id>/clone) (older releases address the package under its
    source; the module uses the package's C(href)); see docs/reference/appliance-api.md for the sources.
seealso:
  - module: exalogic.backup.zfssa_replication_action
  - module: exalogic.backup.zfssa_info
  - module: exalogic.backup.zfssa_project
extends_documentation_fragment:
  - exalogic.backup.zfssa
  - exalogic.backup.zfssa.action_group
  - exalogic.backup.zfssa.attributes
'''

EXAMPLES = r'''
- name: On the DR appliance, clone the replicated backups project so that vs01 can restore from it
  exalogic.backup.zfssa_replication_clone:
    host: zfssa-dr.example.com
    user: admin
    password: "{{ zfssa_dr_password }}"
    project: backups
    target_project: backups-restore
    properties:
      mountpoint: /export/backups-restore
      sharenfs: "sec=sys,ro=@10.0.5.20/32,root=@10.0.5.20/32"
  register: dr_clone

- name: Where vs01's backup share is on the DR appliance
  ansible.builtin.debug:
    msg: "{{ (dr_clone.filesystems | selectattr('name', 'equalto', 'vs01') | first).mountpoint }}"

- name: Several primaries replicate a project called backups - take the one from zfssa-prod-a
  exalogic.backup.zfssa_replication_clone:
    project: backups
    source: zfssa-prod-a
    target_project: prod-a-restore
'''

RETURN = r'''
project:
  description:
    - The clone project as the appliance describes it. In check mode, before it exists, the expected C(name) and
      C(pool).
  returned: always
  type: dict
  sample: {name: backups-restore, pool: gold, mountpoint: /export/backups-restore}
filesystems:
  description:
    - The clone's shares with their C(name) and C(mountpoint) (mount them from the DR appliance with
      C(<dr appliance>:<mountpoint>)). Empty in check mode before the clone exists.
  returned: always
  type: list
  elements: dict
  sample: [{name: vs01, mountpoint: /export/backups-restore/vs01}]
package:
  description:
    - The package the clone is made from, as the appliance lists it (C(id), C(source), C(project), C(pool),
      C(last_sync) - the time of the update the clone holds - and more).
  returned: always
  type: dict
  sample: {id: 8373d331-de60-e590-90e8-9ad69fcb4aec, source: zfssa-prod, project: backups, pool: gold}
'''


from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client import (
    ZfssaError, join_path, name_problem, object_path, storage_paths, zfssa_argument_spec)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.module import (
    InputError, ZfssaTask, run_zfssa_module)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.properties import appliance_value

RESERVED_PROPERTIES = ('name', 'pool', 'target_project')
NO_CONFLICTS = 'There are no conflicts.'


def argument_spec():
    spec = zfssa_argument_spec()
    spec.update(
        project=dict(type='str', required=True),
        target_project=dict(type='str', required=True),
        source=dict(type='str'),
        package=dict(type='str'),
        pool=dict(type='str'),
        properties=dict(type='dict', default={}),
    )
    return spec


def params_problem(params):
    for option in ('project', 'target_project', 'pool'):
        problem = name_problem(option, params[option]) if params[option] else None
        if problem:
            return problem
    reserved = sorted(key for key in params['properties'] if key in RESERVED_PROPERTIES)
    if reserved:
        return 'properties must not contain %s: give the clone project in target_project' % ', '.join(reserved)
    return None


def clone_properties(properties):
    """The properties in the form the appliance takes; ValueError naming the key."""
    return dict((key, appliance_value(key, value, 'properties.%s' % key)) for key, value in properties.items())


def package_label(pkg):
    return '%s (project %s from %s, pool %s)' % (pkg.get('id'), pkg.get('project'), pkg.get('source'), pkg.get('pool'))


def matching_packages(sources, params):
    """The packages of the wanted project, narrowed by source, package id and pool; each carries its source."""
    found = []
    for source in sources:
        if params['source'] and params['source'] not in (source.get('name'), source.get('asn')):
            continue
        for pkg in source.get('packages') or []:
            pkg = dict(pkg, source=pkg.get('source') or source.get('name'))
            if pkg.get('project') != params['project']:
                continue
            if params['package'] and pkg.get('id') != params['package']:
                continue
            if params['pool'] and pkg.get('pool') != params['pool']:
                continue
            found.append(pkg)
    return found


def share_names(shares):
    return sorted(s.get('name') for s in shares)


def share_view(shares):
    return [dict(name=s.get('name'), mountpoint=s.get('mountpoint')) for s in shares]


class ReplicationCloneTask(ZfssaTask):
    """read sources and packages -> choose the package -> plan clone or nothing -> clone -> report."""

    def __init__(self, module, client):
        super(ReplicationCloneTask, self).__init__(module, client)
        problem = params_problem(self.params)
        if problem:
            raise InputError(problem)
        try:
            self.properties = clone_properties(self.params['properties'])
        except ValueError as err:
            raise InputError(to_text(err))
        self.target_project = self.params['target_project']

    # ---- reads
    def sources(self):
        """Replication sources with their packages (one more GET per source that does not list them)."""
        sources = self.client.get(storage_paths.replication_sources(), doing='read replication sources').get('sources') or []
        for source in sources:
            if 'packages' not in source and source.get('name'):
                detail = self.client.get(storage_paths.replication_sources(source['name']),
                                         doing='read replication source %s' % source['name']).get('source') or {}
                source['packages'] = detail.get('packages') or []
        return sources

    def package_path(self, pkg):
        return object_path(pkg, storage_paths.replication_packages(), 'replication package')

    def package_shares(self, pkg):
        path = self.package_path(pkg) + join_path('projects', pkg['project'], 'filesystems')
        return self.client.get(path, doing='read the shares of package %s' % pkg['id']).get('filesystems') or []

    def local_project(self, pool):
        return self.client.get_or_none(storage_paths.project(pool, self.target_project), 'project',
                                       doing='read project %s/%s' % (pool, self.target_project))

    def local_shares(self, pool):
        return self.client.get(storage_paths.filesystems(pool, self.target_project),
                               doing='read the shares of project %s/%s' % (pool, self.target_project)).get('filesystems') or []

    def read(self):
        return self.choose(matching_packages(self.sources(), self.params))

    def choose(self, found):
        wanted = 'project %s' % self.params['project'] + ''.join(
            ', %s %s' % (key, self.params[key]) for key in ('source', 'package', 'pool') if self.params[key])
        if not found:
            self.module.fail_json(msg='no replication package of %s on this appliance; list what it holds with '
                                      'exalogic.backup.zfssa_info (gather_subset: replication_sources) and check '
                                      'that the first update reached it' % wanted)
        if len(found) > 1:
            self.module.fail_json(msg='%d replication packages match %s: %s; set source, package or pool to choose one'
                                  % (len(found), wanted, '; '.join(package_label(p) for p in found)))
        return found[0]

    # ---- plan
    def summary(self, pkg):
        return dict(project=self.target_project, pool=pkg.get('pool'), package=pkg.get('id'),
                    source=pkg.get('source'), replicated_project=pkg.get('project'))

    def plan(self, current):
        pkg, pool = current, current.get('pool')  # what read() found: the package
        existing = self.local_project(pool)
        if existing is not None:
            return self.plan_existing(pkg, existing)
        self.check_conflicts(pkg)
        planned = dict(name=self.target_project, pool=pool)
        return dict(action='clone', pkg=pkg, result=dict(changed=True, project=planned, filesystems=[], package=pkg,
                                                         diff=dict(before={}, after=self.summary(pkg))))

    def plan_existing(self, pkg, existing):
        pool = pkg.get('pool')
        have, want = self.local_shares(pool), share_names(self.package_shares(pkg))
        if share_names(have) != want:
            self.module.fail_json(msg='project %s/%s exists and is not a clone of package %s: it holds the shares %s, '
                                      'the package %s; choose another target_project'
                                  % (pool, self.target_project, package_label(pkg), ', '.join(share_names(have)) or
                                     'none', ', '.join(want) or 'none'), project=existing)
        return dict(action=None, pkg=pkg, result=dict(changed=False, project=existing, filesystems=share_view(have),
                                                      package=pkg))

    def check_conflicts(self, pkg):
        """The appliance's own check (GET .../clone/conflicts) before the clone: its text when it finds any."""
        answer = self.client.get(self.package_path(pkg) + '/clone/conflicts', query={'target_project': self.target_project},
                                 doing='check the clone of package %s for conflicts' % pkg['id'])
        text = to_text(answer.get('conflicts') or '').strip()
        if text and text != NO_CONFLICTS:
            self.module.fail_json(msg='cannot clone package %s to project %s: the appliance reports conflicts: %s'
                                  % (package_label(pkg), self.target_project, ' '.join(text.split())), conflicts=text)

    # ---- write
    def apply(self, plan):
        if plan['action'] != 'clone':
            return
        pkg, pool = plan['pkg'], plan['pkg'].get('pool')
        body = dict(self.properties, target_project=self.target_project)
        try:
            self.client.put(self.package_path(pkg) + '/clone', body,
                            doing='clone package %s to project %s' % (package_label(pkg), self.target_project))
        except ZfssaError as err:
            # A clone repeated after a lost answer meets its own result: accept it when it holds the package's shares.
            if err.status != 409 or self.local_project(pool) is None:
                raise
            self.plan_existing(pkg, self.local_project(pool))
        plan['result']['project'] = self.local_project(pool) or plan['result']['project']
        plan['result']['filesystems'] = share_view(self.local_shares(pool))

    def report(self, current, plan):
        return plan['result']


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_zfssa_module(module, ReplicationCloneTask)


if __name__ == '__main__':
    main()
