#!/usr/bin/env bash
# Refresh the vendored browser assets from the npm registry at their pinned versions (never a CDN).
# Usage: api/web/vendor.sh   (needs npm; writes api/static/vendor/three/ with its LICENSE)
set -euo pipefail
THREE_VERSION=0.170.0
here="$(cd "$(dirname "$0")/../.." && pwd)"
dest="$here/api/static/vendor/three"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "three@${THREE_VERSION}" >/dev/null && tar xzf "three-${THREE_VERSION}.tgz")
rm -rf "$dest"
mkdir -p "$dest/jsm/loaders" "$dest/jsm/controls" "$dest/jsm/utils"
pkg="$work/package"
cp "$pkg/LICENSE" "$dest/LICENSE"
cp "$pkg/build/three.module.min.js" "$dest/"  # flat: build/ is in .gitignore
cp "$pkg/examples/jsm/loaders/GLTFLoader.js" "$dest/jsm/loaders/"
cp "$pkg/examples/jsm/controls/OrbitControls.js" "$dest/jsm/controls/"
cp "$pkg/examples/jsm/utils/BufferGeometryUtils.js" "$dest/jsm/utils/"
echo "three@${THREE_VERSION} (MIT, see LICENSE) from the npm registry" > "$dest/VERSION"
echo "vendored three@${THREE_VERSION} into $dest"
