"""`make bench`: throughput and memory of the pipeline on a generated corpus, with pandoc and
LibreOffice on the same documents as peers. A benchmark, not a test: it prints a table and
never fails the build.

    python bench/run.py [--docs 200] [--out build/bench] [--no-dask]
"""
from __future__ import annotations

import argparse
import copy
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.stages import STAGES  # noqa: E402
from pipeline.run.batch import build_many  # noqa: E402
from pipeline.stages.ingest import ingest  # noqa: E402
from pipeline.options import Options  # noqa: E402

SAMPLE = REPO / "samples" / "huiwen-728690.txt"
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "utf-16")


def make_corpus(folder: Path, n: int, seed: int = 7) -> list[Path]:
    """n pages from the sample: bodies cut or repeated (length), chrome lines dropped or kept,
    a saved-HTML form for some, and the text encodings users meet."""
    rng = random.Random(seed)
    text = SAMPLE.read_text(encoding="utf-8")
    lines = text.split("\n")
    body_at = max(range(len(lines)), key=lambda i: len(lines[i]))
    segments = lines[body_at].split(" ")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        keep = rng.randint(6, len(segments))
        body = segments[:keep] + segments[2:] * rng.choice((0, 0, 1, 2))  # shorter or longer
        page = list(lines)
        page[body_at] = " ".join(body)
        if rng.random() < 0.3:  # a site that shows less chrome
            page = [ln for ln in page if ln not in ("收起", "展开", "收藏 分享赚钱")]
        content = "\n".join(page)
        if i % 5 == 4:
            paras = "".join(f"<p>{ln}</p>\n" for ln in page if ln.strip())
            path = folder / f"doc-{i:04d}.html"
            path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{page[1]}</title>"
                            f"<script>var x=1;</script></head><body><nav>首页</nav>{paras}</body></html>",
                            encoding="utf-8")
        else:
            path = folder / f"doc-{i:04d}.txt"
            path.write_bytes(content.encode(ENCODINGS[i % len(ENCODINGS)]))
        paths.append(path)
    return paths


def stage_times(paths: list[Path], opts: Options, renders: int) -> list[tuple[str, float, float]]:
    """Per stage: mean ms per document and peak traced MB for one document."""
    from pipeline.render.docx import render_docx
    from pipeline.render.pdf import render_pdf

    totals: dict[str, float] = {}
    peaks: dict[str, float] = {}
    for k, path in enumerate(paths):
        data = path.read_bytes()
        steps = [("ingest", lambda d: ingest(data, str(path)))]
        steps += [(s.name, lambda d, s=s: s.run(copy.deepcopy(d), opts)) for s in STAGES[1:]]
        if k < renders:
            steps += [("render docx", lambda d: render_docx(d, opts) and d),
                      ("render pdf", lambda d: render_pdf(d, opts) and d)]
        doc = None
        for name, fn in steps:
            measure = k == 1  # the second document: caches warm, allocations traced once
            if measure:
                tracemalloc.start()
            t = time.perf_counter()
            doc = fn(doc)
            totals[name] = totals.get(name, 0.0) + time.perf_counter() - t
            if measure:
                peaks[name] = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
    counts = {name: (renders if name.startswith("render") else len(paths)) for name in totals}
    return [(name, 1000 * totals[name] / counts[name], peaks.get(name, 0.0)) for name in totals]


def throughput(paths: list[Path], out: Path, opts: Options, jobs: int) -> float:
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    summary = build_many([str(p) for p in paths], out, opts, jobs=jobs, force=True)
    elapsed = time.perf_counter() - t
    if summary.failed:
        print(f"  ({len(summary.failed)} failed, e.g. {summary.failed[0].input}: {summary.failed[0].reason})")
    return summary.count("built") / elapsed


def dask_throughput(paths: list[Path], out: Path, opts: Options) -> float:
    from pipeline.run.cluster import build_on_dask

    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    summary = build_on_dask([str(p) for p in paths], out, opts, "local", force=True)
    return summary.count("built") / (time.perf_counter() - t)


def peers(built: Path, n: int) -> dict[str, float]:
    """Seconds per document for pandoc (md → docx, md → pdf with WeasyPrint) and LibreOffice
    (our DOCX → PDF), on the first n built documents."""
    docs = sorted(built.iterdir())[:n]
    out: dict[str, float] = {}
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    with tempfile.TemporaryDirectory() as tmp:
        if shutil.which("pandoc"):
            for target, extra in (("docx", []), ("pdf", ["--pdf-engine=weasyprint", "--css",
                                                        str(REPO / "templates" / "report.css")])):
                t = time.perf_counter()
                for d in docs:
                    subprocess.run(["pandoc", "-f", "markdown+east_asian_line_breaks", str(d / "04-structure.md"),
                                    "--metadata", f"title={d.name}", "-o", f"{tmp}/{d.name}.{target}", *extra],
                                   env=env, capture_output=True, check=False)
                out[f"pandoc md→{target}"] = (time.perf_counter() - t) / len(docs)
        soffice = shutil.which("soffice")
        if soffice:
            files = [str(next(d.glob("*.docx"))) for d in docs if any(d.glob("*.docx"))]
            t = time.perf_counter()
            subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/lo",
                            "--convert-to", "pdf", "--outdir", f"{tmp}/lo-out", *files],
                           capture_output=True, check=False, timeout=900)
            out["LibreOffice docx→pdf"] = (time.perf_counter() - t) / max(len(files), 1)
    return out


def fresh_process(out: Path, runs: int = 5) -> tuple[float, float, float]:
    """Median wall seconds of one fresh ``python -m pipeline build`` of the sample (default
    options: DOCX, PDF and the LibreOffice page count), and of LibreOffice's one-call
    ``soffice --headless --convert-to pdf`` of the same DOCX, with a new profile each time and
    with one kept profile (as on a user's machine; its first, profile-making call not timed),
    run in turn so load on the machine falls on all three alike."""
    soffice = shutil.which("soffice")
    ours: list[float] = []
    lo_new: list[float] = []
    lo_kept: list[float] = []

    def convert(profile: str, docx: Path, tmp: str) -> float:
        t = time.perf_counter()
        subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
                        "--convert-to", "pdf", "--outdir", f"{tmp}/out", str(docx)],
                       capture_output=True, check=False, timeout=300)
        return time.perf_counter() - t

    with tempfile.TemporaryDirectory() as tmp:
        for k in range(runs):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pipeline", "build", str(SAMPLE), "--out", str(out), "--force"],
                           cwd=REPO, capture_output=True, check=True)
            ours.append(time.perf_counter() - t)
            docx = next((out / SAMPLE.stem).glob("*.docx"))
            if soffice:
                if k == 0:
                    convert(f"{tmp}/kept", docx, tmp)
                lo_new.append(convert(f"{tmp}/new{k}", docx, tmp))
                lo_kept.append(convert(f"{tmp}/kept", docx, tmp))

    def median(xs: list[float]) -> float:
        return sorted(xs)[len(xs) // 2] if xs else float("nan")

    return median(ours), median(lo_new), median(lo_kept)


def peak_rss(paths: list[Path], out: Path, jobs: int = 2) -> float:
    """Peak RSS in MB of the largest process (ours, a worker or its LibreOffice) building ``paths``."""
    shutil.rmtree(out, ignore_errors=True)
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "build", *map(str, paths), "--out", str(out),
                             "--jobs", str(jobs), "--force"], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--out", type=Path, default=REPO / "build" / "bench")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--memory-docs", type=int, default=400, help="the larger corpus peak memory is measured on")
    a = ap.parse_args()
    paths = make_corpus(a.out / "corpus", max(a.docs, a.memory_docs))
    big, paths = paths, paths[:a.docs]
    print(f"corpus: {len(paths)} pages from {SAMPLE.name} ({a.out / 'corpus'})\n")

    ours, lo_new, lo_kept = fresh_process(a.out / "fresh")
    print(f"fresh process, {SAMPLE.name}, default options (DOCX + PDF + LibreOffice page count), median of 5:")
    print(f"  ours {ours:.2f} s; LibreOffice one-call docx→pdf {lo_new:.2f} s with a new profile, "
          f"{lo_kept:.2f} s with a kept one")
    print(f"  ratio ours/LibreOffice ×{ours / lo_new:.2f} (new profile), ×{ours / lo_kept:.2f} (kept profile)\n")

    default = Options()
    batch = throughput(paths[:40], a.out / "out", default, 2)
    print(f"batch, 40 pages, --jobs 2, default options (page count on): {batch:.2f} docs/s")
    for n in (40, a.memory_docs):
        print(f"  peak RSS building {n} pages at --jobs 2 (largest process): {peak_rss(big[:n], a.out / 'mem'):.0f} MB")
    print()

    print("per stage (mean ms/doc; peak traced MB for one doc):")
    for name, ms, mb in stage_times(paths[:50], Options(), renders=10):
        print(f"  {name:<14} {ms:9.1f} ms {mb:8.1f} MB")

    docx = Options(formats=("docx",), page_count=False)
    both = Options(formats=("docx", "pdf"), page_count=False)
    rates = {}
    for label, opts in (("DOCX only", docx), ("DOCX+PDF", both)):
        for jobs in (1, 2):
            rates[(label, jobs)] = throughput(paths, a.out / "out", opts, jobs)
    if not a.no_dask:
        try:
            rates[("DOCX+PDF", "dask 2")] = dask_throughput(paths, a.out / "dask", both)
        except ImportError:
            print("(dask not installed: pip install .[dask])")
    print("\nthroughput (documents/second; LibreOffice page count off):")
    for (label, jobs), rate in rates.items():
        print(f"  {label:<10} workers={jobs!s:<7} {rate:7.2f} docs/s")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS: this process {own:.0f} MB, largest worker {rss:.0f} MB")

    ours = 1 / rates[("DOCX+PDF", 1)]
    ours_docx = 1 / rates[("DOCX only", 1)]
    print("\npeers on the same documents (seconds/doc; ratio = peer time / our time):")
    for name, secs in peers(a.out / "out", 20).items():
        base = ours_docx if name.endswith("docx") else ours
        print(f"  {name:<22} {secs:7.3f} s   ×{secs / base:5.2f}")
        if name.startswith("LibreOffice"):
            print(f"  {'(batch, page count on)':<22} {1 / batch:7.3f} s   ×{secs * batch:5.2f}  "
                  "(LibreOffice batch-converting vs our DOCX+PDF+count at --jobs 2)")


if __name__ == "__main__":
    main()
