#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: zfssa_filesystem
short_description: Create, change or delete shares (filesystems) on an Oracle ZFS Storage Appliance, one or many at once
version_added: 0.1.0
description:
  - Makes sure a share (filesystem) exists in a project with the properties you give, or that it is gone.
  - NFS access is given as typed O(nfs_exceptions) (network, access, root) and rendered into the appliance's
    C(sharenfs) value; the value on the appliance is compared by meaning, so the order of clients or the spelling
    of an equivalent value never causes a change.
  - The bulk form O(filesystems) manages a whole list of shares (for example one per vServer) in one run - one
    login, one list request, and write requests only for the shares that differ. Use it for fleets instead of a
    loop, which logs in and reads once per share.
  - Only the properties you give are managed. A share inherits the other properties from its project; they are
    neither compared nor changed.
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  pool:
    description:
      - Storage pool of the project. Required, either here or in every O(filesystems) entry.
    type: str
  project:
    description:
      - Project that holds the share; it must exist (see M(exalogic.backup.zfssa_project)).
      - Required, either here or in every O(filesystems) entry.
    type: str
  name:
    description:
      - Name of the share (single form). Mutually exclusive with O(filesystems); one of them is required.
    type: str
    aliases: [share]
  state:
    description:
      - V(present) creates the share or changes the given properties; V(absent) deletes it with its snapshots.
      - In the bulk form, the default for entries without their own O(filesystems[].state).
    type: str
    choices: [present, absent]
    default: present
  quota:
    description:
      - Largest space the share may use, as bytes or a size with a unit (powers of 1024) such as V(200G). V(0) means
        no quota.
    type: raw
  reservation:
    description:
      - Space guaranteed to the share, as bytes or a size such as V(50G). V(0) means none.
    type: raw
  readonly:
    description:
      - Make the share read-only.
    type: bool
  mountpoint:
    description:
      - Mount point of the share (C(/export) or below). Defaults on the appliance to the project mount point plus
        C(/<name>).
    type: str
  root_user:
    description:
      - Owner (name or numeric id) of the share's root directory.
    type: str
  root_group:
    description:
      - Group (name or numeric id) of the share's root directory.
    type: str
  root_permissions:
    description:
      - Permissions of the share's root directory as a quoted octal string such as V('750') or V('0700').
      - Numbers are refused because YAML reads an unquoted C(0750) as 488.
    type: raw
  properties:
    description:
      - Any other appliance filesystem property, by its appliance name, for example C(logbias), C(recordsize),
        C(quota_snap), C(nodestroy) or C(custom:<name>). Sizes may be given like O(quota).
      - A property may not also be set by its own option.
    type: dict
  filesystems:
    description:
      - Bulk form; mutually exclusive with O(name). A list of shares, each with the keys of the single form.
      - O(pool), O(project), O(state) and every property option at the top level are defaults for the entries.
        An entry's own value wins; O(properties) are merged (the entry's keys win). If an entry gives any of
        O(filesystems[].sharenfs), O(filesystems[].nfs_exceptions) or O(filesystems[].default_access), the
        top-level NFS options are ignored for it.
      - The shares are read with one list request (per run, not per share); only shares that differ are written.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the share.
        type: str
        required: true
      pool:
        description: Pool; defaults to the top-level O(pool).
        type: str
      project:
        description: Project; defaults to the top-level O(project).
        type: str
      state:
        description: V(present) or V(absent); defaults to the top-level O(state).
        type: str
        choices: [present, absent]
      quota:
        description: As the top-level O(quota).
        type: raw
      reservation:
        description: As the top-level O(reservation).
        type: raw
      compression:
        description: As the top-level O(compression).
        type: str
        choices: ['off', lzjb, gzip-2, gzip, gzip-9, lz4]
      snapdir:
        description: As the top-level O(snapdir).
        type: str
        choices: [hidden, visible]
      atime:
        description: As the top-level O(atime).
        type: bool
      readonly:
        description: As the top-level O(readonly).
        type: bool
      mountpoint:
        description: As the top-level O(mountpoint).
        type: str
      root_user:
        description: As the top-level O(root_user).
        type: str
      root_group:
        description: As the top-level O(root_group).
        type: str
      root_permissions:
        description: As the top-level O(root_permissions).
        type: raw
      sharenfs:
        description: As the top-level O(sharenfs).
        type: str
      nfs_exceptions:
        description: As the top-level O(nfs_exceptions).
        type: list
        elements: dict
        suboptions:
          network:
            description: IPv4 or IPv6 host address or CIDR network.
            type: str
            required: true
          access:
            description: Access of the clients in the network.
            type: str
            choices: [rw, ro, none]
            default: rw
          root:
            description: Root access for these clients.
            type: bool
            default: false
      default_access:
        description: As the top-level O(default_access).
        type: str
        choices: [rw, ro, none, 'off']
      properties:
        description: Merged with the top-level O(properties); the entry's keys win.
        type: dict
attributes:
  check_mode:
    details: In check mode only GET requests are sent.
  diff_mode:
    details: Shows the changed properties before and after; in the bulk form one entry per changed share.
notes:
  - All input is checked before the first request; a bad entry of O(filesystems) fails the run before anything is
    written.
  - In the bulk form a failing write stops the run; the message names the share and how many changes were
    already made. Running again continues where it stopped.
  - The IPv6 spelling in C(sharenfs) (C(@[fd00::5]/128)) is this module's choice; the appliance documentation does
    not show one.
seealso:
  - module: exalogic.backup.zfssa_project
extends_documentation_fragment:
  - exalogic.backup.zfssa
  - exalogic.backup.zfssa.action_group
  - exalogic.backup.zfssa.attributes
  - exalogic.backup.zfssa_objects.properties
'''

EXAMPLES = r'''
- name: One share for a vServer, root access for that vServer only
  exalogic.backup.zfssa_filesystem:
    host: zfssa.example.com
    user: root
    password: "{{ zfssa_password }}"
    ca_path: /etc/pki/zfssa-ca.pem
    pool: gold
    project: backups
    name: vs01
    quota: 200G
    root_permissions: '750'
    nfs_exceptions:
      - network: 10.0.1.5
        root: true
      - network: 10.0.9.0/24
        access: ro

- name: Describe one share per vServer of the group vservers, with root access for its address
  ansible.builtin.set_fact:
    backup_shares: "{{ backup_shares | default([]) + [{'name': item, 'nfs_exceptions': [{'network': hostvars[item].ansible_host, 'root': true}]}] }}"
  loop: "{{ groups['vservers'] }}"

- name: Create or update all of them in one run (connection options from module_defaults)
  exalogic.backup.zfssa_filesystem:
    pool: gold
    project: backups
    quota: 200G
    snapdir: visible
    filesystems: "{{ backup_shares }}"

- name: Three shares with their own exceptions and one bigger quota
  exalogic.backup.zfssa_filesystem:
    pool: gold
    project: backups
    quota: 100G
    filesystems:
      - name: vs01
        nfs_exceptions: [{network: 10.0.1.5, root: true}]
      - name: vs02
        nfs_exceptions: [{network: 10.0.1.6, root: true}]
      - name: db01
        quota: 1T
        nfs_exceptions: [{network: 10.0.2.10, root: true}]
  register: shares

- name: Show which shares were created or changed
  ansible.builtin.debug:
    msg: "{{ shares.filesystems | selectattr('changed') | map(attribute='name') | list }}"

- name: Remove the share of a retired vServer
  exalogic.backup.zfssa_filesystem:
    pool: gold
    project: backups
    name: vs99
    state: absent
'''

RETURN = r'''
filesystem:
  description:
    - Single form. The share as the appliance returns it after the change (in check mode, the current share with
      the planned changes applied). Null when the share does not exist (O(state=absent)).
  returned: when O(name) is given
  type: dict
  sample:
    name: vs01
    pool: gold
    project: backups
    mountpoint: /export/backups/vs01
    quota: 214748364800
    sharenfs: sec=sys,rw=@10.0.1.5/32,ro=@10.0.9.0/24,root=@10.0.1.5/32
    root_permissions: '750'
    source: {sharenfs: local, compression: inherited}
changes:
  description: Single form. The properties that were (or in check mode would be) sent, with their new values.
  returned: when O(name) is given
  type: dict
  sample: {quota: 214748364800}
access_widened:
  description:
    - Single form. True when the run gives (or in check mode would give) NFS clients that no exception lists
      more access than before (only an explicit O(default_access) or O(sharenfs) can do that). The module then
      also warns and names the change in the C(--diff) header.
  returned: when O(name) is given
  type: bool
  sample: false
filesystems:
  description: Bulk form. One result per entry of O(filesystems), in the same order.
  returned: when O(filesystems) is given
  type: list
  elements: dict
  contains:
    name:
      description: Share name.
      type: str
      sample: vs01
    pool:
      description: Pool of the share.
      type: str
      sample: gold
    project:
      description: Project of the share.
      type: str
      sample: backups
    changed:
      description: Whether this share was (or in check mode would be) created, changed or deleted.
      type: bool
      sample: true
    action:
      description: V(create), V(update), V(delete) or V(none).
      type: str
      sample: update
    changes:
      description: The properties sent for this share.
      type: dict
      sample: {quota: 107374182400}
    access_widened:
      description: True when this entry gives NFS clients that no exception lists more access than before.
      type: bool
      sample: false
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client import (
    ZfssaError, storage_paths, zfssa_argument_spec)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.module import (
    InputError, ZfssaTask, dispatch, run_zfssa_module)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.properties import (
    NFS_EXCLUSIVE, NFS_OPTIONS, SHARE_TYPED, change_diff, desired_properties, missing_container, property_changes,
    property_spec, report_widening, widening_note)

PROPERTY_OPTIONS = tuple(sorted(property_spec(share=True)))


def argument_spec():
    entry = dict(
        name=dict(type='str', required=True),
        pool=dict(type='str'),
        project=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent']),
    )
    entry.update(property_spec(share=True))
    spec = zfssa_argument_spec()
    spec.update(
        pool=dict(type='str'),
        project=dict(type='str'),
        name=dict(type='str', aliases=['share']),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        filesystems=dict(type='list', elements='dict', options=entry, mutually_exclusive=NFS_EXCLUSIVE),
    )
    spec.update(property_spec(share=True))
    return spec


# ------------------------------------------------------------------------------------------ planning

class Share(object):
    """One share the run manages: where it is, what is wanted, and (after reading) what it is."""

    def __init__(self, pool, project, name, state, desired):
        self.pool = pool
        self.project = project
        self.name = name
        self.state = state
        self.desired = desired
        self.path = storage_paths.filesystem(pool, project, name)

    @property
    def label(self):
        return '%s/%s/%s' % (self.pool, self.project, self.name)


def merged_entry(params, entry):
    """An entry of filesystems with the top-level options filled in where the entry gives none."""
    merged = dict(entry)
    for key in ('pool', 'project', 'state') + PROPERTY_OPTIONS:
        if merged.get(key) is None and key not in NFS_OPTIONS:
            merged[key] = params.get(key)
    if all(entry.get(key) is None for key in NFS_OPTIONS):
        for key in NFS_OPTIONS:
            merged[key] = params.get(key)
    properties = dict(params.get('properties') or {})
    properties.update(entry.get('properties') or {})
    merged['properties'] = properties
    return merged


def plan_share(values, where):
    """A Share from the options of one share; ValueError naming the option and the fix."""
    for key in ('pool', 'project'):
        if not values.get(key):
            raise ValueError('%s%s is required: set %s at the top level or in the entry' % (where, key, key))
    desired = {}
    if values['state'] == 'present':
        desired = desired_properties(values, SHARE_TYPED, where)
    return Share(values['pool'], values['project'], values['name'], values['state'], desired)


def plan(params):
    """(shares, bulk) for the run; every input problem is found here, before any request."""
    if params['filesystems'] is None:
        return [plan_share(params, '')], False
    shares = []
    seen = set()
    for index, entry in enumerate(params['filesystems']):
        where = 'filesystems[%d] (%s): ' % (index, entry['name'])
        share = plan_share(merged_entry(params, entry), where)
        if share.label in seen:
            raise ValueError('%sthe share %s is listed twice; give each share once' % (where, share.label))
        seen.add(share.label)
        shares.append(share)
    return shares, True


# ------------------------------------------------------------------------------------------ the run

class FilesystemTask(ZfssaTask):
    """read the shares -> plan create, change, delete or nothing for each -> write in order -> report.

    The plan is a list of ``(share, result, write)``: ``result`` is the share's entry as planned (the
    write's answer replaces its ``object``), ``write`` is ``(action, body)`` or None.
    """

    def __init__(self, module, client):
        super(FilesystemTask, self).__init__(module, client)
        try:
            self.shares, self.bulk = plan(self.params)
        except ValueError as err:
            raise InputError(to_text(err))
        self.done = []  # labels of the shares written so far, for messages about partial runs
        self.containers = {}  # (pool, project) -> problem text or None, so each is checked once

    def doing(self, action, share):
        what = '%s filesystem %s' % (action, share.label)
        if self.done:
            what += ' (this run already changed %d share(s): %s)' % (len(self.done), ', '.join(self.done))
        return what

    def fail_missing(self, share, action, problem):
        self.module.fail_json(msg='Could not %s filesystem %s: %s' % (action, share.label, problem))

    # ---- reading

    def read(self):
        """{label: object or None} of every share."""
        if not self.shares:
            return {}
        return self.read_many(self.shares) if self.bulk else self.read_one(self.shares[0])

    def read_one(self, share):
        found = self.client.get_or_none(share.path, 'filesystem', doing=self.doing('read', share))
        if found is not None:
            self.containers[(share.pool, share.project)] = None
        return {share.label: found}

    def read_many(self, shares):
        """{label: object or None} of every share, from one list request."""
        groups = sorted(set((s.pool, s.project) for s in shares))
        what = 'project %s/%s' % groups[0] if len(groups) == 1 else 'the appliance'
        path = storage_paths.filesystems(*groups[0]) if len(groups) == 1 else '/filesystems'
        try:
            listed = self.client.get(path, doing='list the filesystems of %s' % what).get('filesystems', [])
        except ZfssaError as err:
            problem = self.container_problem(*groups[0]) if err.not_found and len(groups) == 1 else None
            if problem:
                self.module.fail_json(msg='Could not list the filesystems of %s: %s' % (what, problem))
            raise
        if len(groups) == 1:
            self.containers[groups[0]] = None  # the list answered: pool and project exist
        found = {}
        for fs in listed:
            if fs.get('collection', 'local') == 'local':
                found['%s/%s/%s' % (fs.get('pool'), fs.get('project'), fs.get('name'))] = fs
        return dict((s.label, found.get(s.label)) for s in shares)

    def container_problem(self, pool, project):
        """Message when the pool or project is missing, else None (asked once per project and run)."""
        if (pool, project) not in self.containers:
            try:
                self.containers[(pool, project)] = missing_container(self.client, pool, project)
            except ZfssaError:
                self.containers[(pool, project)] = None
        return self.containers[(pool, project)]

    # ---- planning

    def plan(self, current):
        return [self.plan_share(share, current[share.label]) for share in self.shares]

    def plan_share(self, share, current):
        result = dict(name=share.name, pool=share.pool, project=share.project, changed=False, action='none',
                      changes={}, object=current, access_widened=False)
        return dispatch({'present': self.plan_present, 'absent': self.plan_absent}, share.state)(share, current, result)

    def plan_absent(self, share, current, result):
        if current is None:
            return share, result, None
        result.update(changed=True, action='delete', object=None, diff={'before': {'name': share.name}, 'after': {}})
        return share, result, ('delete', None)

    def plan_present(self, share, current, result):
        return self.plan_create(share, result) if current is None else self.plan_change(share, current, result)

    def plan_change(self, share, current, result):
        changes = property_changes(current, share.desired)
        if not changes:
            return share, result, None
        result.update(changed=True, action='update', changes=changes, object=dict(current, **changes),
                      diff=change_diff(current, changes))
        report_widening(self.module, result, widening_note(current, changes), share.label)
        return share, result, ('change', changes)

    def plan_create(self, share, result):
        body = dict(share.desired, name=share.name)
        result.update(changed=True, action='create', changes=share.desired,
                      object=dict(body, pool=share.pool, project=share.project),
                      diff={'before': {}, 'after': body})
        report_widening(self.module, result, widening_note(None, share.desired), share.label)
        if self.check_mode:
            problem = self.container_problem(share.pool, share.project)
            if problem:
                self.fail_missing(share, 'create', problem)
        return share, result, ('create', body)

    # ---- writing

    def apply(self, plan):
        for share, result, write in plan:
            if write is not None:
                answer = self.write(share, *write)
                if answer is not None:
                    result['object'] = answer.get('filesystem', result['object'])

    def write(self, share, action, body):
        """Send one write; a 404 names the missing pool or project."""
        doing = self.doing(action, share)
        try:
            if action == 'delete':
                answer = self.client.delete(share.path, doing=doing)
            elif action == 'change':
                answer = self.client.put(share.path, body, doing=doing)
            else:
                answer = self.client.post(storage_paths.filesystems(share.pool, share.project), body,
                                          lookup=share.path, doing=doing)
        except ZfssaError as err:
            problem = self.container_problem(share.pool, share.project) if err.not_found else None
            if problem:
                self.fail_missing(share, action, problem)
            raise
        self.done.append(share.name)
        return answer

    def report(self, current, plan):
        if not plan:
            return dict(changed=False, filesystems=[])
        return report([result for share, result, write in plan], self.bulk)


def with_headers(share_result):
    diff = dict(share_result['diff'])
    label = '%s/%s/%s' % (share_result['pool'], share_result['project'], share_result['name'])
    diff.update(before_header=label, after_header=diff.get('after_header', label))
    return diff


def report(results, bulk):
    """The module result of the run (its 'diff' is dropped unless --diff)."""
    changed = any(r['changed'] for r in results)
    if not bulk:
        one = results[0]
        output = dict(changed=changed, filesystem=one['object'], changes=one['changes'],
                      access_widened=one['access_widened'])
        if 'diff' in one:
            output['diff'] = one['diff']
        return output
    return dict(changed=changed, diff=[with_headers(r) for r in results if 'diff' in r], filesystems=[
        dict((k, r[k]) for k in ('name', 'pool', 'project', 'changed', 'action', 'changes', 'access_widened'))
        for r in results])


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[('name', 'filesystems')] + NFS_EXCLUSIVE,
        required_one_of=[('name', 'filesystems')],
        supports_check_mode=True,
    )
    run_zfssa_module(module, FilesystemTask)


if __name__ == '__main__':
    main()
