"""Where the package's data is: the templates (Jinja2, CSS, the DOCX style set), shipped in the
wheel as ``pipeline/templates`` and kept in a checkout at the top level (``templates/``), and a
checkout's fetched fonts."""
from pathlib import Path

PACKAGE = Path(__file__).parent
_INSTALLED = PACKAGE / "templates"  # a wheel (pyproject maps templates/ here)
TEMPLATES = _INSTALLED if _INSTALLED.is_dir() else PACKAGE.parent / "templates"
CHECKOUT_FONTS = PACKAGE.parent / "fonts"  # `make` fetches the free CJK faces here
