#!/usr/bin/env bash
# Creates a service from the contracts-service template exactly as a new user would, against packages built from this
# checkout, and checks that it builds, that its tests pass and that the worker handles a message:
#   1. dotnet pack Contracts, Contracts.Storage.Sqlite, Contracts.Testing and the template pack (Contracts.Templates)
#      into a local folder, under a version of their own (so no cached package is reused),
#   2. a NuGet.config that adds that folder to the machine's usual sources, and a DOTNET_CLI_HOME of its own, so the
#      template is installed into a hive that is thrown away and nothing is left in the user's dotnet settings,
#   3. dotnet new install the template pack, dotnet new contracts-service -n Demo in an empty folder outside the
#      repository (none of its Directory.Build.props apply),
#   4. dotnet build -warnaserror, dotnet test (its three tests must pass),
#   5. run the worker in its project folder: it places its sample order at start; the script waits for the handler's
#      log line, then stops it with SIGTERM and checks that it shut down cleanly, read appsettings.json and kept its
#      SQLite file.
#
#   scripts/template.sh            # exit 0 when the template's service builds, its tests pass and it handles a message
#
# The work folder is $CONTRACTS_TEMPLATE_DIR (default: a new temporary folder), removed at the end unless
# CONTRACTS_TEMPLATE_KEEP=1. The packages restored into the NuGet cache under the one-off version are removed too.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${CONTRACTS_TEMPLATE_DIR:-$(mktemp -d /tmp/contracts-template.XXXXXX)}
version="0.1.0-template.$(date +%s)"
started=$(date +%s)
# The user's package cache, named before DOTNET_CLI_HOME moves the NuGet home: third-party packages are shared with
# every other build on the machine; the one-off Contracts packages are removed from it at the end.
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
log() { echo "template: $*" >&2; }
worker=""
cleanup() {
  if [ -n "$worker" ] && kill -0 "$worker" 2>/dev/null; then kill "$worker" 2>/dev/null || true; fi
  for id in contracts contracts.storage.sqlite contracts.testing contracts.templates; do rm -rf "$packages/$id/$version"; done
  if [ "${CONTRACTS_TEMPLATE_KEEP:-0}" != 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/packages" "$work/home"

# The sources the machine uses now (the usual feed), read before the NuGet home moves.
mapfile -t feeds < <(dotnet nuget list source --format short | awk '$1 == "E" { print $2 }')
[ "${#feeds[@]}" -gt 0 ] || { log "no enabled NuGet source on this machine"; exit 1; }

for project in src/Contracts.Runtime src/Contracts.Storage.Sqlite src/Contracts.Testing templates/Contracts.Templates; do
  log "pack $project $version into $work/packages"
  dotnet pack "$root/$project" -c Release -o "$work/packages" -p:Version="$version" --nologo -v quiet
done
pack="$work/packages/Contracts.Templates.$version.nupkg"
props=$(unzip -p "$pack" content/contracts-service/Directory.Packages.props)
grep -q "<ContractsVersion>$version</ContractsVersion>" <<<"$props" || { log "the template pack does not reference Contracts $version:"; echo "$props" >&2; exit 1; }

{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration>'
  echo '  <packageSources>'
  echo '    <clear />'
  echo "    <add key=\"contracts-local\" value=\"$work/packages\" />"
  for i in "${!feeds[@]}"; do echo "    <add key=\"feed$i\" value=\"${feeds[$i]}\" />"; done
  echo '  </packageSources>'
  echo '</configuration>'
} > "$work/NuGet.config"

# From here on the dotnet CLI's home (its template hive, its NuGet settings) is the work folder's; the package cache
# stays the user's.
export DOTNET_CLI_HOME="$work/home" NUGET_PACKAGES="$packages" DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

log "dotnet new install $pack (hive: $DOTNET_CLI_HOME)"
dotnet new install "$pack" >/dev/null
dotnet new list contracts-service | grep -q contracts-service || { log "contracts-service is not among the installed templates"; exit 1; }

log "dotnet new contracts-service -n Demo in $work/Demo"
dotnet new contracts-service -n Demo -o "$work/Demo" >/dev/null
cd "$work/Demo"
cp "$work/NuGet.config" NuGet.config
for file in Demo.slnx src/Demo/Demo.csproj src/Demo/Program.cs tests/Demo.Tests/Demo.Tests.csproj; do
  [ -f "$file" ] || { log "the new service has no $file"; exit 1; }
done
if grep -rq ContractsService .; then log "the template's name is left in: $(grep -rl ContractsService . | head -3)"; exit 1; fi

log "dotnet build -warnaserror"
dotnet build --nologo -v quiet -warnaserror >/dev/null || { dotnet build --nologo -v quiet -warnaserror --no-restore 2>&1 | tail -30; log "the new service does not build cleanly"; exit 1; }

log "dotnet test"
output=$(dotnet test --nologo --no-build 2>&1) || { echo "$output"; log "the new service's tests failed"; exit 1; }
grep -Eq "Passed!.*Failed: +0, Passed: +3," <<<"$output" || { echo "$output"; log "expected the template's 3 tests to pass"; exit 1; }

log "run the worker (in its project folder, as dotnet run there would) until it handles its sample order, then SIGTERM"
cd src/Demo
dotnet bin/Debug/net10.0/Demo.dll > worker.log 2>&1 &
worker=$!
guid='[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
for _ in $(seq 1 600); do
  if grep -Eq "Order $guid placed, total 42" worker.log; then break; fi
  if ! kill -0 "$worker" 2>/dev/null; then cat worker.log; log "the worker exited before handling its order"; exit 1; fi
  sleep 0.1
done
grep -Eq "Order $guid placed, total 42" worker.log || { cat worker.log; log "the worker did not handle its sample order within 60 s"; exit 1; }
kill -TERM "$worker"
status=0
wait "$worker" || status=$?
worker=""
cat worker.log
[ "$status" -eq 0 ] || { log "the worker did not stop cleanly on SIGTERM (exit $status)"; exit 1; }
grep -q "Application is shutting down" worker.log || { log "the worker's host did not log its shutdown"; exit 1; }
# appsettings.json's ShutdownTimeout (10 s, not the default 30 s): the Contracts section was read.
grep -q "timeout 00:00:10" worker.log || { log "the worker did not apply appsettings.json's Contracts section (ShutdownTimeout)"; exit 1; }
[ -f data/Demo.db ] || { log "the worker kept nothing in data/Demo.db"; exit 1; }
log "ok: the template's service builds, passes its tests and handles a message ($(( $(date +%s) - started )) s)"
