#!/usr/bin/env bash
# Set up, then run the test suite (unit tests, a tiny end-to-end train, hostile inputs, the review page in headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "chromium could not be installed; the browser test will be skipped" >&2
fi
.venv/bin/ruff check src scripts tests
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
