#!/usr/bin/env bash
# Real Mastodon client libraries against a Commonplace server on loopback.
# Builds the server, starts it on a free port with a fresh SQLite file, installs Mastodon.py
# from PyPI into a virtual environment, and runs tests/clients/mastodon_py.py against it.
# Fails if any step or any call fails. Needs python3 with venv, and access to PyPI.
set -euo pipefail
cd "$(dirname "$0")/../.."

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --quiet
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
COMMONPLACE_DATABASE_URL="sqlite://$work/commonplace.db" \
COMMONPLACE_DOMAIN="localhost:$port" \
COMMONPLACE_BIND="127.0.0.1:$port" \
RUST_LOG="${RUST_LOG:-warn}" \
  target/debug/commonplace >"$work/server.log" 2>&1 &
server_pid=$!
python3 - "$port" <<'PY'
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(f"http://localhost:{sys.argv[1]}/api/v1/instance", timeout=1)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("the server did not start")
PY

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "Mastodon.py==2.3.3"
if ! "$work/venv/bin/python" tests/clients/mastodon_py.py "http://localhost:$port"; then
  echo "--- server log"; tail -n 50 "$work/server.log"
  exit 1
fi
