#!/usr/bin/python
# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: zfssa_replication_target
short_description: Manage the replication targets (peer appliances) of an Oracle ZFS Storage Appliance
version_added: 0.1.0
description:
  - Creates or removes a replication target on the appliance named by O(host). A target is the peer
    appliance that receives replication updates; replication actions
    (M(exalogic.backup.zfssa_replication_action)) refer to it by its O(label).
  - Creating a target makes the source appliance log in to the peer as C(root) with O(root_password) to
    establish trust, so the peer must be reachable from the source appliance (not only from the control node).
  - The target is identified by O(label). Its O(hostname) cannot change; remove the target and create it again.
author:
  - exalogic.backup developers (!UNKNOWN)
options:
  host:
    description:
      - Name or address of the (source) Oracle ZFS Storage Appliance (management interface), without C(https://).
      - If not set, the value of the E(ZFSSA_HOST) environment variable is used.
      - In this module O(host) has no C(hostname) alias, because O(hostname) is the address of the peer appliance.
    aliases: []
  label:
    description:
      - Name of the target on the source appliance, used by replication actions (O(exalogic.backup.zfssa_replication_action#module:target)).
    type: str
    required: true
  hostname:
    description:
      - Name or address of the peer appliance (the target), as the source appliance reaches it.
      - Required to create the target. When the target exists and its hostname differs, the module fails
        and changes nothing.
    type: str
  root_password:
    description:
      - Password of C(root) on the peer appliance. The appliance uses it once, to establish trust.
      - Required to create the target. Sent again only with O(update_password=always).
    type: str
  update_password:
    description:
      - V(on_create) sends O(root_password) only when the target is created; an existing target is left as it is,
        so a changed password does not make every run report a change. The appliance never returns the password,
        so it cannot be compared.
      - V(always) sends O(root_password) to an existing target on every run (the module then always reports a change).
        Use it once after the peer's root password changed, or remove the target (O(state=absent)) and create it again.
    type: str
    choices: [always, on_create]
    default: on_create
  state:
    description:
      - V(present) creates the target when it is missing.
      - V(absent) removes it. A target that replication actions still use cannot be removed; remove the actions first.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    details: Only reads (GET) in check mode.
  diff_mode:
    details: Shows label and hostname before and after; never the password.
notes:
  - Uses C(/api/storage/<version>/replication/targets). One request to read the targets, one to write.
  - If O(host) is set with the C(hostname) alias in C(module_defaults) for the whole group, that value becomes the
    peer's O(hostname) in this module. Set O(host) under its own name.
seealso:
  - module: exalogic.backup.zfssa_replication_action
  - module: exalogic.backup.zfssa_info
extends_documentation_fragment:
  - exalogic.backup.zfssa
  - exalogic.backup.zfssa.action_group
  - exalogic.backup.zfssa.attributes
'''

EXAMPLES = r'''
- name: Let the primary appliance replicate to the DR appliance
  exalogic.backup.zfssa_replication_target:
    host: zfssa-primary.example.com
    user: root
    password: "{{ zfssa_password }}"
    ca_path: /etc/pki/zfssa-ca.pem
    label: dr
    hostname: zfssa-dr.example.com
    root_password: "{{ zfssa_dr_root_password }}"
  register: target

- name: Show the peer's identity (asn)
  ansible.builtin.debug:
    msg: "{{ target.target.label }} -> {{ target.target.address }} ({{ target.target.asn }})"

- name: Send the new root password of the DR appliance (reports a change every time it runs)
  exalogic.backup.zfssa_replication_target:
    label: dr
    hostname: zfssa-dr.example.com
    root_password: "{{ zfssa_dr_new_root_password }}"
    update_password: always

- name: Remove the target (its replication actions must be removed first)
  exalogic.backup.zfssa_replication_target:
    label: dr
    state: absent
'''

RETURN = r'''
target:
  description:
    - The target as the appliance returns it after the task; in check mode the planned target.
    - Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    label:
      description: The target's label.
      type: str
      sample: dr
    hostname:
      description: The peer appliance as given at creation.
      type: str
      sample: zfssa-dr.example.com
    address:
      description: Address and port the appliance uses for the peer.
      type: str
      sample: 192.0.2.20:216
    asn:
      description: Appliance serial number (unique id) of the peer.
      type: str
      sample: 9d7a7543-ca83-68f5-a8fc-f818f65e1cfc
    actions:
      description: Number of replication actions that use the target.
      type: int
      sample: 1
    target:
      description: The appliance's id of the target.
      type: str
      sample: target-000
    href:
      description: REST path of the target.
      type: str
      sample: /api/storage/v1/replication/targets/dr
  sample:
    label: dr
    hostname: zfssa-dr.example.com
    address: 192.0.2.20:216
    asn: 9d7a7543-ca83-68f5-a8fc-f818f65e1cfc
    actions: 0
    target: target-000
    href: /api/storage/v1/replication/targets/dr
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client import (
    MIN_MASKED_SECRET, diff_dict, href_segments, object_path, storage_paths, zfssa_argument_spec)
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.module import ZfssaTask, dispatch, run_zfssa_module
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.replication import find_target

DIFF_KEYS = ('label', 'hostname')


def argument_spec():
    spec = zfssa_argument_spec()
    # `hostname` names the peer here, so the connection option keeps only its own name.
    spec['host'] = dict(spec['host'], aliases=[])
    spec.update(
        label=dict(type='str', required=True),
        hostname=dict(type='str'),
        root_password=dict(type='str', no_log=True),
        update_password=dict(type='str', choices=['always', 'on_create'], default='on_create'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )
    return spec


class TargetTask(ZfssaTask):
    """read the target list -> plan create, password update, delete or nothing -> write -> report.

    A plan is a dict: ``action`` (create, password, delete or None), ``target`` (what the result shows
    unless the appliance answers a write), ``after`` (the diff's after side) and ``path`` (where an
    existing target is changed or removed).
    """

    def __init__(self, module, client):
        super(TargetTask, self).__init__(module, client)
        self.label = self.params['label']
        client.add_secret(self.params['root_password'], MIN_MASKED_SECRET)  # an appliance error may echo it
        self.written = None  # the target as the appliance answered the write

    def read(self):
        doing = 'read replication target %s' % self.label
        targets = self.client.get(storage_paths.replication_targets(), doing=doing).get('targets') or []
        return find_target(targets, self.label)

    def target_path(self, current):
        """Where the listed target is: its storage href (the vendor gives one on every object), else
        the documented form /replication/targets/{label}."""
        if href_segments(current.get('href')):
            return object_path(current, storage_paths.replication_targets(), 'replication target')
        return storage_paths.replication_targets(self.label)

    def plan(self, current):
        return dispatch({'present': self.plan_present, 'absent': self.plan_absent}, self.params['state'])(current)

    def plan_present(self, current):
        p = self.params
        if current is None:
            missing = [name for name in ('hostname', 'root_password') if not p[name]]
            if missing:
                self.module.fail_json(msg='Replication target %s does not exist; %s required to create it'
                                      % (self.label, ' and '.join(missing) + (' are' if len(missing) > 1 else ' is')))
            planned = {'label': self.label, 'hostname': p['hostname']}
            return dict(action='create', target=planned, after=planned, path=None)
        if p['hostname'] and current.get('hostname') != p['hostname']:
            self.module.fail_json(msg='Replication target %s points to %s, not %s; the hostname of a target cannot change. '
                                  'Remove the target (state: absent; its replication actions first) and create it again'
                                  % (self.label, current.get('hostname'), p['hostname']), target=current)
        action = 'password' if p['update_password'] == 'always' else None
        return dict(action=action, target=current, after=current, path=self.target_path(current))

    def plan_absent(self, current):
        if current is None:
            return dict(action=None, target={}, after={}, path=None)
        used = current.get('actions') or 0
        if used:
            self.module.fail_json(msg='Replication target %s is used by %s replication action(s); remove them first '
                                  '(exalogic.backup.zfssa_replication_action with state: absent)' % (self.label, used),
                                  target=current)
        return dict(action='delete', target={}, after={}, path=self.target_path(current))

    def apply(self, plan):
        p = self.params
        if plan['action'] == 'create':
            body = {'label': self.label, 'hostname': p['hostname'], 'root_password': p['root_password']}
            created = self.client.post(storage_paths.replication_targets(), body,
                                       lookup=storage_paths.replication_targets(self.label),
                                       doing='create replication target %s' % self.label)
            self.written = created.get('target', plan['target'])
        elif plan['action'] == 'password':
            answer = self.client.put(plan['path'], {'root_password': p['root_password']},
                                     doing='update replication target %s' % self.label)
            self.written = answer.get('target', plan['target'])
        elif plan['action'] == 'delete':
            self.client.delete(plan['path'],
                               doing='remove replication target %s' % self.label)

    def report(self, current, plan):
        return {'changed': plan['action'] is not None,
                'target': self.written if self.written is not None else plan['target'],
                'diff': diff_dict(current, plan['after'], DIFF_KEYS)}


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           required_if=[('update_password', 'always', ('root_password',))])
    run_zfssa_module(module, TargetTask)


if __name__ == '__main__':
    main()
