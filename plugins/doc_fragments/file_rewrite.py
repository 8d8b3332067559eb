# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    """Options and attributes of the rebuild remap modules (spec: module_utils/_host/textfile.py)."""

    # Use with: extends_documentation_fragment: [exalogic.backup.file_rewrite]
    DOCUMENTATION = r'''
options:
  root:
    description:
      - Directory that is the root of the system whose files are rewritten, for example C(/mnt/sysimage)
        for a restored tree that is not booted yet. Paths of the other options are as seen from this root.
      - No symlink is followed below O(root); a file or directory that is a symlink is refused.
    type: path
    default: /
  backup:
    description:
      - Before a file is changed, keep a copy of it next to it, named C(<file>.<UTC %Y%m%dT%H%M%SZ>~),
        with the same mode and owner. The copy's path is returned in RV(backup_files).
    type: bool
    default: true
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: Nothing is written; the returned changes and the diff show what would be changed.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
notes:
  - Files are read and written as bytes; lines that are not changed stay byte for byte as they were (comments,
    tabs, CRLF line ends, a missing final newline, bytes that are not UTF-8).
  - A file is replaced atomically (temporary file in the same directory, renamed over it) with its old mode and
    owner. Its SELinux context is not copied; a rebuild relabels the system on its next boot.
'''
