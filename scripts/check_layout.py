#!/usr/bin/env python3
"""The layout rules of issue 14, checked on every `make test`:

- no Swift file over 500 lines, no function (or initializer, accessor, closure-bodied property) over 80;
- the edge and the cloud do not import each other's targets; the cloud's two faces (CloudAPI, CloudWeb) do not
  import each other, and the core under them (CloudCore) imports neither;
- the edge's load control and cloud sync do not speak OCPP: they use the central system's `StationPort`;
- the load-management core (planner and allocation) imports only Foundation and the meter's value types;
- tariff pricing (issue 15) imports only Foundation.

What breaks a rule today is listed in KNOWN below, with its size when it was listed: the list may only shrink. A
listed file or function that grew, or one not listed that breaks a rule, fails the check; a listed one that no
longer breaks its rule is reported, to be struck from the list. Prints nothing else on success.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 80
SOURCES = ["Common", "Edge", "Cloud", "Tools", "Tests"]
# The load planner and allocation are pure: their own value types, the meter's readings, no I/O, no configuration.
PURE_CORE_IMPORTS = {"Foundation", "Meters"}

# What breaks a rule today: (rule, where) -> size when listed. Empty since issue 14; an entry needs a reason.
KNOWN = {
}

FUNCTION_START = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|package|static|class|final|override|"
    r"mutating|nonisolated|convenience|required|@inlinable|@usableFromInline)\s+)*"
    r"(?:func\s+([A-Za-z_][A-Za-z0-9_]*)|(init)[?!]?\s*[(<])")


def targets():
    """Target name -> its folder, from Package.swift."""
    text = (ROOT / "Package.swift").read_text()
    pattern = r'\.(?:target|executableTarget|testTarget|systemLibrary)\(\s*name: "([^"]+)",(?:.*?)path: "([^"]+)"'
    return {name: path for name, path in re.findall(pattern, text, re.S)}


def code_only(lines):
    """The lines with string literals and comments blanked, so braces inside them are not counted."""
    out = []
    in_multiline = False
    in_block_comment = False
    for line in lines:
        stripped = line
        if in_multiline:
            if '"""' in stripped:
                in_multiline = False
                stripped = stripped.split('"""', 1)[1]
            else:
                out.append("")
                continue
        if in_block_comment:
            if "*/" in stripped:
                in_block_comment = False
                stripped = stripped.split("*/", 1)[1]
            else:
                out.append("")
                continue
        if stripped.count('"""') % 2 == 1:
            in_multiline = True
            stripped = stripped.split('"""', 1)[0]
        stripped = re.sub(r'#?"(?:\\.|[^"\\])*"#?', '""', stripped)
        stripped = stripped.split("//", 1)[0]
        if "/*" in stripped:
            in_block_comment = "*/" not in stripped.split("/*", 1)[1]
            stripped = stripped.split("/*", 1)[0]
        out.append(stripped)
    return out


def long_functions(path, lines):
    """(name, lines) of every function longer than the limit."""
    code = code_only(lines)
    found = []
    for index, line in enumerate(code):
        match = FUNCTION_START.match(line)
        if not match:
            continue
        name = match.group(1) or match.group(2)
        depth = 0
        opened = False
        for end in range(index, len(code)):
            depth += code[end].count("{") - code[end].count("}")
            opened = opened or "{" in code[end]
            if opened and depth <= 0:
                break
            if not opened and end > index and code[end].strip() == "":
                break  # a protocol requirement: no body
        if opened and end - index + 1 > MAX_FUNCTION_LINES:
            found.append((name, end - index + 1))
    return found


def main():
    problems, seen = [], {}
    names = targets()
    folder_to_target = sorted(((path, name) for name, path in names.items()), key=lambda p: -len(p[0]))
    edge = {n for n, p in names.items() if p.startswith("Edge/")}
    cloud = {n for n, p in names.items() if p.startswith("Cloud/")}
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.swift")):
            relative = str(path.relative_to(ROOT))
            text = path.read_text()
            lines = text.splitlines()
            if len(lines) > MAX_FILE_LINES:
                seen[("file", relative)] = len(lines)
            for name, length in long_functions(relative, lines):
                key = ("function", f"{relative}:{name}")
                seen[key] = max(seen.get(key, 0), length)
            owner = next((name for folder, name in folder_to_target if relative.startswith(folder + "/")), None)
            imports = set(re.findall(r"^(?:@\w+\s+)?(?:public |internal |package )?import\s+(\w+)", text, re.M))
            if owner in edge and imports & cloud:
                problems.append(f"{relative}: the edge imports a cloud target ({', '.join(sorted(imports & cloud))})")
            if owner in cloud and imports & edge:
                problems.append(f"{relative}: the cloud imports an edge target ({', '.join(sorted(imports & edge))})")
            for face, other in (("CloudWeb", "CloudAPI"), ("CloudAPI", "CloudWeb"), ("CloudCore", "CloudAPI"),
                                ("CloudCore", "CloudWeb")):
                if owner == face and other in imports:
                    seen[("import", f"{face} -> {other}")] = 0
            if owner in ("LoadControl", "EdgeSync") and (re.search(r"\bOCPP16\.", text) or "OCPP" in imports):
                seen[("ocpp16", relative)] = 0
            if owner == "LoadManagement" and imports - PURE_CORE_IMPORTS:
                seen[("pure", relative)] = 0
            if owner == "Pricing" and imports - {"Foundation"}:
                seen[("pricing", relative)] = 0
    for key, size in sorted(seen.items()):
        rule, where = key
        if key not in KNOWN:
            limit = {"file": f"over {MAX_FILE_LINES} lines ({size})", "function": f"over {MAX_FUNCTION_LINES} lines ({size})",
                     "import": "a cloud face imports the other, or the core a face", "ocpp16": "speaks OCPP directly (use the StationPort)",
                     "pure": f"the load-management core imports more than {', '.join(sorted(PURE_CORE_IMPORTS))}",
                     "pricing": "tariff pricing imports more than Foundation"}[rule]
            problems.append(f"{where}: {limit}")
        elif size > KNOWN[key]:
            problems.append(f"{where}: grew to {size} lines, listed at {KNOWN[key]}: it may only shrink")
    for key in sorted(set(KNOWN) - set(seen)):
        print(f"check_layout: {key[1]} no longer breaks its rule: strike it from KNOWN in scripts/check_layout.py")
    if problems:
        print("check_layout: the layout rules are broken:", *problems, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
