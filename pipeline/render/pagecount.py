"""How many pages the DOCX has when LibreOffice lays it out (``soffice --convert-to pdf``).

The manifest records it beside the site's page count: a large difference means text was lost
or invented. It measures LibreOffice's layout, not Word's, so the version goes with it.
Every LibreOffice gets its own profile (a second soffice on a shared profile fails, sometimes
silently) and its own fontconfig file, which maps the Word font names onto the faces in
``fonts/`` for that subprocess only.

Starting LibreOffice costs about a second, converting one of our documents a fifth of that, so
a process keeps one LibreOffice (``Office``) for all its page counts: started early
(``start_office``, before the stages run, so its start-up overlaps our own work), it holds a
hidden document open so it stays up, and each count hands it the DOCX through LibreOffice's
own single-instance pipe (a second ``soffice --convert-to`` on the same profile passes its
request to the running one). It is the same ``--convert-to pdf`` of the same DOCX with the
same fonts, so the count keeps its meaning; when the long-lived instance cannot be used, the
count falls back to a LibreOffice of its own, as before.
"""
from __future__ import annotations

import atexit
import ctypes
import hashlib
import io
import multiprocessing.util
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from pipeline.render.fonts import font_dir
from pipeline.errors import PipelineError
from pipeline.resources import TEMPLATES

ALIASES = TEMPLATES / "fonts.conf"
SYSTEM_FONTS_CONF = "/etc/fonts/fonts.conf"
TIMEOUT = 120.0  # seconds; a cold first start takes a few


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@cache
def soffice_version() -> str | None:
    """E.g. "LibreOffice 7.4.7.2 40(Build:2)": recorded with every page count."""
    exe = soffice()
    if exe is None:
        return None
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60).stdout
    return out.strip() or None


def fonts_conf(cache_dir: Path) -> str:
    """Our cache first (the first writable one is used), the system configuration, our fonts
    directory, then the Word-name aliases."""
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        f"  <cachedir>{escape(str(cache_dir))}</cachedir>\n"
        f'  <include ignore_missing="yes">{escape(SYSTEM_FONTS_CONF)}</include>\n'
        f"  <dir>{escape(str(font_dir().resolve()))}</dir>\n"
        f"  <include>{escape(str(ALIASES.resolve()))}</include>\n</fontconfig>\n"
    )


def docx_to_pdf(docx: bytes, timeout: float = TIMEOUT) -> bytes | None:
    """The PDF LibreOffice makes of ``docx``; None when LibreOffice is not installed.
    Raises PipelineError when the conversion fails or times out. Uses this process's
    long-lived LibreOffice when ``start_office`` started one, else a LibreOffice of its own."""
    exe = soffice()
    if exe is None:
        return None
    office = start_office()
    if office is not None:
        try:
            return office.convert(docx, timeout)
        except OfficeUnavailable:
            pass  # it could not start or died: a LibreOffice of our own, as before
    return _one_shot(exe, docx, timeout)


def _one_shot(exe: str, docx: bytes, timeout: float) -> bytes:
    with tempfile.TemporaryDirectory(prefix="scrape2doc-lo-") as tmp:
        t = Path(tmp)
        src, out = t / "doc.docx", t / "out"
        src.write_bytes(docx)
        conf = t / "fonts.conf"
        conf.write_text(fonts_conf(fontconfig_cache()), encoding="utf-8")
        env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
        cmd = [exe, "--headless", "--norestore", "--nolockcheck", "--nologo", "--nodefault",
               f"-env:UserInstallation={(t / 'profile').as_uri()}",
               "--convert-to", "pdf", "--outdir", str(out), str(src)]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)  # soffice forks: kill its whole group
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise PipelineError(f"LibreOffice took more than {timeout:.0f} s to convert the DOCX") from None
        pdf = out / "doc.pdf"
        if not pdf.is_file():
            reason = err.decode(errors="replace").strip().splitlines()
            raise PipelineError(f"LibreOffice made no PDF (exit {proc.returncode}): {reason[-1] if reason else 'no message'}")
        return pdf.read_bytes()


def fontconfig_cache() -> Path:
    """A persistent cache, so the 100 MB of CJK fonts are scanned once, not on every call."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    d = base / "scrape2doc" / "fontconfig"
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError:
        d = Path(tempfile.gettempdir()) / f"scrape2doc-fontconfig-{os.getuid()}"
        d.mkdir(exist_ok=True)
    return d


def pdf_pages(pdf: bytes) -> int:
    from pypdf import PdfReader  # imported when counting, not while LibreOffice starts

    return len(PdfReader(io.BytesIO(pdf)).pages)


def docx_pages(docx: bytes, timeout: float = TIMEOUT) -> int | None:
    """Pages of ``docx`` as LibreOffice lays it out; None when LibreOffice is not installed."""
    pdf = docx_to_pdf(docx, timeout)
    return None if pdf is None else pdf_pages(pdf)


class OfficeUnavailable(Exception):
    """The long-lived LibreOffice could not start or is gone: count with one of our own."""


# A long-lived LibreOffice is restarted after this many documents, so its memory stays flat
# however long the batch is (a restart costs about a second, once per this many documents).
OFFICE_USES = 200
# How long a starting LibreOffice may take to open its single-instance pipe.
OFFICE_START_TIMEOUT = 60.0
RESTART = 81  # soffice.bin's exit status asking to be started again (after it set up a new profile)
_office: Office | None = None
_office_lock = threading.Lock()


def _binary(exe: str) -> str:
    """``soffice.bin`` beside the ``soffice`` script when there is one: started directly it is
    our own child (the script's launcher would fork it away), so it dies with us."""
    real = Path(exe).resolve()
    binary = real.with_name("soffice.bin")
    return str(binary) if binary.is_file() and os.access(binary, os.X_OK) else exe


def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _pipe_paths(profile_uri: str) -> list[Path]:
    """Where LibreOffice puts its single-instance pipe for this profile: the MD5 of the
    profile URL in UTF-16, each byte in hex without padding (desktop/source/app/officeipcthread.cxx)."""
    digest = "".join(format(b, "x") for b in hashlib.md5(profile_uri.encode("utf-16-le")).digest())
    name = f"OSL_PIPE_{os.getuid()}_SingleOfficeIPC_{digest}"
    return [Path("/tmp") / name, Path("/var/tmp") / name]


def _receive(sock: socket.socket) -> bytes:
    """One message from LibreOffice's pipe: the bytes up to a NUL (empty when the pipe closes)."""
    data = b""
    while not data.endswith(b"\0"):
        chunk = sock.recv(1024)
        if not chunk:
            return b""
        data += chunk
    return data[:-1]


def _keep_document() -> tuple[str, bytes]:
    """What the long-lived LibreOffice keeps open (with no document open, LibreOffice quits
    after a conversion): python-docx's empty template, so the DOCX filter is loaded while our
    stages run; a one-character text file when it cannot be found."""
    import importlib.util

    spec = importlib.util.find_spec("docx")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        template = Path(folder) / "templates" / "default.docx"
        if template.is_file():
            return "keep.docx", template.read_bytes()
    return "keep.txt", b"x"


class Office:
    """One headless LibreOffice, its profile and fontconfig file in a private folder, started
    now and used for many conversions (one at a time)."""

    def __init__(self, exe: str) -> None:
        self.exe = _binary(exe)
        self.dir = Path(tempfile.mkdtemp(prefix="scrape2doc-office-"))
        self.uri = (self.dir / "profile").as_uri()
        self.uses = 0
        self.broken = False
        self.ready = False
        self.owner = os.getpid()
        self.lock = threading.Lock()
        conf = self.dir / "fonts.conf"
        conf.write_text(fonts_conf(fontconfig_cache()), encoding="utf-8")
        self.env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
        name, data = _keep_document()
        (self.dir / "keep").mkdir()
        self.keep = self.dir / "keep" / name
        self.keep.write_bytes(data)
        self.template = _profile_template(self.exe)
        self.from_template = False
        try:  # a profile LibreOffice made before starts 0.2 s sooner than a new one
            if self.template.is_dir():
                shutil.copytree(self.template, self.dir / "profile", ignore=shutil.ignore_patterns(".lock"))
                self.from_template = True
        except OSError:
            shutil.rmtree(self.dir / "profile", ignore_errors=True)
        self.proc = self._launch()

    def _launch(self) -> subprocess.Popen[bytes]:
        main = threading.current_thread() is threading.main_thread()  # the death signal follows the thread
        return subprocess.Popen(
            [self.exe, "--headless", "--norestore", "--nolockcheck", "--nologo",
             f"-env:UserInstallation={self.uri}", str(self.keep)],
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent if main else None)

    def alive(self) -> bool:
        return not self.broken and self.proc.poll() in (None, RESTART)

    def _ready(self, since: float | None) -> bool:
        """Up when its pipe is open and it has loaded the kept document (LibreOffice's lock
        file beside it): a first start opens the pipe, then quits to be started again; without
        lock files, when the pipe has stayed open for a few seconds."""
        if not any(p.exists() for p in _pipe_paths(self.uri)):
            return False
        return any(f.name.startswith(".~lock.") for f in self.keep.parent.iterdir()) or (
            since is not None and time.monotonic() - since > 5)

    def _wait_ready(self) -> None:
        if self.ready:
            return
        deadline = time.monotonic() + OFFICE_START_TIMEOUT
        restarts, since = 0, None
        while not self._ready(since):
            code = self.proc.poll()
            if code == RESTART and restarts < 3:  # a new profile: soffice.bin asks its launcher to start it again
                restarts += 1
                self.proc, since = self._launch(), None
            elif code is not None or time.monotonic() > deadline:
                self.broken = True
                if self.from_template:  # perhaps the saved profile: the next LibreOffice makes its own
                    shutil.rmtree(self.template, ignore_errors=True)
                raise OfficeUnavailable("LibreOffice did not start")
            elif since is None and any(p.exists() for p in _pipe_paths(self.uri)):
                since = time.monotonic()
            time.sleep(0.01)
        self.ready = True
        if not self.from_template and not self.template.exists():
            _save_template(self.dir / "profile", self.template)

    def convert(self, docx: bytes, timeout: float = TIMEOUT) -> bytes:
        with self.lock:
            if not self.alive():
                raise OfficeUnavailable("LibreOffice is not running")
            if self.proc.poll() == RESTART:
                self.proc, self.ready = self._launch(), False
            self._wait_ready()
            self.uses += 1
            src, out = self.dir / f"{self.uses}.docx", self.dir / "out"
            pdf = out / f"{self.uses}.pdf"
            src.write_bytes(docx)
            try:
                self._request(["--headless", "--norestore", "--nolockcheck", "--nologo", "--nodefault",
                               "--convert-to", "pdf", "--outdir", str(out), str(src)], timeout)
            finally:
                src.unlink(missing_ok=True)
            if not pdf.is_file():
                if not self.alive():
                    raise OfficeUnavailable("LibreOffice quit")
                raise PipelineError("LibreOffice made no PDF of the DOCX")
            data = pdf.read_bytes()
            pdf.unlink()
            return data

    def _request(self, args: list[str], timeout: float) -> None:
        """Hand ``args`` to the running LibreOffice as a second ``soffice`` would, through its
        single-instance pipe, and return once it has carried them out; this spares a client
        soffice's start-up (0.1–0.3 s a document). The exchange (desktop/source/app/officeipcthread.cxx):
        LibreOffice sends ``InternalIPC::SendArguments``, the client answers ``InternalIPC::Arguments``,
        ``1`` and its working directory's URL, then ``,`` and each argument (``\\``, ``,`` and
        NUL escaped by a backslash), and LibreOffice says ``InternalIPC::ProcessingDone``;
        every message ends in NUL."""
        pipe = next((p for p in _pipe_paths(self.uri) if p.exists()), None)
        if pipe is None:
            raise OfficeUnavailable("LibreOffice has no pipe")
        message = "InternalIPC::Arguments1" + "".join(
            sep + arg.replace("\\", "\\\\").replace(",", "\\,").replace("\0", "\\0")
            for sep, arg in [("", self.dir.as_uri()), *((",", a) for a in args)])
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            try:
                sock.connect(str(pipe))
                if _receive(sock) == b"InternalIPC::SendArguments":
                    sock.sendall(message.encode() + b"\0")
                    if _receive(sock) == b"InternalIPC::ProcessingDone":
                        return
            except TimeoutError:
                self.close()  # stuck on this document: the next one gets a fresh LibreOffice
                raise PipelineError(f"LibreOffice took more than {timeout:.0f} s to convert the DOCX") from None
            except OSError:
                pass
        raise OfficeUnavailable("LibreOffice did not answer on its pipe")

    def close(self) -> None:
        self.broken = True
        if os.getpid() != self.owner:
            return  # a forked copy: the LibreOffice is the parent's
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for p in _pipe_paths(self.uri):
            p.unlink(missing_ok=True)  # a killed LibreOffice leaves its pipe behind
        shutil.rmtree(self.dir, ignore_errors=True)


def _profile_template(exe: str) -> Path:
    """Where a profile this LibreOffice made is kept for the next ones (per installation)."""
    try:
        stamp = f"{exe}:{os.stat(exe).st_mtime_ns}"
    except OSError:
        stamp = exe
    return fontconfig_cache().parent / f"libreoffice-profile-{hashlib.sha256(stamp.encode()).hexdigest()[:12]}"


def _save_template(profile: Path, template: Path) -> None:
    """Copy a started LibreOffice's profile (not its lock) to ``template``, atomically."""
    tmp = template.with_name(f"{template.name}.{os.getpid()}.tmp")
    try:
        shutil.copytree(profile, tmp, ignore=shutil.ignore_patterns(".lock"))
        os.rename(tmp, template)
    except OSError:
        pass  # another process saved one first, or the cache is read-only
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def start_office() -> Office | None:
    """This process's long-lived LibreOffice, started now if it is not running (or was used
    ``OFFICE_USES`` times); None when LibreOffice is not installed. Never raises: a LibreOffice
    that cannot start leaves the page count to a LibreOffice of its own."""
    global _office
    exe = soffice()
    if exe is None:
        return None
    with _office_lock:
        if _office is not None and _office.alive() and _office.uses < OFFICE_USES:
            return _office
        if _office is not None:
            _office.close()
            _office = None
        try:
            _office = Office(exe)
        except OSError:
            return None
        return _office


def stop_office() -> None:
    global _office
    with _office_lock:
        if _office is not None:
            _office.close()
            _office = None


def _forget_office() -> None:
    """In a forked child: the parent's LibreOffice is not ours to use or stop."""
    global _office, _office_lock
    _office = None
    _office_lock = threading.Lock()


atexit.register(stop_office)  # pool workers leave through multiprocessing, which skips atexit:
multiprocessing.util.Finalize(None, stop_office, exitpriority=10)  # ... but runs its finalizers
os.register_at_fork(after_in_child=_forget_office)
