"""FastAPI with wsgi_cors.asgi: an API for one front end, and a WebSocket only it may open.

Run it (binds 127.0.0.1 only):

    pip install fastapi uvicorn && uvicorn examples.fastapi_app:app --host 127.0.0.1 --port 8000

Then, from a page on https://app.example.com, ``fetch("http://127.0.0.1:8000/api/items",
{credentials: "include"})`` is allowed, and ``new WebSocket("ws://127.0.0.1:8000/ws")``
connects; from any other site the browser hides the response and the WebSocket is refused.
"""

from __future__ import annotations

from typing import Dict, List

from fastapi import FastAPI, WebSocket

from wsgi_cors.asgi import CORSMiddleware

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    origins=["https://app.example.com"],
    supports_credentials=True,
    allow_headers=["Content-Type", "Authorization"],
    expose_headers=["X-Total-Count"],
    max_age=600,
    check_websocket_origin=True,
)


@app.get("/api/items")
def items() -> List[Dict[str, str]]:
    return [{"name": "first"}]


@app.websocket("/ws")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()
