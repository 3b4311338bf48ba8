"""Build pipeline/rules/restore/collocations.toml: how often real undamaged Chinese text follows
发展 and 开展 (and puts 项目 and 工程, 参与 and 参加 between) each short run of characters.

A spinner that wrote 开展 for every 发展 leaves 企业开展离不开…: a reader knows it was 发展 because
real text says 发展离不开 and never 开展离不开. jieba's dictionary has words, not what follows
them; this table has the figures (counts only, no sentences) from a corpus of official text:

  right: X → [times 发展X, times 开展X, jieba's part of speech of X's first word] for X the first
         2 or 3 Han characters after the word (a verb or function word, 发展离不开, cannot be
         开展's object; a noun, 发展体制机制 beside 开展体制机制创新, can: the rule tells them apart);
  totals: [occurrences of 发展, of 开展] counted.
(The characters before 发展 were tried and left out: 协同发展 414 / 协同开展 6 and 文明发展 82 /
文明开展 0 voted 发展 on real held-out text where 协同开展, 规范文明开展 were genuine.)
For 项目 / 工程 (nouns both) and 参与 / 参加 the words beside them are what tells them apart, on
either side:
  left: X → [times X项目, times X工程, jieba's tag of X's last word] (亿元以上项目, 签约项目 against
        三北工程, 民生工程; 深度参与, 社会资本参与), and right as above (项目落地, 项目清单 against
        工程机械; 参与全球治理). (激励 / 鼓励 was tried: 激励 is too rare in the corpus, ×631, for
        a run to decide anything the rules do not.)
For 发展 / 开展 also:
  tail: X → [times, times, tag of its last word] for X the last 2 Han characters of the clause
        after the word (see collocations.TAIL): the head of its object (开展…专项检查 against
        发展…特色产业), which the run right after the word often does not reach.

Only runs seen at least MIN_TOTAL times in all are kept; the stage reads the longest run a
document's text has in the table and turns the two counts into a log-ratio (the swap rule's
`collocation` cue, thresholds in swaps.toml). 开展 is counted where the swap rule would see it
(its match and guards, read from swaps.toml: not 召开展会, 公开展示).

The corpus this table was built from (kept outside the repository; figures only are committed):
  - aldohemsn/chinese-political-corpora (GitHub; no licence file): government_work_reports.jsonl
    and cpc_congress_reports.jsonl, the State Council's government work reports 1954–2025 and the
    CPC national congress reports as scraped from zh.wikisource (CC BY-SA 4.0 there; official
    documents are outside copyright under the Copyright Law, art. 5);
  - xvshiting/politic_analysis_paper_2025 (GitHub; no licence file): the "Policy Content" text of
    data/Policies Data.xlsx, central-government and Shandong provincial policy documents;
  - vanillabeans98/plsc_xi_speeches (GitHub; no licence file): all_data.csv, speeches of 2020
    from jhsjk.people.cn;
  - DuckBurnIncense/xin-wen-lian-bo (MIT licence for its code; the transcripts are CCTV's, from
    tv.cctv.com) and, for the days it lacks, yuekcc/cctv_news (likewise): 新闻联播 transcripts,
    2022-01 to 2026-08.
  Only counts are committed, never text.
  Every document sharing a 32-character run of Han characters with the evaluation texts (the
  committed tests/fixtures/clean_corpus_*.txt and the real held-out/dev documents kept outside the
  repository) was dropped, and so were duplicates: 1997 documents, 19.8 M characters, 发展 ×54765,
  开展 ×9387 where the swap rule would see it (×9426 in all).

    .venv/bin/python bench/build_collocations.py CORPUS.txt   # rewrites the tables; commit them
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from pipeline.stages.restore import swaps  # noqa: E402  (where the swap rule looks: its own match and guards)
from pipeline.stages.restore.collocations import RUN_CHARS, TAIL, TAIL_MAX, tail_of  # noqa: E402  (the table's runs, as the loader reads them)
from pipeline.stages.restore.swap_rules import Rule, load  # noqa: E402
OUT = ROOT / "pipeline" / "rules" / "restore" / "collocations.toml"
# family -> (its swap rule, the sides counted): the rule's match and guards say where it would look
FAMILIES = {"fazhan": ("swap.fazhan", ("right", "tail")), "xiangmu": ("swap.xiangmu", ("right", "left")),
            "canyu": ("swap.canyu", ("right", "left"))}
MIN_TOTAL = 5        # a run seen fewer times in all says nothing either way
LENGTHS = (2, 3)     # lengths of a run (one character too often starts a new word)
_RUN_RIGHT = re.compile(f"[{RUN_CHARS}]{{0,{max(LENGTHS)}}}")
_RUN_LEFT = re.compile(f"[{RUN_CHARS}]{{0,{max(LENGTHS)}}}$")


def count(text: str, original: str, swapped: str, rule: Rule) -> tuple[dict[str, tuple[Counter[str], Counter[str]]], list[int]]:
    """The runs after and before each form, where the swap rule would look."""
    runs: dict[str, dict[str, Counter[str]]] = {side: {original: Counter(), swapped: Counter()}
                                                for side in ("right", "left", "tail")}
    totals = []
    for word in (original, swapped):
        n = 0
        for m in re.finditer(word, text):
            s, e = m.span()
            if word == swapped and (not rule.pattern.match(text, s) or swaps._guarded(rule, text, s, e)):
                continue
            n += 1
            r = _RUN_RIGHT.match(text, e).group(0)  # type: ignore[union-attr]
            runs["right"][word].update(r[:k] for k in LENGTHS if len(r) >= k)
            left = _RUN_LEFT.search(text[max(0, s - max(LENGTHS)):s]).group(0)  # type: ignore[union-attr]
            runs["left"][word].update(left[-k:] for k in LENGTHS if len(left) >= k)
            if tail := tail_of(swaps._context(text, s, e).right):  # the clause the stage reads
                runs["tail"][word][tail] += 1
        totals.append(n)
    return {side: (c[original], c[swapped]) for side, c in runs.items()}, totals


def rows(a: Counter[str], b: Counter[str], tags: dict[str, str], side: str) -> list[str]:
    """One line per run, "run count-with-original count-with-swapped tag" (a TOML string of lines
    parses in a millisecond; an array of arrays this long takes tens)."""
    keys = sorted(k for k in set(a) | set(b) if a[k] + b[k] >= MIN_TOTAL)
    return [f"{k} {a[k]} {b[k]} {tag(k, tags, side)}" for k in keys]


def tag(run: str, tags: dict[str, str], side: str) -> str:
    """jieba's tag of the longest dictionary word next to ours: the run's first word after it, its
    last word before it ("x" if none)."""
    ends = (run[:k] if side == "right" else run[-k:] for k in range(len(run), 0, -1))
    return next((tags[w] for w in ends if w in tags), "x")


def read_tags(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3:
            out[parts[0]] = parts[2]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path, help="undamaged text, UTF-8 (see the docstring for its sources)")
    import jieba  # noqa: PLC0415  (only for the path of its dictionary)
    ap.add_argument("--dict", type=Path, default=Path(jieba.__file__).parent / "dict.txt")
    args = ap.parse_args()
    text = args.corpus.read_text(encoding="utf-8")
    sr = load()
    tags = read_tags(args.dict)
    out = ["# Generated by bench/build_collocations.py from a corpus of undamaged official text (see its",
           "# docstring for the sources): do not edit by hand. Counts only: each line of right (left,",
           "# tail) is \"run, times with the original, times with the swapped form, jieba 0.42.1's tag",
           "# of the run's first (last) word\".",
           f"# {len(text)} characters; runs seen at least {MIN_TOTAL} times."]
    for family, (rule_id, sides) in FAMILIES.items():
        o, s = sr.pairs[family]
        runs, totals = count(text, o, s, next(r for r in sr.rules if r.id == rule_id))
        out += ["", f"[collocation.{family}]", f"totals = [{totals[0]}, {totals[1]}]"]
        for side in sides:
            lines = rows(*runs[side], tags, side)
            what = {"right": f"the {'/'.join(map(str, LENGTHS))} Han characters after the word",
                    "left": f"the {'/'.join(map(str, LENGTHS))} Han characters before the word",
                    "tail": f"the last {TAIL} Han characters of the clause after the word (up to {TAIL_MAX} characters)"}
            out += [f"# {what[side]}: {len(lines)} runs",
                    f'{side} = """', *lines, '"""']
        print(f"{family}: {o} ×{totals[0]}, {s} ×{totals[1]}", file=sys.stderr)
    OUT.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
