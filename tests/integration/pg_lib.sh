# pg_lib.sh - a private PostgreSQL server for the fleet tests (sourced, not
# run: it is not executable, so tests/run.sh skips it).
#   pg_start        initdb into $PGT/data (once) and start postgres on a Unix
#                   socket in $PGT (no TCP port), as an unprivileged user when
#                   run as root; sets PG_URL and PGPID
#   pg_stop         stop it by its PID (fast shutdown) and wait
#   pgq SQL         one psql query, unaligned, tuples only
#   clone_runs DB N add N copies of DB's newest PASS run (new uuids and serials)
# The caller's EXIT trap must call pg_stop.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PGT=$(mktemp -d /tmp/st-pg-XXXXXX)
PGPORT=$((20000 + $$ % 20000))
PGPID=
PGUSER_RUN=
if [ "$(id -u)" = 0 ]; then
	PGUSER_RUN=nobody
	chown "$PGUSER_RUN" "$PGT"
fi
as_pg() { # exec as the unprivileged user without a forking wrapper: $! is the server
	if [ -n "$PGUSER_RUN" ]; then
		setpriv --reuid="$(id -u "$PGUSER_RUN")" --regid="$(id -g "$PGUSER_RUN")" --clear-groups -- "$@"
	else
		"$@"
	fi
}
exec_pg() {
	if [ -n "$PGUSER_RUN" ]; then
		exec setpriv --reuid="$(id -u "$PGUSER_RUN")" --regid="$(id -g "$PGUSER_RUN")" --clear-groups -- "$@"
	fi
	exec "$@"
}
pg_start() {
	[ -x "$PGBIN/postgres" ] || { echo "# PostgreSQL server binaries missing (Makefile DEB_PKGS installs postgresql)"; return 1; }
	if [ ! -f "$PGT/data/PG_VERSION" ]; then
		as_pg "$PGBIN/initdb" -D "$PGT/data" -U fleet -A trust -E UTF8 --no-locale --no-sync >"$PGT/initdb.log" 2>&1 ||
			{ sed 's/^/# /' "$PGT/initdb.log" | tail -5; return 1; }
	fi
	# exec: $! is the postmaster itself, so pg_stop signals the server by its PID
	(exec_pg "$PGBIN/postgres" -D "$PGT/data" -k "$PGT" -c listen_addresses= -p "$PGPORT" \
		-c fsync=off -c synchronous_commit=off -c full_page_writes=off >>"$PGT/server.log" 2>&1) &
	PGPID=$!
	for _ in $(seq 200); do
		"$PGBIN/pg_isready" -q -h "$PGT" -p "$PGPORT" && break
		kill -0 "$PGPID" 2>/dev/null || break
		sleep 0.05
	done
	"$PGBIN/pg_isready" -q -h "$PGT" -p "$PGPORT" ||
		{ echo "# postgres did not start"; tail -5 "$PGT/server.log" | sed 's/^/# /'; return 1; }
	PG_URL="postgresql:///postgres?host=$PGT&port=$PGPORT&user=fleet"
}
pg_stop() {
	if [ -n "$PGPID" ]; then
		kill -INT "$PGPID" 2>/dev/null
		wait "$PGPID" 2>/dev/null
		PGPID=
	fi
}
pg_cleanup() {
	pg_stop
	rm -rf "$PGT"
}
pgq() {
	psql -X -q -A -t -h "$PGT" -p "$PGPORT" -U fleet -d postgres -c "$1"
}

# Many runs quickly: N copies of the newest PASS run with its steps,
# measurements and events, ids kept consistent (foreign keys on).
clone_runs() { # DB N
	local db=$1 n=$2
	sqlite3 "$db" "
	PRAGMA foreign_keys = ON;
	CREATE TEMP TABLE k AS WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n) SELECT i FROM k;
	CREATE TEMP TABLE src AS SELECT max(id) AS s FROM runs WHERE outcome = 'PASS';
	CREATE TEMP TABLE base AS SELECT (SELECT max(id) FROM runs) AS m, (SELECT coalesce(max(id), 0) FROM steps) AS sm,
		(SELECT count(*) FROM steps WHERE run_id = (SELECT s FROM src)) AS ns;
	INSERT INTO units (serial, model, first_seen, last_seen)
	SELECT 'C' || printf('%06d', (SELECT m FROM base) + k.i), r.model, r.started, r.started
	FROM runs r, k WHERE r.id = (SELECT s FROM src);
	INSERT INTO runs (uuid, serial, model, firmware, plan, limits_path, limits_hash, station, operator, fixture,
		started, ended, outcome, disposition, reason, pid, host, pid_tag)
	SELECT substr(r.uuid, 1, 24) || printf('%012d', (SELECT m FROM base) + k.i), 'C' || printf('%06d', (SELECT m FROM base) + k.i), r.model, r.firmware,
		r.plan, r.limits_path, r.limits_hash, r.station, r.operator, r.fixture, r.started, r.ended, r.outcome,
		r.disposition, r.reason, r.pid, r.host, r.pid_tag
	FROM runs r, k WHERE r.id = (SELECT s FROM src) ORDER BY k.i;
	INSERT INTO steps (run_id, idx, name, kind, verdict, started_s, duration_s, message)
	SELECT (SELECT m FROM base) + k.i, s.idx, s.name, s.kind, s.verdict, s.started_s, s.duration_s, s.message
	FROM steps s, k WHERE s.run_id = (SELECT s FROM src) ORDER BY k.i, s.id;
	INSERT INTO measurements (run_id, step_id, name, value, unit, low, high, verdict)
	SELECT (SELECT m FROM base) + k.i, CASE WHEN mm.step_id IS NULL THEN NULL ELSE (SELECT sm FROM base) + (k.i - 1) * (SELECT ns FROM base)
		+ (SELECT count(*) FROM steps s2 WHERE s2.run_id = (SELECT s FROM src) AND s2.id <= mm.step_id) END,
		mm.name, mm.value, mm.unit, mm.low, mm.high, mm.verdict
	FROM measurements mm, k WHERE mm.run_id = (SELECT s FROM src) ORDER BY k.i, mm.id;
	INSERT INTO events (run_id, t_s, kind, text) SELECT (SELECT m FROM base) + k.i, e.t_s, e.kind, e.text
	FROM events e, k WHERE e.run_id = (SELECT s FROM src) ORDER BY k.i, e.id;"
}
