# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE to the exalogic.backup collection: free to change without notice; do not import from elsewhere.
"""Controller-side address arithmetic for the rebuild filters (netaddr): network maps -> address maps, CIDR merge."""
from __future__ import annotations

try:
    import netaddr
except ImportError:  # reported when a filter is used, not when the collection is loaded
    netaddr = None

# Enumerating a network's addresses beyond this needs an explicit list of the addresses in use.
MAX_ENUMERATED = 65536


class MapError(ValueError):
    """Bad input to a filter; the message names the item and the fix."""


def _need_netaddr():
    if netaddr is None:
        raise MapError('the Python library netaddr is needed on the controller: pip install netaddr')


def _network(text, what):
    try:
        network = netaddr.IPNetwork(str(text))
    except (netaddr.AddrFormatError, ValueError, TypeError) as exc:
        raise MapError(f'{what} {text!r} is not a network in CIDR notation such as 10.1.0.0/24 ({exc})') from None
    if '/' not in str(text):
        raise MapError(f'{what} {text!r} has no prefix length; write it as {network.ip}/{network.prefixlen}')
    if network.ip != network.network:
        raise MapError(f'{what} {text!r} has host bits set; did you mean {network.cidr}?')
    return network


def _address(text, what):
    try:
        return netaddr.IPAddress(str(text).split('%', 1)[0])
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise MapError(f'{what} {text!r} is not an IPv4 or IPv6 address') from None


def network_pairs(networks):
    """[(old IPNetwork, new IPNetwork)] checked: same family, same size, old networks not overlapping."""
    _need_netaddr()
    if not isinstance(networks, dict):
        raise MapError(f'ip_remap expects a dict of old network: new network, got {type(networks).__name__}')
    pairs = []
    for old_text, new_text in networks.items():
        old = _network(old_text, 'old network')
        new = _network(new_text, f'new network for {old_text}')
        if old.version != new.version:
            raise MapError(f'{old_text} is IPv{old.version} but {new_text} is IPv{new.version}; map each family to itself')
        if old.prefixlen != new.prefixlen:
            raise MapError(f'{old_text} and {new_text} differ in size (/{old.prefixlen} and /{new.prefixlen}); '
                           'host parts can only be kept between networks of one size')
        for other, _new in pairs:
            if other.version == old.version and (old in other or other in old):
                raise MapError(f'old networks {other} and {old} overlap; an address must belong to one of them')
        pairs.append((old, new))
    return pairs


def _translate(address, pairs):
    for old, new in pairs:
        if address.version == old.version and address in old:
            return netaddr.IPAddress(int(new.network) + (int(address) - int(old.network)), address.version)
    return None


def address_map(networks, pairs=None, addresses=None):
    """{old address: new address} for the target modules.

    Every address of each old network is mapped to the same host part of its new network, or only the
    ``addresses`` given (those in no network are left out). Explicit ``pairs`` are checked and win.
    """
    net_pairs = network_pairs(networks or {})
    result = {}
    if addresses is not None:
        if not isinstance(addresses, (list, tuple)):
            raise MapError('addresses must be a list of IP addresses')
        for text in addresses:
            new = _translate(_address(text, 'address'), net_pairs)
            if new is not None:
                zone = str(text).partition('%')[2]
                result[str(text)] = f'{new}%{zone}' if zone else str(new)
    else:
        for old, new in net_pairs:
            if old.size > MAX_ENUMERATED:
                raise MapError(f'{old} has {old.size} addresses; give the addresses in use with addresses=[...]')
            for offset, address in enumerate(old):
                result[str(address)] = str(netaddr.IPAddress(int(new.network) + offset, new.version))
    for old_text, new_text in (pairs or {}).items():
        old, new = _address(old_text, 'old address'), _address(str(new_text).split('/', 1)[0], f'new address for {old_text}')
        if old.version != new.version:
            raise MapError(f'{old_text} is IPv{old.version} but {new_text} is IPv{new.version}; map each family to itself')
        result[str(old_text)] = str(new_text)
    return result


def merge_cidrs(items):
    """The smallest list of CIDRs covering the given addresses and networks."""
    _need_netaddr()
    if isinstance(items, str) or not isinstance(items, (list, tuple)):
        raise MapError('cidr_merge expects a list of addresses or networks')
    networks = []
    for item in items:
        try:
            networks.append(netaddr.IPNetwork(str(item)).cidr)
        except (netaddr.AddrFormatError, ValueError, TypeError):
            raise MapError(f'cidr_merge: {item!r} is not an IP address or a network such as 10.1.0.0/24') from None
    return [str(network) for network in netaddr.cidr_merge(networks)]
