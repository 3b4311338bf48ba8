#!/usr/bin/env bash
# Debian packages the pipeline uses, installed when missing (as root, or with passwordless sudo).
#   runtime: WeasyPrint's libraries (HarfBuzz's subsetter makes CJK PDFs 4-12x faster) and
#            LibreOffice, which measures the DOCX's page count;
#   test:    runtime + poppler (pdffonts, pdftotext), qpdf and Chromium (the review page test);
#   bench:   runtime + pandoc, the peer the benchmark compares against.
# Without root it names what is missing and goes on: the pipeline still runs, more slowly or
# without the page count, and the tests that need a missing tool skip and say so; under CI
# (CI=true) a missing package is an error here and in those tests.
set -euo pipefail
runtime=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig libreoffice-writer-nogui)
case "${1:-runtime}" in
  runtime) want=("${runtime[@]}") ;;
  test)    want=("${runtime[@]}" poppler-utils qpdf chromium) ;;
  bench)   want=("${runtime[@]}" pandoc poppler-utils) ;;
  *) echo "usage: $0 runtime|test|bench" >&2; exit 2 ;;
esac
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then sudo=(); elif sudo -n true 2>/dev/null; then sudo=(sudo -n); else
  echo "setup: missing Debian packages (install as root): apt-get install --no-install-recommends ${missing[*]}" >&2
  # Under CI a missing tool is a failure: the tests that need it would otherwise prove nothing.
  [ "${CI:-}" = true ] && exit 1
  exit 0
fi
echo "setup: installing ${missing[*]} ..."
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
  # Offline or a broken mirror: go on; what is missing is named, and the pipeline degrades.
  echo "setup: could not install ${missing[*]}; the PDF may be slower and the page count missing" >&2
  [ "${1:-runtime}" = runtime ] || exit 1
fi
