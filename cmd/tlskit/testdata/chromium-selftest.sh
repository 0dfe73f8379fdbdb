#!/usr/bin/env bash
# Runs inside `unshare -n`: a network namespace with only loopback. Starts
# tlskit serve (TLSKIT, PROTO, MODE, WSPATH and ENGINE, if set, from the environment), loads its
# page in headless Chromium with ?selftest=3, prints the DOM to stdout once
# the page has written its result, and stops the server with SIGINT; exits
# with the server's status.
set -euo pipefail
ip link set lo up
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$TLSKIT" serve --proto "$PROTO" --mode "$MODE" --path "$WSPATH" --listen 127.0.0.1:0 ${ENGINE:+--engine "$ENGINE"} >"$work/out" 2>"$work/err" &
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
# Chromium shows the page with its DevTools port open; the test binary
# (TLSKIT in TLSKIT_TEST_CDP_PORT mode) waits in real time for the page's
# result and prints its DOM.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --ignore-certificate-errors \
  --remote-debugging-address=127.0.0.1 --remote-debugging-port=0 \
  "$page" 2>"$work/chromium.err" &
chrome=$!
port=""
for _ in $(seq 300); do
  if [ -s "$work/profile/DevToolsActivePort" ]; then port=$(head -1 "$work/profile/DevToolsActivePort"); break; fi
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "chromium opened no DevTools port:" >&2; tail -20 "$work/chromium.err" >&2
else
  TLSKIT_TEST_CDP_PORT=$port "$TLSKIT" || { echo "the DevTools driver failed; chromium said:" >&2; tail -20 "$work/chromium.err" >&2; }
fi
kill "$chrome" 2>/dev/null || true
wait "$chrome" 2>/dev/null || true
kill -INT "$pid"
status=0
wait "$pid" || status=$?
cat "$work/err" >&2
exit "$status"
