# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every host-file rewriter: parse -> render is byte-identical and a second remap is a no-op, over generated inputs."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import random

from ansible_collections.exalogic.backup.plugins.module_utils._host.hosts import parse_hosts, remap_hosts, render_hosts_bytes
from ansible_collections.exalogic.backup.plugins.module_utils._host.ifcfg import IfcfgFile, remap_ifcfg
from ansible_collections.exalogic.backup.plugins.module_utils._host.nm_keyfile import Keyfile, remap_keyfile
from ansible_collections.exalogic.backup.plugins.module_utils._host.udev_rules import parse_rules, render_rules_bytes
from ansible_collections.exalogic.backup.tests.unit.plugins.module_utils._host.rewriter_samples import ADDRESSES, MACS


# ---- round trip over generated inputs -----------------------------------------------------------

_PIECES = [b'10.1.0.11', b'fe80::1%eth0', b'vs01', b'#', b'# c', b'=', b'KEY=', b'IPADDR=10.1.0.11', b'"',
           b"'", b'\\', b'[ipv4]', b'address1=10.1.0.11/24', b'ATTR{address}=="00:16:3e:aa:bb:01",', b'NAME="eth0"',
           b'\xe9', b'\xc2\xa0', b'export', b'', b'HWADDR=00:16:3E:AA:BB:01', b'mac-address=00:16:3e:aa:bb:01',
           b'UUID=x', b'dns=10.1.0.2;']
_SEPARATORS = [b' ', b'\t', b'', b', ']
_ENDINGS = [b'\n', b'\r\n', b'\r']


def generated(rng):
    lines = []
    for _line in range(rng.randint(0, 8)):
        words = [rng.choice(_PIECES) for _word in range(rng.randint(0, 6))]
        lines.append(b''.join(rng.choice(_SEPARATORS) + word for word in words) + rng.choice(_ENDINGS))
    data = b''.join(lines)
    return data[:-1] if data and rng.random() < 0.2 else data


def test_every_rewriter_round_trips_generated_inputs():
    rng = random.Random(13)
    for _case in range(2000):
        data = generated(rng)
        assert render_hosts_bytes(parse_hosts(data)) == data
        assert IfcfgFile(data).render_bytes() == data
        assert Keyfile(data).render_bytes() == data
        assert render_rules_bytes(parse_rules(data)) == data
        # remapping never crashes and a second remap has nothing left to do
        hosts = parse_hosts(data)
        remap_hosts(hosts, ADDRESSES, {'vs01': 'vs21'})
        assert remap_hosts(parse_hosts(render_hosts_bytes(hosts)), ADDRESSES, {'vs01': 'vs21'}) == []
        ifcfg = IfcfgFile(data)
        remap_ifcfg(ifcfg, ADDRESSES, MACS)
        assert remap_ifcfg(IfcfgFile(ifcfg.render_bytes()), ADDRESSES, MACS) == []
        keyfile = Keyfile(data)
        remap_keyfile(keyfile, ADDRESSES, MACS)
        assert remap_keyfile(Keyfile(keyfile.render_bytes()), ADDRESSES, MACS) == []
