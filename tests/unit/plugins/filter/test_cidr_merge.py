# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.exalogic.backup.plugins.filter.cidr_merge import FilterModule as CidrMerge

cidr_merge = CidrMerge().filters()['cidr_merge']


def test_cidr_merge():
    assert cidr_merge(['10.2.0.20', '10.2.0.21', '10.2.0.22', '10.2.0.23', 'fd00:2::/65', 'fd00:2:0:0:8000::/65']) == [
        '10.2.0.20/30', 'fd00:2::/64']
    with pytest.raises(AnsibleFilterError, match="'host.example' is not an IP address"):
        cidr_merge(['10.0.0.1', 'host.example'])
    with pytest.raises(AnsibleFilterError, match='expects a list'):
        cidr_merge('10.0.0.1')
