#!/usr/bin/env bash
# Commonplace behind a real nginx, configured with deploy/commonplace-proxy.conf (plain http
# here; the TLS site deploy/nginx.conf is checked with `nginx -t`). Two instances: alpha behind
# nginx, beta reached directly. A member of beta joins a group of alpha, so a signed Follow
# goes through the proxy to alpha's inbox and the Accept comes back. Then again with nginx's
# bare `proxy_pass`, which passes on the upstream's name as Host: deliveries, whose signatures
# cover Host (as Mastodon's do), must still be taken, and alpha must say in its log that the Host
# was wrong.
# Needs nginx and openssl (.ci/run installs Debian's packages) and python3. Fails if any step fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

for tool in nginx openssl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed"; exit 1; }
done
cargo build --quiet

work=$(mktemp -d)
pids=()
cleanup() {
  if [ -f "$work/nginx.pid" ]; then kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
logs() {
  for f in alpha.log beta.log nginx-error.log; do
    echo "--- $f"
    tail -n 40 "$work/$f" 2>/dev/null || true
  done
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for() {
  python3 - "$1" <<'PY'
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(f"{sys.argv[1]}/api/v1/instance", timeout=1)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit(f"{sys.argv[1]} did not answer")
PY
}

# The TLS example parses, with a throw-away certificate in place of the real one.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=community.example.org \
  -keyout "$work/privkey.pem" -out "$work/fullchain.pem" 2>/dev/null
sed -e "s#/etc/letsencrypt/live/community.example.org#$work#" \
    -e "s#/etc/nginx/snippets/commonplace-proxy.conf#$repo/deploy/commonplace-proxy.conf#" \
    deploy/nginx.conf >"$work/site.conf"
printf 'pid %s/tls.pid;\nerror_log %s/tls-error.log;\nevents {}\nhttp {\n  include %s/site.conf;\n}\n' \
  "$work" "$work" "$work" >"$work/tls-test.conf"
nginx -t -q -p "$work" -c "$work/tls-test.conf"
echo "ok: deploy/nginx.conf passes nginx -t"

proxy_port=$(free_port)
alpha_port=$(free_port)
beta_port=$(free_port)
alpha_domain="alpha.localhost:$proxy_port"
export RUST_LOG="${RUST_LOG:-warn}"

COMMONPLACE_DOMAIN="$alpha_domain" COMMONPLACE_BIND="127.0.0.1:$alpha_port" \
  COMMONPLACE_DATABASE_URL="sqlite://$work/alpha.db" COMMONPLACE_TRUSTED_PROXIES="127.0.0.1" \
  COMMONPLACE_DELIVERY_RETRY_SECONDS=1 target/debug/commonplace >"$work/alpha.log" 2>&1 &
pids+=($!)
COMMONPLACE_DOMAIN="beta.localhost:$beta_port" COMMONPLACE_BIND="127.0.0.1:$beta_port" \
  COMMONPLACE_DATABASE_URL="sqlite://$work/beta.db" \
  COMMONPLACE_DELIVERY_RETRY_SECONDS=1 target/debug/commonplace >"$work/beta.log" 2>&1 &
pids+=($!)

# $1: what the server block takes in, the deploy/ snippet or a bare proxy_pass.
nginx_conf() {
  mkdir -p "$work/temp"
  chmod 777 "$work/temp"
  cat >"$work/nginx.conf" <<NGINX
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events {}
http {
  access_log $work/nginx-access.log;
  client_body_temp_path $work/temp/body;
  proxy_temp_path $work/temp/proxy;
  upstream commonplace {
    server 127.0.0.1:$alpha_port;
    keepalive 32;
    keepalive_timeout 20s;
  }
  server {
    listen 127.0.0.1:$proxy_port;
    $1
  }
}
NGINX
}

nginx_conf "include $repo/deploy/commonplace-proxy.conf;"
nginx -p "$work" -c "$work/nginx.conf"
wait_for "http://127.0.0.1:$beta_port"
wait_for "http://127.0.0.1:$proxy_port"

if ! python3 tests/proxy/federate.py "http://127.0.0.1:$proxy_port" \
    "http://127.0.0.1:$beta_port" "$alpha_domain" design; then
  logs
  exit 1
fi

# nginx's default: Host becomes the upstream's name ("commonplace"), no X-Forwarded-For.
nginx_conf "location / { proxy_pass http://commonplace; }"
nginx -p "$work" -c "$work/nginx.conf" -s reload 2>/dev/null
sleep 1
if ! python3 tests/proxy/federate.py "http://127.0.0.1:$proxy_port" \
    "http://127.0.0.1:$beta_port" "$alpha_domain" ops; then
  logs
  exit 1
fi
grep -q "Host header other than our domain" "$work/alpha.log" || {
  echo "alpha did not warn about the rewritten Host"
  logs
  exit 1
}
echo "ok: with a bare proxy_pass too, and alpha warned about the Host it got"
