// A chat client on Node's ws (the package pinned in ws/testdata/node), as
// the README's chat example is used from Node:
//   node chat_client.js URL TEXT
// It offers the subprotocol "chat", prints "protocol P" once open, sends
// TEXT, prints every message received until its own comes back as
// "ID: TEXT", then closes with 1000 and prints "closed CODE".
'use strict';
const path = require('path');
const WebSocket = require(path.join(__dirname, '..', '..', '..', 'ws', 'testdata', 'node', 'node_modules', 'ws'));

const [url, text] = process.argv.slice(2);
const ws = new WebSocket(url, ['chat'], { rejectUnauthorized: false });
ws.on('open', () => {
  console.log('protocol ' + ws.protocol);
  ws.send(text);
});
ws.on('message', (data) => {
  const msg = data.toString();
  console.log(msg);
  if (msg.endsWith(': ' + text)) ws.close(1000);
});
ws.on('close', (code) => console.log('closed ' + code));
ws.on('error', (e) => { console.error('error ' + e.message); process.exit(1); });
