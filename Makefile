# Downline: `make demo` runs it with demo data, `make test` runs every test.
SHELL := /bin/bash
GO ?= go
BIN := bin/downline

.PHONY: build demo test test-go vet bench pg-up pg-down neo4j-up neo4j-down clean

build:
	$(GO) build -o $(BIN) ./cmd/downline

# Starts a private Postgres under .data/, migrates, seeds a demo company and serves on 127.0.0.1:8080.
demo: build
	@eval "$$(dev/pg up)" && export DATABASE_URL && \
	  $(BIN) migrate && \
	  $(BIN) seed --demo --reset && \
	  echo "Downline is serving on http://127.0.0.1:8080 (Ctrl-C stops it)" && \
	  $(BIN) serve --listen 127.0.0.1:8080

# Starts what the tests need (Postgres, Neo4j), runs go vet and every test,
# and stops what it started (dev/test).
test:
	@GO=$(GO) dev/test

bench:
	@eval "$$(dev/pg up)" && export DATABASE_URL && $(GO) test -run '^$$' -bench . -benchmem ./...

pg-up:
	@dev/pg up
pg-down:
	@dev/pg down

clean:
	rm -rf bin
