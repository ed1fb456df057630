#!/usr/bin/env bash
# Set up, then run the test suite (unit tests, a tiny end-to-end train, hostile inputs, the review page in headless Chromium).
# LETTERS_DIR points at the real letters (default ../shared/letters; tests that need them skip if absent).
# As root without chromium, apt-get installs it first (it says so); IMR_NO_APT=1 skips that.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
bash scripts/ensure_chromium.sh
.venv/bin/ruff check src scripts tests
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
