# The two commands: `make run` and `make test`. Both install what they need on a fresh Debian machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages the test suite talks to (real servers, no fakes)
TEST_APT := redis-server chromium dovecot-imapd
# a second mail corpus: the test mails in the mail-parser sdist (the wheel has none), pinned by version and hash,
# extracted into git-ignored .cache/ for tests/mail/test_package_corpus.py; pip download only, nothing installed
MAIL_PARSER_VERSION := 4.8.0
MAIL_PARSER_SHA256 := 602e659b159652d378b0f9cce2d682bee692bedae72687786e2b2e52eaeb9afc
PACKAGE_MAILS := .cache/package-mails/mail-parser
PACKAGE_MAILS_STAMP := $(PACKAGE_MAILS)/.extracted-$(MAIL_PARSER_VERSION)

.PHONY: run test lint fuzz system-deps deps assets bench bench-growth clean

run: $(STAMP) node_modules/.installed assets
	$(BIN)/hub demo

test: system-deps $(STAMP) $(PACKAGE_MAILS_STAMP) node_modules/.installed assets lint
	$(BIN)/pytest -q -p no:cacheprovider

# the pages' static files bundled (esbuild), hashed and precompressed into build/assets (hub/assets.py)
assets: $(STAMP) node_modules/.installed
	$(BIN)/python -m hub.assets

# `make test` runs schemathesis too (tests/api/test_schemathesis.py, bounded); this runs it alone, with more examples
fuzz: $(STAMP)
	HUB_SCHEMATHESIS_EXAMPLES=$${HUB_SCHEMATHESIS_EXAMPLES:-100} $(BIN)/pytest -q -p no:cacheprovider -s tests/api/test_schemathesis.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

deps: $(STAMP)

$(STAMP): pyproject.toml
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[dev]' 2>&1 | grep -v '^WARNING: Location' ; test $${PIPESTATUS[0]} -eq 0
	@touch $(STAMP)

# socket.io-client for the browser (served by the hub itself: no CDN) and esbuild, which bundles the inbox
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(PACKAGE_MAILS_STAMP): | $(STAMP)
	rm -rf $(PACKAGE_MAILS) .cache/mail-parser-sdist && mkdir -p $(PACKAGE_MAILS) .cache/mail-parser-sdist
	echo 'mail-parser==$(MAIL_PARSER_VERSION) --hash=sha256:$(MAIL_PARSER_SHA256)' > .cache/mail-parser-sdist/req.txt
	$(BIN)/pip download --disable-pip-version-check -q --no-deps --no-binary :all: --require-hashes \
		-r .cache/mail-parser-sdist/req.txt -d .cache/mail-parser-sdist
	tar -xzf .cache/mail-parser-sdist/mail_parser-$(MAIL_PARSER_VERSION).tar.gz -C $(PACKAGE_MAILS) \
		--strip-components=3 --wildcards 'mail_parser-$(MAIL_PARSER_VERSION)/tests/mails/*'
	rm -rf .cache/mail-parser-sdist
	@touch $@

system-deps:
	@missing=""; \
	for pkg in $(TEST_APT); do dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# the hub beside a bare aiohttp + python-socketio server, one run (bench/README.md); bench-growth: 100k-row store
bench: $(STAMP)
	$(BIN)/python bench/load.py

bench-growth: $(STAMP)
	$(BIN)/python bench/ingest_http.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build/assets
