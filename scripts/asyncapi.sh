#!/usr/bin/env bash
# Validates the AsyncAPI 3.0 document of the Shop sample with the official parser (@asyncapi/parser from npm):
#   1. builds the contracts tool (src/Contracts.Tool) and builds samples/Shop with <ContractsAsyncApi>true</ContractsAsyncApi>,
#      so the build itself writes bin/<configuration>/net10.0/Shop.asyncapi.json through the package's targets
#      (ContractsToolCommand points them at the tool just built: no tool installed on the machine is used),
#   2. installs @asyncapi/parser with npm into a temporary folder (node 20+ and npm on PATH),
#   3. parses the document: any error diagnostic fails; so does a document without channels, messages, or send and
#      receive operations,
#   4. parses a copy with a dangling reference as a control: the parser must reject it, or the check proves nothing.
#
#   scripts/asyncapi.sh                 # exit 0 when the Shop sample's document is valid AsyncAPI 3.0
#
# CONTRACTS_ASYNCAPI_CONFIGURATION picks the build configuration (default Debug, as CI builds); the work folder is
# $CONTRACTS_ASYNCAPI_DIR (default: a new temporary folder), removed at the end unless CONTRACTS_ASYNCAPI_KEEP=1.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
configuration=${CONTRACTS_ASYNCAPI_CONFIGURATION:-Debug}
work=${CONTRACTS_ASYNCAPI_DIR:-$(mktemp -d /tmp/contracts-asyncapi.XXXXXX)}
log() { echo "asyncapi: $*" >&2; }
cleanup() { if [ "${CONTRACTS_ASYNCAPI_KEEP:-0}" != 1 ]; then rm -rf "$work"; fi; }
trap cleanup EXIT
mkdir -p "$work"

command -v node >/dev/null 2>&1 || { log "node is required on PATH"; exit 1; }
command -v npm >/dev/null 2>&1 || { log "npm is required on PATH"; exit 1; }

log "building the contracts tool and samples/Shop ($configuration) with ContractsAsyncApi=true"
dotnet build "$root/src/Contracts.Tool" -c "$configuration" -nologo -v quiet
tool="$root/src/Contracts.Tool/bin/$configuration/net10.0/contracts.dll"
[ -f "$tool" ] || { log "the tool was not built at $tool"; exit 1; }
document="$root/samples/Shop/bin/$configuration/net10.0/Shop.asyncapi.json"
rm -f "$document"
dotnet build "$root/samples/Shop" -c "$configuration" -nologo -v quiet -p:ContractsAsyncApi=true "-p:ContractsToolCommand=dotnet \"$tool\""
[ -s "$document" ] || { log "the build wrote no document at $document"; exit 1; }
log "the build wrote $document ($(wc -c < "$document") bytes)"

log "installing @asyncapi/parser into $work"
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error @asyncapi/parser@3 >/dev/null)

cat > "$work/validate.mjs" <<'JS'
import { readFileSync } from 'node:fs';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';

const [file, expect] = process.argv.slice(2);
const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(file, 'utf8'));
const errors = diagnostics.filter(d => d.severity === DiagnosticSeverity.Error);
for (const d of diagnostics) {
  console.error(`${['error', 'warning', 'info', 'hint'][d.severity]} ${d.code}: ${d.message} at ${d.path.join('/')}`);
}

if (expect === 'invalid') {
  if (errors.length === 0) { console.error('the parser accepted a document with a dangling reference'); process.exit(1); }
  console.error(`rejected as expected (${errors.length} errors)`);
  process.exit(0);
}

if (errors.length > 0 || document === undefined) { console.error(`${errors.length} errors`); process.exit(1); }
const version = document.version();
const channels = document.channels().length;
const messages = document.components().messages().length;
const send = document.operations().filterBySend().length;
const receive = document.operations().filterByReceive().length;
console.log(`valid AsyncAPI ${version}: ${channels} channels, ${messages} messages, ${send} send and ${receive} receive operations`);
if (version !== '3.0.0' || channels === 0 || messages === 0 || send === 0 || receive === 0) { console.error('the document is missing channels, messages or operations'); process.exit(1); }
JS

log "validating the Shop sample's document"
node "$work/validate.mjs" "$document"

log "control: a copy whose first operation names a channel that does not exist must be rejected"
node -e '
const fs = require("node:fs");
const doc = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const first = Object.keys(doc.operations)[0];
doc.operations[first].channel = { "$ref": "#/channels/no-such-channel" };
fs.writeFileSync(process.argv[2], JSON.stringify(doc, null, 2));
' "$document" "$work/broken.json"
node "$work/validate.mjs" "$work/broken.json" invalid
log "ok"
