#!/usr/bin/env bash
# The main job: deploys the bundled counter contract on an embedded default store, calls it,
# commits, proves a page of its memory and verifies the proof.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --project src/Tools/Tools.csproj -c Release -- demo "$@"
