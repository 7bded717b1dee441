# The front door. Every target runs on the Node pinned in package.json (npm puts node_modules/.bin first).
.PHONY: install run test test-unit lint format build proto bench clean help

STAMP := node_modules/.install-stamp

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: $(STAMP) ## install the pinned dependencies (npm ci)

run: install ## start `maestro server` on its defaults (embedded PostgreSQL, gRPC broker)
	npm run -s maestro -- server

test: install ## install what the tests need, then type check, lint and run every test
	bash scripts/install-test-deps.sh
	npm run -s lint
	npm test

test-unit: install ## only the fast unit tests
	npm run -s test:unit

lint: install ## tsc --noEmit, eslint, prettier --check
	npm run -s lint

format: install ## rewrite files with prettier
	npm run -s format

build: install ## compile to dist/ (the published package and binary)
	rm -rf dist
	npm run -s build

proto: install ## check the proto loads (types are loaded at run time by @grpc/proto-loader; nothing is generated)
	node scripts/check-proto.ts

bench: install ## run the benchmarks; prints a table and writes bench-results/*.json
	bash scripts/install-test-deps.sh
	npm run -s bench

clean: ## remove build output
	rm -rf dist bench-results
