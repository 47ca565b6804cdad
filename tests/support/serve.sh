# Sourced by the scripts that drive a running server (tests/clients, tests/browser): builds the
# debug binary, starts it on a free loopback port with a fresh SQLite file in a temporary folder,
# waits until it answers, and stops it and removes the folder on exit.
# Sets: work (the folder), port, base (http://localhost:PORT), server_pid.
# Run `before_start` first if it is defined (to create accounts on the fresh database).

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --quiet
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://localhost:$port"
export COMMONPLACE_DATABASE_URL="sqlite://$work/commonplace.db"
export COMMONPLACE_DOMAIN="localhost:$port"
export COMMONPLACE_BIND="127.0.0.1:$port"
export RUST_LOG="${RUST_LOG:-warn}"
if declare -F before_start >/dev/null; then before_start; fi
target/debug/commonplace >"$work/server.log" 2>&1 &
server_pid=$!
python3 - "$base" <<'PY'
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(f"{sys.argv[1]}/api/v1/instance", timeout=1)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("the server did not start")
PY

# Prints the end of the server's log; for a failing run.
server_log() {
  echo "--- server log"
  tail -n 50 "$work/server.log"
}
