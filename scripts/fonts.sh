#!/usr/bin/env bash
# Fetch the free CJK faces the renders use, without root: Debian's packages are downloaded
# (not installed) and only the font files are kept. FangSong exists in no registry except as
# FandolFang (texlive-lang-chinese); Song and Hei come from fonts-noto-cjk, whose .ttc face 0
# is Japanese, so the SC face is saved as its own OTF.
# Usage: scripts/fonts.sh FONT_DIR PYTHON
set -euo pipefail
dest=$(realpath -m "${1:-fonts}")
py=$(command -v "${2:-python3}") || { echo "fonts: cannot run ${2:-python3} (a Python with fontTools)" >&2; exit 1; }
case $py in /*) ;; *) py=$PWD/$py ;; esac
want=(FandolFang-Regular.otf FandolKai-Regular.otf NotoSerifCJKsc-Regular.otf NotoSerifCJKsc-Bold.otf
      NotoSansCJKsc-Regular.otf NotoSansCJKsc-Bold.otf)
version=$(sha256sum "$0" | cut -c1-16)  # fonts made by an older version of this script are redone
missing=0
for f in "${want[@]}"; do [ -s "$dest/$f" ] || missing=1; done
if [ "$missing" = 0 ] && [ "$(cat "$dest/.version" 2>/dev/null)" = "$version" ]; then
  echo "fonts: all present in $dest/"; exit 0
fi

mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "fonts: downloading texlive-lang-chinese and fonts-noto-cjk (about 106 MB) ..."
pkgs=(texlive-lang-chinese fonts-noto-cjk)
if ! apt-get download "${pkgs[@]}" >apt.log 2>&1; then
  # No package lists on this machine (a fresh image): fetch private ones, which needs no root.
  echo "fonts: no usable apt lists here; fetching private ones ..."
  mkdir -p lists/partial cache/archives/partial
  priv=(-o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o Debug::NoLocking=1)
  if ! { apt-get update -qq "${priv[@]}" && apt-get download "${priv[@]}" "${pkgs[@]}"; } >>apt.log 2>&1; then
    echo "fonts: cannot download ${pkgs[*]} from Debian's archive:" >&2
    tail -3 apt.log >&2
    exit 1
  fi
fi
dpkg-deb --fsys-tarfile texlive-lang-chinese_*.deb | tar -x --wildcards \
  './usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/Fandol*.otf'
cp usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/Fandol{Fang,Kai}-Regular.otf .
dpkg-deb --fsys-tarfile fonts-noto-cjk_*.deb | tar -x --wildcards './usr/share/fonts/opentype/noto/Noto*CJK-*.ttc'
"$py" - <<'PY'
from fontTools.ttLib import TTCollection
for src, dst in [("NotoSerifCJK-Regular", "NotoSerifCJKsc-Regular"), ("NotoSerifCJK-Bold", "NotoSerifCJKsc-Bold"),
                 ("NotoSansCJK-Regular", "NotoSansCJKsc-Regular"), ("NotoSansCJK-Bold", "NotoSansCJKsc-Bold")]:
    faces = TTCollection(f"usr/share/fonts/opentype/noto/{src}.ttc").fonts
    sc = next(f for f in faces if f["name"].getDebugName(1).endswith(" SC"))
    # The collection's faces share one CFF table named after the JP face: name it for SC,
    # or PDFs embedding it say NotoSerifCJKjp.
    cff = sc["CFF "].cff
    cff.fontNames = [sc["name"].getDebugName(6)]
    cff.topDictIndex[0].FullName = sc["name"].getDebugName(4)
    cff.topDictIndex[0].FamilyName = sc["name"].getDebugName(1)
    for fd in cff.topDictIndex[0].FDArray:  # sub-font names, which LibreOffice's PDFs show
        fd.FontName = fd.FontName.replace("CJKjp-", "CJKsc-")
    sc.save(f"{dst}.otf")
PY
for f in "${want[@]}"; do mv "$f" "$dest/$f.tmp" && mv "$dest/$f.tmp" "$dest/$f"; done
echo "$version" > "$dest/.version"
echo "fonts: saved ${#want[@]} faces in $dest/"
