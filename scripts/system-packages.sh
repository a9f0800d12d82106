#!/usr/bin/env bash
# Debian packages the whole test suite needs, installed when missing (root or sudo):
# chromium for the browser tests (never a downloaded browser); LibreOffice and poppler to
# open the generated DOCX files as a real client would; redis-server and postgresql for
# the scale-out suite, which starts its own servers on loopback in temporary directories.
set -euo pipefail

#
# --runtime (make run): only what the running application needs: LibreOffice to make the
# official PDFs (documents/pdf.py), poppler-utils (pdfsig, pdftotext: verifying a signed PDF
# by hand, docs/OPERATIONS.md) and the fonts the documents use, embedded in the PDFs.
runtime=(libreoffice-writer-nogui poppler-utils fonts-dejavu-core)
if [ "${1:-}" = "--runtime" ]; then
  packages=("${runtime[@]}")
else
  packages=(chromium redis-server postgresql "${runtime[@]}")
fi
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
