#!/usr/bin/env bash
# Echo throughput and the server's CPU time per echoed message, for the
# servers named (see `go run ./cmd/echoserver -list`), one after the other:
#   cd bench && ./echo-cpu.sh tlskit-ws-epoll gws nbio
# Each server gets `tlskit bench` with 200 connections × 1 KiB for 6 s
# (CONNS, SIZE, DURATION override; SCHEME=wss for TLS servers). CPU is
# utime+stime from /proc/PID/stat over the run, divided by the messages
# echoed: unlike msg/s it hardly depends on how much CPU the load client,
# on the same cores, leaves to the server.
set -euo pipefail
cd "$(dirname "$0")"
conns=${CONNS:-200} size=${SIZE:-1024} duration=${DURATION:-6s} scheme=${SCHEME:-ws}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/echoserver" ./cmd/echoserver
(cd .. && go build -o "$bin/tlskit" ./cmd/tlskit)
extra=()
[ "$scheme" = wss ] && extra=(--insecure)
tick=$(getconf CLK_TCK)
for impl in "$@"; do
  "$bin/echoserver" -impl "$impl" -addr 127.0.0.1:9411 >"$bin/server.log" 2>&1 &
  pid=$!
  sleep 1
  t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  out=$("$bin/tlskit" bench "$scheme://127.0.0.1:9411/" --conns "$conns" --size "$size" --duration "$duration" "${extra[@]}" 2>&1) || true
  t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  msgs=$(awk '/^messages/ {print $2}' <<<"$out")
  rate=$(awk '/^throughput/ {print $2}' <<<"$out")
  errs=$(awk '/^errors/ {$1=""; print}' <<<"$out")
  awk -v i="$impl" -v r="$rate" -v m="$msgs" -v c=$((t1 - t0)) -v hz="$tick" -v e="$errs" \
    'BEGIN { printf "%-20s %8s msg/s  server CPU %.2f µs/msg  errors:%s\n", i, r, c / hz * 1e6 / m, e }'
done
