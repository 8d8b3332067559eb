# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    """Connection options of every zfssa_* module (the spec lives in module_utils/_zfssa/client.py)."""

    # Use with: extends_documentation_fragment: [exalogic.backup.zfssa]
    DOCUMENTATION = r'''
options:
  host:
    description:
      - Name or address of the Oracle ZFS Storage Appliance (management interface), without C(https://).
      - If not set, the value of the E(ZFSSA_HOST) environment variable is used.
    type: str
    required: true
    aliases: [hostname]
  user:
    description:
      - Appliance user that the REST calls run as.
      - If not set, the value of the E(ZFSSA_USER) environment variable is used.
    type: str
    required: true
    aliases: [username]
  password:
    description:
      - Password of O(user). It is never written to messages or logs.
      - If not set, the value of the E(ZFSSA_PASSWORD) environment variable is used.
    type: str
    required: true
  port:
    description:
      - TCP port of the appliance REST service (HTTPS).
    type: int
    default: 215
  api_version:
    description:
      - Major version of the appliance REST API, used in every URL (C(/api/storage/v1/...)).
      - V(v1) works on every appliance release; V(v2) (OS8.8 and later) returns consistent, ISO 8601 values.
    type: str
    choices: [v1, v2]
    default: v1
  validate_certs:
    description:
      - Verify the appliance TLS certificate.
      - Appliances often use a self-signed certificate; prefer giving its CA with O(ca_path) over setting this to V(false).
      - If not set, the value of the E(ZFSSA_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA certificate(s) used to verify the appliance certificate.
      - If not set, the value of the E(ZFSSA_CA_PATH) environment variable is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer from the appliance.
    type: int
    default: 30
  retries:
    description:
      - How many times a request is repeated when the appliance is busy (HTTP 503, 408, 429, 502, 504) or the
        connection is refused, reset or times out. Waits grow exponentially (1, 2, 4, ... seconds, at most 30).
      - A create (POST) whose outcome is unknown (connection reset or timeout after sending) is never repeated blindly;
        the object is looked up first.
      - V(0) disables retries.
    type: int
    default: 4
notes:
  - The modules log in once per task (C(POST /api/access/v1)), reuse that session and log out at the end; when the
    appliance has no session service they send Basic authentication with every request.
'''

    # Use with: extends_documentation_fragment: [exalogic.backup.zfssa.action_group]
    ACTION_GROUP = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/exalogic.backup.zfssa) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - exalogic.backup.zfssa
'''

    # Use with: extends_documentation_fragment: [exalogic.backup.zfssa.attributes]
    # Full check mode and diff support, as every appliance module that changes something has. The module adds
    # the details of check_mode and diff_mode, and may set another support (an info module: diff_mode support
    # none); its keys win over these.
    ATTRIBUTES = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying the appliance.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
'''
