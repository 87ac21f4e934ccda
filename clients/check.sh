#!/usr/bin/env bash
# Generated clients work end to end (issue 19, docs/integrations.md): serve the app on a
# free port with a fresh SQLite data dir, generate a Python client from the served schema
# (no warnings allowed) and run the main flow through it, then generate TypeScript types
# and type-check a flow with tsc. Called by .ci/run; needs `make .venv/bin/certtrack`.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
started=$(date +%s)
build="$root/clients/build"
rm -rf "$build" && mkdir -p "$build"
data="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

# --- a live server with a fresh data dir ---------------------------------------------
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export CERTTRACK_DATA_DIR="$data" CERTTRACK_BASE_URL="$base" CERTTRACK_EMAIL_URL="locmem://"
unset CERTTRACK_DATABASE_URL
.venv/bin/certtrack migrate --verbosity 0
.venv/bin/certtrack createstaff clients@example.com --admin >/dev/null
token=$(.venv/bin/certtrack apitoken clients@example.com | tail -n 1)
.venv/bin/certtrack serve --host 127.0.0.1 --port "$port" >"$build/server.log" 2>&1 &
server=$!
# The served schema, once the server answers.
for _ in $(seq 1 120); do
  curl -fsS "$base/api/v1/openapi.json" -o "$build/openapi.json" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$build/server.log"; echo "clients: the server did not start"; exit 1; }
  sleep 0.5
done
[ -s "$build/openapi.json" ] || { cat "$build/server.log"; echo "clients: no schema served"; exit 1; }

# --- Python: openapi-python-client in its own venv ------------------------------------
venv="$root/clients/.venv"
if ! cmp -s "$root/clients/requirements.txt" "$venv/requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/clients/requirements.txt" \
    >"$build/pip.log" 2>&1 || { cat "$build/pip.log"; echo "clients: could not install the generator"; exit 1; }
  cp "$root/clients/requirements.txt" "$venv/requirements.txt"
fi
(cd "$build" && "$venv/bin/openapi-python-client" generate --path openapi.json --meta none \
  --output-path certtrack_client --config "$root/clients/python-client.yaml") >"$build/generate.log" 2>&1 \
  || { cat "$build/generate.log"; echo "clients: openapi-python-client failed"; exit 1; }
if grep -qi "warning" "$build/generate.log"; then
  cat "$build/generate.log"
  echo "clients: openapi-python-client warned (every operation must generate whole)"
  exit 1
fi
PYTHONPATH="$build" "$venv/bin/python" clients/python_flow.py "$base" "$token"

# --- TypeScript: openapi-typescript types, checked by tsc -----------------------------
npm ci --prefix clients/ts --silent --no-audit --no-fund >/dev/null
# --default-non-nullable false: a field with a default stays optional in request bodies.
clients/ts/node_modules/.bin/openapi-typescript "$build/openapi.json" -o clients/ts/build/api.d.ts \
  --default-non-nullable false >"$build/typescript.log" 2>&1 \
  || { cat "$build/typescript.log"; echo "clients: openapi-typescript failed"; exit 1; }
clients/ts/node_modules/.bin/tsc -p clients/ts

echo "clients: OK — Python client generated without warnings and ran the main flow; TypeScript types type-check ($(( $(date +%s) - started ))s)"
