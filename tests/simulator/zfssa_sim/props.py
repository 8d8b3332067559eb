"""Project and filesystem properties: names, value checks, defaults, inheritance (docs/reference/appliance-api.md
§3.2-3.4).

Choices the simulator makes where that page says UNCONFIRMED (all listed in README.md):
sizes are JSON integers only ("10G" strings are refused), booleans are JSON booleans or "true"/"false",
``source`` values are ``local`` / ``inherited`` / ``default``.
"""

import re

from .errors import ApiError, invalid

NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$')
OCTAL_RE = re.compile(r'^[0-7]{3,4}$')
SHARE_MODES = ('off', 'rw', 'ro')


def check_name(value, what='name'):
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise invalid("%s '%s' is not valid: use letters, digits and _ . : - (up to 64, not starting with a symbol)"
                      % (what, value))
    return value


def json_bool(value):
    """True/False for a JSON boolean or the strings "true"/"false" (any case), else None.

    The vendor's own client sends string booleans ("vscan": "false"), so the appliance takes both
    (UNCONFIRMED choice 7); the value is stored and returned as a JSON boolean.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ('true', 'false'):
        return value.lower() == 'true'
    return None


def v_bool(name, value):
    checked = json_bool(value)
    if checked is None:
        raise invalid('%s must be a boolean (true/false, or the strings "true"/"false"), got %r' % (name, value))
    return checked


def v_size(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid("%s must be a non-negative integer number of bytes, got %r" % (name, value))
    return value


def v_string(name, value):
    if not isinstance(value, str):
        raise invalid("%s must be a string, got %r" % (name, value))
    return value


def v_sharenfs(name, value):
    # stored and returned exactly as written (manila relies on verbatim round trips)
    value = v_string(name, value)
    if value.strip() == '':
        raise invalid("%s must not be empty: use 'off' to stop sharing" % name)
    return value


def v_recordsize(name, value):
    value = v_size(name, value)
    if value < 512 or value > 1048576 or value & (value - 1):
        raise invalid('%s must be a power of two from 512 to 1048576, got %r' % (name, value))
    return value


def v_mountpoint(name, value):
    value = v_string(name, value)
    parts = value.split('/')
    if not value.startswith('/export') or (len(parts) > 1 and parts[1] != 'export'):
        raise invalid("%s '%s' must be /export or a path below /export" % (name, value))
    if any(p in ('.', '..', '.zfs') for p in parts) or '//' in value or (value.endswith('/') and value != '/'):
        raise invalid("%s '%s' is not a clean absolute path" % (name, value))
    return value


def v_octal(name, value):
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not OCTAL_RE.match(value):
        raise invalid("%s must be octal permissions such as \"755\", got %r" % (name, value))
    return value


def v_principal(name, value):
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if not isinstance(value, str) or not re.match(r'^[A-Za-z0-9_][A-Za-z0-9_.-]*$', value):
        raise invalid('%s must be a user/group name or number, got %r' % (name, value))
    return value


def choice(*options):
    def check(name, value):
        if value not in options or isinstance(value, bool):
            raise invalid("%s must be one of %s, got %r" % (name, ', '.join(str(o) for o in options), value))
        return value
    return check


# name: (validator, default). Inherited from project to share.
INHERITED = {
    'aclinherit': (choice('discard', 'noallow', 'restricted', 'passthrough', 'passthrough-x',
                          'passthrough-mode-preserve'), 'restricted'),
    'aclmode': (choice('discard', 'mask', 'passthrough'), 'discard'),
    'atime': (v_bool, True),
    'checksum': (choice('fletcher2', 'fletcher4', 'sha256'), 'fletcher4'),
    'compression': (choice('off', 'lzjb', 'gzip-2', 'gzip', 'gzip-9', 'lz4'), 'off'),
    'copies': (choice(1, 2, 3), 1),
    'dedup': (v_bool, False),
    'exported': (v_bool, True),
    'logbias': (choice('latency', 'throughput'), 'latency'),
    'maxblocksize': (v_recordsize, 1048576),
    'mountpoint': (v_mountpoint, '/export'),
    'nbmand': (v_bool, False),
    'readonly': (v_bool, False),
    'recordsize': (v_recordsize, 131072),
    'rstchown': (v_bool, True),
    'secondarycache': (choice('all', 'metadata', 'none'), 'all'),
    'sharedav': (choice(*SHARE_MODES), 'off'),
    'shareftp': (choice(*SHARE_MODES), 'off'),
    'sharenfs': (v_sharenfs, 'on'),
    'sharesftp': (choice(*SHARE_MODES), 'off'),
    'sharesmb': (v_sharenfs, 'off'),
    'sharetftp': (choice(*SHARE_MODES), 'off'),
    'snapdir': (choice('hidden', 'visible'), 'hidden'),
    'snaplabel': (v_string, ''),
    'vscan': (v_bool, False),
}

# Project-only properties (not inherited).
PROJECT_LOCAL = {
    'quota': (v_size, 0),
    'reservation': (v_size, 0),
    'nodestroy': (v_bool, False),
    'default_user': (v_principal, 'nobody'),
    'default_group': (v_principal, 'other'),
    'default_permissions': (v_octal, '700'),
    'default_sparse': (v_bool, False),
    'default_volblocksize': (v_recordsize, 8192),
    'default_volsize': (v_size, 0),
    'defaultuserquota': (v_size, 0),
    'defaultgroupquota': (v_size, 0),
}

# Filesystem-only properties. root_* default to the project's default_* (EM-388: they are share-local).
SHARE_LOCAL = {
    'quota': (v_size, 0),
    'reservation': (v_size, 0),
    'quota_snap': (v_bool, True),
    'reservation_snap': (v_bool, True),
    'nodestroy': (v_bool, False),
    'root_user': (v_principal, None),
    'root_group': (v_principal, None),
    'root_permissions': (v_octal, None),
    'casesensitivity': (choice('mixed', 'sensitive', 'insensitive'), 'mixed'),
    'normalization': (choice('none', 'formC', 'formD', 'formKC', 'formKD'), 'none'),
    'utf8only': (v_bool, True),
    'shadow': (v_string, 'none'),
}
CREATE_ONLY = frozenset(('casesensitivity', 'normalization', 'utf8only'))
ROOT_DEFAULTS = {'root_user': 'default_user', 'root_group': 'default_group', 'root_permissions': 'default_permissions'}

# Computed, never accepted as input.
READ_ONLY = frozenset((
    'id', 'href', 'pool', 'collection', 'canonical_name', 'creation', 'source', 'origin', 'snapshots',
    'space_data', 'space_available', 'space_snapshots', 'space_unused_res', 'space_unused_res_shares',
    'space_total', 'compressratio', 'encryption', 'keystatus', 'keychangedate', 'numclones',
))

# Documented create example sends "owner": the simulator takes it as root_user (UNCONFIRMED).
ALIASES = {'owner': 'root_user'}


def custom_validator(schema_entry):
    kind = schema_entry.get('type', 'String')
    if kind == 'Boolean':
        return v_bool
    if kind == 'Integer':
        return v_size
    return v_string


def validate(body, table, schema, creating, skip=()):
    """{name: checked value} for the settable properties in body; ApiError on the first bad one."""
    result = {}
    for key, value in body.items():
        if key in skip:
            continue
        name = ALIASES.get(key, key)
        if name.startswith('custom:'):
            entry = schema.get(name[len('custom:'):])
            if entry is None:
                raise ApiError('ERR_UNKNOWN_ARG', "unknown custom property '%s': create it under /schema first" % name)
            result[name] = custom_validator(entry)(name, value)
            continue
        if name in READ_ONLY:
            raise invalid("property '%s' is read-only" % name)
        if name not in table:
            raise ApiError('ERR_UNKNOWN_ARG', "unknown property '%s'" % key)
        if name in CREATE_ONLY and not creating:
            raise invalid("property '%s' can only be set when the filesystem is created" % name)
        result[name] = table[name][0](name, value)
    return result


def project_table():
    table = dict(INHERITED)
    table.update(PROJECT_LOCAL)
    return table


def share_table():
    table = dict(INHERITED)
    table.update(SHARE_LOCAL)
    return table
