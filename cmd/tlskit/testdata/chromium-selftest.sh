#!/usr/bin/env bash
# Runs inside `unshare -n`: a network namespace with only loopback. Starts
# tlskit serve (TLSKIT, PROTO, MODE, WSPATH from the environment), loads its
# page in headless Chromium with ?selftest=3, prints the DOM to stdout and
# stops the server with SIGINT; exits with the server's status.
set -euo pipefail
ip link set lo up
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$TLSKIT" serve --proto "$PROTO" --mode "$MODE" --path "$WSPATH" --listen 127.0.0.1:0 >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do
  [ -n "$(head -1 "$work/out")" ] && break
  sleep 0.1
done
url=$(head -1 "$work/out")
if [ -z "$url" ]; then
  echo "tlskit serve printed no URL" >&2; cat "$work/err" >&2; kill "$pid"; exit 1
fi
hostport=${url#*://}; hostport=${hostport%%/*}
page="http://$hostport/?selftest=3"
[ "$PROTO" = wss ] && page="https://$hostport/?selftest=3"
echo "page: $page" >&2
timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --ignore-certificate-errors --virtual-time-budget=15000 \
  --dump-dom "$page" 2>"$work/chromium.err" || { echo "chromium failed:" >&2; tail -20 "$work/chromium.err" >&2; }
kill -INT "$pid"
status=0
wait "$pid" || status=$?
cat "$work/err" >&2
exit "$status"
