#!/usr/bin/env bash
# The web interface in a real browser: starts a server (tests/support/serve.sh) with an
# administrator made by the CLI, and runs flows.mjs (playwright-core driving Debian's chromium,
# axe-core inside it). Needs chromium (Debian package), Node.js and npm.
set -euo pipefail
cd "$(dirname "$0")/../.."

(cd tests/browser && npm ci --silent --no-audit --no-fund)
admin_password="browser test password"
before_start() {
  COMMONPLACE_PASSWORD="$admin_password" target/debug/commonplace admin create-user root --admin \
    --display-name "Rosa Admin" >/dev/null
}
source tests/support/serve.sh

if ! node tests/browser/flows.mjs "$base" root "$admin_password"; then
  server_log
  exit 1
fi
