# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    """Options that name or describe appliance objects, shared by the zfssa_* modules.

    The argument specs they document live in module_utils/_zfssa/properties.py (scope_spec, property_spec).
    """

    # A project, or one share of it (pool, project, filesystem); argument spec: _zfssa/properties.scope_spec().
    # Use with: extends_documentation_fragment: [exalogic.backup.zfssa_objects]
    DOCUMENTATION = r'''
options:
  pool:
    description:
      - Storage pool of O(project) on the appliance given by O(host).
    type: str
    required: true
  project:
    description:
      - Name of the project; with O(filesystem), the project that holds that share.
    type: str
    required: true
  filesystem:
    description:
      - Name of one share (filesystem) of O(project) to work on instead of the project.
      - Leave it out to work on the project itself, which covers all of its shares.
    type: str
    aliases: [share]
'''

    # Properties that projects and shares both have, with the same meaning; a share inherits the
    # project's value unless it sets its own. Argument spec: _zfssa/properties.property_spec().
    # Use with: extends_documentation_fragment: [exalogic.backup.zfssa_objects.properties]
    PROPERTIES = r'''
options:
  compression:
    description:
      - Compression of data written to the share (for a project, to the shares that inherit it).
    type: str
    choices: ['off', lzjb, gzip-2, gzip, gzip-9, lz4]
  snapdir:
    description:
      - Whether the C(.zfs/snapshot) directory is V(visible) in the share (for a project, in its shares). Make it
        visible to restore single files from snapshots over NFS.
    type: str
    choices: [hidden, visible]
  atime:
    description:
      - Update access times on reads. V(false) saves writes during large backups.
    type: bool
  sharenfs:
    description:
      - The appliance's NFS sharing value as a raw string, for example V(off), V(on), V(ro) or
        V(sec=sys,rw=@10.0.1.0/24,root=@10.0.1.5/32).
      - Compared by meaning, not as text. Prefer O(nfs_exceptions), which builds the value for you.
      - Mutually exclusive with O(nfs_exceptions) and O(default_access).
    type: str
  nfs_exceptions:
    description:
      - NFS clients that get another access than O(default_access), rendered into C(sharenfs) as
        C(sec=sys[,rw|,ro],rw=@net/len:...,ro=@...,none=@...,root=@...).
      - The list is the complete set of exceptions; clients not listed get O(default_access).
      - An empty list (for example a templated list whose last host was removed) revokes access; it never
        opens the share. With O(default_access) left out, the result is C(off), no NFS access at all.
    type: list
    elements: dict
    suboptions:
      network:
        description:
          - IPv4 or IPv6 host address (V(10.0.1.5), meaning one host) or network in CIDR form (V(10.0.1.0/24)).
        type: str
        required: true
      access:
        description:
          - Access of the clients in O(nfs_exceptions[].network).
        type: str
        choices: [rw, ro, none]
        default: rw
      root:
        description:
          - Let root on these clients act as root on the share (no root squash). A full-system backup with rsync
            needs it, for the vServer that writes to the share only.
        type: bool
        default: false
  default_access:
    description:
      - NFS access of clients not listed in O(nfs_exceptions). V(none) and V(off) mean no access.
      - Defaults to V(none) when O(nfs_exceptions) is given, also when it is an empty list.
      - Without O(nfs_exceptions), V(rw) shares read-write to everyone (C(on)), V(ro) read-only, V(none) stops
        NFS sharing (C(off)).
      - Only this option (or an explicit O(sharenfs)) can give clients that no exception lists more access
        than they have. When a run does that, the module warns, returns C(access_widened=true) and names the
        change in the C(--diff) header.
    type: str
    choices: [rw, ro, none, 'off']
'''
