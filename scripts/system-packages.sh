#!/usr/bin/env bash
# Debian packages the whole test suite needs, installed when missing (root or sudo):
# chromium for the browser tests (never a downloaded browser); LibreOffice and poppler to
# open the generated DOCX files as a real client would; redis-server and postgresql for
# the scale-out suite, which starts its own servers on loopback in temporary directories.
set -euo pipefail

packages=(chromium fonts-dejavu-core redis-server postgresql libreoffice-writer-nogui poppler-utils)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "Faltan paquetes de Debian: ${missing[*]} (instálelos como root: apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The Debian package starts a cluster of its own; the tests never use it.
