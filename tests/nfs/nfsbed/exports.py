"""From a share's `sharenfs` value to what one NFS client may do, and the ganesha config that says it.

`sharenfs` follows the Solaris share_nfs option syntax the appliance uses (docs/reference/appliance-api.md §3.5):
`off`, `on`, `rw`, `ro`, or options such as `sec=sys,rw=@127.0.0.0/8,root=@127.0.0.1/32,anon=65534`.
Access lists are `:`-separated entries `@addr[/prefix]` (a network), a bare address or host name,
each optionally negated with a leading `-`; the first matching entry decides.
"""

import ipaddress

ANONYMOUS_ID = 65534


def parse_sharenfs(value):
    """'sec=sys,rw=@a:@b,root=@c' -> ordered {'sec': 'sys', 'rw': ['@a', '@b'], 'root': ['@c']}.

    A bare `rw`/`ro` (or `on`) becomes {'rw': True}; repeated options add to the list.
    """
    value = (value or 'off').strip()
    options = {}
    if value == 'off':
        return {'off': True}
    if value == 'on':
        value = 'rw'
    for item in value.split(','):
        item = item.strip()
        if not item:
            continue
        key, sep, arg = item.partition('=')
        key = key.strip().lower()
        if not sep:
            options[key] = True
        elif key in ('rw', 'ro', 'root', 'none'):
            previous = options.get(key)
            entries = [e for e in arg.split(':') if e]
            options[key] = (previous if isinstance(previous, list) else []) + entries
        else:
            options[key] = arg.strip()
    return options


def entry_matches(entry, client, client_names=()):
    """Does one access-list entry (without its '-') name this client address?"""
    if entry == '*':
        return True
    address = ipaddress.ip_address(client)
    if entry.startswith('@'):
        return address in ipaddress.ip_network(entry[1:], strict=False)
    try:
        return address == ipaddress.ip_address(entry)
    except ValueError:
        return entry in client_names


def list_matches(entries, client, client_names=()):
    """True/False from the first entry that matches (a '-' entry denies), None when none does."""
    if entries is True:
        return True
    for entry in entries or ():
        negated = entry.startswith('-')
        if entry_matches(entry[1:] if negated else entry, client, client_names):
            return not negated
    return None


def client_access(sharenfs, client='127.0.0.1', readonly=False, client_names=('localhost',)):
    """What `client` may do with a share: {'access': 'rw'|'ro'|'none', 'root': bool, 'anon': int}.

    Order as on Solaris: `none=` wins, then `ro=`, then `rw=`; with neither list nor bare rw/ro the
    share is read-write for everyone. `root=` keeps root as root; everyone else's root is mapped to
    `anon` (default 65534). The share's `readonly` property makes any access read-only.
    """
    options = parse_sharenfs(sharenfs)
    anon = options.get('anon')
    result = {'access': 'none', 'root': False, 'anon': int(anon) if anon not in (None, True) else ANONYMOUS_ID}
    if options.get('off'):
        return result
    if list_matches(options.get('none'), client, client_names):
        return result
    if list_matches(options.get('ro'), client, client_names):
        result['access'] = 'ro'
    elif list_matches(options.get('rw'), client, client_names):
        result['access'] = 'rw'
    elif 'rw' not in options and 'ro' not in options:
        result['access'] = 'rw'
    if result['access'] == 'rw' and readonly:
        result['access'] = 'ro'
    result['root'] = result['access'] != 'none' and bool(list_matches(options.get('root'), client, client_names))
    return result


def share_export(share, client='127.0.0.1'):
    """One simulator share (an item of GET /_sim/shares) -> the export the test bed serves."""
    exported = share.get('exported', True) not in (False, 'false')
    access = client_access(share.get('sharenfs') if exported else 'off', client, share.get('readonly') in (True, 'true'))
    return dict(access, path=share['path'], pseudo=share['mountpoint'], client=client)


def render_ganesha(exports, work_dir, bind_addr='127.0.0.1', nfs_port=2049, mnt_port=20048):
    """The ganesha.conf text: NFSv3 over TCP only, v3 MOUNT by the share's appliance mountpoint."""
    lines = [
        'NFS_CORE_PARAM {',
        '    Protocols = 3;',
        '    Bind_addr = %s;' % bind_addr,
        '    NFS_Port = %d;' % nfs_port,
        '    MNT_Port = %d;' % mnt_port,
        '    Enable_NLM = false;',
        '    Enable_RQUOTA = false;',
        '    Enable_UDP = false;',
        '    Mount_Path_Pseudo = true;',
        '    Plugins_Dir = /usr/lib/x86_64-linux-gnu/ganesha;',
        '}',
        'NFS_KRB5 { Active_krb5 = false; }',
        'NFSV4 { RecoveryBackend = fs; RecoveryRoot = "%s/recovery"; Graceless = true; }' % work_dir,
        'EXPORT_DEFAULTS { Protocols = 3; Transports = TCP; SecType = sys; }',
        'LOG { Default_Log_Level = EVENT; }',
    ]
    for number, export in enumerate(sorted(exports, key=lambda e: e['pseudo']), start=1):
        lines += [
            'EXPORT {',
            '    Export_Id = %d;' % number,
            '    Path = "%s";' % export['path'],
            '    Pseudo = "%s";' % export['pseudo'],
            '    Access_Type = None;',
            '    FSAL { Name = VFS; }',
        ]
        if export['access'] != 'none':
            lines += [
                '    CLIENT {',
                '        Clients = %s;' % export['client'],
                '        Access_Type = %s;' % export['access'].upper(),
                '        Squash = %s;' % ('no_root_squash' if export['root'] else 'root_squash'),
                '        Anonymous_Uid = %d;' % export['anon'],
                '        Anonymous_Gid = %d;' % export['anon'],
                '    }',
            ]
        lines.append('}')
    return '\n'.join(lines) + '\n'
