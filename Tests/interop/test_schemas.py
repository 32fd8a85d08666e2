"""The Swift codecs' output checked against the official OCPP 1.6 JSON schemas shipped by the `ocpp` package.

The Swift unit tests write one JSON file per message variant into $GRIDSIDE_OCPP_FIXTURES, named
`<SchemaName>.<variant>.json` (e.g. `BootNotification.full.json`, `BootNotificationResponse.minimal.json`).
"""

from __future__ import annotations

import decimal
import json
import os
import re
import urllib.parse
from pathlib import Path

import jsonschema
import pytest

import ocpp.v16

SCHEMA_DIR = Path(ocpp.v16.__file__).parent / "schemas"

# The 28 actions of the six OCPP 1.6 feature profiles, and the 3 of the security extension Gridside speaks.
ACTIONS = [
    "Authorize", "BootNotification", "CancelReservation", "ChangeAvailability", "ChangeConfiguration", "ClearCache",
    "ClearChargingProfile", "DataTransfer", "DiagnosticsStatusNotification", "FirmwareStatusNotification",
    "GetCompositeSchedule", "GetConfiguration", "GetDiagnostics", "GetLocalListVersion", "Heartbeat", "MeterValues",
    "RemoteStartTransaction", "RemoteStopTransaction", "ReserveNow", "Reset", "SendLocalList", "SetChargingProfile",
    "StartTransaction", "StatusNotification", "StopTransaction", "TriggerMessage", "UnlockConnector", "UpdateFirmware",
    "SignedUpdateFirmware", "SignedFirmwareStatusNotification", "SecurityEventNotification",
]
SCHEMA_NAMES = sorted([*ACTIONS, *(f"{a}Response" for a in ACTIONS)])
VARIANTS = ["full", "minimal"]

# jsonschema checks "date-time" and "uri" only with optional packages; check them here without any.
FORMAT_CHECKER = jsonschema.FormatChecker()
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE)


@FORMAT_CHECKER.checks("date-time")
def is_date_time(value) -> bool:
    return not isinstance(value, str) or bool(RFC3339.match(value))


@FORMAT_CHECKER.checks("uri")
def is_uri(value) -> bool:
    return not isinstance(value, str) or bool(urllib.parse.urlparse(value).scheme)


FIXTURES = os.environ.get("GRIDSIDE_OCPP_FIXTURES")
needs_fixtures = pytest.mark.skipif(
    not FIXTURES,
    reason="GRIDSIDE_OCPP_FIXTURES is not set: run the Swift unit tests with it pointing at a directory "
           "to have them write their message fixtures there")


def fixture_files() -> list[Path]:
    directory = Path(FIXTURES or ".")
    return sorted(directory.glob("*.json")) if FIXTURES and directory.is_dir() else []


def schema_name(path: Path) -> str:
    return path.name.split(".", 1)[0]


def load_schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / f"{name}.json").read_text())


def test_the_schema_set_is_the_one_of_ocpp_2_1_0():
    assert len(ACTIONS) == 31 and len(SCHEMA_NAMES) == 62
    missing = [name for name in SCHEMA_NAMES if not (SCHEMA_DIR / f"{name}.json").is_file()]
    assert not missing, f"schemas missing from the installed ocpp package: {missing}"


@needs_fixtures
def test_fixture_directory_exists():
    assert Path(FIXTURES).is_dir(), f"GRIDSIDE_OCPP_FIXTURES={FIXTURES} is not a directory"


@needs_fixtures
def test_every_schema_has_a_full_and_a_minimal_fixture():
    present = {path.name for path in fixture_files()}
    missing = [f"{name}.{variant}.json" for name in SCHEMA_NAMES for variant in VARIANTS
               if f"{name}.{variant}.json" not in present]
    assert not missing, f"{len(missing)} fixtures missing: {missing}"


@needs_fixtures
def test_every_fixture_is_named_after_a_known_schema():
    unknown = [p.name for p in fixture_files() if not (SCHEMA_DIR / f"{schema_name(p)}.json").is_file()]
    assert not unknown, f"fixtures for no OCPP 1.6 schema: {unknown}"


@needs_fixtures
def test_every_fixture_validates_against_its_official_schema():
    files = fixture_files()
    assert files, f"no fixtures in {FIXTURES}"
    failures = []
    for path in files:
        name = schema_name(path)
        if not (SCHEMA_DIR / f"{name}.json").is_file():
            continue
        try:
            # As the ocpp library does: decimals keep `multipleOf: 0.1` exact.
            instance = json.loads(path.read_text(), parse_float=decimal.Decimal)
            schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text(), parse_float=decimal.Decimal)
        except ValueError as error:
            failures.append(f"{path.name}: not JSON: {error}")
            continue
        validator = jsonschema.Draft4Validator(schema, format_checker=FORMAT_CHECKER)
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.path)):
            where = "/".join(str(p) for p in error.path) or "(root)"
            failures.append(f"{path.name}: {where}: {error.message}")
    assert not failures, "\n".join(failures)


@needs_fixtures
def test_minimal_fixtures_carry_only_required_fields_and_full_ones_every_field():
    problems = []
    for path in fixture_files():
        name, _, rest = path.name.partition(".")
        variant = rest.removesuffix(".json")
        if name not in SCHEMA_NAMES or variant not in VARIANTS:
            continue
        schema = load_schema(name)
        instance = json.loads(path.read_text())
        if not isinstance(instance, dict):
            problems.append(f"{path.name}: not an object")
            continue
        required = set(schema.get("required", []))
        properties = set(schema.get("properties", {}))
        keys = set(instance)
        if variant == "minimal" and keys != required:
            problems.append(f"{path.name}: top-level keys {sorted(keys)}, required {sorted(required)}")
        if variant == "full" and keys != properties:
            problems.append(f"{path.name}: top-level keys {sorted(keys)}, schema has {sorted(properties)}")
    assert not problems, "\n".join(problems)
