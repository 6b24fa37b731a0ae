"""The real Postiz CLI holding an OAuth token of ours, as its ``auth:login`` saves one
(~/.postiz/credentials.json: accessToken, apiUrl): it lists channels and says the
credentials are valid, and says they are not once the person revokes the app.

Its ``auth:login`` itself cannot reach us: it speaks a device flow of its own (POST
<auth server>/device/code and /device/token, JSON bodies, no client id, answers carrying
api_url and organization_id), not RFC 8628 at the standard endpoints. The token it would
receive is what this test gives it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from django.test import Client

from organizations.models import ApiKey
from tests.factories import ChannelFactory
from tests.organizations.test_oauth import sign_in
from tests.peers.servers import ROOT, missing

pytestmark = [pytest.mark.peer_postiz_cli, pytest.mark.django_db(transaction=True)]

CLI = ROOT / ".peers" / "postiz-cli" / "node_modules" / "postiz" / "dist" / "index.js"


def test_the_cli_works_with_an_oauth_token_until_the_app_is_revoked(
    live_server, org, owner, tmp_path, settings
):
    node = shutil.which("node")
    if not node or not CLI.exists():
        missing("the Postiz CLI is not installed (run `make peers`)")
    settings.SITE_URL = live_server.url
    channel = ChannelFactory(organization=org, name="Acme on Mastodon")
    token = sign_in(owner, org, scope="posts:read posts:write channels:read media:write")
    home = tmp_path / "home"
    (home / ".postiz").mkdir(parents=True)
    (home / ".postiz" / "credentials.json").write_text(
        json.dumps({"accessToken": token["access_token"], "apiUrl": live_server.url})
    )
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home)}

    def postiz(*args):
        done = subprocess.run(
            [node, str(CLI), *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    status = postiz("auth:status")
    assert "Authentication method: OAuth2" in status
    assert "✅ Credentials are valid. 1 integration(s) connected." in status
    listed = json.loads(postiz("integrations:list").partition("\n")[2])
    assert [row["id"] for row in listed] == [str(channel.public_id)]

    browser = Client()
    browser.force_login(owner)
    grant = ApiKey.objects.get(oauth_application__isnull=False)
    browser.post(f"/accounts/apps/{grant.pk}/revoke/")
    assert "❌ Credentials are expired or invalid." in postiz("auth:status")
