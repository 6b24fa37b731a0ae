"""A local stand-in for the Stripe API, speaking its wire format.

Requests arrive form-encoded (``line_items[0][price]=...``) with ``Authorization: Bearer
<secret key>``; answers are JSON objects carrying ``"object"`` and ids with Stripe's
prefixes; errors are ``{"error": {"type", "code", "message"}}`` with Stripe's statuses.
Webhook payloads are signed as Stripe signs them: ``Stripe-Signature: t=<ts>,v1=<hex
HMAC-SHA256 of "<ts>.<payload>">``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time

from werkzeug import Request, Response

SECRET_KEY = "sk_test_fake_51Billing"
WEBHOOK_SECRET = "whsec_fake_billing_secret"

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_{next(_ids):06d}Fake"


def unflatten(form) -> dict:
    """``a[b][0][c]=x`` (Stripe's form encoding) back into nested dicts and lists."""
    root: dict = {}
    for key, value in form.items(multi=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part, _nxt in itertools.pairwise(parts):
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def lists(node):
        if isinstance(node, dict):
            if node and all(k.isdigit() for k in node):
                return [lists(node[k]) for k in sorted(node, key=int)]
            return {k: lists(v) for k, v in node.items()}
        return node

    return lists(root)


def error(status: int, type_: str, message: str, code: str | None = None, param=None):
    body = {"error": {"type": type_, "message": message}}
    if code:
        body["error"]["code"] = code
    if param:
        body["error"]["param"] = param
    return Response(json.dumps(body), status=status, content_type="application/json")


def ok(obj: dict, status: int = 200):
    return Response(json.dumps(obj), status=status, content_type="application/json")


class FakeStripe:
    def __init__(self, httpserver):
        self.server = httpserver
        self.customers: dict[str, dict] = {}
        self.sessions: dict[str, dict] = {}
        self.subscriptions: dict[str, dict] = {}
        self.invoices: list[dict] = []
        self.requests: list[tuple[str, str, dict]] = []
        self.down = False
        # Paths (prefixes) that answer Stripe's 500 while the rest work.
        self.failing: set[str] = set()
        httpserver.expect_request(re.compile(r"^/v1/.*")).respond_with_handler(self.handle)

    @property
    def base(self) -> str:
        return self.server.url_for("").rstrip("/")

    def calls(self, method: str, path_prefix: str) -> list[dict]:
        return [p for m, path, p in self.requests if m == method and path.startswith(path_prefix)]

    # -- The HTTP side ------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        params = unflatten(request.form) if request.method == "POST" else unflatten(request.args)
        self.requests.append((request.method, request.path, params))
        if self.down or any(request.path.startswith(p) for p in self.failing):
            return error(500, "api_error", "An unknown error occurred.")
        if request.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
            return error(401, "invalid_request_error", "Invalid API Key provided: sk_****")
        route = (request.method, request.path)
        if route == ("POST", "/v1/customers"):
            return ok(self._customer(params))
        if route == ("POST", "/v1/checkout/sessions"):
            return self._checkout(params)
        if route == ("POST", "/v1/billing_portal/sessions"):
            return self._portal(params)
        if route == ("GET", "/v1/invoices"):
            return self._invoices(params)
        match = re.fullmatch(r"/v1/subscriptions/([^/]+)", request.path)
        if request.method == "GET" and match:
            sub = self.subscriptions.get(match[1])
            if sub is None:
                return error(
                    404,
                    "invalid_request_error",
                    f"No such subscription: '{match[1]}'",
                    code="resource_missing",
                    param="id",
                )
            return ok(sub)
        return error(404, "invalid_request_error", f"Unrecognized request URL ({request.path}).")

    def _customer(self, params) -> dict:
        customer = {
            "id": new_id("cus"),
            "object": "customer",
            "created": int(time.time()),
            "email": params.get("email"),
            "name": params.get("name"),
            "metadata": params.get("metadata", {}),
            "livemode": False,
        }
        self.customers[customer["id"]] = customer
        return customer

    def _checkout(self, params):
        if params.get("customer") not in self.customers:
            return error(
                400,
                "invalid_request_error",
                f"No such customer: '{params.get('customer')}'",
                code="resource_missing",
                param="customer",
            )
        price = params["line_items"][0]["price"]
        if not price.startswith("price_"):
            return error(
                400,
                "invalid_request_error",
                f"No such price: '{price}'",
                code="resource_missing",
                param="line_items[0][price]",
            )
        session_id = new_id("cs_test")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode"),
            "customer": params["customer"],
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "status": "open",
            "payment_status": "unpaid",
            "subscription": None,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "livemode": False,
        }
        self.sessions[session_id] = {**session, "_params": params}
        return ok(session)

    def _portal(self, params):
        if params.get("customer") not in self.customers:
            return error(
                400,
                "invalid_request_error",
                f"No such customer: '{params.get('customer')}'",
                code="resource_missing",
                param="customer",
            )
        sid = new_id("bps")
        return ok(
            {
                "id": sid,
                "object": "billing_portal.session",
                "customer": params["customer"],
                "return_url": params.get("return_url"),
                "url": f"https://billing.stripe.com/p/session/{sid}",
                "livemode": False,
            }
        )

    def _invoices(self, params):
        data = [i for i in self.invoices if i["customer"] == params.get("customer")]
        return ok({"object": "list", "data": data, "has_more": False, "url": "/v1/invoices"})

    # -- What happens in Stripe between requests ----------------------------------------
    def complete_checkout(self, session_id: str, *, status: str | None = None) -> dict:
        """The person paid (or started a trial): a subscription now exists."""
        session = self.sessions[session_id]
        params = session["_params"]
        price = params["line_items"][0]["price"]
        sub_data = params.get("subscription_data", {})
        trial = sub_data.get("trial_period_days")
        sub = self.put_subscription(
            customer=session["customer"],
            price=price,
            status=status or ("trialing" if trial else "active"),
            metadata=sub_data.get("metadata", {}),
            trial_days=int(trial) if trial else 0,
        )
        session.update(status="complete", payment_status="paid", subscription=sub["id"])
        return {k: v for k, v in session.items() if k != "_params"}

    def put_subscription(
        self,
        *,
        customer: str,
        price: str,
        status: str = "active",
        sub_id: str | None = None,
        interval: str = "month",
        metadata: dict | None = None,
        trial_days: int = 0,
        cancel_at_period_end: bool = False,
    ) -> dict:
        now = int(time.time())
        sub_id = sub_id or new_id("sub")
        period_end = now + (365 if interval == "year" else 30) * 86400
        sub = {
            "id": sub_id,
            "object": "subscription",
            "customer": customer,
            "status": status,
            "cancel_at_period_end": cancel_at_period_end,
            "canceled_at": now if status == "canceled" else None,
            "created": now,
            "start_date": now,
            "trial_end": now + trial_days * 86400 if trial_days else None,
            "metadata": metadata or {},
            "livemode": False,
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": new_id("si"),
                        "object": "subscription_item",
                        "current_period_start": now,
                        "current_period_end": period_end,
                        "quantity": 1,
                        "price": {
                            "id": price,
                            "object": "price",
                            "active": True,
                            "currency": "usd",
                            "type": "recurring",
                            "recurring": {"interval": interval, "interval_count": 1},
                        },
                    }
                ],
                "has_more": False,
                "url": f"/v1/subscription_items?subscription={sub_id}",
            },
        }
        self.subscriptions[sub_id] = sub
        return sub

    def add_invoice(self, *, customer: str, subscription: str, total: int, status: str = "paid"):
        number = f"FAKE-{len(self.invoices) + 1:04d}"
        iid = new_id("in")
        invoice = {
            "id": iid,
            "object": "invoice",
            "customer": customer,
            "number": number,
            "created": int(time.time()),
            "total": total,
            "amount_due": total,
            "currency": "usd",
            "status": status,
            "hosted_invoice_url": f"https://invoice.stripe.com/i/{iid}",
            "invoice_pdf": f"https://pay.stripe.com/invoice/{iid}/pdf",
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": subscription, "metadata": {}},
            },
            "livemode": False,
        }
        self.invoices.insert(0, invoice)
        return invoice


def event(type_: str, obj: dict, *, event_id: str | None = None, created: int | None = None):
    return {
        "id": event_id or new_id("evt"),
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": created or int(time.time()),
        "type": type_,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": obj},
    }


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
