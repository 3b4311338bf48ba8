"""The batch on a two-worker Dask LocalCluster (loopback only): the same bytes as the process
pool, and every document even when a worker is killed mid-run."""
from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path


import dask
from distributed import Client, LocalCluster

from pipeline.run.batch import build_many  # noqa: E402
from pipeline.run.cluster import build_on_dask  # noqa: E402
from pipeline.options import Options  # noqa: E402

SAMPLE = Path(__file__).parents[2] / "samples" / "huiwen-728690.txt"
OPTS = Options(formats=("docx", "pdf"), page_count=False)


def make_pages(folder: Path, n: int) -> Path:
    """Variants of the sample: shorter bodies and different names, so no two are the same."""
    folder.mkdir()
    text = SAMPLE.read_text(encoding="utf-8")
    body = max(text.splitlines(), key=len)
    segments = body.split(" ")
    for i in range(n):
        cut = " ".join(segments[: len(segments) - i])
        (folder / f"page-{i:02d}.txt").write_text(text.replace(body, cut), encoding="utf-8")
    return folder


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_local_cluster_builds_the_same_bytes_as_the_process_pool(tmp_path: Path) -> None:
    pages = make_pages(tmp_path / "pages", 4)
    pooled = build_many([str(pages)], tmp_path / "pool", OPTS, jobs=2)
    dasked = build_on_dask([str(pages)], tmp_path / "dask", OPTS, "local")
    assert pooled.count("built") == dasked.count("built") == 4
    assert tree(tmp_path / "pool") == tree(tmp_path / "dask")
    again = build_on_dask([str(pages)], tmp_path / "dask", OPTS, "local")  # incremental
    assert again.count("skipped") == 4


def test_a_worker_killed_mid_run_loses_no_document(tmp_path: Path) -> None:
    pages = make_pages(tmp_path / "pages", 8)
    out = tmp_path / "out"
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        client = Client(cluster)
        try:
            killed: list[int] = []

            def kill_one_worker_after_first_document() -> None:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline and not any(out.glob("*/manifest.json")):
                    time.sleep(0.05)
                pid = next(iter(client.run(os.getpid).values()))
                os.kill(pid, signal.SIGKILL)
                killed.append(len(list(out.glob("*/manifest.json"))))

            killer = threading.Thread(target=kill_one_worker_after_first_document)
            killer.start()
            summary = build_on_dask([str(pages)], out, OPTS, "unused", client=client)
            killer.join()
        finally:
            client.close()
            cluster.close()
    assert killed and killed[0] < 8, "no worker was killed mid-run"
    # A task whose worker died after writing its folder is rerun and finds it up to date.
    assert not summary.failed and summary.count("built") + summary.count("skipped") == 8
    assert sorted(p.name for p in out.iterdir()) == [f"page-{i:02d}" for i in range(8)]  # no temp folders
    for folder in out.iterdir():
        assert (folder / "manifest.json").is_file()


def test_fsspec_urls_in_and_out_are_staged_and_uploaded_whole() -> None:
    """What a worker does with non-local URLs (memory:// here; s3:// etc. in practice)."""
    import fsspec

    from pipeline.run.cluster import build_task, expand_urls

    fs = fsspec.filesystem("memory")
    fs.pipe("/pages/a.txt", SAMPLE.read_bytes())
    fs.pipe("/pages/notes.md", b"not a page")
    assert expand_urls(["memory://pages"]) == ["memory:///pages/a.txt"]
    opts = Options(formats=("docx",), page_count=False)
    r = build_task("memory:///pages/a.txt", "memory://out", opts, False, "memory:///pages/a.txt")
    assert r.status == "built" and r.input == "memory:///pages/a.txt"
    names = {p.rsplit("/", 1)[1] for p in fs.find("/out")}
    assert {"manifest.json", "edits.jsonl", "04-structure.json"} <= names
    assert not [p for p in fs.ls("/out", detail=False) if ".part" in p]
    again = build_task("memory:///pages/a.txt", "memory://out", opts, False, "memory:///pages/a.txt")
    assert again.status == "skipped"
