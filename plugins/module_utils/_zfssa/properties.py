# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""Project and share properties for zfssa_project and zfssa_filesystem.

One place for: the typed options both modules offer (argument spec pieces), turning them and the
free-form ``properties`` dict into appliance property values, comparing wanted values with what the
appliance returns (``10G`` equals 10737418240, ``"755"`` equals ``"0755"``, equivalent ``sharenfs``
strings are equal), and a clear message when the pool or project of a path does not exist.

Only properties the user asked for are compared: a share inherits everything else from its project
(the ``source`` object of the appliance says where a value comes from), and that must not cause changes.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.exalogic.backup.plugins.module_utils._zfssa import sharenfs
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.sizes import parse_size
from ansible_collections.exalogic.backup.plugins.module_utils._zfssa.client import (
    compute_changes, diff_dict, storage_paths)

SIZE_PROPERTIES = frozenset((
    'quota', 'reservation', 'defaultuserquota', 'defaultgroupquota', 'default_volsize', 'default_volblocksize',
    'recordsize', 'maxblocksize',
))
BOOL_PROPERTIES = frozenset((
    'atime', 'readonly', 'dedup', 'nbmand', 'rstchown', 'vscan', 'nodestroy', 'quota_snap', 'reservation_snap',
    'exported', 'default_sparse', 'utf8only',
))
OCTAL_PROPERTIES = frozenset(('root_permissions', 'default_permissions'))
NFS_OPTIONS = ('sharenfs', 'nfs_exceptions', 'default_access')
# Keys the modules set from their own options; never accepted inside ``properties``.
IDENTITY_KEYS = frozenset(('name', 'pool', 'project'))

COMMON_TYPED = ('quota', 'reservation', 'compression', 'snapdir', 'atime', 'readonly', 'mountpoint')
SHARE_TYPED = COMMON_TYPED + ('root_user', 'root_group', 'root_permissions')
COMPRESSION_CHOICES = ['off', 'lzjb', 'gzip-2', 'gzip', 'gzip-9', 'lz4']


def property_spec(share=False):
    """Argument spec of the typed property options (no defaults: an option not given is not managed)."""
    spec = dict(
        quota=dict(type='raw'),
        reservation=dict(type='raw'),
        compression=dict(type='str', choices=COMPRESSION_CHOICES),
        snapdir=dict(type='str', choices=['hidden', 'visible']),
        atime=dict(type='bool'),
        readonly=dict(type='bool'),
        mountpoint=dict(type='str'),
        sharenfs=dict(type='str'),
        nfs_exceptions=dict(type='list', elements='dict', options=dict(
            network=dict(type='str', required=True),
            access=dict(type='str', choices=list(sharenfs.ACCESS_MODES), default='rw'),
            root=dict(type='bool', default=False),
        )),
        default_access=dict(type='str', choices=list(sharenfs.DEFAULT_ACCESS_CHOICES)),
        properties=dict(type='dict'),
    )
    if share:
        spec.update(
            root_user=dict(type='str'),
            root_group=dict(type='str'),
            root_permissions=dict(type='raw'),
        )
    return spec


NFS_EXCLUSIVE = [('sharenfs', 'nfs_exceptions'), ('sharenfs', 'default_access')]


# ------------------------------------------------------------------ a project or one share of it

def scope_spec():
    """Argument spec of pool, project and the optional filesystem (a share of the project), for modules that
    work on a project or one of its shares; documented by the doc fragment exalogic.backup.zfssa_objects."""
    return dict(
        pool=dict(type='str', required=True),
        project=dict(type='str', required=True),
        filesystem=dict(type='str', aliases=['share']),
    )


def scope_label(pool, project, filesystem=None):
    """gold/backups, or gold/backups/vs01 for a share, for messages."""
    return '/'.join(part for part in (pool, project, filesystem) if part)


# ------------------------------------------------------------------------------- values to send

def octal_text(value, option):
    """'755' from '755' or '0755'; ints are refused because YAML reads an unquoted 0755 as 493."""
    if isinstance(value, bool) or not isinstance(value, (str, type(u''))):
        raise ValueError("%s: give the permissions as a quoted string such as '755' (YAML reads unquoted 0755 "
                         "as the number 493), got %r" % (option, value))
    text = value.strip()
    if not re.match(r'[0-7]{3,4}\Z', text):  # ASCII octal digits: isdigit() also takes a superscript two
        raise ValueError("%s: '%s' is not octal permissions such as '755' or '0750'" % (option, value))
    if len(text) == 4 and text.startswith('0'):
        text = text[1:]
    return text


def appliance_value(key, value, option=None):
    """The JSON value the appliance takes for a property (sizes in bytes, real booleans, octal text)."""
    option = option or key
    if value is None:
        return None
    if key in SIZE_PROPERTIES:
        return parse_size(value, option)
    if key in BOOL_PROPERTIES and not isinstance(value, bool):
        try:
            return boolean(value)
        except TypeError:
            raise ValueError("%s: '%s' is not a boolean; use true or false" % (option, value))
    if key in OCTAL_PROPERTIES:
        return octal_text(value, option)
    if key == 'sharenfs' and not to_text(value).strip():
        raise ValueError("%s: an empty value is not allowed; use 'off' to stop NFS sharing" % option)
    return value


def nfs_value(params, where=''):
    """sharenfs to send from sharenfs / nfs_exceptions / default_access, or None when none is given."""
    if params.get('sharenfs') is not None:
        return appliance_value('sharenfs', params['sharenfs'], where + 'sharenfs')
    if params.get('nfs_exceptions') is None and params.get('default_access') is None:
        return None
    try:
        return sharenfs.render(params.get('nfs_exceptions') or [], params.get('default_access'))
    except ValueError as err:
        raise ValueError(where + to_text(err))


def desired_properties(params, typed, where=''):
    """{appliance property: value} for the typed options, the NFS options and ``properties``.

    ``typed`` names the typed options of the module. ``where`` prefixes messages (for bulk entries,
    e.g. ``filesystems[3] (vs03): ``). ValueError with a message naming the option and the fix.
    """
    desired = {}
    for option in typed:
        if params.get(option) is not None:
            desired[option] = appliance_value(option, params[option], where + option)
    nfs = nfs_value(params, where)
    if nfs is not None:
        desired['sharenfs'] = nfs
    for key, value in sorted((params.get('properties') or {}).items()):
        if key in IDENTITY_KEYS:
            raise ValueError("%sproperties.%s: set the %s with its own option, not in properties" % (where, key, key))
        if key in desired:
            raise ValueError('%sproperties.%s is also set by an option; give it once' % (where, key))
        if value is None:
            raise ValueError('%sproperties.%s has no value; remove it or give a value' % (where, key))
        desired[key] = appliance_value(key, value, '%sproperties.%s' % (where, key))
    return desired


# -------------------------------------------------------------------------------- comparison

def comparable(key, value):
    """A form of a property value in which equal meanings compare equal."""
    if value is None:
        return None
    if key == 'sharenfs':
        return sharenfs.canonical(to_text(value))
    if key in SIZE_PROPERTIES:
        try:
            return parse_size(value, key)
        except ValueError:
            return to_text(value)
    if key in OCTAL_PROPERTIES:
        try:
            return int(to_text(value), 8)
        except ValueError:
            return to_text(value)
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if key in BOOL_PROPERTIES:
        return to_text(value).lower()
    if isinstance(value, (dict, list)):
        return value
    return to_text(value)


def property_changes(current, desired):
    """{property: wanted value} for the wanted properties whose current value means something else."""
    normalize = dict((key, _comparer(key)) for key in desired)
    return compute_changes(current, desired, normalize)


def _comparer(key):
    return lambda value: comparable(key, value)


def change_diff(current, changes):
    """before/after of the changed properties only."""
    return diff_dict(current, dict(current or {}, **changes), sorted(changes))


ACCESS_WORDS = {'none': 'no access', 'ro': 'read-only access', 'rw': 'read-write access'}


def widening_note(current, changes):
    """A sentence when the sharenfs change gives NFS clients not listed in any exception more access, else None.

    ``current`` is the object on the appliance (None when it is created). Only an explicit
    ``default_access`` (or ``sharenfs``) can widen access, and the module says so in the result,
    a warning and the diff header.
    """
    if changes.get('sharenfs') is None:
        return None
    widened = sharenfs.widening((current or {}).get('sharenfs'), changes['sharenfs'])
    if widened is None:
        return None
    return ('sharenfs %s gives every NFS client not listed in an exception %s (before: %s)'
            % (changes['sharenfs'], ACCESS_WORDS[widened[1]], ACCESS_WORDS[widened[0]]))


def report_widening(module, result, note, label):
    """Record a widening note in the result (access_widened), as a warning and in the diff's after header."""
    result['access_widened'] = note is not None
    if note is None:
        return
    module.warn('%s: %s' % (label, note))
    if 'diff' in result:
        result['diff']['after_header'] = '%s (%s)' % (result['diff'].get('after_header', label), note)


# ----------------------------------------------------------------------- missing pool / project

def pool_names(client):
    """Names of the appliance's pools, from the pool list (ZfssaError when it cannot be read)."""
    listed = client.get(storage_paths.pools()).get('pools') or []
    return sorted(item['name'] for item in listed if isinstance(item, dict) and item.get('name'))


def missing_container(client, pool, project=None):
    """Why a path below pool (and project) is 404: a message naming what is missing, or None if both exist.

    The pool list decides whether the pool exists, so the message can never contradict the list it
    shows; when the list itself cannot be read, that error is raised rather than guessing.
    """
    pools = pool_names(client)
    if pool not in pools:
        return "pool '%s' does not exist on the appliance (pools: %s); set the pool option to one of them" % (
            pool, ', '.join(pools) or 'none')
    if project is not None and client.get_or_none(storage_paths.project(pool, project), 'project') is None:
        return ("project '%s' does not exist in pool '%s'; create it first with exalogic.backup.zfssa_project"
                % (project, pool))
    return None
