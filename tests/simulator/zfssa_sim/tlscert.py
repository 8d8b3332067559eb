"""Self-signed certificate for the simulator, made with the openssl command line tool.

Kept under <data>/tls/ and reused on restart (so a client's ca_path stays valid) as long as it
names the host being served; tests pass <data>/tls/cert.pem as ca_path.
"""

import ipaddress
import os
import subprocess


def subject_alt_names(host):
    names = {'DNS:localhost', 'IP:127.0.0.1', 'IP:::1'}
    try:
        names.add('IP:%s' % ipaddress.ip_address(host))
    except ValueError:
        names.add('DNS:%s' % host)
    return ','.join(sorted(names))


def ensure_certificate(data_dir, host):
    """(cert path, key path), generating them when missing or made for another host."""
    tls_dir = os.path.join(data_dir, 'tls')
    os.makedirs(tls_dir, exist_ok=True)
    cert = os.path.join(tls_dir, 'cert.pem')
    key = os.path.join(tls_dir, 'key.pem')
    marker = os.path.join(tls_dir, 'san.txt')
    san = subject_alt_names(host)
    if os.path.exists(cert) and os.path.exists(key) and os.path.exists(marker):
        with open(marker, encoding='utf-8') as handle:
            if handle.read().strip() == san:
                return cert, key
    tmp_cert, tmp_key = cert + '.tmp', key + '.tmp'
    subprocess.run(
        ['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
         '-keyout', tmp_key, '-out', tmp_cert, '-days', '3650', '-subj', '/O=exalogic.backup/CN=zfssa-simulator',
         '-addext', 'subjectAltName=' + san, '-addext', 'keyUsage=critical,digitalSignature,keyCertSign',
         '-addext', 'extendedKeyUsage=serverAuth'],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.chmod(tmp_key, 0o600)
    os.replace(tmp_key, key)
    os.replace(tmp_cert, cert)
    with open(marker, 'w', encoding='utf-8') as handle:
        handle.write(san + '\n')
    return cert, key
