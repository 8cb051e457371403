#!/usr/bin/env bash
# Runs the README's quickstart exactly as a new user would, against packages built from this checkout:
#   1. dotnet pack the packages into a local folder (a version of their own, so no cached package is reused) and check
#      that each carries its licence, readme, repository URL and symbols,
#   2. dotnet new console in an empty folder outside the repository (none of its Directory.Build.props apply),
#   3. dotnet add package Contracts --source <folder>, and Microsoft.Extensions.Hosting as the README says,
#   4. Program.cs = the README's `<!-- snippet: quickstart -->` block, word for word,
#   5. dotnet build with warnings as errors (analyzers included), dotnet run, and check what it prints.
#
#   scripts/quickstart.sh            # exit 0 when the quickstart builds, runs and prints what the README says
#
# The work folder is $CONTRACTS_QUICKSTART_DIR (default: a new temporary folder), removed at the end unless
# CONTRACTS_QUICKSTART_KEEP=1. The package restored into the NuGet cache under its one-off version is removed too.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${CONTRACTS_QUICKSTART_DIR:-$(mktemp -d /tmp/contracts-quickstart.XXXXXX)}
version="0.1.0-quickstart.$(date +%s)"
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
log() { echo "quickstart: $*" >&2; }
cleanup() {
  rm -rf "$packages/contracts/$version" "$packages/contracts.testing/$version"
  if [ "${CONTRACTS_QUICKSTART_KEEP:-0}" != 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/packages"

# Every package a user adds: Contracts (runtime, generator, analyzers), the stores, the transport, the test kit, the health checks.
projects=(Contracts.Runtime:Contracts Contracts.Storage.Sqlite:Contracts.Storage.Sqlite Contracts.Storage.Postgres:Contracts.Storage.Postgres
          Contracts.Transport.RabbitMq:Contracts.Transport.RabbitMq Contracts.Testing:Contracts.Testing
          Contracts.HealthChecks:Contracts.HealthChecks)
for entry in "${projects[@]}"; do
  project=${entry%%:*}
  log "pack $project $version into $work/packages"
  dotnet pack "$root/src/$project/$project.csproj" -c Release -o "$work/packages" -p:Version="$version" --nologo -v quiet
done

# What every package must carry: the licence, a readme, the repository, symbols.
for entry in "${projects[@]}"; do
  id=${entry#*:}
  nupkg="$work/packages/$id.$version.nupkg"
  [ -f "$work/packages/$id.$version.snupkg" ] || { log "$id: no symbols package (.snupkg)"; exit 1; }
  files=$(unzip -Z1 "$nupkg")
  nuspec=$(unzip -p "$nupkg" "$id.nuspec")
  for file in README.md LICENSE; do
    grep -qx "$file" <<<"$files" || { log "$id: $file is not in the package"; exit 1; }
  done
  grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || { log "$id: no MIT licence expression"; exit 1; }
  grep -q '<readme>README.md</readme>' <<<"$nuspec" || { log "$id: no package readme"; exit 1; }
  grep -q '<repository type="git" url="https://' <<<"$nuspec" || { log "$id: no repository URL"; exit 1; }
  if grep -q 'Microsoft.Extensions.Options"' <<<"$nuspec"; then log "$id: depends on Microsoft.Extensions.Options, which nothing uses"; exit 1; fi
done
# The listing is read whole first: `unzip | grep -q` fails under pipefail when grep stops reading early (SIGPIPE).
files=$(unzip -Z1 "$work/packages/Contracts.$version.nupkg")
for dll in Contracts.Generator Contracts.Analyzers Contracts.Analyzers.CodeFixes; do
  grep -qx "analyzers/dotnet/cs/$dll.dll" <<<"$files" || { log "Contracts: $dll.dll is not under analyzers/dotnet/cs"; exit 1; }
done
log "packages carry licence, readme, repository URL and symbols; Contracts carries the generator and analyzers"

log "dotnet new console in $work/Quickstart"
dotnet new console -n Quickstart -o "$work/Quickstart" --no-restore >/dev/null
cd "$work/Quickstart"

log "dotnet add package Contracts --source $work/packages; dotnet add package Microsoft.Extensions.Hosting"
# The local folder as one more source: the package's dependencies come from the usual feeds.
dotnet new nugetconfig >/dev/null
dotnet nuget add source "$work/packages" --name contracts-local --configfile nuget.config >/dev/null
dotnet add package Contracts --version "$version" --source "$work/packages" >/dev/null
# The README pins no version for the host; here it is the one the repository builds with, so CI does not depend on
# what the feed's newest happens to be.
hosting=$(sed -n 's/.*<ExtensionsVersion>\(.*\)<\/ExtensionsVersion>.*/\1/p' "$root/Directory.Packages.props")
dotnet add package Microsoft.Extensions.Hosting --version "$hosting" >/dev/null

log "Program.cs = the README's quickstart"
awk '
  /<!-- snippet: quickstart -->/ { want = 1; next }
  want && /^[[:space:]]*```csharp[[:space:]]*$/ { inside = 1; want = 0; next }
  inside && /^[[:space:]]*```[[:space:]]*$/ { inside = 0; found = 1; next }
  inside { print }
  END { if (!found) exit 1 }' "$root/README.md" > Program.cs || { log "no <!-- snippet: quickstart --> csharp block in README.md"; exit 1; }

log "dotnet build -warnaserror (the analyzers run in the user's project: the quickstart raises none)"
dotnet build --nologo -v quiet -warnaserror >/dev/null || { dotnet build --nologo -v quiet -warnaserror --no-restore 2>&1 | tail -20; log "the quickstart does not build cleanly"; exit 1; }

log "dotnet run"
output=$(timeout 300 dotnet run --nologo --no-build 2>&1) || { echo "$output"; log "dotnet run failed"; exit 1; }
echo "$output"
guid='[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
grep -Eq "^mailer: order $guid placed, total 42\.00$" <<<"$output" || { log "the mailer's line is missing"; exit 1; }
grep -Eq "^query: order $guid totals 42\.00$" <<<"$output" || { log "the query's line is missing"; exit 1; }
log "ok: the README's quickstart builds and runs from the package"
