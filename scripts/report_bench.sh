#!/usr/bin/env bash
# Pricing and reports (release build, see README "Pricing and reports"): one session of 100 charging periods priced
# under a 10-element tariff; then SESSIONS finished sessions across SITES sites written into a store, the energy report
# by site and month over all of them and over one month, and the CSV export of every session with its peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release
sites=${SITES:-500}
sessions=${SESSIONS:-1000000}
work=$(mktemp -d /tmp/gridside-report-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$bin/gridside-cloud-bench" pricing
"$bin/gridside-cloud-bench" populate --store "$work/reports.sqlite" --sites "$sites" --sessions "$sessions" | grep populated
"$bin/gridside-cloud-bench" reports --store "$work/reports.sqlite"
