"""A tiny Nostr relay for tests: checks each event's id and BIP-340 signature on its own
(independently of the provider's code), stores events, answers REQ, serves NIP-11, and can
be told to reject, stay silent or drop the connection."""

from __future__ import annotations

import hashlib
import json
import threading
from http import HTTPStatus

from coincurve import PublicKeyXOnly
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve


def valid(event: dict) -> bool:
    serial = json.dumps(
        [0, event["pubkey"], event["created_at"], event["kind"], event["tags"], event["content"]],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    if hashlib.sha256(serial).hexdigest() != event["id"]:
        return False
    return PublicKeyXOnly(bytes.fromhex(event["pubkey"])).verify(
        bytes.fromhex(event["sig"]), bytes.fromhex(event["id"])
    )


def matches(event: dict, flt: dict) -> bool:
    if "ids" in flt and event["id"] not in flt["ids"]:
        return False
    if "kinds" in flt and event["kind"] not in flt["kinds"]:
        return False
    return not ("authors" in flt and event["pubkey"] not in flt["authors"])


class Relay:
    def __init__(self, nip11: dict | None = None):
        self.mode = "ok"  # ok | reject | silent | close
        self.reject_with = ""
        self.events: dict[str, dict] = {}
        self.received: list[dict] = []
        self.requests: list[list] = []
        self.nip11 = nip11
        # Called with each EVENT as it arrives, before the relay answers it.
        self.before_event = None
        self.server = serve(
            self.handle, "127.0.0.1", 0, process_request=self.process_request, compression=None
        )
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def process_request(self, connection, request):
        if request.headers.get("Accept") == "application/nostr+json":
            if self.nip11 is None:
                return connection.respond(HTTPStatus.NOT_FOUND, "no relay document\n")
            response = connection.respond(HTTPStatus.OK, json.dumps(self.nip11))
            response.headers["Content-Type"] = "application/nostr+json"
            return response
        return None

    def handle(self, ws):
        try:
            for raw in ws:
                message = json.loads(raw)
                if message[0] == "EVENT":
                    self.on_event(ws, message[1])
                elif message[0] == "REQ":
                    self.requests.append(message)
                    for flt in message[2:]:
                        for event in self.events.values():
                            if matches(event, flt):
                                ws.send(json.dumps(["EVENT", message[1], event]))
                    ws.send(json.dumps(["EOSE", message[1]]))
        except ConnectionClosed:
            pass

    def on_event(self, ws, event):
        self.received.append(event)
        if self.before_event is not None:
            self.before_event(event)
        if self.mode == "close":
            self.events[event["id"]] = event
            ws.close()
            return
        if self.mode == "silent":
            self.events[event["id"]] = event  # stored, but the OK never comes
            return
        if self.mode == "reject":
            ws.send(json.dumps(["OK", event["id"], False, self.reject_with]))
            return
        if not valid(event):
            # As nostr-relay does: the refusal of a bad event names no id.
            ws.send(json.dumps(["OK", "", False, "invalid: Bad signature"]))
        elif event["id"] in self.events:
            ws.send(json.dumps(["OK", event["id"], True, "duplicate: already have this event"]))
        else:
            self.events[event["id"]] = event
            ws.send(json.dumps(["OK", event["id"], True, ""]))

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)
