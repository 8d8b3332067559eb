"""Build a small, realistic Exalogic vServer root (Oracle-Linux-like) for the demo.

    python make_vserver.py ROOT NAME INDEX

What a rebuild has to get right is in it: /bin -> usr/bin and /lib -> usr/lib (OL7+ usrmerge),
a WebLogic-like domain under /u01/app/oracle with config.xml and a start script, a user whose
uid (54321 + INDEX) exists on no other host, /etc/fstab by UUID, ifcfg files and /etc/hosts
with the host's own addresses (192.168.10.<10+INDEX> public, 192.168.20.<10+INDEX> storage).
"""
import os
import sys
import uuid


def write(root, relpath, text, mode=0o644, uid=0, gid=0):
    path = os.path.join(root, relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    os.chmod(path, mode)
    os.lchown(path, uid, gid)


def addresses(index):
    return '192.168.10.%d' % (10 + index), '192.168.20.%d' % (10 + index)


def build(root, name, index):
    public, storage = addresses(index)
    uid = 54321 + index
    for folder in ('usr/bin', 'usr/lib', 'var/log', 'tmp', 'home'):
        os.makedirs(os.path.join(root, folder), exist_ok=True)
    for link, target in (('bin', 'usr/bin'), ('lib', 'usr/lib'), ('lib64', 'usr/lib')):
        if not os.path.lexists(os.path.join(root, link)):
            os.symlink(target, os.path.join(root, link))
    write(root, 'usr/bin/bash', '#!/bin/sh\n# stand-in for bash\n', 0o755)
    write(root, 'usr/lib/libexample.so.1', 'ELF-ish library bytes\n' * 50)
    write(root, 'etc/oracle-release', 'Oracle Linux Server release 7.9\n')
    write(root, 'etc/hostname', name + '\n')
    write(root, 'etc/hosts', '127.0.0.1 localhost\n%s %s.example.com %s\n%s %s-stor\n' % (
        public, name, name, storage, name))
    # /u01 lives on the root filesystem here: the backup's gate refuses a root whose fstab mounts are absent
    root_uuid, swap_uuid = (str(uuid.uuid5(uuid.NAMESPACE_DNS, '%s-%s' % (name, disk))) for disk in ('root', 'swap'))
    write(root, 'etc/fstab', 'UUID=%s / ext4 defaults 1 1\nUUID=%s swap swap defaults 0 0\n'
          'tmpfs /dev/shm tmpfs defaults 0 0\n' % (root_uuid, swap_uuid))
    for nic, (dev, address) in enumerate((('eth0', public), ('eth1', storage))):
        write(root, 'etc/sysconfig/network-scripts/ifcfg-%s' % dev,
              'DEVICE=%s\nHWADDR=%s\nBOOTPROTO=static\nONBOOT=yes\nIPADDR=%s\nNETMASK=255.255.255.0\n'
              % (dev, mac_of(index, nic), address))
    write(root, 'etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n'
          'oracle:x:%d:%d:WebLogic owner on %s only:/home/oracle:/bin/bash\n' % (uid, uid, name))
    write(root, 'etc/group', 'root:x:0:\noinstall:x:%d:\n' % uid)
    domain = 'u01/app/oracle/user_projects/domains/%s_domain' % name
    write(root, domain + '/config/config.xml',
          '<?xml version="1.0"?>\n<domain>\n  <name>%s_domain</name>\n  <server>\n    <name>AdminServer</name>\n'
          '    <listen-address>%s</listen-address>\n    <listen-port>7001</listen-port>\n  </server>\n</domain>\n'
          % (name, public), 0o640, uid, uid)
    write(root, domain + '/bin/startWebLogic.sh',
          '#!/bin/sh\nDOMAIN_HOME=/%s\nexec "$DOMAIN_HOME/bin/startManagedWebLogic.sh" AdminServer\n' % domain,
          0o750, uid, uid)
    write(root, 'u01/app/oracle/product/wlserver/server/lib/weblogic.jar', 'jar bytes\n' * 2000, 0o644, uid, uid)
    write(root, 'home/oracle/.bash_profile', 'export ORACLE_HOME=/u01/app/oracle/product\n', 0o644, uid, uid)
    for folder in ('u01', 'u01/app', 'u01/app/oracle', 'home/oracle'):
        os.lchown(os.path.join(root, folder), uid, uid)
    write(root, 'var/log/messages', 'Dec  7 01:00:00 %s kernel: booted\n' % name)


def mac_of(index, nic, generation=0):
    """The MAC of a demo vServer's NIC (generation 1: the NICs of the vServer it is rebuilt onto)."""
    return '00:16:3E:%02X:%02X:%02X' % (generation, index, nic)


if __name__ == '__main__':
    build(sys.argv[1], sys.argv[2], int(sys.argv[3]))
