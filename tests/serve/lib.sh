# Shared helpers of the tests/serve scripts (sourced, not run). They drive a real
# `isa-authority serve` over TCP with curl: folder stores made with the CLI, PostgreSQL
# databases made fresh on the server ISA_TEST_DATABASE_URL names (one is started with
# tests/pg/start, and stopped on exit, when it is unset), approvals signed on the client by
# the isa-serve example `sign_approval`.
#
# Every server started with start_server is killed by the EXIT trap (by its pid).

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}
# The binaries under test; ISA_SERVE_PROFILE=release tests the optimised build.
profile=${ISA_SERVE_PROFILE:-debug}
ISA=$target/$profile/isa-authority
SIGN=$target/$profile/examples/sign_approval

work=$(mktemp -d "${TMPDIR:-/tmp}/isa-serve-test.XXXXXX")
server_pids=()
own_pg=0
failures=0

cleanup() {
  local pid
  for pid in "${server_pids[@]}"; do
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$own_pg" = 1 ]; then
    ISA_PG_PORT=$own_pg_port "$repo/tests/pg/stop" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# Interrupted: still run cleanup (bash runs the EXIT trap on exit, not on a fatal signal).
trap 'exit 130' INT TERM

log() { echo "$(basename "$0"): $*"; }
pass() { echo "PASS: $*"; }
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
# Ends the script: nonzero when any check failed.
finish() {
  if [ "$failures" -ne 0 ]; then
    echo "FAIL: $(basename "$0"): $failures check(s) failed" >&2
    exit 1
  fi
  echo "PASS: $(basename "$0"): every check passed"
}
die() {
  echo "FAIL: $*" >&2
  exit 1
}

# Builds the CLI and the signing example (incremental: nothing to do when cargo test built
# them already).
build() {
  local flags=()
  [ "$profile" = release ] && flags=(--release)
  (cd "$repo" && cargo build --quiet "${flags[@]}" -p isa-authority -p isa-serve --bin isa-authority --example sign_approval)
  [ -x "$ISA" ] && [ -x "$SIGN" ] || die "no $ISA or $SIGN after cargo build"
}

# The PostgreSQL server: ISA_TEST_DATABASE_URL, or one started here on $ISA_PG_PORT (default
# 54339) and stopped on exit.
pg_url() {
  if [ -z "${ISA_TEST_DATABASE_URL:-}" ]; then
    own_pg_port=${ISA_PG_PORT:-54339}
    ISA_TEST_DATABASE_URL=$(ISA_PG_PORT=$own_pg_port "$repo/tests/pg/start")
    own_pg=1
    export ISA_TEST_DATABASE_URL
  fi
}

# new_db NAME: creates a fresh database NAME (dropping an old one) and prints its URL.
new_db() {
  local name=$1
  PGOPTIONS='-c client_min_messages=warning' psql -q -X "$ISA_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
  echo "${ISA_TEST_DATABASE_URL%/*}/$name"
}

# make_store DIR: keys for alice and bob in $work/keys (made once), a store in DIR with both
# as maintainers and a quorum of 2, and a token file DIR.tokens whose token is in $TOKEN.
make_store() {
  local dir=$1
  if [ ! -f "$work/keys/alice.key" ]; then
    "$ISA" keygen alice -o "$work/keys" >/dev/null
    "$ISA" keygen bob -o "$work/keys" >/dev/null
  fi
  "$ISA" init --store "$dir" --maintainer alice="$work/keys/alice.pub" --maintainer bob="$work/keys/bob.pub" --quorum 2 >/dev/null
  TOKEN=$("$ISA" token new ci --tokens "$dir.tokens" 2>/dev/null)
}

# table_toml N: a decodable table with N extra instructions after HALT, NOP and ADD (each
# later version adds one, so each is backward compatible with the one before).
table_toml() {
  local n=$1 i
  echo 'implementation = "canonical"'
  echo 'opcodes = ['
  echo '  { opcode = 0x00, mnemonic = "HALT", format = "A" },'
  echo '  { opcode = 0x01, mnemonic = "NOP", format = "A" },'
  echo '  { opcode = 0x20, mnemonic = "ADD", format = "E" },'
  for ((i = 0; i < n; i++)); do
    echo "  { opcode = $((0x40 + i)), mnemonic = \"X$i\", format = \"A\" },"
  done
  echo ']'
}

# cli_declare STORE N VERSION: proposes table_toml N as VERSION on a folder store with the CLI,
# approves it by alice and bob, declares it.
cli_declare() {
  local id
  id=$(cli_approved "$@")
  "$ISA" declare "$id" --store "$1" >/dev/null
}

# cli_approved STORE N VERSION: as cli_declare without the declaration; prints the id.
cli_approved() {
  local store=$1 n=$2 version=$3 id
  table_toml "$n" >"$work/t$n.toml"
  id=$("$ISA" propose "$work/t$n.toml" --version "$version" --store "$store" 2>/dev/null)
  "$ISA" approve "$id" --store "$store" --key "$work/keys/alice.key" >/dev/null
  "$ISA" approve "$id" --store "$store" --key "$work/keys/bob.key" >/dev/null
  echo "$id"
}

# start_server LOG ARGS...: starts `serve --listen 127.0.0.1:0 --rate-limit 0 ARGS`, waits for
# its address; sets SERVER_PID and SERVER_URL (no trailing slash).
start_server() {
  local out=$1
  shift
  "$ISA" serve --listen 127.0.0.1:0 --rate-limit 0 "$@" >"$out" 2>&1 &
  SERVER_PID=$!
  server_pids+=("$SERVER_PID")
  local _
  for _ in $(seq 1 200); do
    if SERVER_URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$out" 2>/dev/null); then
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      cat "$out" >&2
      die "the server did not start: $ISA serve $*"
    fi
    sleep 0.05
  done
  cat "$out" >&2
  die "the server printed no address within 10 s: $ISA serve $*"
}

# stop_server PID: kill -9, and reap.
stop_server() {
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# http METHOD URL [BODY]: prints the status line's code, then the body, as "CODE BODY".
http() {
  local method=$1 url=$2 body=${3:-}
  local args=(-sS -o "$work/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $TOKEN")
  if [ -n "$body" ]; then
    args+=(-H 'Content-Type: application/json' --data-binary "$body")
  fi
  local code
  code=$(curl "${args[@]}" "$url") || code=000
  echo "$code $(cat "$work/body" 2>/dev/null)"
}

# http_propose URL N VERSION: proposes table_toml N as VERSION over HTTP; prints the id.
http_propose() {
  local url=$1 n=$2 version=$3 body answer
  body=$(jq -cn --arg c "$(table_toml "$n")" --arg v "$version" '{table: {name: "t.toml", content: $c}, version: $v}')
  answer=$(http POST "$url/v1/proposals" "$body")
  [ "${answer%% *}" = 201 ] || die "POST /v1/proposals: $answer"
  jq -r .id <<<"${answer#* }"
}

# http_approve URL ID: alice's and bob's approvals of ID, signed here, posted over HTTP.
http_approve() {
  local url=$1 id=$2 who answer
  for who in alice bob; do
    answer=$(http POST "$url/v1/proposals/$id/approvals" "$("$SIGN" "$work/keys/$who.key" "$id")")
    [ "${answer%% *}" = 201 ] || die "POST /v1/proposals/$id/approvals ($who): $answer"
  done
}

# versions URL: how many versions the server's history holds.
versions() {
  curl -sS "$1/v1/versions" | jq '.versions | length'
}

# verify_ok URL: GET /v1/verify says ok.
verify_ok() {
  [ "$(curl -sS "$1/v1/verify" | jq .ok)" = true ]
}

# verify_db URL: exports the database, imports it into a fresh folder, and verifies that with
# the CLI (a second opinion: the CLI's verifier over the exported bytes).
verify_db() {
  local url=$1 dir
  dir=$(mktemp -d "$work/copy.XXXXXX")
  "$ISA" export --database "$url" -o "$dir.json" &&
    "$ISA" import "$dir.json" --store "$dir/store" >/dev/null &&
    "$ISA" verify --store "$dir/store" >/dev/null
}
