# Downline: `make demo` runs it with demo data, `make test` runs every test.
SHELL := /bin/bash
GO ?= go
BIN := bin/downline

.PHONY: web build demo test test-go vet bench bench-web pg-up pg-down neo4j-up neo4j-down clean

# The browser UI (web/): npm ci when the lock file changed, then the Vite
# build into web/static/dist, which the binary embeds (dev/web).
web:
	@dev/web build

build: web
	$(GO) build -o $(BIN) ./cmd/downline

# Starts a private Postgres under .data/, migrates, seeds a demo company and serves on 127.0.0.1:8080.
# MEMBERS sets the demo's size (make demo MEMBERS=100000; default 2,000).
MEMBERS ?= 2000
demo: build
	@eval "$$(dev/pg up)" && export DATABASE_URL && \
	  $(BIN) migrate && \
	  $(BIN) seed --demo --reset --members $(MEMBERS) && \
	  echo "Downline is serving on http://127.0.0.1:8080: the portal at /, the member office at http://127.0.0.1:8080/app/, the staff console at http://127.0.0.1:8080/staff/ (sign in with the accounts printed above; Ctrl-C stops it)" && \
	  $(BIN) serve --listen 127.0.0.1:8080

# Builds the web UI, starts what the tests need (Postgres, Neo4j; Chromium
# for the browser tests), runs go vet and every test,
# and stops what it started (dev/test).
test:
	@GO=$(GO) dev/test

bench:
	@eval "$$(dev/pg up)" && export DATABASE_URL && $(GO) test -run '^$$' -bench . -benchmem ./...

# The genealogy explorer in headless Chromium (dev/web browser installs it)
# on a seeded company of 100,000 members: first paint, expand, pan and zoom,
# and the children API under 32 clients (bench/explorer; docs/performance.md).
bench-web: web
	$(GO) run ./bench/explorer

pg-up:
	@dev/pg up
pg-down:
	@dev/pg down

clean:
	rm -rf bin web/static/dist
