"""The Postiz-compatible surface in the OpenAPI document.

Its views are plain Django views behind one transport (``transport.compat_view``), which
drf-spectacular cannot see, so they are described here from the contract (spec 2.5-2.7):
one row per route, with its scope, body and answer. ``add_compat_routes`` is a
postprocessing hook that adds them to the generated document under their own tag.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TAG = "Postiz-compatible /public/v1"
PREFIX = "/public/v1"
SCHEME = "compatKey"


# -- Schema building blocks --------------------------------------------------------------
def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: dict | None = None, optional: dict | None = None, **extra) -> dict:
    required, optional = required or {}, optional or {}
    schema = {"type": "object", "properties": {**required, **optional}, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def _list(items: dict) -> dict:
    return {"type": "array", "items": items}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
TS = {"type": "string", "format": "date-time", "example": "2030-01-15T12:00:00.000Z"}
MSG = _ref("CompatMessage")
ORG_ID = {
    "type": "string",
    "format": "uuid",
    "description": "The organization's public id (the same in every body of both APIs).",
}

SCHEMAS = {
    "CompatMessage": _obj({"msg": STR}),
    "CompatValidationError": _obj(
        {"statusCode": INT, "message": _list(STR), "error": STR},
    ),
    "CompatIntegration": _obj(
        {
            "id": STR,
            "name": STR,
            "identifier": STR,
            "picture": _nullable(STR),
            "disabled": BOOL,
            "profile": _nullable(STR),
        },
        {"customer": _obj({"id": STR, "name": STR})},
    ),
    "CompatMedia": _obj(
        {
            "id": STR,
            "name": STR,
            "originalName": _nullable(STR),
            "path": STR,
            "thumbnail": _nullable(STR),
            "alt": _nullable(STR),
            "type": {"type": "string", "enum": ["image", "video"]},
            "fileSize": INT,
            "organizationId": ORG_ID,
            "createdAt": TS,
            "updatedAt": TS,
        }
    ),
    "CompatTag": _obj(
        {
            "id": STR,
            "name": STR,
            "color": STR,
            "orgId": ORG_ID,
            "deletedAt": _nullable(TS),
            "createdAt": _nullable(TS),
            "updatedAt": _nullable(TS),
        }
    ),
    "CompatPost": _obj(
        {
            "id": STR,
            "group": STR,
            "content": STR,
            "publishDate": {**TS, "description": "The time the post was asked for."},
            "state": {"type": "string", "enum": ["QUEUE", "PUBLISHED", "ERROR", "DRAFT"]},
            "releaseId": _nullable(
                {
                    "type": "string",
                    "description": "The post's id on the network; `missing` when it went "
                    "out (or may have) without the network giving it "
                    "(PUT /posts/{id}/release-id sets it).",
                }
            ),
            "releaseURL": _nullable(STR),
            "intervalInDays": _nullable(INT),
            "creationMethod": STR,
            "settings": {"type": "string", "description": "A JSON-encoded object."},
            "tags": _list(_obj({"tag": _ref("CompatTag")})),
            "integration": _obj(
                {"id": STR, "providerIdentifier": STR, "name": STR, "picture": _nullable(STR)}
            ),
        },
        {"actualDate": TS},
    ),
    "CompatAnalytics": _list(
        _obj(
            {
                "label": STR,
                "data": _list(_obj({"total": STR, "date": {"type": "string", "format": "date"}})),
                "percentageChange": {"type": "number"},
            }
        )
    ),
    "CompatTool": _obj(
        {
            "methodName": STR,
            "description": STR,
            "dataSchema": _list(
                _obj(
                    {
                        "key": STR,
                        "type": {"type": "string", "enum": ["string", "number", "boolean"]},
                        "description": STR,
                    }
                )
            ),
        }
    ),
    "CompatPostsCreate": _obj(
        {
            "type": {"type": "string", "enum": ["draft", "schedule", "now", "update"]},
            "posts": _list(
                _obj(
                    {
                        "integration": _obj({"id": STR}),
                        "value": _list(
                            _obj(
                                {"content": STR},
                                {
                                    "id": STR,
                                    "delay": {"type": "integer", "minimum": 0},
                                    "image": _list(
                                        _obj(
                                            {"id": STR, "path": STR},
                                            {"alt": STR, "thumbnail": STR},
                                        )
                                    ),
                                },
                            )
                        ),
                    },
                    {"group": STR, "settings": _obj(optional={"__type": STR})},
                )
            ),
        },
        {
            "date": TS,
            "shortLink": BOOL,
            "tags": _list(_obj({"value": STR, "label": STR})),
            "order": STR,
            "inter": {"type": "integer", "minimum": 1},
            "republish": BOOL,
            "creationMethod": {"type": "string", "enum": ["API", "CLI"]},
        },
    ),
}

ANALYTICS_DAYS = {
    "name": "date",
    "in": "query",
    "required": False,
    "description": "Days to cover, 1-365 (default 7).",
    "schema": {"type": "string", "pattern": "^[0-9]{1,3}$"},
}


@dataclass(frozen=True)
class CompatRoute:
    method: str
    path: str  # under PREFIX, with {name} parameters
    scope: str | None  # None: any valid key
    summary: str
    answer: dict  # the success body
    body: dict | None = None  # a JSON request body
    query: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)  # other statuses → body schema
    content_type: str = "application/json"
    notes: str = ""  # more than the summary says, for the operation's description

    @property
    def status(self) -> str:
        return "201" if self.method == "POST" else "200"


NOT_FOUND = {"404": MSG}
ROUTES = (
    CompatRoute("GET", "/is-connected", None, "Check the API key", _obj({"connected": BOOL})),
    CompatRoute(
        "GET",
        "/integrations",
        "channels:read",
        "List channels",
        _list(_ref("CompatIntegration")),
        query=[
            {
                "name": "group",
                "in": "query",
                "required": False,
                "schema": STR,
                "description": "Only this customer's channels (an id from /groups).",
            }
        ],
        errors={"404": MSG},
        notes="A `group` that is not one of the organization's customers, whatever its "
        "form, is 404 `Customer not found`.",
    ),
    CompatRoute(
        "DELETE",
        "/integrations/{id}",
        "channels:write",
        "Remove a channel (its unpublished posts are deleted)",
        {"allOf": [_ref("CompatIntegration"), _obj({"deletedAt": TS})]},
        errors=NOT_FOUND,
    ),
    CompatRoute(
        "GET", "/groups", "channels:read", "List customers", _list(_obj({"id": STR, "name": STR}))
    ),
    CompatRoute(
        "GET",
        "/social/{provider}",
        "channels:write",
        "The sign-in address that connects a channel of this network",
        _obj({"url": STR}),
        query=[
            {
                "name": "refresh",
                "in": "query",
                "required": False,
                "schema": STR,
                "description": "Reconnect this channel (not counted against the plan).",
            },
            {
                "name": "instance",
                "in": "query",
                "required": False,
                "schema": STR,
                "description": "Mastodon: the server to sign in on (default mastodon.social).",
            },
        ],
        errors={"400": MSG, "402": MSG, **NOT_FOUND, "502": _obj({"msg": STR}, {"detail": STR})},
        notes="`url` is the network's own authorization address, to open in a browser; it "
        "works once, for POSTIZ_CONNECT_STATE_SECONDS, and its callback connects the "
        "channel to this key's organization for someone signed in here who may connect "
        "channels there. Networks connected with a form or a bot token (Bluesky, "
        "Telegram, Nostr, Lemmy, Discord webhooks) answer 400 `This integration cannot be "
        "connected through the public API`.",
    ),
    CompatRoute(
        "GET",
        "/integration-settings/{id}",
        "channels:read",
        "A channel's rules, length limit, settings schema and look-up tools",
        _obj(
            {
                "output": _obj(
                    {
                        "rules": STR,
                        "maxLength": INT,
                        "settings": {},
                        "tools": _list(_ref("CompatTool")),
                    }
                )
            }
        ),
        errors=NOT_FOUND,
    ),
    CompatRoute(
        "POST",
        "/integration-trigger/{id}",
        "channels:read",
        "Run one of a channel's look-up tools",
        _obj({"output": {}}),
        body=_obj({"methodName": STR}, {"data": {"type": "object"}}),
        errors={
            **NOT_FOUND,
            "409": MSG,
            "502": _obj({"msg": STR}, {"detail": STR}),
        },
        notes="The tools are those integration-settings lists; `data` holds the tool's "
        "inputs (its dataSchema) and the output is typically a list of `{id, name, ...}`. "
        "The channel's token is refreshed first when it has expired. 404 `Integration not "
        "found` or `Tool not found`; 400 for inputs that do not fit the dataSchema; 409 "
        "when the channel needs reconnecting; 502 when the network refused or failed "
        "(`detail` says what it answered).",
    ),
    CompatRoute(
        "POST",
        "/upload",
        "media:write",
        "Upload a file (JPEG, PNG, GIF, WebP or MP4; the type is read from the bytes)",
        _ref("CompatMedia"),
        body=_obj({"file": {"type": "string", "format": "binary"}}),
        content_type="multipart/form-data",
        errors={"400": MSG, "413": MSG},
    ),
    CompatRoute(
        "POST",
        "/upload-from-url",
        "media:write",
        "Import a file from a public https address",
        _ref("CompatMedia"),
        body=_obj({"url": STR}),
        errors={"400": MSG},
    ),
    CompatRoute(
        "GET",
        "/find-slot/{id}",
        "posts:read",
        "The channel's next free posting slot",
        _obj({"date": TS}),
        errors={**NOT_FOUND, "409": MSG},
    ),
    CompatRoute(
        "GET",
        "/posts",
        "posts:read",
        "Root posts published or due within a date range",
        _obj({"posts": _list(_ref("CompatPost"))}),
        query=[
            {"name": "startDate", "in": "query", "required": True, "schema": TS},
            {"name": "endDate", "in": "query", "required": True, "schema": TS},
            {
                "name": "customer",
                "in": "query",
                "required": False,
                "schema": STR,
                "description": "Only posts of this customer's channels (an id from /groups).",
            },
        ],
        errors={"404": MSG},
        notes="A `customer` that is not one of the organization's customers, whatever its "
        "form, is 404 `Customer not found`. `publishDate` is the time asked for; a post "
        "that went out without the network giving its id shows `releaseId` `missing`.",
    ),
    CompatRoute(
        "POST",
        "/posts",
        "posts:write",
        "Create, edit or re-time posts (one item per channel; throttled per organization)",
        _list(_obj({"postId": STR, "integration": STR, "group": STR})),
        body=_ref("CompatPostsCreate"),
        errors={"402": MSG, "422": MSG, "429": MSG},
    ),
    CompatRoute(
        "DELETE",
        "/posts/group/{group}",
        "posts:write",
        "Delete a group (every channel, every reply)",
        _obj({"deleted": BOOL, "group": STR, "count": INT}),
        errors={**NOT_FOUND, "409": MSG},
    ),
    CompatRoute(
        "DELETE",
        "/posts/{id}",
        "posts:write",
        "Delete the post's whole group",
        _obj({"deleted": BOOL, "id": STR, "group": STR}),
        errors={**NOT_FOUND, "409": MSG},
    ),
    CompatRoute(
        "PUT",
        "/posts/{id}/settings",
        "posts:write",
        "Merge provider settings into a draft or future post",
        _obj({"postId": STR, "publishDate": TS}),
        body=_obj({"settings": {"type": "object"}}),
        errors={"400": MSG, **NOT_FOUND},
    ),
    CompatRoute(
        "PUT",
        "/posts/{id}/status",
        "posts:write",
        "Move a post between draft and scheduled",
        _obj({"id": STR, "state": {"type": "string", "enum": ["DRAFT", "QUEUE"]}}),
        body=_obj({"status": {"type": "string", "enum": ["draft", "schedule"]}}),
        errors={"400": MSG, **NOT_FOUND},
    ),
    CompatRoute(
        "GET",
        "/posts/{id}/missing",
        "posts:read",
        "Recent network items that may be a post published without an id",
        _list(_obj({"id": STR, "url": STR})),
        errors=NOT_FOUND,
        notes="For a post whose `releaseId` is `missing` (it went out, or may have, without "
        "the network giving its id): the channel's newest posts there, to pick it from. "
        "`[]` for any other post, for networks that cannot list their posts, and when the "
        "network cannot be asked now.",
    ),
    CompatRoute(
        "PUT",
        "/posts/{id}/release-id",
        "posts:write",
        "Set the network id of a post published without one",
        {
            "allOf": [
                _ref("CompatPost"),
                _obj(
                    {
                        "organizationId": ORG_ID,
                        "integrationId": STR,
                        "parentPostId": _nullable(STR),
                        "error": _nullable(STR),
                        "createdAt": TS,
                        "updatedAt": TS,
                    }
                ),
            ]
        },
        body=_obj({"releaseId": STR}, {"releaseURL": STR}),
        errors={"400": MSG, **NOT_FOUND},
        notes="Only for a post whose `releaseId` is `missing`: an unconfirmed post (shown "
        "as ERROR) or one published without an id. It becomes PUBLISHED with this id "
        "(a pasted post address works too) and `releaseURL` (sent, else built from the id "
        "where the network allows); any other post is 400 `This post is not waiting for a "
        "release id`.",
    ),
    CompatRoute(
        "GET",
        "/analytics/post/{postId}",
        "analytics:read",
        "A post's analytics",
        {"anyOf": [_ref("CompatAnalytics"), _obj({"missing": BOOL})]},
        query=[ANALYTICS_DAYS],
        errors=NOT_FOUND,
    ),
    CompatRoute(
        "GET",
        "/analytics/{integration}",
        "analytics:read",
        "A channel's analytics",
        _ref("CompatAnalytics"),
        query=[ANALYTICS_DAYS],
        errors=NOT_FOUND,
    ),
    CompatRoute(
        "GET",
        "/notifications",
        None,
        "Notifications, newest first, 100 a page",
        _obj(
            {
                "notifications": _list(
                    _obj({"id": STR, "content": STR, "link": _nullable(STR), "createdAt": TS})
                ),
                "total": INT,
                "page": INT,
                "limit": INT,
                "hasMore": BOOL,
            }
        ),
        query=[{"name": "page", "in": "query", "required": False, "schema": {"type": "integer"}}],
    ),
    CompatRoute(
        "POST",
        "/generate-video",
        "media:write",
        "AI video generation (not available on this server)",
        _list(_obj({"id": STR, "path": STR})),
        body=_obj({"type": STR, "output": STR}, {"customParams": {"type": "object"}}),
        errors={"501": MSG},
    ),
    CompatRoute(
        "POST",
        "/video/function",
        "media:write",
        "Video generator functions (not available on this server)",
        _obj({"voices": _nullable(_list(_obj({"id": STR, "name": STR})))}),
        body=_obj({"identifier": STR, "functionName": STR}, {"params": {"type": "object"}}),
        errors={"501": MSG},
    ),
)

COMMON_ERRORS = {
    "400": ("Invalid request", _ref("CompatValidationError")),
    "401": ("No API key, or an unknown, revoked or expired one", MSG),
    "403": ("The key lacks the route's scope", MSG),
}


def _response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def operation(route: CompatRoute) -> dict:
    """The OpenAPI operation of one compatible route."""
    name = route.path.strip("/").replace("/", "_").replace("{", "").replace("}", "")
    parameters = [
        {"name": part[1:-1], "in": "path", "required": True, "schema": STR}
        for part in route.path.split("/")
        if part.startswith("{")
    ] + list(route.query)
    scope = route.scope or "any"
    responses = {route.status: _response("Success", route.answer)}
    for status, (description, schema) in COMMON_ERRORS.items():
        responses[status] = _response(description, schema)
    for status, schema in route.errors.items():
        if status == "400" and status in responses:
            schema = {"anyOf": [responses["400"]["content"]["application/json"]["schema"], schema]}
        responses[status] = _response(_ERROR_WORDS.get(status, "Refused"), schema)
    op = {
        "operationId": f"compat_{route.method.lower()}_{name}",
        "summary": route.summary,
        "description": f"Scope: `{scope}`. Also served under `/api/public/v1`."
        + (f"\n\n{route.notes}" if route.notes else ""),
        "tags": [TAG],
        "security": [{SCHEME: []}],
        "parameters": parameters,
        "responses": responses,
    }
    if route.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {route.content_type: {"schema": route.body}},
        }
    return op


_ERROR_WORDS = {
    "400": "Refused by a rule of this route",
    "402": "Over a plan limit",
    "404": "Not found (or another organization's)",
    "409": "Conflicts with the current state",
    "413": "Too large",
    "422": "Idempotency-Key reused with another body",
    "429": "Too many requests",
    "501": "Not available on this server",
    "502": "The network failed",
}


def add_compat_routes(result, generator, request, public):
    """drf-spectacular postprocessing hook: adds the compatible routes, their schemas,
    tag and key scheme to the generated document."""
    paths = result.setdefault("paths", {})
    for route in ROUTES:
        paths.setdefault(PREFIX + route.path, {})[route.method.lower()] = operation(route)
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).update(SCHEMAS)
    components.setdefault("securitySchemes", {})[SCHEME] = {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "The raw API key, no scheme (a leading `Bearer ` is tolerated).",
    }
    tags = result.setdefault("tags", [])
    tags.append(
        {
            "name": TAG,
            "description": "The Postiz-compatible surface, for existing Postiz clients "
            "(also under /api/public/v1). Every POST answers 201, every other method 200.",
        }
    )
    return result
