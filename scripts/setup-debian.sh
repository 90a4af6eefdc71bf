#!/usr/bin/env bash
# Installs what building, mounting and testing tgcryptfs need on Debian/Ubuntu, skipping what is there.
set -euo pipefail

packages=()
command -v java >/dev/null 2>&1 || packages+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || packages+=(maven)
# jnr-fuse binds libfuse 2 (libfuse.so.2); fuse3 provides fusermount and /etc/fuse.conf
# samba (smbd, testparm), its vfs modules (fruit, streams_xattr), smbclient and samba-testsuite
# (smbtorture): the Time Machine share and its integration test, SambaTimeMachineIT
# prometheus: PrometheusIT scrapes a mount with it (its own process on loopback; the service is not used)
# acl (setfacl, getfacl): AclIT compares ACLs on a mount with those on ext4
# rsync: UnsyncedCopyCrashIT copies again, after a crash, what a crash took
for p in fuse3 libfuse2 attr acl rsync python3 samba samba-vfs-modules smbclient samba-testsuite prometheus; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || packages+=("$p")
done

if ((${#packages[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing: ${packages[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

if [ ! -e /dev/fuse ]; then
  echo "warning: /dev/fuse is missing; load the fuse module (modprobe fuse) before mounting" >&2
fi
