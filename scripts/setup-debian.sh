#!/usr/bin/env bash
# Installs what building, mounting and testing tgcryptfs need on Debian/Ubuntu, skipping what is there.
set -euo pipefail

packages=()
command -v java >/dev/null 2>&1 || packages+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || packages+=(maven)
# jnr-fuse binds libfuse 2 (libfuse.so.2); fuse3 provides fusermount and /etc/fuse.conf
for p in fuse3 libfuse2 attr python3; do
  dpkg -s "$p" >/dev/null 2>&1 || packages+=("$p")
done

if ((${#packages[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing: ${packages[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}"
fi

if [ ! -e /dev/fuse ]; then
  echo "warning: /dev/fuse is missing; load the fuse module (modprobe fuse) before mounting" >&2
fi
