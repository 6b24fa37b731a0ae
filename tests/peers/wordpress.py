"""A real WordPress (Debian's ``wordpress`` package, PHP's built-in server and MariaDB) on
127.0.0.1, for the WordPress peer tests.

``make peers`` installs the packages (``apt-get install wordpress php-cli php-mysql
mariadb-server``). One MariaDB keeps its data in the test run's temporary directory and
listens on a unix socket only; each site is Debian's WordPress files (linked, never
changed) with a wp-config.php of its own, served by ``php -S`` through a router that plays
the part of the web server's rewrite rules. A site is installed by a small PHP script that
calls WordPress's own ``wp_install`` and makes an application password for its admin.

Application passwords need HTTPS unless the site says it runs locally
(``wp_is_application_passwords_supported``: ``is_ssl() || 'local' ===
wp_get_environment_type()``), so each site sets ``WP_ENVIRONMENT_TYPE`` to ``local``.

A test that needs it and finds it missing is skipped with the reason, or fails under
POSTIZ_REQUIRE_PEERS (as in CI).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.peers.servers import free_port, missing

WORDPRESS = Path("/usr/share/wordpress")
INSTALL_HINT = "sudo apt-get install wordpress php-cli php-mysql mariadb-server (or `make peers`)"

# The web server's part: files are served as they are, PHP files run, and (with pretty
# permalinks) every other address goes to WordPress's front controller, as Apache's
# rewrite rules do. Without them, an unknown address is a plain 404, as on a server
# without mod_rewrite, and the REST API answers only at /?rest_route=.
ROUTER = r"""<?php
define('ABSPATH', __DIR__ . '/');
$path = rawurldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?: '/');
if (strpos($path, '..') !== false) { http_response_code(400); return true; }
$file = __DIR__ . $path;
if (is_dir($file) && is_file(rtrim($file, '/') . '/index.php')) {
    $path = rtrim($path, '/') . '/index.php';
    $file = __DIR__ . $path;
}
if (is_file($file)) {
    if (substr($file, -4) !== '.php') { return false; }
} elseif (PRETTY) {
    $path = '/index.php';
    $file = __DIR__ . $path;
} else {
    http_response_code(404);
    echo 'Not Found';
    return true;
}
$_SERVER['SCRIPT_NAME'] = $_SERVER['PHP_SELF'] = $path;
$_SERVER['SCRIPT_FILENAME'] = $file;
chdir(dirname($file));
require $file;
"""

CONFIG = r"""<?php
define('DB_NAME', '{db}');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:{socket}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
{keys}
$table_prefix = 'wp_';
define('WP_HOME', '{url}');
define('WP_SITEURL', '{url}');
define('WP_CONTENT_DIR', '{content}');
define('WP_CONTENT_URL', '{url}/wp-content');
define('WP_ENVIRONMENT_TYPE', 'local');
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_DEBUG', false);
require_once ABSPATH . 'wp-settings.php';
"""

# Must-use plugin: no mail, and no request leaves this machine (update checks, pings).
PEER_PLUGIN = r"""<?php
add_filter('pre_wp_mail', '__return_false');
add_filter('pre_http_request', function ($pre, $args, $url) {
    $host = parse_url($url, PHP_URL_HOST);
    return in_array($host, array('127.0.0.1', 'localhost'), true)
        ? $pre : new WP_Error('http_request_blocked', 'offline test site');
}, 10, 3);
"""

# Run with the PHP CLI: installs the site, sets its permalinks, adds an author, and makes
# an application password for each; prints them as JSON.
INSTALL = r"""<?php
[$_, $site, $url, $pretty, $admin_password, $author_password] = $argv;
$_SERVER['HTTP_HOST'] = parse_url($url, PHP_URL_HOST) . ':' . parse_url($url, PHP_URL_PORT);
$_SERVER['REQUEST_URI'] = '/';
define('WP_INSTALLING', true);
define('ABSPATH', $site . '/');
require ABSPATH . 'wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$installed = wp_install('Acme Field Notes', 'editor', 'editor@acme.example', true, '',
    wp_slash($admin_password));
global $wp_rewrite;
$wp_rewrite->set_permalink_structure($pretty === '1' ? '/%postname%/' : '');
$wp_rewrite->flush_rules(false);
$admin = (int) $installed['user_id'];
$author = wp_insert_user(array('user_login' => 'contributor', 'user_pass' => $author_password,
    'user_email' => 'contributor@acme.example', 'role' => 'contributor'));
$make = function ($user) {
    [$password] = WP_Application_Passwords::create_new_application_password($user,
        array('name' => 'Postiz'));
    return $password;
};
echo json_encode(array(
    'admin' => array('id' => $admin, 'login' => 'editor', 'app_password' => $make($admin)),
    'contributor' => array('id' => $author, 'login' => 'contributor',
        'app_password' => $make($author)),
));
"""


@dataclass
class Site:
    """One installed WordPress: its address and the application passwords of its admin
    (``editor``) and of a contributor (who may write drafts but not publish)."""

    url: str
    admin: dict
    contributor: dict
    home: Path

    def auth(self, who: str = "admin") -> tuple[str, str]:
        person = getattr(self, who)
        return person["login"], person["app_password"]

    def rest(self, method: str, route: str, **kwargs) -> requests.Response:
        """The site's REST API as its admin, by route (``/wp/v2/posts``): what a reader
        of the site, or its editor, would find."""
        params = {"rest_route": route, **kwargs.pop("params", {})}
        return requests.request(
            method, f"{self.url}/", params=params, auth=self.auth(), timeout=30, **kwargs
        )


def installed() -> bool:
    return (
        (WORDPRESS / "wp-settings.php").exists()
        and shutil.which("php") is not None
        and shutil.which("mariadbd", path=os.environ.get("PATH", "") + ":/usr/sbin") is not None
        and shutil.which("mariadb-install-db") is not None
    )


def _stop(process: subprocess.Popen, wait: float = 10) -> None:
    """Stop a server started in a session of its own, with the workers it forked (PHP's
    server leaves them running when only its first process is stopped)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait(check, process: subprocess.Popen, what: str, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if process.poll() is not None:
            pytest.fail(f"{what} exited; see {log}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not start; see {log}")
        time.sleep(0.2)


@contextlib.contextmanager
def mariadb(home: Path) -> Iterator[Path]:
    """A MariaDB server keeping its data in ``home``, on a unix socket only (no port);
    yields the socket's path."""
    if not installed():
        missing(f"WordPress and MariaDB are not installed ({INSTALL_HINT})")
    data, socket_path, log = home / "data", home / "mysqld.sock", home / "mysqld.log"
    # As root, MariaDB runs only when told to stay root (the test run owns the files).
    as_user = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={data}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *as_user,
        ],
        check=True,
        capture_output=True,
    )
    daemon = shutil.which("mariadbd", path=os.environ.get("PATH", "") + ":/usr/sbin")
    process = subprocess.Popen(
        [
            daemon,
            "--no-defaults",
            f"--datadir={data}",
            f"--socket={socket_path}",
            f"--pid-file={home / 'mysqld.pid'}",
            f"--log-error={log}",
            "--skip-networking",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=16M",
            *as_user,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait(socket_path.exists, process, "MariaDB", log)
        yield socket_path
    finally:
        _stop(process, 30)


def _sql(socket_path: Path, statement: str) -> None:
    subprocess.run(
        ["mariadb", "--no-defaults", f"--socket={socket_path}", "-uroot", "-e", statement],
        check=True,
        capture_output=True,
    )


def _layout(root: Path, *, db: str, socket_path: Path, url: str, pretty: bool) -> None:
    """Debian's WordPress files linked into ``root``, with this site's own config."""
    root.mkdir(parents=True)
    for entry in WORDPRESS.iterdir():
        if entry.name not in ("wp-config.php", "wp-content"):
            (root / entry.name).symlink_to(entry)
    content = root / "wp-content"
    for name in ("plugins", "themes", "uploads", "mu-plugins"):
        (content / name).mkdir(parents=True)
    (content / "mu-plugins" / "peer.php").write_text(PEER_PLUGIN)
    keys = "\n".join(
        f"define('{name}', '{secrets.token_hex(32)}');"
        for name in (
            "AUTH_KEY",
            "SECURE_AUTH_KEY",
            "LOGGED_IN_KEY",
            "NONCE_KEY",
            "AUTH_SALT",
            "SECURE_AUTH_SALT",
            "LOGGED_IN_SALT",
            "NONCE_SALT",
        )
    )
    (root / "wp-config.php").write_text(
        CONFIG.replace("{db}", db)
        .replace("{socket}", str(socket_path))
        .replace("{keys}", keys)
        .replace("{url}", url)
        .replace("{content}", str(content))
    )
    (root / "router.php").write_text(
        ROUTER.replace("<?php\n", f"<?php\ndefine('PRETTY', {'true' if pretty else 'false'});\n", 1)
    )


@contextlib.contextmanager
def wordpress_site(home: Path, socket_path: Path, *, name: str, pretty: bool) -> Iterator[Site]:
    """A freshly installed site in its own database, served on a free loopback port."""
    php = shutil.which("php")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    root = home / name
    _sql(socket_path, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    _layout(root, db=name, socket_path=socket_path, url=url, pretty=pretty)
    log_path = home / f"{name}.log"
    log = log_path.open("wb")
    # A few workers: WordPress may ask itself for a page while it answers one.
    env = {**os.environ, "PHP_CLI_SERVER_WORKERS": "4"}
    process = subprocess.Popen(
        [php, "-S", f"127.0.0.1:{port}", "-t", str(root), str(root / "router.php")],
        cwd=root,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    try:

        def listening() -> bool:
            try:
                requests.get(f"{url}/readme.html", timeout=2)
            except requests.RequestException:
                return False
            return True

        _wait(listening, process, "PHP's server", log_path)
        script = home / f"{name}-install.php"
        script.write_text(INSTALL)
        done = subprocess.run(
            [
                php,
                str(script),
                str(root),
                url,
                "1" if pretty else "0",
                secrets.token_urlsafe(12),
                secrets.token_urlsafe(12),
            ],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
        )
        output = done.stdout.strip().splitlines()
        if done.returncode != 0 or not output:
            pytest.fail(f"installing WordPress failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        people = json.loads(output[-1])
        yield Site(url=url, admin=people["admin"], contributor=people["contributor"], home=root)
    finally:
        _stop(process)
        log.close()
