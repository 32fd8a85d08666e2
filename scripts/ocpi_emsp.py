"""A roaming partner (an eMSP) on this machine, for `make demo` and the OCPI tests: extrawest-ocpi's FastAPI
application (PyPI `extrawest-ocpi`, MIT, independent of Gridside), whose own pydantic models validate every object
the cloud sends it, with an in-memory store of ours.

It runs in a virtual environment of its own (`.venv-ocpi`, made by scripts/deps.sh: its pinned FastAPI, httpx and
pydantic 1 conflict with what the other tests need):

    .venv-ocpi/bin/python scripts/ocpi_emsp.py --port P --token-a A --record events.jsonl

Every object it takes (after its models accepted it) is appended to the record file as a JSON line
`{"event": "create"|"update"|"delete"|"registered", "module": …, "data": …}`, for a test or a person to read. Its versions and
endpoints are at http://127.0.0.1:P/ocpi/versions. It reads the cloud's versions over HTTPS with httpx, which trusts
the certificate named by SSL_CERT_FILE (the test's cloud's own).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import threading

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--token-a", required=True)
parser.add_argument("--record", required=True)
parser.add_argument("--country-code", default="NL")
parser.add_argument("--party-id", default="EXT")
ARGS = parser.parse_args()

# extrawest-ocpi reads its settings from the environment when imported.
os.environ.update({
    "PROTOCOL": "http", "OCPI_HOST": f"127.0.0.1:{ARGS.port}", "OCPI_PREFIX": "ocpi",
    "COUNTRY_CODE": ARGS.country_code, "PARTY_ID": ARGS.party_id, "ENVIRONMENT": "production",
})

import uvicorn  # noqa: E402
from py_ocpi import get_application  # noqa: E402
from py_ocpi.core.authentication.authenticator import Authenticator  # noqa: E402
from py_ocpi.core.crud import Crud  # noqa: E402
from py_ocpi.core.enums import ModuleID, RoleEnum  # noqa: E402
from py_ocpi.modules.versions.enums import VersionNumber  # noqa: E402

TOKENS_C: set[str] = set()
STORE: dict[tuple[str, str], dict] = {}
OURS: dict[str, dict] = {}
LOCK = threading.Lock()


def record(event: str, module, data) -> None:
    line = json.dumps({"event": event, "module": str(getattr(module, "value", module)), "data": data}, default=str)
    with LOCK, open(ARGS.record, "a", encoding="utf-8") as file:
        file.write(line + "\n")


class Tokens(Authenticator):
    @classmethod
    async def get_valid_token_c(cls) -> list[str]:
        return sorted(TOKENS_C)

    @classmethod
    async def get_valid_token_a(cls) -> list[str]:
        return [ARGS.token_a]


class Memory(Crud):
    """Objects by module and id, kept as extrawest hands them over (already validated by its models)."""

    @classmethod
    async def get(cls, module, role, id, *args, **kwargs):
        if module == ModuleID.credentials_and_registration:
            return OURS.get("credentials")
        return STORE.get((str(module), str(id)))

    @classmethod
    async def list(cls, module, role, filters, *args, **kwargs):
        items = [value for (kind, _), value in STORE.items() if kind == str(module)]
        return items, len(items), True

    @classmethod
    async def create(cls, module, role, data, *args, **kwargs):
        if module == ModuleID.credentials_and_registration:
            # The cloud's credentials (its token B, versions URL and roles) and endpoints; ours answered with a new
            # token C for it to call with.
            token_c = secrets.token_urlsafe(24)
            TOKENS_C.add(token_c)
            OURS["credentials"] = {
                "token": token_c, "url": f"http://127.0.0.1:{ARGS.port}/ocpi/versions",
                "roles": [{"role": "EMSP", "business_details": {"name": "extrawest eMSP"},
                           "party_id": ARGS.party_id, "country_code": ARGS.country_code}]}
            record("registered", module, data)
            return OURS["credentials"]
        key = str(data.get("id") or data.get("uid") or kwargs.get("id") or "")
        STORE[(str(module), key)] = data
        record("create", module, data)
        return data

    @classmethod
    async def update(cls, module, role, data, id, *args, **kwargs):
        STORE[(str(module), str(id))] = data
        record("update", module, data)
        return data

    @classmethod
    async def delete(cls, module, role, id, *args, **kwargs):
        STORE.pop((str(module), str(id)), None)
        record("delete", module, {"id": str(id)})

    @classmethod
    async def do(cls, module, role, action, *args, data=None, **kwargs):
        record("do", module, {"action": str(action), "data": data})
        return None


app = get_application(
    version_numbers=[VersionNumber.v_2_2_1],
    roles=[RoleEnum.emsp],
    crud=Memory,
    modules=[ModuleID.credentials_and_registration, ModuleID.locations, ModuleID.sessions, ModuleID.cdrs,
             ModuleID.tariffs, ModuleID.tokens, ModuleID.commands],
    authenticator=Tokens,
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=ARGS.port, log_level="warning")
