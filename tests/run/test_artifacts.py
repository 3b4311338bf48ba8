"""The build folder's write promises, tested directly: all-or-nothing, nothing left behind,
no stale file kept, readable by others, and the folder lock."""
from __future__ import annotations

import ctypes
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.errors import PipelineError
from pipeline.model import Document, Edit
from pipeline.run import artifacts
from pipeline.run.artifacts import edits_jsonl, locked, read_manifest, write_file, write_folder


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_new_folder_holds_exactly_the_files_and_nothing_is_left_beside_it(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "out" / "by-site" / "doc"  # two missing folders above it
    write_folder(target, {"manifest.json": b"{}", "a.txt": "正文".encode()})
    assert listing(target) == {"a.txt": "正文".encode(), "manifest.json": b"{}"}
    assert sorted(p.name for p in target.parent.iterdir()) == ["doc"]


def test_the_folder_and_its_files_are_readable_by_others(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "doc"
    write_folder(target, {"a.txt": b"x"})
    assert target.stat().st_mode & 0o777 == 0o755  # mkdtemp's 0700 would shut others out
    assert (target / "a.txt").stat().st_mode & 0o777 == 0o644
    write_folder(target, {"a.txt": b"y"})  # the swapped-in rebuild too
    assert target.stat().st_mode & 0o777 == 0o755


def test_the_folder_mode_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_folder(tmp_path / "doc", {"a.txt": b"x"})
    finally:
        os.umask(old)
    assert (tmp_path / "doc").stat().st_mode & 0o777 == 0o750


def test_a_rebuild_keeps_no_stale_file_and_leaves_no_temporary_folder(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "doc"
    write_folder(target, {"old.pdf": b"old", "manifest.json": b"1"})
    write_folder(target, {"manifest.json": b"2", "new.docx": b"new"})
    assert listing(target) == {"manifest.json": b"2", "new.docx": b"new"}
    write_folder(target, {"manifest.json": b"3"})
    assert listing(target) == {"manifest.json": b"3"}
    assert [p.name for p in tmp_path.iterdir()] == ["doc"]  # no .doc.tmp-* left, hidden or not


def test_without_the_atomic_exchange_the_rename_path_keeps_the_same_promises(tmp_path: Path, umask: None,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(artifacts, "_exchange", lambda a, b: False)  # a filesystem without renameat2
    target = tmp_path / "doc"
    write_folder(target, {"old.pdf": b"old"})
    write_folder(target, {"manifest.json": b"2"})
    assert listing(target) == {"manifest.json": b"2"}
    assert [p.name for p in tmp_path.iterdir()] == ["doc"]
    assert target.stat().st_mode & 0o777 == 0o755


def test_a_failed_write_leaves_the_old_folder_whole_and_no_temporary_folder(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "doc"
    write_folder(target, {"manifest.json": b"1", "a.docx": b"old"})
    with pytest.raises(FileNotFoundError):
        # the second file cannot be written (its folder does not exist): nothing of the build lands
        write_folder(target, {"manifest.json": b"2", "missing/b.pdf": b"new"})
    assert listing(target) == {"a.docx": b"old", "manifest.json": b"1"}
    assert [p.name for p in tmp_path.iterdir()] == ["doc"]


def test_a_failed_first_build_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_folder(tmp_path / "doc", {"missing/b.pdf": b"new"})
    assert list(tmp_path.iterdir()) == []


def test_a_killed_builds_temporary_folder_is_swept_and_no_one_elses(tmp_path: Path) -> None:
    (tmp_path / ".doc.tmp-k1ll3d").mkdir()
    (tmp_path / ".doc.tmp-k1ll3d" / "half.pdf").write_bytes(b"half")
    (tmp_path / ".docs.tmp-other").mkdir()  # another document's: its name only starts alike
    (tmp_path / ".other.tmp-x").mkdir()
    write_folder(tmp_path / "doc", {"a": b"1"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [".docs.tmp-other", ".other.tmp-x", "doc"]


def test_a_name_with_glob_characters_sweeps_only_its_own_leftovers(tmp_path: Path) -> None:
    (tmp_path / ".d[o]c.tmp-1").mkdir()
    (tmp_path / ".doc.tmp-2").mkdir()  # what the unescaped pattern .d[o]c.tmp-* would match
    write_folder(tmp_path / "d[o]c", {"a": b"1"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [".doc.tmp-2", "d[o]c"]


def test_a_file_or_a_symlink_at_the_target_is_replaced_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_bytes(b"keep")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "doc").symlink_to(elsewhere)
    write_folder(tmp_path / "out" / "doc", {"a": b"1"})
    assert not (tmp_path / "out" / "doc").is_symlink() and listing(tmp_path / "out" / "doc") == {"a": b"1"}
    assert listing(elsewhere) == {"keep.txt": b"keep"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["doc"]
    (tmp_path / "file").write_bytes(b"a file")
    write_folder(tmp_path / "file", {"b": b"2"})
    assert listing(tmp_path / "file") == {"b": b"2"}


def test_exchange_swaps_two_folders_and_reports_a_missing_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(artifacts, "_libc", None)  # loaded afresh, as in a new process
    monkeypatch.chdir(tmp_path)  # relative paths: renameat2 resolves them from the working folder
    a, b = Path("a"), Path("b")
    a.mkdir()
    b.mkdir()
    (a / "in-a").write_bytes(b"")
    (b / "in-b").write_bytes(b"")
    assert artifacts._exchange(a, b) is True
    assert [p.name for p in a.iterdir()] == ["in-b"] and [p.name for p in b.iterdir()] == ["in-a"]
    with pytest.raises(OSError) as e:
        artifacts._exchange(Path("gone"), b)
    assert (e.value.errno, e.value.strerror, e.value.filename) == (errno.ENOENT, os.strerror(errno.ENOENT), "b")


@pytest.mark.parametrize("err", [errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP])
def test_exchange_is_false_where_the_filesystem_cannot_swap(err: int, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    class Libc:
        def renameat2(self, *args: object) -> int:
            return -1

    monkeypatch.setattr(artifacts, "_libc", Libc())
    monkeypatch.setattr(artifacts.ctypes, "get_errno", lambda: err)
    assert artifacts._exchange(tmp_path / "a", tmp_path / "b") is False
    monkeypatch.setattr(artifacts, "_libc", object())  # a C library without renameat2
    assert artifacts._exchange(tmp_path / "a", tmp_path / "b") is False


def test_the_temporary_folders_are_hidden_siblings_of_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "doc"
    write_folder(target, {"a": b"1"})
    swaps: list[tuple[Path, Path]] = []
    real = artifacts._exchange
    monkeypatch.setattr(artifacts, "_exchange", lambda a, b: swaps.append((a, b)) or real(a, b))
    write_folder(target, {"a": b"2"})
    (new, into), = swaps
    assert into == target and new.parent == tmp_path and new.name.startswith(".doc.tmp-")
    moves: list[tuple[Path, Path]] = []
    real_replace = os.replace
    monkeypatch.setattr(artifacts, "_exchange", lambda a, b: False)
    monkeypatch.setattr(os, "replace", lambda a, b: moves.append((Path(a), Path(b))) or real_replace(a, b))
    write_folder(target, {"a": b"3"})
    (away, old), (new, into) = moves
    assert away == into == target and old.name == "old" and old.parent.parent == tmp_path
    assert old.parent.name.startswith(".doc.tmp-") and new.parent == tmp_path and new.name.startswith(".doc.tmp-")
    assert listing(target) == {"a": b"3"} and [p.name for p in tmp_path.iterdir()] == ["doc"]


def test_a_leftover_that_cannot_be_swept_does_not_fail_the_build(tmp_path: Path) -> None:
    (tmp_path / ".doc.tmp-file").write_bytes(b"not a folder")  # rmtree cannot remove it: left alone
    write_folder(tmp_path / "doc", {"a": b"1"})
    assert listing(tmp_path / "doc") == {"a": b"1"}


def test_the_lock_is_exclusive_while_held_and_released_after(tmp_path: Path) -> None:
    def try_lock() -> bool:
        fd = os.open(tmp_path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        finally:
            os.close(fd)

    with locked(tmp_path):
        assert try_lock() is False
    assert try_lock() is True


def test_write_file_replaces_a_file_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "dir" / "decisions.json"
    write_file(target, b"one")
    write_file(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["decisions.json"]


def test_write_file_failure_keeps_the_old_file_and_says_which(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()  # a folder where the file should go: the rename fails
    (target / "inside").write_bytes(b"kept")
    with pytest.raises(PipelineError) as e:
        write_file(target, b"new")
    assert str(e.value) == f"cannot write {target}: Is a directory"
    assert listing(target) == {"inside": b"kept"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_write_file_under_a_file_fails_with_the_reason_not_a_cleanup_error(tmp_path: Path) -> None:
    (tmp_path / "plain").write_bytes(b"")
    with pytest.raises(PipelineError) as e:  # the folder cannot be made: no temporary was written either
        write_file(tmp_path / "plain" / "sub" / "x.json", b"new")
    assert str(e.value) == f"cannot write {tmp_path / 'plain' / 'sub' / 'x.json'}: Not a directory"


def test_edits_jsonl_is_one_sorted_json_object_a_line() -> None:
    doc = Document(source="x", edits=[Edit(stage="restore", rule="swap.fuwu", block="p3", start=4, end=6,
                                           before="效劳", after="服务", note="cue"),
                                      Edit(stage="clean", rule="generic.buttons", block="c0", start=0, end=2,
                                           before="首页", after="")])
    first, second = edits_jsonl(doc).decode().split("\n", 1)
    assert first.startswith('{"after": "服务", "before": "效劳", "block": "p3", "end": 6, "id": "')
    assert first.endswith('"note": "cue", "rule": "swap.fuwu", "stage": "restore", "start": 4}')
    assert second.startswith('{"after": "", "before": "首页", "block": "c0"') and second.endswith('"start": 0}\n')
    assert second.count("\n") == 1
    assert edits_jsonl(Document(source="x")) == b""


def test_read_manifest_is_none_for_a_missing_or_broken_file(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) is None
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    assert read_manifest(tmp_path) is None
    (tmp_path / "manifest.json").write_text('{"outputs": {"pdf": "a.pdf"}}', encoding="utf-8")
    assert read_manifest(tmp_path) == {"outputs": {"pdf": "a.pdf"}}


def test_stage_files_are_each_stages_view_and_model_named_by_its_number() -> None:
    from pipeline.model import Block
    ingested = Document(source="x", raw="原文\n")
    structured = Document(source="x", blocks=[Block(id="b0", text="标题", kind="title"),
                                              Block(id="b1", text="正文。", kind="paragraph")])
    files = artifacts.stage_files({"ingest": ingested, "structure": structured})
    assert sorted(files) == ["01-ingest.json", "01-ingest.txt", "04-structure.json", "04-structure.md"]
    assert files["01-ingest.txt"] == "原文\n".encode()
    assert files["04-structure.md"].decode().startswith("# 标题\n")
    assert Document.from_json(files["04-structure.json"].decode()) == structured
    assert Document.from_json(files["01-ingest.json"].decode()) == ingested


def test_a_cleanup_that_fails_never_fails_the_build_nor_hides_its_error(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder that cannot be removed (a file held open on a share): the swap already happened,
    so the build stands; a write that failed reports its own error, not the cleanup's."""
    def stubborn(path: Path, ignore_errors: bool = False) -> None:
        if not ignore_errors:
            raise PermissionError(errno.EACCES, "cannot remove", str(path))

    target = tmp_path / "doc"
    write_folder(target, {"a": b"1"})
    monkeypatch.setattr(artifacts.shutil, "rmtree", stubborn)
    write_folder(target, {"a": b"2"})  # swapped in: the old folder cannot go
    assert listing(target) == {"a": b"2"}
    monkeypatch.setattr(artifacts, "_exchange", lambda a, b: False)
    write_folder(target, {"a": b"3"})  # renamed in: the old folder cannot go
    assert listing(target) == {"a": b"3"}
    with pytest.raises(FileNotFoundError):
        write_folder(target, {"sub/x": b"4"})  # no folder sub: the write's own error
    assert listing(target) == {"a": b"3"}


def test_a_failed_exchange_reports_the_errno_of_its_own_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(artifacts, "_libc", None)  # loaded afresh, as in a new process
    monkeypatch.chdir(tmp_path)
    Path("b").mkdir()
    ctypes.set_errno(errno.EPERM)  # a stale value ctypes may hold from an earlier call
    with pytest.raises(OSError) as e:
        artifacts._exchange(Path("gone"), Path("b"))
    assert e.value.errno == errno.ENOENT
