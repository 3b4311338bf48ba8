"""The page count's long-lived LibreOffice: requests go through its single-instance pipe, and
a LibreOffice that does not answer leaves the count to one of its own."""
from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from pipeline.model import Block, Document
from pipeline.options import Options
from pipeline.render import pagecount
from pipeline.render.docx import render_docx

needs_lo = pytest.mark.needs("soffice")


def one_page() -> bytes:
    return render_docx(Document(source="t", blocks=[Block("b0", "通知", kind="title"),
                                                    Block("b1", "请各单位按时报送材料。", kind="paragraph")]),
                       Options())


class FakeOffice:
    """A stand-in for LibreOffice's end of the pipe: greets, records the one request it gets,
    and answers ``reply``."""

    def __init__(self, path: Path, reply: bytes = b"InternalIPC::ProcessingDone\0") -> None:
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen(1)
        self.reply, self.got = reply, b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            conn.sendall(b"InternalIPC::SendArguments\0")
            while not self.got.endswith(b"\0"):
                self.got += conn.recv(1024)
            conn.sendall(self.reply)


def office_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reply: bytes) -> tuple[pagecount.Office, FakeOffice]:
    office = pagecount.Office.__new__(pagecount.Office)  # no LibreOffice started: only its pipe is used
    office.dir, office.uri = tmp_path, "file:///profile"
    office.close = lambda: None  # type: ignore[method-assign]
    pipe = tmp_path / "pipe"
    monkeypatch.setattr(pagecount, "_pipe_paths", lambda uri: [pipe])
    return office, FakeOffice(pipe, reply)


def test_a_request_is_the_arguments_a_second_soffice_would_send(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    office, fake = office_at(tmp_path, monkeypatch, b"InternalIPC::ProcessingDone\0")
    office._request(["--convert-to", "pdf", r"a,b\c.docx"], timeout=5)
    fake.thread.join(5)
    cwd = tmp_path.as_uri().encode()
    assert fake.got == b"InternalIPC::Arguments1" + cwd + b",--convert-to,pdf,a\\,b\\\\c.docx\0"


def test_a_pipe_that_answers_otherwise_is_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    office, _ = office_at(tmp_path, monkeypatch, b"\0")
    with pytest.raises(pagecount.OfficeUnavailable):
        office._request(["--convert-to", "pdf", "x.docx"], timeout=5)


def test_no_pipe_is_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    office = pagecount.Office.__new__(pagecount.Office)
    office.dir, office.uri = tmp_path, "file:///profile"
    monkeypatch.setattr(pagecount, "_pipe_paths", lambda uri: [tmp_path / "absent"])
    with pytest.raises(pagecount.OfficeUnavailable):
        office._request(["x"], timeout=5)


@needs_lo
def test_counts_go_through_the_running_libreoffice(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_second_libreoffice(*args: object) -> bytes:
        raise AssertionError("counted with a LibreOffice of its own")

    monkeypatch.setattr(pagecount, "_one_shot", no_second_libreoffice)
    pagecount.stop_office()
    try:
        office = pagecount.start_office()
        assert office is not None
        assert [pagecount.docx_pages(one_page()) for _ in range(2)] == [1, 1]
        assert office.uses == 2 and pagecount.start_office() is office
    finally:
        pagecount.stop_office()


@needs_lo
def test_a_libreoffice_that_cannot_start_leaves_the_count_to_one_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    one_shot = pagecount._one_shot

    def counted(exe: str, docx: bytes, timeout: float) -> bytes:
        calls.append(exe)
        return one_shot(exe, docx, timeout)

    monkeypatch.setattr(pagecount, "_one_shot", counted)
    monkeypatch.setattr(pagecount, "_binary", lambda exe: "/bin/false")  # the long-lived one exits at once
    pagecount.stop_office()
    try:
        assert pagecount.docx_pages(one_page()) == 1
        assert len(calls) == 1
    finally:
        pagecount.stop_office()
