# Two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format peers browser wordpress-peer

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

## Set up (first time) and run the web server, the publisher and the worker on http://127.0.0.1:8000
run: $(STAMP)
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py run

## Set up (first time) and run the whole test suite against PostgreSQL
test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Debian's Chromium for the browser tests (tests/browser) and curl for the README's
## examples (tests/api/test_readme_examples.py), when they are not installed yet
browser:
	command -v chromium >/dev/null && command -v curl >/dev/null || { $$(test "$$(id -u)" = 0 || echo sudo) apt-get update -qq && $$(test "$$(id -u)" = 0 || echo sudo) apt-get install -y -qq chromium curl >/dev/null; }

## Real local peers for the peer tests: a Nostr relay (PyPI), a Bluesky PDS (npm), the
## Postiz CLI (npm), run against a live server of ours, and WordPress (Debian)
peers: .peers/nostr/bin/nostr-relay .peers/bluesky/node_modules/better-sqlite3/build/Release/better_sqlite3.node .peers/postiz-cli/node_modules/postiz/dist/index.js wordpress-peer

## Debian's WordPress with PHP's command line (its built-in server) and MariaDB, when not
## installed yet; the tests start their own database and sites (tests/peers/wordpress.py)
wordpress-peer:
	test -f /usr/share/wordpress/wp-settings.php && command -v php >/dev/null && { command -v mariadbd >/dev/null || test -x /usr/sbin/mariadbd; } || { $$(test "$$(id -u)" = 0 || echo sudo) apt-get update -qq && $$(test "$$(id -u)" = 0 || echo sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wordpress php-cli php-mysql mariadb-server >/dev/null; }

.peers/nostr/bin/nostr-relay:
	test -x .peers/nostr/bin/python || $(PYTHON) -m venv .peers/nostr
	.peers/nostr/bin/python -m pip install --quiet --disable-pip-version-check "nostr-relay>=1.14,<2"

# better-sqlite3 is compiled here against the installed Node's headers (its prebuilt
# binaries would be downloaded from outside the package registry).
.peers/bluesky/node_modules/better-sqlite3/build/Release/better_sqlite3.node: tests/peers/bluesky/package-lock.json
	mkdir -p .peers/bluesky
	cp tests/peers/bluesky/package.json tests/peers/bluesky/package-lock.json .peers/bluesky/
	cd .peers/bluesky && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	cd .peers/bluesky/node_modules/better-sqlite3 && node "$$(dirname "$$(dirname "$$(readlink -f "$$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js" rebuild --release $$(test -d /usr/include/node && echo --nodedir=/usr) > ../../build.log 2>&1 || (tail -20 ../../build.log; exit 1)

.peers/postiz-cli/node_modules/postiz/dist/index.js: tests/peers/postiz_cli/package-lock.json
	mkdir -p .peers/postiz-cli
	cp tests/peers/postiz_cli/package.json tests/peers/postiz_cli/package-lock.json .peers/postiz-cli/
	cd .peers/postiz-cli && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@
