"""The Model Context Protocol server at ``/mcp``: agents (Claude, Cursor, VS Code…) list
channels, schedule and change posts, upload media and read analytics with an API key.

- ``views``: the endpoint (POST only, key authentication, the key's rate budget);
- ``bridge``: runs the SDK's stateless Streamable HTTP transport for one WSGI request;
- ``tools``: the tools and resources, thin adapters over the services the APIs call.
"""
