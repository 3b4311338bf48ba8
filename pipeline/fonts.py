"""Where the renderers find the free CJK faces that `make fonts` (scripts/fonts.sh) fetched."""
from __future__ import annotations

import os
from pathlib import Path

REPO_FONTS = Path(__file__).parent.parent / "fonts"


def font_dir() -> Path:
    """``$SCRAPE2DOC_FONTS`` or the repository's ``fonts/``; may not exist (system fonts then)."""
    return Path(os.environ.get("SCRAPE2DOC_FONTS") or REPO_FONTS)
