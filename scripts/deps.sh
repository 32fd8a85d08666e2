#!/usr/bin/env bash
# Installs what building and testing Gridside needs and is missing, on Debian 12 as root.
# Swift itself does not come from Debian: it must already be installed (see README).
set -euo pipefail

need_apt=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in libsqlite3-dev libmodbus-dev libmosquitto-dev mosquitto socat pkg-config openssl curl ca-certificates procps \
    chromium chromium-driver fonts-dejavu-core; do
    have_pkg "$pkg" || need_apt+=("$pkg")
done
if ! command -v python3 >/dev/null 2>&1; then
    need_apt+=(python3 python3-venv)
elif ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    need_apt+=(python3-venv)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "==> installing with apt: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "error: no Swift toolchain on PATH (looked in PATH and /opt/swift/usr/bin)." >&2
    echo "       Gridside needs Swift 6.2 or newer; Debian does not package it: install it from swift.org." >&2
    exit 1
fi

# Python packages for the interop tests live in a project venv, never in the system Python.
venv=.venv
stamp="$venv/.requirements-installed"
if [ ! -x "$venv/bin/python" ]; then
    echo "==> creating $venv"
    python3 -m venv "$venv"
fi
if [ ! -f "$stamp" ] || [ Tests/interop/requirements.txt -nt "$stamp" ]; then
    echo "==> installing Python test packages"
    "$venv/bin/pip" install -q --disable-pip-version-check -r Tests/interop/requirements.txt
    touch "$stamp"
fi

# extrawest-ocpi, the independent eMSP of the OCPI tests, pins FastAPI 0.101, httpx 0.24 and pydantic 1, which would
# downgrade what the tests' own packages need: it gets a virtual environment of its own and runs as a separate server.
ocpi_venv=.venv-ocpi
ocpi_stamp="$ocpi_venv/.requirements-installed"
if [ ! -x "$ocpi_venv/bin/python" ]; then
    echo "==> creating $ocpi_venv"
    python3 -m venv "$ocpi_venv"
fi
if [ ! -f "$ocpi_stamp" ] || [ Tests/interop/requirements-ocpi.txt -nt "$ocpi_stamp" ]; then
    echo "==> installing extrawest-ocpi"
    "$ocpi_venv/bin/pip" install -q --disable-pip-version-check -r Tests/interop/requirements-ocpi.txt
    touch "$ocpi_stamp"
fi
