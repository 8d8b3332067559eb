#!/usr/bin/env bash
# Install the Debian packages the test suites need, only those that are missing.
# Runs as root on a fresh Debian 12 machine (CI) or a developer machine; no systemd needed.
set -euo pipefail

packages=(
  rsync openssh-server openssh-client
  btrfs-progs xfsprogs
  fuse3 libfuse2 libnfs-utils libnfs13 nfs-ganesha nfs-ganesha-vfs rpcbind
  acl attr libcap2-bin
  iproute2 util-linux openssl git make
  python3-venv shellcheck
  chromium fonts-dejavu-core cron
)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} Debian packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root (apt-get install needs it)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
