#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the repository's examples and fixtures.

The corpora themselves are not committed (fuzz/.gitignore); this script recreates the seeds:
  policy_parse   examples/policies/*.toml
  duration_parse the duration spellings of docs/POLICY.md, good and bad
  purl_parse     every purl string in fixtures/purl/tests (the purl-spec test suite)
  version_parse  scheme byte + newline-separated versions from fixtures/advisories
  osv_parse      the smaller records of fixtures/advisories (JSON and YAML)

Usage: python3 fuzz/seed.py [TARGET...]   (all targets when none is given)
"""

import glob
import hashlib
import json
import random
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
CORPUS = FUZZ / "corpus"

# Index of each ecosystem's scheme in fuzz_targets/version_parse.rs `SCHEMES`.
SCHEME_BYTE = {"crates.io": 0, "npm": 1, "Go": 2, "NuGet": 3, "PyPI": 4, "Maven": 5,
               "Debian": 6, "Red Hat": 7, "RubyGems": 8, "Alpine": 9}


def put(target: str, data) -> None:
    if isinstance(data, str):
        data = data.encode()
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def policy() -> None:
    for f in sorted((ROOT / "examples/policies").glob("*.toml")):
        put("policy_parse", f.read_bytes())


def duration() -> None:
    for d in ["72 hours", "5 business days", "7 days", "2 weeks", "6 months", "1 business hour",
              "24h", "3 d", "10 working-days", "1.5 days", "-3 days", "+4 w", "calendar days",
              "10 bd", "9999999999 hours", "10000 months", " 1 Week ", "\u22122 days"]:
        put("duration_parse", d)


def purl() -> None:
    for f in glob.glob(str(ROOT / "fixtures/purl/tests/**/*.json"), recursive=True):
        try:
            tests = json.loads(Path(f).read_text()).get("tests", [])
        except (ValueError, AttributeError):
            continue
        for t in tests:
            for k in ("input", "expected_output"):
                v = t.get(k)
                if isinstance(v, str) and ":" in v:
                    put("purl_parse", v)


def advisories():
    for f in sorted(glob.glob(str(ROOT / "fixtures/advisories/**/*"), recursive=True)):
        p = Path(f)
        if p.is_file() and p.suffix in (".json", ".yaml", ".yml"):
            yield p


def osv() -> None:
    for p in advisories():
        if p.stat().st_size < 6000:
            put("osv_parse", p.read_bytes())


def version() -> None:
    by_eco: dict[str, list[str]] = {}
    for p in advisories():
        if p.suffix != ".json":
            continue
        try:
            rec = json.loads(p.read_text())
        except ValueError:
            continue
        for a in rec.get("affected", []):
            vs = by_eco.setdefault(a.get("package", {}).get("ecosystem", ""), [])
            vs.extend(a.get("versions", []))
            for r in a.get("ranges", []):
                for e in r.get("events", []):
                    vs.extend(str(x) for x in e.values())
    rnd = random.Random(1)
    for eco, vs in by_eco.items():
        if eco not in SCHEME_BYTE or not vs:
            continue
        vs = list(dict.fromkeys(vs))
        for _ in range(min(40, len(vs))):
            put("version_parse", bytes([SCHEME_BYTE[eco]]) + "\n".join(rnd.sample(vs, min(3, len(vs)))).encode())
    extra = {6: ["1:2.3-4~bpo1", "2.0~rc1", "1.0+dfsg-1ubuntu1"], 7: ["1:2.3-4.el8", "1.0^git1", "1.0~rc1-2"],
             9: ["1.2.3-r0", "1.2.3_rc1-r2", "2.0_p1"], 5: ["1.0-SNAPSHOT", "1.0.RELEASE", "1-alpha-1"],
             3: ["1.0.0.0-Beta", "1.2.3.4", "1.0.0+meta"], 8: ["1.0.a", "2.3.4.pre.1", "1.0"],
             2: ["v0.0.0-20210101000000-abcdefabcdef", "v2.0.0+incompatible", "v1.2.3"],
             1: ["=v1.2.3", "1.0.0-alpha.1", "v2.0.0"], 4: ["1.0.post1", "1!2.0rc1", "1.0+local.7"]}
    for sel, vs in extra.items():
        put("version_parse", bytes([sel]) + "\n".join(vs).encode())


SEEDERS = {"policy_parse": policy, "duration_parse": duration, "purl_parse": purl,
           "version_parse": version, "osv_parse": osv}

if __name__ == "__main__":
    for t in sys.argv[1:] or SEEDERS:
        SEEDERS[t]()
        print(f"{t}: {len(list((CORPUS / t).iterdir()))} files in {CORPUS / t}")
