"""How many pages the DOCX has when LibreOffice lays it out (``soffice --convert-to pdf``).

The manifest records it beside the site's page count: a large difference means text was lost
or invented. It measures LibreOffice's layout, not Word's, so the version goes with it.
Every call gets its own profile (a second soffice on a shared profile fails, sometimes
silently) and its own fontconfig file, which maps the Word font names onto the faces in
``fonts/`` for this subprocess only.
"""
from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from pypdf import PdfReader

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
    Raises PipelineError when the conversion fails or times out."""
    exe = soffice()
    if exe is None:
        return None
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
    return len(PdfReader(io.BytesIO(pdf)).pages)


def docx_pages(docx: bytes, timeout: float = TIMEOUT) -> int | None:
    """Pages of ``docx`` as LibreOffice lays it out; None when LibreOffice is not installed."""
    pdf = docx_to_pdf(docx, timeout)
    return None if pdf is None else pdf_pages(pdf)
