"""A chat client on Python websockets (Debian's python3-websockets), as the
README's chat example is used from Python:
    python3 chat_client.py URL TEXT
It offers the subprotocol "chat", prints "protocol P" once open, sends TEXT,
prints every message received until its own comes back as "ID: TEXT", then
closes with 1000 and prints "closed CODE"."""
import asyncio
import ssl
import sys

import websockets


async def main():
    url, text = sys.argv[1], sys.argv[2]
    ctx = None
    if url.startswith("wss://"):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    async with websockets.connect(url, subprotocols=["chat"], ssl=ctx) as ws:
        print("protocol", ws.subprotocol, flush=True)
        await ws.send(text)
        async for msg in ws:
            print(msg, flush=True)
            if msg.endswith(": " + text):
                break
    print("closed", ws.close_code, flush=True)


asyncio.run(main())
