"""PDF render benchmark: wall time and peak RSS for one document in a fresh process (what a
user's single build pays) and for N documents in one process (what a batch pays; memory
should stay flat because the press is shared and gc runs after each render).

    .venv/bin/python bench/pdf_bench.py [--input structured.json] [--docs 50] [--json out.json]

Each case runs in its own child process so the numbers don't contaminate each other.
Not a test: timings depend on the machine.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent
DEFAULT_INPUT = ROOT / "tests" / "fixtures" / "sample-structured.json"


def rss_mb() -> float:
    """Current resident set size."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def variants(doc, n: int):
    """n distinct documents from one: the body paragraphs rotated, a different id and title,
    so no render can reuse another's result."""
    paras = [i for i, b in enumerate(doc.blocks) if b.kind == "paragraph"]
    for k in range(n):
        blocks = list(doc.blocks)
        rotated = paras[k % len(paras):] + paras[: k % len(paras)]
        for slot, src in zip(paras, rotated):
            blocks[slot] = doc.blocks[src]
        meta = dataclasses.replace(doc.meta, doc_id=f"{doc.meta.doc_id}-{k}", title=f"{doc.meta.title}{k}")
        yield dataclasses.replace(doc, blocks=blocks, meta=meta)


def child(input_path: Path, docs: int) -> dict:
    t0 = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from pipeline.model import Document
    from pipeline.options import Options
    from pipeline.render.pdf import render_pdf

    imported = time.perf_counter()
    doc = Document.from_json(input_path.read_text(encoding="utf-8"))
    times, rss, size = [], {}, 0
    for i, d in enumerate(variants(doc, docs) if docs > 1 else [doc], start=1):
        t = time.perf_counter()
        size = len(render_pdf(d, Options()))
        times.append(time.perf_counter() - t)
        if i in (1, 10, docs // 2, docs):
            rss[i] = round(rss_mb(), 1)
    return {
        "docs": docs,
        "import_s": round(imported - t0, 3),
        "first_render_s": round(times[0], 3),
        "median_later_render_s": round(statistics.median(times[1:]), 3) if docs > 1 else None,
        "renders_total_s": round(sum(times), 2),
        "rss_mb_after_render": rss,
        "peak_rss_mb": round(peak_mb(), 1),
        "pdf_bytes": size,
    }


def costs(input_path: Path, reps: int = 11) -> dict:
    """CPU time of one render (median of ``reps``, interleaved) without and with the flush
    CJK lines (pipeline/cjk_justify.py) and the PDF tags: what each costs the render."""
    sys.path.insert(0, str(ROOT))
    from weasyprint import HTML
    from weasyprint.layout import inline

    from pipeline.render import justify as cjk_justify
    from pipeline.render import fonts
    from pipeline.render import pdf as rp
    from pipeline.model import Document
    from pipeline.options import Options

    press = rp._press(fonts.font_dir())
    html = rp.render_html(Document.from_json(input_path.read_text(encoding="utf-8")), Options())
    cases = {"ragged": (False, False), "flush": (True, False), "flush+tags": (True, True)}
    times: dict[str, list[float]] = {k: [] for k in cases}
    for rep in range(reps + 1):
        for name, (flush, tags) in cases.items():
            inline.justify_line = cjk_justify.justify_line if flush else cjk_justify._original
            t = time.process_time()
            HTML(string=html, base_url=str(rp.TEMPLATES)).write_pdf(
                stylesheets=press.stylesheets, font_config=press.font_config, pdf_tags=tags)
            if rep:  # the first round warms the caches
                times[name].append(time.process_time() - t)
    cjk_justify.install()
    return {k: round(statistics.median(v), 4) for k, v in times.items()}


def run_case(input_path: Path, docs: int) -> dict:
    t = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--input", str(input_path), "--docs", str(docs)],
        check=True, capture_output=True, text=True,
    ).stdout
    result = json.loads(out)
    result["process_wall_s"] = round(time.perf_counter() - t, 2)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", type=Path, default=DEFAULT_INPUT, help="a structured Document (JSON)")
    ap.add_argument("--docs", type=int, default=50, help="documents in the batch case")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(costs(args.input) if args.docs == 0 else child(args.input, args.docs)))
        return
    results = {"one": run_case(args.input, 1), "batch": run_case(args.input, args.docs),
               "costs": run_case(args.input, 0)}
    one, batch = results["one"], results["batch"]
    print(f"pdf  1 doc  / process: wall {one['process_wall_s']} s (import {one['import_s']} s, "
          f"render {one['first_render_s']} s), peak RSS {one['peak_rss_mb']} MB, {one['pdf_bytes']} bytes")
    print(f"pdf {batch['docs']} docs / process: wall {batch['process_wall_s']} s, first render "
          f"{batch['first_render_s']} s, then median {batch['median_later_render_s']} s; "
          f"RSS after render {batch['rss_mb_after_render']} MB, peak {batch['peak_rss_mb']} MB")
    c = results["costs"]
    print(f"pdf render CPU: ragged {c['ragged']} s, flush CJK lines {c['flush']} s "
          f"({c['flush'] / c['ragged'] - 1:+.1%}), flush + tags {c['flush+tags']} s "
          f"({c['flush+tags'] / c['ragged'] - 1:+.1%})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
