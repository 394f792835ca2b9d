#!/usr/bin/env bash
# Tests of the JavaScript verifier: installs its dev dependencies (npm ci) and Chromium (apt-get,
# if missing), checks that the vendored BLAKE3 is the npm package's, runs the spec's vectors under
# Node and verify.html in headless Chromium. Screenshots go to $PIECRUST_TEST_OUTPUT (default
# TestResults/browser at the repository root). The comparison with the C# verifier on a corpus of
# proofs is JsVerifierTests in tests/ (it needs only node).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if [ -z "${CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
    echo "clients/js/test.sh: chromium missing, installing it" >&2
    apt-get update && apt-get install -y chromium
fi
export CHROMIUM="${CHROMIUM:-$(command -v chromium)}"
export PIECRUST_TEST_OUTPUT="${PIECRUST_TEST_OUTPUT:-$here/../../TestResults/browser}"

npm ci --no-audit --no-fund --loglevel=error
npm run --silent vendor:check
npm test --silent
npm run --silent test:browser
