#!/usr/bin/env bash
# Chromium for the review page's browser test: when it is missing and we run as root with apt-get,
# say so and install the Debian package; IMR_NO_APT=1 skips the install (the browser test then skips).
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  exit 0
fi
if [ "${IMR_NO_APT:-}" = "1" ]; then
  echo "chromium not found; IMR_NO_APT=1, so not installing it (the browser test will be skipped)" >&2
  exit 0
fi
echo "chromium not found; installing it with apt-get (Debian package chromium, for the browser test;" \
  "set IMR_NO_APT=1 to skip)" >&2
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
  || echo "chromium could not be installed; the browser test will be skipped" >&2
