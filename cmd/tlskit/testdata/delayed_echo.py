"""A WebSocket echo server (Python websockets) that answers each message
after a delay: python3 delayed_echo.py DELAY_SECONDS. It listens on a port
of 127.0.0.1 that the system picks and prints "listening PORT"."""
import asyncio
import sys

import websockets


async def main():
    delay = float(sys.argv[1])

    async def echo(ws, *path):
        async for msg in ws:
            await asyncio.sleep(delay)
            await ws.send(msg)

    async with websockets.serve(echo, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        print("listening", port, flush=True)
        await asyncio.Future()


asyncio.run(main())
