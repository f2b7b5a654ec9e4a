#!/usr/bin/env bash
# The portal's browser tests drive Debian's Chromium with Playwright (never `playwright install`,
# which downloads from a CDN). This installs the chromium package when /usr/bin/chromium is missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "Chromium is not installed; installing it from Debian's packages (the portal tests need it)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
test -x /usr/bin/chromium
