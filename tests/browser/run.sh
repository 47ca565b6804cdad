#!/usr/bin/env bash
# The web interface in a real browser: builds the server, starts it on a free port with a fresh
# SQLite file and an administrator made by the CLI, and runs flows.mjs (playwright-core driving
# Debian's chromium, axe-core inside it). Needs chromium (Debian package), Node.js and npm.
set -euo pipefail
cd "$(dirname "$0")/../.."

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

(cd tests/browser && npm ci --silent --no-audit --no-fund)
cargo build --quiet
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export COMMONPLACE_DATABASE_URL="sqlite://$work/commonplace.db"
export COMMONPLACE_DOMAIN="localhost:$port"
export COMMONPLACE_BIND="127.0.0.1:$port"
export RUST_LOG="${RUST_LOG:-warn}"
admin_password="browser test password"
COMMONPLACE_PASSWORD="$admin_password" target/debug/commonplace admin create-user root --admin \
  --display-name "Rosa Admin" >/dev/null
target/debug/commonplace >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do
  curl -fs "http://localhost:$port/api/v1/instance" >/dev/null 2>&1 && break
  sleep 0.1
done

if ! node tests/browser/flows.mjs "http://localhost:$port" root "$admin_password"; then
  echo "--- server log"; tail -n 50 "$work/server.log"
  exit 1
fi
