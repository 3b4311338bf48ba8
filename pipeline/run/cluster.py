"""The same batch on a Dask cluster: one task per document, for crawls that outgrow one machine.

Dask does the scheduling, retries and progress; each task is ``batch.build_one``, so a document
built here is byte-for-byte the one the process pool builds, written atomically, and skipped when
up to date. Dask is optional (``pip install .[dask]``) and imported only when asked for.
Inputs and outputs are local paths or fsspec URLs that every worker can reach (in practice a
shared filesystem); non-local URLs are staged through a local folder on the worker.
This module is imported only for ``--scheduler``, so Dask stays an optional dependency.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin

from pipeline.run.batch import Result, Summary, build_one, claim_names, expand, is_page, warm_up
from pipeline.errors import PipelineError
from pipeline.options import Options
from pipeline.render.presentation import folder_name

LOCAL_WORKERS = 2


def _is_remote(url: str) -> bool:
    return "://" in url and not url.startswith("file://")


def _local(url: str) -> str:
    return url[len("file://"):] if url.startswith("file://") else url


def _absolute(url: str) -> str:
    return url if _is_remote(url) else str(Path(_local(url)).absolute())


def expand_urls(paths: list[str]) -> list[str]:
    """Page files named directly and inside named folders, local or fsspec URLs."""
    out: list[str] = []
    for p in paths:
        if not _is_remote(p):
            out.extend(expand([_local(p)]))
            continue
        import fsspec

        fs, root = fsspec.core.url_to_fs(p)
        if fs.isdir(root):
            proto = p.split("://", 1)[0]
            out.extend(f"{proto}://{f}" for f in sorted(fs.find(root)) if is_page(Path(f)))
        else:
            out.append(p)
    return out


def build_task(path: str, out: str, opts: Options, force: bool, source: str) -> Result:
    """One document on a worker. Remote inputs are fetched and remote build folders uploaded
    whole, into a temporary name first, so a killed worker leaves no half document."""
    if not _is_remote(path) and not _is_remote(out):
        return build_one(_local(path), Path(_local(out)), opts, force, source=source)
    import fsspec

    with tempfile.TemporaryDirectory(prefix="scrape2doc-") as tmp:
        local_in = path
        if _is_remote(path):
            local_in = str(Path(tmp) / "in" / Path(path.split("://", 1)[1]).name)
            Path(local_in).parent.mkdir()
            with fsspec.open(path, "rb") as src:
                Path(local_in).write_bytes(src.read())
        if not _is_remote(out):
            return build_one(local_in, Path(_local(out)), opts, force, source=source)
        fs, root = fsspec.core.url_to_fs(out)
        stem = folder_name(Path(local_in).stem)
        staging = Path(tmp) / "out"
        if fs.exists(f"{root}/{stem}"):
            fs.get(f"{root}/{stem}", str(staging / stem), recursive=True)  # lets the up-to-date check see it
        result = build_one(local_in, staging, opts, force, source=source)
        if result.status == "built":
            part = f"{root}/.{stem}.{os.getpid()}.part"
            fs.put(str(staging / stem), part, recursive=True)
            if fs.exists(f"{root}/{stem}"):
                fs.rm(f"{root}/{stem}", recursive=True)
            fs.mv(part, f"{root}/{stem}", recursive=True)
        shutil.rmtree(staging, ignore_errors=True)
        return Result(result.input, result.status, f"{out}/{stem}" if result.folder else "", result.reason)


def _client(scheduler: str) -> Any:
    from dask.distributed import Client, LocalCluster

    if scheduler == "local":
        cluster = LocalCluster(n_workers=LOCAL_WORKERS, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        return Client(cluster)
    try:
        return Client(scheduler, timeout="20s")
    except OSError as e:
        raise PipelineError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from e


class WarmUp(WorkerPlugin):
    """Worker plugin: rules (and the renderers' fonts and templates, on first use) load once
    per worker process, not once per document."""

    def setup(self, worker: Any) -> None:
        warm_up()


def build_on_dask(paths: list[str], out: str | Path, opts: Options, scheduler: str, force: bool = False,
                  client: Any = None) -> Summary:
    """Send one task per document to ``scheduler`` ('local' or tcp://HOST:8786). A task whose
    worker dies is retried by Dask; a document that fails twice is reported failed (on a
    LocalCluster; a running cluster applies its own ``distributed.scheduler.allowed-failures``)."""
    import dask
    from dask.distributed import as_completed, progress

    summary = Summary()
    listed = expand_urls([str(p) for p in paths])
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        own = client is None
        client = client or _client(scheduler)
        try:
            client.register_plugin(WarmUp(), name="scrape2doc-warm-up")
            futures = {}
            for p, clash in claim_names(listed):
                if clash:
                    summary.results.append(Result(p, "failed", reason=clash))
                else:
                    # Absolute paths: workers elsewhere have another working directory.
                    futures[client.submit(build_task, _absolute(p), _absolute(str(out)), opts, force, p,
                                          pure=False, retries=1)] = p
            if futures and sys.stderr.isatty():
                progress(list(futures))
            for fut in as_completed(list(futures)):
                try:
                    summary.results.append(fut.result())
                except Exception as e:  # KilledWorker after the retry, or a lost connection
                    summary.results.append(Result(futures[fut], "failed", reason=f"{type(e).__name__}: {e}"))
        finally:
            if own:
                cluster = getattr(client, "cluster", None)
                client.close()
                if cluster is not None:
                    cluster.close()
    summary.results.sort(key=lambda r: r.input)
    return summary
