#!/usr/bin/env bash
# Real Mastodon client libraries against a Commonplace server on loopback.
# Starts the server (tests/support/serve.sh), installs Mastodon.py from PyPI into a virtual
# environment, and runs tests/clients/mastodon_py.py against it.
# Fails if any step or any call fails. Needs python3 with venv, and access to PyPI.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/support/serve.sh

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "Mastodon.py==2.3.3"
if ! "$work/venv/bin/python" tests/clients/mastodon_py.py "$base"; then
  server_log
  exit 1
fi
