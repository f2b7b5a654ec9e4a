#!/usr/bin/env bash
# The LDAP source uses python-ldap, which builds against OpenLDAP's client library (no wheels
# for Linux on PyPI): it needs libldap2-dev and libsasl2-dev. Its tests, the benchmark and
# `scimitar demo --ldap` run Debian's slapd with ldap-utils (ldapadd). This installs whichever
# of these packages is missing (and gcc and python3-dev when the build would lack them). apt never starts slapd here; the tests start their own.
set -euo pipefail
need=""
for package in libldap2-dev libsasl2-dev slapd ldap-utils; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
    || need="$need $package"
done
# Building python-ldap also needs a C compiler and the headers of the Python that builds it.
command -v gcc >/dev/null || need="$need gcc"
include=$("${PYTHON:-python3}" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
[ -f "$include/Python.h" ] || need="$need python3-dev"
if [ -z "$need" ]; then exit 0; fi
echo "Installing from Debian's packages (the LDAP source needs them):$need"
if [ "$(id -u)" != 0 ]; then
  echo "not root: run 'sudo apt-get install$need' and try again" >&2
  exit 1
fi
apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
