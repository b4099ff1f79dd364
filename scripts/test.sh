#!/usr/bin/env bash
# Install proximity with its test extras and run the test suite (the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: chromium could not be installed; browser tests will be skipped" >&2
fi
python3 -m pip install -q -e ".[dev]"
python3 -m pytest -q -p no:cacheprovider "$@"
