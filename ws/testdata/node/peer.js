// Node ws peer for tlskit's interop tests.
//   node peer.js client URL deflate|plain   run the client checks against URL, print "PASS" or fail
//   node peer.js server deflate|plain       echo server on 127.0.0.1:0; prints "PORT n", then
//                                           "CLOSE code reason" for every closed connection
'use strict';
const WebSocket = require('ws');
const crypto = require('crypto');

const [mode, a1, a2] = process.argv.slice(2);

function fail(msg) {
  console.error('FAIL ' + msg);
  process.exit(1);
}

if (mode === 'server') {
  const wss = new WebSocket.Server({ host: '127.0.0.1', port: 0, perMessageDeflate: a1 === 'deflate', maxPayload: 64 << 20 });
  wss.on('listening', () => console.log('PORT ' + wss.address().port));
  wss.on('connection', (ws, req) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('close', (code, reason) => console.log('CLOSE ' + code + ' ' + reason.toString()));
  });
  process.stdin.on('end', () => { wss.close(); process.exit(0); });
  process.stdin.resume();
} else if (mode === 'client') {
  client(a1, a2 === 'deflate').catch((e) => fail(e.stack || String(e)));
} else {
  fail('usage: peer.js client URL deflate|plain | server deflate|plain');
}

async function client(url, deflate) {
  const ws = new WebSocket(url, ['echo'], { perMessageDeflate: deflate, maxPayload: 64 << 20 });
  const queue = [];
  let waiter = null;
  ws.on('message', (data, isBinary) => {
    queue.push({ data, isBinary });
    if (waiter) { const w = waiter; waiter = null; w(); }
  });
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  const ext = ws.extensions || '';
  if (deflate !== ext.includes('permessage-deflate')) fail('extensions ' + JSON.stringify(ext));
  if (ws.protocol !== 'echo') fail('protocol ' + JSON.stringify(ws.protocol));
  const next = async () => {
    while (queue.length === 0) await new Promise((res) => { waiter = res; });
    return queue.shift();
  };
  const sizes = [0, 1, 125, 126, 65535, 65536, 1 << 20, 16 << 20];
  for (const size of sizes) {
    for (const binary of [false, true]) {
      const buf = binary ? crypto.randomBytes(size) : Buffer.from('é'.repeat(size >> 1) + 'x'.repeat(size & 1));
      ws.send(buf, { binary });
      const m = await next();
      if (m.isBinary !== binary || !m.data.equals(buf)) fail('echo of ' + size + ' bytes binary=' + binary);
    }
  }
  // Fragmented sends: one message over several frames.
  for (const binary of [false, true]) {
    const parts = [Buffer.from('frag-'), Buffer.from('mented-'), Buffer.from('message')];
    parts.forEach((p, i) => ws.send(p, { binary, fin: i === parts.length - 1 }));
    const m = await next();
    if (!m.data.equals(Buffer.concat(parts)) || m.isBinary !== binary) fail('fragmented echo binary=' + binary);
  }
  // Ping gets a pong with the same payload.
  const pong = new Promise((res) => ws.once('pong', res));
  ws.ping(Buffer.from('node-ping'));
  const p = await pong;
  if (p.toString() !== 'node-ping') fail('pong payload ' + p);
  // Close handshake: our code comes back.
  const closed = new Promise((res) => ws.once('close', (code, reason) => res({ code, reason: reason.toString() })));
  ws.close(4000, 'node done');
  const c = await closed;
  if (c.code !== 4000) fail('close code ' + c.code);
  console.log('PASS');
}
