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
    MIN_MASKED_SECRET, ZfssaClient, ZfssaError, diff_dict, fail_on_error, storage_paths, zfssa_argument_spec)
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


def present(module, client, current):
    p = module.params
    label = p['label']
    if current is None:
        missing = [name for name in ('hostname', 'root_password') if not p[name]]
        if missing:
            module.fail_json(msg='Replication target %s does not exist; %s required to create it'
                             % (label, ' and '.join(missing) + (' are' if len(missing) > 1 else ' is')))
        planned = {'label': label, 'hostname': p['hostname']}
        if module.check_mode:
            return True, planned, planned
        body = {'label': label, 'hostname': p['hostname'], 'root_password': p['root_password']}
        created = client.post(storage_paths.replication_targets(), body, lookup=storage_paths.replication_targets(label))
        return True, created.get('target', planned), planned
    if p['hostname'] and current.get('hostname') != p['hostname']:
        module.fail_json(msg='Replication target %s points to %s, not %s; the hostname of a target cannot change. '
                         'Remove the target (state: absent; its replication actions first) and create it again'
                         % (label, current.get('hostname'), p['hostname']), target=current)
    if p['update_password'] == 'always':
        if module.check_mode:
            return True, current, current
        answer = client.put(storage_paths.replication_targets(label), {'root_password': p['root_password']})
        return True, answer.get('target', current), current
    return False, current, current


def absent(module, client, current):
    if current is None:
        return False, {}
    used = current.get('actions') or 0
    if used:
        module.fail_json(msg='Replication target %s is used by %s replication action(s); remove them first '
                         '(exalogic.backup.zfssa_replication_action with state: absent)' % (module.params['label'], used),
                         target=current)
    if not module.check_mode:
        client.delete(storage_paths.replication_targets(module.params['label']))
    return True, {}


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           required_if=[('update_password', 'always', ('root_password',))])
    p = module.params
    label = p['label']
    action = 'read replication target %s' % label
    try:
        with ZfssaClient.from_module(module) as client:
            client.add_secret(p['root_password'], MIN_MASKED_SECRET)  # an appliance error may echo it
            targets = client.get(storage_paths.replication_targets()).get('targets') or []
            current = find_target(targets, label)
            if p['state'] == 'present':
                action = '%s replication target %s' % ('create' if current is None else 'update', label)
                changed, target, after = present(module, client, current)
            else:
                action = 'remove replication target %s' % label
                changed, target = absent(module, client, current)
                after = {}
    except ZfssaError as err:
        fail_on_error(module, err, action=action)
    result = {'changed': changed, 'target': target}
    if module._diff:
        result['diff'] = diff_dict(current, after, DIFF_KEYS)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
