#!/usr/bin/env bash
# Re-vendor Swagger UI (npm package swagger-ui-dist, Apache-2.0) for the offline /docs page:
# the files the gateway serves under /ui/vendor/swagger-ui/, with the package's licences.
#
#   scripts/vendor_swagger_ui.sh [VERSION]     (default: the version pinned below)
#
# Needs npm (the npm registry); nothing downloads at run time. Commit the result, and change
# the version in gateway/api/routes/console.py's docstring if it changed.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${1:-5.36.0}
DEST=gateway/api/console/static/vendor/swagger-ui
FILES=(swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css favicon-32x32.png
       LICENSE NOTICE)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null && tar xzf ./*.tgz)
mkdir -p "$DEST"
for file in "${FILES[@]}"; do
    cp "$scratch/package/$file" "$DEST/$file"
done
echo "swagger-ui-dist $VERSION" > "$DEST/VERSION"
echo "vendored swagger-ui-dist $VERSION into $DEST"
