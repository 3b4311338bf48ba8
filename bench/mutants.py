"""The mutation score of each deciding module, and what survives, from mutmut's results.

``make mutants`` runs ``mutmut run`` (configured in pyproject.toml, [tool.mutmut]) and then this
script, which reads mutmut's per-file results under mutants/ and prints one row per module:
mutants caught by the tests (killed, or a timeout), survivors, mutants no selected test reaches,
and the score, caught / (caught + survived + no tests). Each survivor is listed with its
changed line; one that bench/mutants-equivalent.toml explains (a mutant that cannot change what
the code does, or only its speed) is shown with that reason and left out of the adjusted score.

    .venv/bin/python bench/mutants.py [--all] [--min 0.85]

--min makes the exit status 1 when a module's adjusted score is below it.
"""
from __future__ import annotations

import argparse
import difflib
import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = Path(__file__).with_name("mutants-equivalent.toml")
CAUGHT = {1: "killed", 3: "killed", 36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout",
          -9: "killed", -11: "killed", 37: "killed"}
SURVIVED = {0: "survived", 5: "no tests", 33: "no tests"}


def _changed_line(name: str, path: Path) -> tuple[str, str]:
    """The line the mutant changed: (original, mutant), each stripped."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    diff = get_diff_for_mutant(name, path=path).splitlines()
    minus = [d[1:].strip() for d in diff if d.startswith("-") and not d.startswith("---")]
    plus = [d[1:].strip() for d in diff if d.startswith("+") and not d.startswith("+++")]
    if len(minus) == len(plus) == 1:
        return minus[0], plus[0]
    ops = difflib.SequenceMatcher(a=minus, b=plus).get_opcodes()
    return " / ".join(x for op in ops if op[0] != "equal" for x in minus[op[1]:op[2]]), \
        " / ".join(x for op in ops if op[0] != "equal" for x in plus[op[3]:op[4]])


def _function(name: str) -> str:
    """pipeline.run.artifacts.x_write_folder__mutmut_3 -> write_folder; classes as Class.method."""
    mangled = name.partition("__mutmut_")[0].rpartition(".")[2]
    if "ǁ" in mangled:
        _, cls, meth = mangled.split("ǁ")
        return f"{cls}.{meth}"
    return mangled.removeprefix("x_")


def load_equivalent() -> dict[tuple[str, str, str, str], str]:
    """(module, function, original line, mutant line) -> why the mutant changes nothing that matters."""
    if not EQUIVALENT.exists():
        return {}
    data = tomllib.loads(EQUIVALENT.read_text(encoding="utf-8"))
    return {(e["module"], e["function"], e["line"], e["mutant"]): e["why"] for e in data.get("mutant", [])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--all", action="store_true", help="also show each survivor's whole diff")
    ap.add_argument("--min", type=float, default=None, help="fail when a module's adjusted score is below this")
    args = ap.parse_args()
    import os
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    equivalent = load_equivalent()
    used: set[tuple[str, str, str, str]] = set()
    rows, survivors, low = [], [], []
    for module in config["only_mutate"]:
        meta = ROOT / "mutants" / (module + ".meta")
        if not meta.exists():
            rows.append((module, None))
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        counts: Counter[str] = Counter()
        explained = 0
        for name, code in sorted(codes.items(), key=lambda kv: int(kv[0].rpartition("_")[2])):
            status = CAUGHT.get(code) or SURVIVED.get(code) or ("not run" if code is None else f"exit {code}")
            counts[status] += 1
            if code in SURVIVED:
                line, mutant = _changed_line(name, Path(module))
                key = (module, _function(name), line, mutant)
                why = equivalent.get(key)
                if why:
                    used.add(key)
                    explained += 1
                survivors.append((module, name, status, line, mutant, why))
        caught = counts["killed"] + counts["timeout"]
        judged = caught + counts["survived"] + counts["no tests"]
        rows.append((module, (len(codes), caught, counts["survived"], counts["no tests"], counts["not run"], explained,
                              caught / judged if judged else 1.0,
                              caught / (judged - explained) if judged - explained else 1.0)))
    print(f"{'module':42} {'mutants':>7} {'caught':>6} {'survived':>8} {'no test':>7} {'not run':>7} "
          f"{'equiv':>5} {'score':>6} {'adjusted':>8}")
    for module, r in rows:
        if r is None:
            print(f"{module:42} (not run yet)")
            continue
        total, caught, surv, none, notrun, expl, score, adjusted = r
        print(f"{module:42} {total:7} {caught:6} {surv:8} {none:7} {notrun:7} {expl:5} {score:6.1%} {adjusted:8.1%}")
        if args.min is not None and adjusted < args.min:
            low.append(module)
    print("\nSurvivors (status, mutant, original line → mutant line; equivalent ones with the reason):")
    for module, name, status, line, mutant, why in survivors:
        print(f"  {status:9} {name}\n            - {line}\n            + {mutant}")
        if why:
            print(f"            = equivalent: {why}")
        if args.all:
            from mutmut.mutation.diff_apply import get_diff_for_mutant
            print("\n".join("            " + d for d in get_diff_for_mutant(name, path=Path(module)).splitlines()))
    stale = [k for k in equivalent if k not in used and k[0] in config["only_mutate"]]
    for module, function, line, mutant in stale:
        print(f"note: {EQUIVALENT.name} explains a mutant that no longer survives: {module} {function}: {line} → {mutant}")
    if low:
        print(f"\nbelow {args.min:.0%}: {', '.join(low)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
