#!/usr/bin/env bash
# Quire and PostGraphile 5 side by side on one PostgreSQL database (issue 15).
#
#   benches/vs-postgraphile/run.sh [--versions N] [--runs N] [--seconds S]
#       [--rounds R] [--connections C] [--warmup S]
#       [--shapes review,dashboard,detail,point]
#
# What it does, in order:
#   1. installs Node 22 (the npm package node@22) and PostGraphile 5 into a
#      temporary folder (or $QBENCH_CACHE, kept between runs), and wrk into
#      it if wrk is not on the PATH (Debian's package, unpacked, no root);
#   2. creates a fresh database qbench_*, seeds it with `quire seed`
#      (--versions per project, 10k by default; 1000000 works) and makes an
#      admin token;
#   3. starts `quire serve` (release build) and PostGraphile 5 (Amber preset
#      on the public schema, NODE_ENV=production, no watch, no GraphiQL) on
#      free ports;
#   4. checks that each shape answers the same from Quire, PostGraphile's
#      equivalent query (postgraphile_*.graphql) and the floor statement
#      (floor_*.sql), and stops if anything differs:
#      - review page (tests/queries/review_page.graphql): the same 50
#        versions in order, totalCount, and each one's numbers of files,
#        approvals and steps;
#      - runs dashboard (tests/queries/runs_dashboard.graphql): the same 50
#        runs in order, totalCount, each one's step positions and its
#        outputs' ids in order (ties in link order broken by version id);
#      - run detail (tests/queries/run_detail.graphql), for the 100 newest
#        runs: steps, outputs in order with their files and approvals
#        counted, inputs in order;
#      - point read, for the 100 newest versions: id, files, approvals;
#   5. drives both with wrk (post.lua), interleaved Quire / PostGraphile, for
#      --rounds rounds: each shape of --shapes at --connections, and the
#      review page at 1 connection; each round also runs the floor (one
#      hand-written SQL statement) through pgbench;
#   6. prints medians and the ratios the issue sets targets for.
# Servers are stopped and the database dropped on exit, failure included.
#
# Needs: psql, pgbench, curl, jq, npm (any version: it only installs Node 22),
# a local PostgreSQL (CPU is read from /proc; default
# postgres://postgres@127.0.0.1:5432, trust auth) and cargo unless QUIRE_BIN
# names a release build of quire.
#
# Environment:
#   QBENCH_PG_URL      PostgreSQL server URL without a database name
#   QBENCH_CACHE       where Node, PostGraphile (and wrk) go; default: the
#                      run's temporary folder, removed at the end
#   QUIRE_BIN          a quire binary to use instead of `cargo build --release`
#   QBENCH_QUIET_FILE  while this file exists, no CPU-heavy step starts, and a
#                      measurement it overlapped is run again (default
#                      /tmp/quiet: the shared bench machine's convention)
#   QBENCH_PG_POOL     PostGraphile's pool size (default 20, Quire's)
#   QBENCH_KEEP=1      keep the temporary folder (logs, bodies, raw results)
#   QBENCH_DB          an existing database `quire seed` filled (one project):
#                      used as it is (migrated by quire serve) and not dropped;
#                      saves the seeding (5 min at 1M)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

VERSIONS=10000
RUNS=500
SECS=10
ROUNDS=3
CONNS=32
WARMUP=5
SHAPES=(review dashboard detail point)
while [ $# -gt 0 ]; do
  case "$1" in
    --versions) VERSIONS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --seconds) SECS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --shapes) IFS=, read -r -a SHAPES <<<"$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

PG_URL=${QBENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
QUIET_FILE=${QBENCH_QUIET_FILE:-/tmp/quiet}
STARTED=$(date +%s)

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

for tool in psql pgbench curl jq npm; do
  command -v "$tool" >/dev/null || die "$tool is needed (Debian: apt-get install postgresql-client curl jq npm)"
done

TMP=$(mktemp -d /tmp/qbench.XXXXXX)
CACHE=${QBENCH_CACHE:-$TMP/cache}
mkdir -p "$CACHE"
DB=${QBENCH_DB:-qbench_$(date +%s)_$$}
DB_URL=$PG_URL/$DB
QUIRE_PID=
PGL_PID=

# On any exit: stop what we started (by pid), drop the database, remove the
# temporary folder (unless QBENCH_KEEP=1).
cleanup() {
  local rc=$?
  set +e
  for pid in $QUIRE_PID $PGL_PID; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  if [ -n "${DB_CREATED:-}" ]; then
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 \
      || log "could not drop database $DB: drop it by hand"
  fi
  if [ "${QBENCH_KEEP:-}" = 1 ] || [ $rc -ne 0 ]; then
    log "logs and raw results kept in $TMP"
  else
    rm -rf "$TMP"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The machine may be shared with someone timing things: no CPU-heavy step
# starts while the quiet file exists.
wait_quiet() {
  if [ -e "$QUIET_FILE" ]; then
    log "waiting for $QUIET_FILE to go away"
    while [ -e "$QUIET_FILE" ]; do sleep 20; done
  fi
}

# ---------------------------------------------------------------- 1. tools

NODE_DIR=$CACHE/node
NODE=$NODE_DIR/node_modules/node/bin/node
if ! [ -x "$NODE" ] || ! "$NODE" --version | grep -q '^v22\.'; then
  log "installing Node 22 (npm package node@22) into $NODE_DIR"
  npm install --prefix "$NODE_DIR" --no-audit --no-fund node@22 >"$TMP/npm-node.log" 2>&1 \
    || die "npm install node@22 (see $TMP/npm-node.log)"
fi
"$NODE" --version | grep -q '^v22\.' || die "$NODE is not Node 22"

PGL_DIR=$CACHE/postgraphile
if ! [ -f "$PGL_DIR/node_modules/postgraphile/package.json" ]; then
  log "installing PostGraphile 5 into $PGL_DIR"
  # npm itself runs under Node 22 here, so engine checks see the right Node.
  PATH=$(dirname "$NODE"):$PATH npm install --prefix "$PGL_DIR" --no-audit --no-fund \
    'postgraphile@^5' >"$TMP/npm-postgraphile.log" 2>&1 \
    || die "npm install postgraphile@^5 (see $TMP/npm-postgraphile.log)"
fi
PGL_VERSION=$("$NODE" -p "require('$PGL_DIR/node_modules/postgraphile/package.json').version")

# wrk: the system's, else Debian's package unpacked into the cache (no root).
WRK=$(command -v wrk || true)
if [ -z "$WRK" ]; then
  WRK_ROOT=$CACHE/wrk
  if ! [ -x "$WRK_ROOT/usr/bin/wrk" ]; then
    log "wrk is not installed: unpacking Debian's wrk into $WRK_ROOT"
    mkdir -p "$WRK_ROOT/debs"
    (cd "$WRK_ROOT/debs" && apt-get download wrk libluajit-5.1-2 libluajit-5.1-common) \
      >"$TMP/wrk-download.log" 2>&1 \
      || die "no wrk: install it (apt-get install wrk) or put it on the PATH"
    for deb in "$WRK_ROOT"/debs/*.deb; do dpkg -x "$deb" "$WRK_ROOT"; done
  fi
  export LD_LIBRARY_PATH=$WRK_ROOT/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  WRK=$WRK_ROOT/usr/bin/wrk
fi

if [ -z "${QUIRE_BIN:-}" ]; then
  wait_quiet
  log "building quire (release)"
  (cd "$REPO" && cargo build --release --bin quire) >"$TMP/cargo.log" 2>&1 \
    || die "cargo build --release (see $TMP/cargo.log)"
  QUIRE_BIN=${CARGO_TARGET_DIR:-$REPO/target}/release/quire
fi
[ -x "$QUIRE_BIN" ] || die "no quire binary at $QUIRE_BIN"
QUIRE_COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')

# --------------------------------------------------------- 2. the database

sql() { psql "$DB_URL" -XAtqc "$1"; }
if [ -n "${QBENCH_DB:-}" ]; then
  SEED_SECONDS=0
  QUIRE_DATABASE_URL=$DB_URL "$QUIRE_BIN" migrate >"$TMP/migrate.log" 2>&1 \
    || die "quire migrate on $DB (see $TMP/migrate.log)"
  SLUG=$(sql "SELECT slug FROM projects WHERE slug LIKE 'bench-%' ORDER BY slug LIMIT 1")
  [ -n "$SLUG" ] || die "$DB holds no project quire seed made"
  # What the table's header reports: the project's size, not --versions.
  VERSIONS=$(sql "SELECT count(*) FROM artifact_versions v JOIN projects p ON p.id = v.project_id
                  WHERE p.slug = '$SLUG'")
else
  psql "$PG_URL/postgres" -qc "CREATE DATABASE $DB" >/dev/null || die "cannot create database $DB"
  DB_CREATED=1
  wait_quiet
  log "seeding $DB: $VERSIONS versions, $RUNS runs (quire seed)"
  seed_started=$(date +%s)
  QUIRE_DATABASE_URL=$DB_URL "$QUIRE_BIN" seed --versions-per-project "$VERSIONS" \
    --runs-per-project "$RUNS" >"$TMP/seed.log" 2>&1 || die "quire seed (see $TMP/seed.log)"
  SEED_SECONDS=$(( $(date +%s) - seed_started ))
  SLUG=$(tail -n 1 "$TMP/seed.log" | tr -d '[:space:]')
fi
TOKEN=$(QUIRE_DATABASE_URL=$DB_URL "$QUIRE_BIN" token create --name bench --role admin 2>/dev/null \
  | tail -n 1 | tr -d '[:space:]')
[ -n "$TOKEN" ] || die "quire token create printed no token"
PENDING=$(sql "SELECT count(*) FROM artifact_versions v JOIN projects p ON p.id = v.project_id
               WHERE p.slug = '$SLUG' AND v.status = 'PENDING'")
log "seeded in ${SEED_SECONDS}s: project $SLUG, $PENDING PENDING versions"

# CPU is read from /proc: the postmaster of this cluster and its children.
PG_DATA=$(sql "SHOW data_directory")
PG_POSTMASTER=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)
PG_VERSION=$(sql "SHOW server_version" | cut -d' ' -f1)
[ -n "$PG_POSTMASTER" ] && [ -d "/proc/$PG_POSTMASTER" ] \
  || die "cannot read $PG_DATA/postmaster.pid: PostgreSQL must run on this machine, readable by this user"

# ------------------------------------------------------------ 3. servers

# Waits for a line matching $2 in log file $1 from process $3; prints it.
wait_line() {
  local file=$1 pattern=$2 pid=$3 i
  for i in $(seq 1 600); do
    if grep -m 1 -E "$pattern" "$file" 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || { cat "$file" >&2; die "process $pid exited"; }
    sleep 0.1
  done
  cat "$file" >&2
  die "no line matching '$pattern' in $file after 60 s"
}

# One transport for all three: no TLS. PostGraphile's driver (node-postgres)
# does not ask for it unless told; Quire's (sqlx) and libpq's (psql,
# pgbench) would by default, and with it the same page cost 10-20% more CPU
# on both ends (measured with Quire alone, interleaved).
export PGSSLMODE=disable
SERVER_DB_URL="$DB_URL?sslmode=disable"

log "starting quire serve"
QUIRE_LISTEN=127.0.0.1:0 QUIRE_DATABASE_URL=$SERVER_DB_URL QUIRE_STORAGE_URL=$TMP/files \
  RUST_LOG=warn "$QUIRE_BIN" serve >"$TMP/quire.log" 2>&1 &
QUIRE_PID=$!
QUIRE_URL=$(wait_line "$TMP/quire.log" 'http://' "$QUIRE_PID" | grep -oE 'http://[^ ]+' | sed 's#/graphql$##')

log "starting PostGraphile $PGL_VERSION"
# The config imports postgraphile: it must sit beside the node_modules.
cp "$HERE/graphile.config.mjs" "$PGL_DIR/graphile.config.mjs"
(cd "$PGL_DIR" && NODE_ENV=production QBENCH_DATABASE_URL=$SERVER_DB_URL \
  exec "$NODE" node_modules/postgraphile/dist/cli-run.js -C graphile.config.mjs) \
  >"$TMP/postgraphile.log" 2>&1 &
PGL_PID=$!
PGL_URL=$(wait_line "$TMP/postgraphile.log" 'Server listening' "$PGL_PID" \
  | grep -oE 'http://[^ ]+' | sed 's#/graphql$##')
log "quire at $QUIRE_URL (pid $QUIRE_PID), PostGraphile at $PGL_URL (pid $PGL_PID)"
TLS_CONNECTIONS=$(sql "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                       WHERE a.datname = '$DB' AND s.ssl")
[ "$TLS_CONNECTIONS" -eq 0 ] || die "$TLS_CONNECTIONS connections to $DB use TLS: the sides would not compare"

# --------------------------------------------- 4. the same data from each

# Request bodies, one JSON document per line (post.lua sends the lines in turn).
body() { # query-file variables-json
  jq -cn --rawfile q "$1" --argjson v "$2" '{query: $q, variables: $v}'
}
body "$REPO/tests/queries/review_page.graphql" "{\"slug\": \"$SLUG\"}" >"$TMP/quire_review.json"
body "$HERE/postgraphile_review_page.graphql" "{\"slug\": \"$SLUG\"}" >"$TMP/pgl_review.json"
body "$REPO/tests/queries/runs_dashboard.graphql" "{\"slug\": \"$SLUG\"}" >"$TMP/quire_dashboard.json"
body "$HERE/postgraphile_runs_dashboard.graphql" "{\"slug\": \"$SLUG\"}" >"$TMP/pgl_dashboard.json"

# The point reads: the project's 100 newest versions; the run detail pages:
# its 100 newest runs. As Quire's public IDs and as PostGraphile's row ids.
sql "SELECT v.id FROM artifact_versions v JOIN projects p ON p.id = v.project_id
     WHERE p.slug = '$SLUG' ORDER BY v.id DESC LIMIT 100" >"$TMP/point_uuids"
sql "SELECT r.id FROM runs r JOIN projects p ON p.id = r.project_id
     WHERE p.slug = '$SLUG' ORDER BY r.id DESC LIMIT 100" >"$TMP/detail_uuids"
for shape in point detail; do
  [ "$(wc -l <"$TMP/${shape}_uuids")" -eq 100 ] || die "fewer than 100 rows for the $shape reads"
done
: >"$TMP/quire_point.json"
: >"$TMP/pgl_point.json"
while read -r uuid; do
  body "$HERE/quire_point_read.graphql" "{\"id\": \"ver_${uuid//-/}\"}" >>"$TMP/quire_point.json"
  body "$HERE/postgraphile_point_read.graphql" "{\"id\": \"$uuid\"}" >>"$TMP/pgl_point.json"
done <"$TMP/point_uuids"
: >"$TMP/quire_detail.json"
: >"$TMP/pgl_detail.json"
while read -r uuid; do
  body "$REPO/tests/queries/run_detail.graphql" "{\"id\": \"run_${uuid//-/}\"}" >>"$TMP/quire_detail.json"
  body "$HERE/postgraphile_run_detail.graphql" "{\"id\": \"$uuid\"}" >>"$TMP/pgl_detail.json"
done <"$TMP/detail_uuids"
POINT_IDS="{$(paste -sd, "$TMP/point_uuids")}"
DETAIL_IDS="{$(paste -sd, "$TMP/detail_uuids")}"

post() { # base-url body-line [authorization]
  curl -sS --fail-with-body -H 'Content-Type: application/json' ${3:+-H "Authorization: $3"} \
    --data-binary "$2" "$1/graphql"
}
no_errors() { # label response-file
  if jq -e '.errors' "$2" >/dev/null; then
    jq -c '.errors' "$2" | head -c 2000 >&2; echo >&2
    die "$1 answered with errors"
  fi
}
# The floor statement $1 through psql, its JSON on stdout: :slug is a pgbench
# variable there, a psql one here (given quoted); a \set line is pgbench's.
floor_json() { # sql-file [ids]
  grep -v '^\\set' "$1" | psql "$DB_URL" -XAtq -v ON_ERROR_STOP=1 -v slug="'$SLUG'" \
    -v ids="'${2:-{\}}'" -v i=1 || die "the floor statement $(basename "$1") failed"
}
# Posts each request of a bodies file (one per line) to a server, stops at
# an answer with errors, and writes what the jq filter makes of each answer
# to the summary file, in order.
summarize() { # label base-url authorization bodies-file jq-filter summary-file
  local line
  : >"$6"
  while read -r line; do
    post "$2" "$line" "$3" >"$TMP/one.out"
    no_errors "$1" "$TMP/one.out"
    jq -r "$5" "$TMP/one.out" >>"$6"
  done <"$4"
}
# Compares summaries: quire's against each other side's; stops at a difference.
same() { # shape side...
  local shape=$1 other
  shift
  for other in "$@"; do
    if ! diff "$TMP/quire_$shape.summary" "$TMP/${other}_$shape.summary" >"$TMP/${other}_$shape.diff"; then
      head -n 20 "$TMP/${other}_$shape.diff" >&2
      die "the $shape differs between quire and $other (quire <, $other >)"
    fi
  done
}

# The review page, compared: totalCount and hasNextPage, then per version in
# order its public id and its numbers of files, approvals and steps.
summarize "quire review page" "$QUIRE_URL" "Bearer $TOKEN" "$TMP/quire_review.json" \
  '.data.project.reviewQueue | "\(.totalCount) \(.pageInfo.hasNextPage)",
  (.edges[].node | [.id, (.files | length), (.approvals | length),
                    ((.sourceRun.steps // []) | length)] | @tsv)' "$TMP/quire_review.summary"
summarize "PostGraphile review page" "$PGL_URL" "" "$TMP/pgl_review.json" \
  '.data.projectBySlug.artifactVersionsByProjectId | "\(.totalCount) \(.pageInfo.hasNextPage)",
  (.edges[].node | ["ver_" + (.rowId | gsub("-"; "")),
                    (.artifactVersionFilesByVersionId.nodes | length),
                    (.approvalsByVersionId.nodes | length),
                    ((.runBySourceRunId.runStepsByRunId.nodes // []) | length)] | @tsv)' \
  "$TMP/pgl_review.summary"
floor_json "$HERE/floor_review_page.sql" | jq -r '.reviewQueue | "\(.totalCount) \(.pageInfo.hasNextPage)",
  (.edges[].node | [.id, (.files | length), (.approvals | length),
                    ((.sourceRun.steps // []) | length)] | @tsv)' >"$TMP/floor_review.summary"
expected=$(( PENDING < 50 ? PENDING : 50 ))
[ "$(( $(wc -l <"$TMP/quire_review.summary") - 1 ))" -eq "$expected" ] \
  || die "quire's review page has $(( $(wc -l <"$TMP/quire_review.summary") - 1 )) versions, expected $expected"
same review pgl floor
read -r files approvals steps < <(awk 'NR > 1 { f += $2; a += $3; s += $4 } END { print f, a, s }' \
  "$TMP/quire_review.summary")
log "review page: the same $expected versions of $PENDING from all three, with $files files, $approvals approvals, $steps steps"

# The runs dashboard, compared: totalCount and hasNextPage, then per run in
# order its public id, its step positions and its outputs' ids, in order.
summarize "quire runs dashboard" "$QUIRE_URL" "Bearer $TOKEN" "$TMP/quire_dashboard.json" \
  '.data.project.runs | "\(.totalCount) \(.pageInfo.hasNextPage)",
  (.edges[].node | [.id, ([.steps[].order] | join(",")), ([.outputs[].id] | join(","))] | @tsv)' \
  "$TMP/quire_dashboard.summary"
summarize "PostGraphile runs dashboard" "$PGL_URL" "" "$TMP/pgl_dashboard.json" \
  '.data.projectBySlug.runsByProjectId | "\(.totalCount) \(.pageInfo.hasNextPage)",
  (.edges[].node | ["run_" + (.rowId | gsub("-"; "")),
                    ([.runStepsByRunId.nodes[].position] | join(",")),
                    ([.runArtifactsByRunId.nodes[].artifactVersionByVersionId.rowId
                      | "ver_" + gsub("-"; "")] | join(","))] | @tsv)' \
  "$TMP/pgl_dashboard.summary"
floor_json "$HERE/floor_runs_dashboard.sql" | jq -r '.runs | "\(.totalCount) \(.pageInfo.hasNextPage)",
  (.edges[].node | [.id, ([.steps[].order] | join(",")), ([.outputs[].id] | join(","))] | @tsv)' \
  >"$TMP/floor_dashboard.summary"
[ "$(wc -l <"$TMP/quire_dashboard.summary")" -eq 51 ] || die "quire's runs dashboard does not hold 50 runs"
same dashboard pgl floor
read -r steps outputs < <(awk -F'\t' 'NR > 1 { s += split($2, a, ","); o += split($3, b, ",") } END { print s, o }' \
  "$TMP/quire_dashboard.summary")
log "runs dashboard: the same 50 runs from all three, with $steps steps and $outputs outputs in the same order"

# The run detail pages, compared for the 100 runs: the run's id, its step
# positions, its outputs' ids in order with their numbers of files and
# approvals, and its inputs' ids in order.
detail_summary='[.id, ([.steps[].order] | join(",")),
  ([.outputs[] | "\(.id)/\(.files | length)/\(.approvals | length)"] | join(",")),
  ([.inputs[].id] | join(","))] | @tsv'
summarize "quire run detail" "$QUIRE_URL" "Bearer $TOKEN" "$TMP/quire_detail.json" \
  ".data.run | $detail_summary" "$TMP/quire_detail.summary"
summarize "PostGraphile run detail" "$PGL_URL" "" "$TMP/pgl_detail.json" \
  '.data.runByRowId | {
      id: ("run_" + (.rowId | gsub("-"; ""))),
      steps: [.runStepsByRunId.nodes[] | {order: .position}],
      outputs: [.outputs.nodes[].artifactVersionByVersionId | {
        id: ("ver_" + (.rowId | gsub("-"; ""))),
        files: .artifactVersionFilesByVersionId.nodes, approvals: .approvalsByVersionId.nodes}],
      inputs: [.inputs.nodes[].artifactVersionByVersionId | {id: ("ver_" + (.rowId | gsub("-"; "")))}]
    } | '"$detail_summary" "$TMP/pgl_detail.summary"
same detail pgl
floor_json "$HERE/floor_run_detail.sql" "{$(head -n 1 "$TMP/detail_uuids")}" \
  | jq -r "$detail_summary" >"$TMP/floor_detail.one"
[ "$(cat "$TMP/floor_detail.one")" = "$(head -n 1 "$TMP/quire_detail.summary")" ] \
  || die "the run detail floor differs from quire for $(head -n 1 "$TMP/detail_uuids")"
read -r outputs inputs < <(awk -F'\t' '{ o += split($3, a, ","); i += split($4, b, ",") } END { print o, i }' \
  "$TMP/quire_detail.summary")
log "run detail: the same 100 runs from quire and PostGraphile ($outputs outputs, $inputs inputs), the first from the floor"

# Point reads: the same id, files and approvals for each of the 100 versions.
summarize "quire point read" "$QUIRE_URL" "Bearer $TOKEN" "$TMP/quire_point.json" \
  '.data.artifactVersion | [.id, (.files | length), (.approvals | length)] | @tsv' \
  "$TMP/quire_point.summary"
summarize "PostGraphile point read" "$PGL_URL" "" "$TMP/pgl_point.json" \
  '.data.artifactVersionByRowId | ["ver_" + (.rowId | gsub("-"; "")),
    (.artifactVersionFilesByVersionId.nodes | length), (.approvalsByVersionId.nodes | length)] | @tsv' \
  "$TMP/pgl_point.summary"
same point pgl
floor_json "$HERE/floor_point_read.sql" "{$(head -n 1 "$TMP/point_uuids")}" \
  | jq -r '[.id, (.files | length), (.approvals | length)] | @tsv' >"$TMP/floor_point.one"
[ "$(cat "$TMP/floor_point.one")" = "$(head -n 1 "$TMP/quire_point.summary")" ] \
  || die "the point-read floor differs from quire for $(head -n 1 "$TMP/point_uuids")"
log "point reads: the same 100 versions, files and approvals from quire and PostGraphile"

# ------------------------------------------------------------- 5. the load

CLK_TCK=$(getconf CLK_TCK)

# utime+stime of one process, in clock ticks (all its threads).
proc_ticks() {
  local line f
  { read -r line <"/proc/$1/stat"; } 2>/dev/null || { echo 0; return 0; }
  read -r -a f <<<"${line##*) }"   # f[0] is field 3 of stat(5)
  echo $(( f[11] + f[12] ))
}

# PostgreSQL's CPU so far, in clock ticks: every process of the cluster (the
# postmaster's children: backends, parallel workers, background processes)
# plus the postmaster's reaped children, so that backends and parallel
# workers that exit during a run (pgbench's, a parallel count's) still count.
# Other databases' work on the same cluster counts too: run_once warns when
# another database had active sessions.
pg_ticks() {
  local total=0 pid line f
  for pid in "$PG_POSTMASTER" $(pgrep -P "$PG_POSTMASTER"); do
    { read -r line <"/proc/$pid/stat"; } 2>/dev/null || continue
    read -r -a f <<<"${line##*) }"
    total=$(( total + f[11] + f[12] ))
    [ "$pid" = "$PG_POSTMASTER" ] && total=$(( total + f[13] + f[14] ))
  done
  echo "$total"
}

# Quire's count of its request pool's statements. Per request it is a slight
# upper bound: requests wrk cuts off at the end of a run (at most one per
# connection) still run their statements but are not counted as requests.
statements() {
  curl -sS "$QUIRE_URL/metrics" | awk '$1 == "quire_sql_statements_total" { print $2 }'
}

others_active() {
  psql "$PG_URL/postgres" -XAtqc "SELECT count(*) FROM pg_stat_activity
    WHERE backend_type = 'client backend' AND state = 'active'
      AND datname IS DISTINCT FROM '$DB' AND pid <> pg_backend_pid()"
}

# Percentile p (0-1) of the numbers on stdin, nearest rank.
percentile() {
  sort -g | awk -v p="$1" '{ a[NR] = $1 } END { if (NR) print a[int((NR - 1) * p + 0.5) + 1] }'
}

RESULTS=$TMP/results.tsv
printf 'round\tscenario\tside\treq_s\tp50_ms\tp99_ms\tserver_cpu_ms\tpg_cpu_ms\tstatements\trequests\n' >"$RESULTS"

# The floor statement of a shape.
floor_file() {
  case "$1" in
    review) echo floor_review_page.sql ;;
    dashboard) echo floor_runs_dashboard.sql ;;
    detail) echo floor_run_detail.sql ;;
    point) echo floor_point_read.sql ;;
  esac
}

# One measured run: side is quire, postgraphile or floor; scenario is a
# shape and a number of connections (review32, dashboard32, detail32,
# point32, review1). Appends a row to $RESULTS and prints it.
# A run the quiet file overlapped is thrown away and run again.
run_once() {
  local round=$1 scenario=$2 side=$3 conns=$4
  local bodies url auth="" pid="" sql_file="" out
  local shape=${scenario%%[0-9]*} ids=$POINT_IDS
  case "$side" in
    quire) bodies=$TMP/quire_$shape.json ;;
    postgraphile) bodies=$TMP/pgl_$shape.json ;;
    floor) sql_file=$HERE/$(floor_file "$shape") ;;
  esac
  [ "$shape" = detail ] && ids=$DETAIL_IDS
  case "$side" in
    quire) url=$QUIRE_URL; auth="Bearer $TOKEN"; pid=$QUIRE_PID ;;
    postgraphile) url=$PGL_URL; pid=$PGL_PID ;;
  esac
  while :; do
    wait_quiet
    local s0=0 st0=0 p0 t0 t1
    [ -n "$pid" ] && s0=$(proc_ticks "$pid")
    [ "$side" = quire ] && st0=$(statements)
    p0=$(pg_ticks)
    out=$TMP/run_${round}_${scenario}_${side}
    if [ -n "$sql_file" ]; then
      # -M prepared: :slug and :ids become parameters, as the servers' are.
      rm -f "$out".log*
      pgbench -n -M prepared -c "$conns" -j "$(( conns < 2 ? 1 : 2 ))" -T "$SECS" \
        -f "$sql_file" -D slug="$SLUG" -D ids="$ids" -l --log-prefix="$out.log" \
        "$DB_URL" >"$out" 2>&1 || { cat "$out" >&2; die "pgbench failed"; }
    else
      "$WRK" -t "$(( conns < 2 ? 1 : 2 ))" -c "$conns" -d "${SECS}s" --timeout 30s --latency \
        -s "$HERE/post.lua" "$url/graphql" -- "$bodies" "$auth" >"$out" 2>&1 \
        || { cat "$out" >&2; die "wrk failed"; }
    fi
    local p1 s1=0 st1=0 others
    p1=$(pg_ticks)
    [ -n "$pid" ] && s1=$(proc_ticks "$pid")
    [ "$side" = quire ] && st1=$(statements)
    others=$(others_active)
    if [ -e "$QUIET_FILE" ]; then
      log "$QUIET_FILE appeared during the run: running it again later"
      continue
    fi
    break
  done
  [ "$others" -gt 0 ] && log "note: $others active session(s) of other databases at the end of this run (PostgreSQL CPU includes them)"

  local requests seconds p50 p99
  if [ -n "$sql_file" ]; then
    grep -q 'number of failed transactions: 0' "$out" || { cat "$out" >&2; die "pgbench had failures"; }
    requests=$(awk '/number of transactions actually processed/ { print $NF }' "$out" | cut -d/ -f1)
    local tps
    tps=$(awk '/^tps = / { print $3 }' "$out")
    seconds=$(awk -v n="$requests" -v t="$tps" 'BEGIN { print n / t }')
    # pgbench -l: the 3rd field is each transaction's latency in µs.
    p50=$(cat "$out".log* | awk '{ print $3 }' | percentile 0.50)
    p99=$(cat "$out".log* | awk '{ print $3 }' | percentile 0.99)
  else
    local line
    line=$(grep '^QBENCH ' "$out") || { cat "$out" >&2; die "no summary from wrk"; }
    eval "local ${line#QBENCH }"   # requests= duration_us= p50_us= ... (numbers only)
    [ "$gql_errors" -eq 0 ] && [ "$bad_status" -eq 0 ] && [ "$socket_errors" -eq 0 ] \
      || { cat "$out" >&2; die "$side $scenario: $gql_errors GraphQL errors, $bad_status non-200, $socket_errors socket errors"; }
    seconds=$(awk -v d="$duration_us" 'BEGIN { print d / 1e6 }')
    p50=$p50_us
    p99=$p99_us
  fi
  [ "$requests" -gt 0 ] || die "$side $scenario: no requests completed"
  local row
  row=$(awk -v r="$round" -v sc="$scenario" -v sd="$side" -v n="$requests" -v sec="$seconds" \
    -v p50="$p50" -v p99="$p99" -v pid="$pid" -v s="$(( s1 - s0 ))" -v pg="$(( p1 - p0 ))" \
    -v st="$(( ${st1%.*} - ${st0%.*} ))" -v side="$side" -v tick="$CLK_TCK" 'BEGIN {
      ms = 1000 / tick
      printf "%s\t%s\t%s\t%.1f\t%.2f\t%.2f\t%s\t%.3f\t%s\t%d\n", r, sc, sd, n / sec, p50 / 1000, p99 / 1000,
        (pid == "" ? "-" : sprintf("%.3f", s * ms / n)), pg * ms / n,
        (side == "quire" ? sprintf("%.2f", st / n) : "-"), n }')
  printf '%s\n' "$row" >>"$RESULTS"
  printf '%s\n' "$row" | awk -F'\t' '{ printf "  round %s %-9s %-13s %9s req/s  p50 %8s ms  p99 %8s ms  server CPU %6s ms/req  PG CPU %6s ms/req  SQL %5s/req\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }' >&2
}

# Warm-up, not recorded: Node's JIT, both pools, PostgreSQL's caches and
# prepared statements. Production servers are warm.
if [ "$WARMUP" -gt 0 ]; then
  wait_quiet
  log "warm-up: ${WARMUP}s of each server's review page and point read"
  for side in quire postgraphile; do
    for b in "${SHAPES[@]}"; do
      case "$side" in quire) u=$QUIRE_URL; a="Bearer $TOKEN"; f=$TMP/quire_$b.json ;;
                      *) u=$PGL_URL; a=""; f=$TMP/pgl_$b.json ;; esac
      "$WRK" -t 2 -c "$CONNS" -d "${WARMUP}s" --timeout 30s -s "$HERE/post.lua" "$u/graphql" -- "$f" "$a" \
        >"$TMP/warmup_${side}_$b" 2>&1 || { cat "$TMP/warmup_${side}_$b" >&2; die "warm-up failed"; }
    done
  done
fi

log "load: $ROUNDS rounds, ${SECS}s per run, quire and PostGraphile interleaved, then the floor"
for round in $(seq 1 "$ROUNDS"); do
  for shape in "${SHAPES[@]}"; do
    for side in quire postgraphile floor; do run_once "$round" "$shape$CONNS" "$side" "$CONNS"; done
  done
  if [[ " ${SHAPES[*]} " == *" review "* ]]; then
    for side in quire postgraphile floor; do run_once "$round" review1 "$side" 1; done
  fi
done

# ----------------------------------------------------------- 6. the table

# median of column $3 for scenario $1, side $2 ("-" when absent).
median() {
  awk -F'\t' -v sc="$1" -v sd="$2" -v c="$3" 'NR > 1 && $2 == sc && $3 == sd && $c != "-" { print $c }' \
    "$RESULTS" | percentile 0.5 | grep . || echo -
}
range() { # min-max of column $3
  awk -F'\t' -v sc="$1" -v sd="$2" -v c="$3" 'NR > 1 && $2 == sc && $3 == sd { print $c }' "$RESULTS" \
    | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f-%.0f", lo, hi }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx", a / b }'; }

cols=(4 5 6 7 8 9)
names=("req/s [min-max]" "p50 ms" "p99 ms" "server CPU ms/req" "PostgreSQL CPU ms/req" "SQL statements/req")
echo
echo "Quire $QUIRE_COMMIT, PostGraphile $PGL_VERSION, one SQL statement through pgbench; PostgreSQL $PG_VERSION;"
echo "$(nproc) cores; $VERSIONS versions ($PENDING PENDING in the queue); ${SECS}s runs, $ROUNDS rounds; medians"
ONE=; [[ " ${SHAPES[*]} " == *" review "* ]] && ONE=review1
for scenario in "${SHAPES[@]/%/$CONNS}" $ONE; do
  case $scenario in
    review1) title="review page, 1 conn" ;;
    review*) title="review page, $CONNS conns" ;;
    dashboard*) title="runs dashboard, $CONNS conns" ;;
    detail*) title="run detail, $CONNS conns" ;;
    point*) title="point read, $CONNS conns" ;;
  esac
  echo
  printf '%-26s %-20s %-20s %-20s\n' "$title" "Quire" "PostGraphile" "floor (1 statement)"
  for i in "${!cols[@]}"; do
    c=${cols[$i]}
    line=$(printf '  %-24s' "${names[$i]}")
    for side in quire postgraphile floor; do
      v=$(median "$scenario" "$side" "$c")
      [ "$c" = 4 ] && [ "$v" != - ] && v="$(printf '%.0f' "$v") [$(range "$scenario" "$side" 4)]"
      line+=$(printf ' %-20s' "$v")
    done
    echo "$line"
  done
done
echo

m() { median "$1" "$2" "$3"; }
echo "Ratios (medians; the issue's targets in brackets)"
for shape in review dashboard detail; do
  sc=$shape$CONNS
  case $shape in review) name="review page" ;; dashboard) name="runs dashboard" ;; detail) name="run detail" ;; esac
  printf '  %-62s %s\n' \
    "$name req/s, Quire / PostGraphile [>= 2]" "$(ratio "$(m "$sc" quire 4)" "$(m "$sc" postgraphile 4)")" \
    "$name req/s, Quire / floor [>= 0.6]" "$(ratio "$(m "$sc" quire 4)" "$(m "$sc" floor 4)")" \
    "$name req/s, PostGraphile / floor" "$(ratio "$(m "$sc" postgraphile 4)" "$(m "$sc" floor 4)")" \
    "$name p99, Quire / floor" "$(ratio "$(m "$sc" quire 6)" "$(m "$sc" floor 6)")" \
    "$name PostgreSQL CPU/req, Quire / PostGraphile" "$(ratio "$(m "$sc" quire 8)" "$(m "$sc" postgraphile 8)")" \
    "$name server CPU/req, Quire / PostGraphile" "$(ratio "$(m "$sc" quire 7)" "$(m "$sc" postgraphile 7)")"
done
sc=point$CONNS
printf '  %-62s %s\n' \
  "review page 1 conn p50, Quire / PostGraphile" "$(ratio "$(m review1 quire 5)" "$(m review1 postgraphile 5)")" \
  "review page 1 conn p50, Quire / floor" "$(ratio "$(m review1 quire 5)" "$(m review1 floor 5)")" \
  "point read req/s, Quire / PostGraphile [>= 1.5]" "$(ratio "$(m "$sc" quire 4)" "$(m "$sc" postgraphile 4)")" \
  "point read req/s, Quire / floor" "$(ratio "$(m "$sc" quire 4)" "$(m "$sc" floor 4)")" \
  "point read p99, Quire / PostGraphile" "$(ratio "$(m "$sc" quire 6)" "$(m "$sc" postgraphile 6)")"
echo
echo "seed: ${SEED_SECONDS}s; whole script: $(( $(date +%s) - STARTED ))s; raw rows: $RESULTS (QBENCH_KEEP=1 keeps them)"
[ "${QBENCH_KEEP:-}" = 1 ] || { echo; cat "$RESULTS"; }
