# Gridside: the two commands of the README, and the ones behind them.
# Swift from swift.org is often installed under /opt/swift.
export PATH := $(PATH):/opt/swift/usr/bin
SHELL := /bin/bash
FIXTURES := .build/ocpp-fixtures

.PHONY: demo test deps lint build bench install clean

## make demo: install what is missing, build, run a simulated site, its edge, a broker and the cloud, say where to look.
demo: deps build
	@scripts/demo.sh

## make test: install what is missing, then run every test (layout and format checks, Swift unit and live tests,
## Python interop tests).
test: deps lint
	swift build --build-tests
	rm -rf $(FIXTURES) && mkdir -p $(FIXTURES)
	GRIDSIDE_OCPP_FIXTURES=$(CURDIR)/$(FIXTURES) swift test --skip-build
	GRIDSIDE_EDGE_BIN=$(CURDIR)/.build/debug/gridside-edge GRIDSIDE_OCPP_FIXTURES=$(CURDIR)/$(FIXTURES) \
		.venv/bin/python -m pytest Tests/interop -q

deps:
	@scripts/deps.sh

## make lint: the format (.swift-format, strict) and the layout rules (scripts/check_layout.py).
lint:
	swift format lint --strict --recursive --configuration .swift-format Common Edge Cloud Tools Tests Package.swift
	python3 scripts/check_layout.py

build:
	swift build --product gridside-edge
	swift build --product gridside-sim
	swift build --product gridside-cloud

## make bench: release build, then the edge's (OCPP, load management) and the cloud's (ingest, API, dashboard, reports, OCPI pushes) benchmarks.
bench: deps
	swift build -c release --product gridside-edge
	swift build -c release --product gridside-bench
	swift build -c release --product gridside-sim
	swift build -c release --product gridside-cloud
	swift build -c release --product gridside-cloud-bench
	scripts/bench.sh
	scripts/cloud_bench.sh
	scripts/dashboard_bench.sh
	scripts/report_bench.sh
	.build/release/gridside-cloud-bench ocpi-push

## make install: the edge as a systemd service (see README, "Running on a site").
install:
	swift build -c release --product gridside-edge
	install -m 0755 .build/release/gridside-edge /usr/local/bin/gridside-edge
	install -d -m 0755 /etc/gridside
	[ -f /etc/gridside/edge.yaml ] || install -m 0640 config/edge.example.yaml /etc/gridside/edge.yaml
	install -m 0644 systemd/gridside-edge.service /etc/systemd/system/gridside-edge.service
	id gridside >/dev/null 2>&1 || useradd --system --home-dir /var/lib/gridside --shell /usr/sbin/nologin gridside
	chgrp gridside /etc/gridside/edge.yaml
	systemctl daemon-reload
	@echo "Edit /etc/gridside/edge.yaml, check it with 'gridside-edge check --config /etc/gridside/edge.yaml',"
	@echo "then: systemctl enable --now gridside-edge"

clean:
	rm -rf .build demo-data
