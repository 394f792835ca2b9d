#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: checks formatting, installs the contract toolchain
# and Chromium if missing, builds the test contracts from source, builds the solution, tests the
# JavaScript verifier and runs every test project.
set -euo pipefail
cd "$(dirname "$0")/.."

# The format gate: the code must be as `dotnet format` leaves it under .editorconfig.
if ! dotnet format Piecrust.Store.sln --verify-no-changes -v quiet; then
    echo "test.sh: the code is not formatted as .editorconfig says (the lines above name the files)." >&2
    echo "test.sh: run 'dotnet format Piecrust.Store.sln', review the diff and commit it." >&2
    exit 1
fi
bash tests/contracts/build.sh
dotnet build Piecrust.Store.sln -c Release -nologo -v minimal
# The NuGet packages and the dotnet tool: packed, installed and run from a temporary folder.
bash scripts/package-check.sh
# The JavaScript light-client verifier: vectors under Node, verify.html in headless Chromium.
bash clients/js/test.sh
dotnet test tests/Tests.csproj -c Release --no-build -nologo
# The engine suite again on the plain (reference) memory path; the default run used the mapped path.
PIECRUST_TEST_MEMORY_PATH=Plain dotnet test tests/Tests.csproj -c Release --no-build -nologo --filter "FullyQualifiedName~Piecrust.Tests.Engine"
# The page hasher again without AVX-512 (its other rotation path) and without AVX2 (the package, page by page).
PIECRUST_EXPECT_NO_AVX512=1 DOTNET_EnableAVX512=0 dotnet test tests/Tests.csproj -c Release --no-build -nologo --filter "FullyQualifiedName~PageHasherTests"
PIECRUST_EXPECT_NO_AVX2=1 DOTNET_EnableAVX2=0 dotnet test tests/Tests.csproj -c Release --no-build -nologo --filter "FullyQualifiedName~PageHasherTests"
dotnet test property-tests/PropertyTests.csproj -c Release --no-build -nologo
