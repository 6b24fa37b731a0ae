"""The real Postiz CLI signing in with OAuth: ``postiz auth:login --auth-server
<site>/oauth/cli`` (its own device flow, served by organizations.oauth_device), then using
the pos_ token it saved (~/.postiz/credentials.json) until the person revokes the app."""

from __future__ import annotations

import json
import os
import re
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


def test_auth_login_signs_the_cli_in_through_the_device_page(
    live_server, org, owner, tmp_path, settings
):
    node = shutil.which("node")
    if not node or not CLI.exists():
        missing("the Postiz CLI is not installed (run `make peers`)")
    settings.SITE_URL = live_server.url
    settings.OAUTH_CLI_DEVICE_INTERVAL = 1
    ChannelFactory(organization=org, name="Acme on Mastodon")
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home)}
    login = subprocess.Popen(
        [node, str(CLI), "auth:login", "--auth-server", f"{live_server.url}/oauth/cli"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        user_code = None
        for line in login.stdout:
            found = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", line)
            if found:
                user_code = found.group(1)
                break
        assert user_code, login.stderr.read()
        browser = Client()
        browser.force_login(owner)
        browser.post(
            "/oauth/cli/device", {"code": user_code, "organization": org.slug, "allow": "1"}
        )
        out, err = login.communicate(timeout=60)
    finally:
        if login.poll() is None:
            login.kill()
    assert login.returncode == 0, err
    assert "Successfully authenticated" in out
    saved = json.loads((home / ".postiz" / "credentials.json").read_text())
    assert saved["accessToken"].startswith("pos_")
    assert saved["apiUrl"] == live_server.url
    assert saved["organizationId"] == str(org.public_id)
    status = subprocess.run(
        [node, str(CLI), "auth:status"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "✅ Credentials are valid. 1 integration(s) connected." in status
