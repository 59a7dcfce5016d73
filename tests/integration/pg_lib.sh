# pg_lib.sh - a private PostgreSQL server for the fleet tests (sourced, not
# run: it is not executable, so tests/run.sh skips it).
#   pg_start        initdb into $PGT/data (once) and start postgres on a Unix
#                   socket in $PGT (no TCP port), as an unprivileged user when
#                   run as root; sets PG_URL and PGPID
#   pg_stop         stop it by its PID (fast shutdown) and wait
#   pgq SQL         one psql query, unaligned, tuples only
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
as_pg() {
	if [ -n "$PGUSER_RUN" ]; then runuser -u "$PGUSER_RUN" -- "$@"; else "$@"; fi
}
pg_start() {
	[ -x "$PGBIN/postgres" ] || { echo "# PostgreSQL server binaries missing (Makefile DEB_PKGS installs postgresql)"; return 1; }
	if [ ! -f "$PGT/data/PG_VERSION" ]; then
		as_pg "$PGBIN/initdb" -D "$PGT/data" -U fleet -A trust --no-sync >"$PGT/initdb.log" 2>&1 ||
			{ sed 's/^/# /' "$PGT/initdb.log" | tail -5; return 1; }
	fi
	as_pg "$PGBIN/postgres" -D "$PGT/data" -k "$PGT" -c listen_addresses= -p "$PGPORT" \
		-c fsync=off -c synchronous_commit=off -c full_page_writes=off >>"$PGT/server.log" 2>&1 &
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
