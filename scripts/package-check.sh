#!/usr/bin/env bash
# Packs the solution into a temporary folder, installs the `piecrust` tool from it and runs it, and
# builds and runs a small program against the Piecrust.Store.Engine package, so packaging cannot rot.
# Expects a Release build of the solution (scripts/test.sh builds first).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
# Our packages keep one version while the code changes: never let NuGet's cache serve an older build.
cache=${NUGET_PACKAGES:-$HOME/.nuget/packages}
forget() { rm -rf "$cache"/piecrust.store.pagestore "$cache"/piecrust.store.merkleindex "$cache"/piecrust.store.engine; }
trap 'rm -rf "$work"; forget' EXIT
forget

dotnet pack Piecrust.Store.sln -c Release --no-build -nologo -v quiet -o "$work/packages"
dotnet tool install --tool-path "$work/tools" --add-source "$work/packages" piecrust >/dev/null
"$work/tools/piecrust" --help | grep -q "deploy" || { echo "piecrust --help from the installed tool lacks its commands" >&2; exit 1; }

# The README's "Use it from your code" example, as a consumer of the package would build it.
mkdir -p "$work/consumer"
cat > "$work/consumer/Consumer.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
</Project>
XML
cp src/Tools/Demo/counter.wat "$work/consumer/counter.wat"
sed -n '/^```csharp consumer$/,/^```$/p' README.md | sed '1d;$d' > "$work/consumer/Program.cs"
[ -s "$work/consumer/Program.cs" ] || { echo "README.md has no \`\`\`csharp consumer block" >&2; exit 1; }
version=$(ls "$work/packages" | sed -n 's/^Piecrust\.Store\.Engine\.\(.*\)\.nupkg$/\1/p')
dotnet add "$work/consumer/Consumer.csproj" package Piecrust.Store.Engine --version "$version" --source "$work/packages" >/dev/null
out=$(cd "$work/consumer" && dotnet run -c Release 2>&1) || { echo "$out" >&2; exit 1; }
echo "$out" | grep -q "^253$" || { echo "the package consumer printed: $out" >&2; exit 1; }
echo "packages: $(ls "$work/packages" | tr '\n' ' ')— tool installed and ran; consumer example ran"
