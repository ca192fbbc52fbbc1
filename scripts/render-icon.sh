#!/usr/bin/env bash
# Renders media/icon.png (the 128x128 marketplace icon) from media/activity-bar.svg: the white glyph on a rounded
# Kubernetes-blue square. Needs rsvg-convert and ImageMagick (Debian: apt-get install -y librsvg2-bin imagemagick).
# Run it again after changing the SVG; the PNG is committed so that packaging needs neither tool.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in rsvg-convert /usr/bin/convert; do
  command -v "$tool" >/dev/null || { echo "render-icon: $tool is missing; as root: apt-get install -y librsvg2-bin imagemagick" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e 's/stroke="currentColor"/stroke="#ffffff"/' media/activity-bar.svg >"$tmp/glyph.svg"
rsvg-convert -w 96 -h 96 "$tmp/glyph.svg" -o "$tmp/glyph.png"
# /usr/bin/convert explicitly: /usr/local/bin/convert on these machines may be a stand-in without -draw.
/usr/bin/convert -size 128x128 xc:none -fill '#326ce5' -draw 'roundrectangle 0,0 127,127 20,20' \
  "$tmp/glyph.png" -gravity center -composite -depth 8 -strip media/icon.png
echo "render-icon: wrote media/icon.png ($(identify -format '%wx%h' media/icon.png))"
