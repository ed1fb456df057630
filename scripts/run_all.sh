#!/usr/bin/env bash
# Set up, then build corpus -> train -> evaluate -> package -> extract (spacy project run all).
# LETTERS_DIR points at the real letters (default ../shared/letters; steps that need them skip if absent).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
export PATH="$PWD/.venv/bin:$PATH"
LETTERS_DIR=${LETTERS_DIR:-../shared/letters}
python -m spacy project run all . --vars.letters_dir "$LETTERS_DIR"
