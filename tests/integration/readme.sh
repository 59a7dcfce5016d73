#!/usr/bin/env bash
# readme.sh - README.md cannot drift from what the station does: its
# commands run as written, in a temporary directory, and their output is
# compared with what README shows.  README marks the blocks it means with
# an HTML comment before each (invisible when rendered):
#   <!-- readme.sh: command -->  shell lines to run (build/station = $STATION)
#   <!-- readme.sh: output -->   their output, line for line
#   <!-- readme.sh: bench -->    the out-of-process bench recipe (JACK server
#                                on a private name, the pty in the temp dir)
#   <!-- readme.sh: lines -->    lines the recipe prints, in this order
#   <!-- readme.sh: commands --> `station WORD ...` lines: each WORD is a
#                                command whose --help works
# Compared after normalising what differs from run to run: run uuids,
# /dev/pts numbers, the temp dir (shown as /tmp), runs of blanks, and
# numbers within 2 % or 0.01 (floating point from another build); the bench
# recipe's bench times (a real clock: "[t]").  Also
# runs every query of docs/store.md's "readme.sh: queries" block on the
# database the first example made.  TAP lines "ok - name".
set -u
: "${STATION:?}" "${STATION_DATA:?}"
T=$(mktemp -d)
PG=
cleanup() { [ -n "$PG" ] && kill -- -"$PG" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
export STATION_SYSCONFDIR=$T/etc XDG_CONFIG_HOME=$T/xdg HOME=$T
unset STATION_DB
ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }
mkdir -p "$T/blocks" "$T/run"

# README's marked blocks, in order: blocks/NN-KIND
python3 - "$STATION_DATA/README.md" "$T/blocks" <<'PY' || { nok "README's marked blocks"; exit 0; }
import re, sys
text = open(sys.argv[1], encoding='utf-8').read()
n = 0
for m in re.finditer(r'<!-- readme\.sh: (\w+) -->\n```[a-z]*\n(.*?)```\n', text, re.S):
    n += 1
    open('%s/%02d-%s' % (sys.argv[2], n, m.group(1)), 'w').write(m.group(2))
sys.exit(0 if n else 1)
PY

# compare MODE README-BLOCK OUTPUT: exit 0 when they agree, else a diff
cat >"$T/compare.py" <<'PY'
import re, sys
mode, want_f, got_f, tmp = sys.argv[1:5]
UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
NUM = re.compile(r'-?\d+(?:\.\d+)?(?:e[-+]?\d+)?')
def norm(l):
    l = l.replace(tmp + '/run/', '/tmp/').replace(tmp + '/', '/tmp/')
    l = UUID.sub('UUID', l)
    l = re.sub(r'/dev/pts/\d+', '/dev/pts/N', l)
    return ' '.join(l.split())
def same(a, b):
    if NUM.sub('#', a) != NUM.sub('#', b):
        return False
    for x, y in zip(NUM.findall(a), NUM.findall(b)):
        x, y = float(x), float(y)
        if abs(x - y) > max(0.02 * max(abs(x), abs(y)), 0.01):
            return False
    return True
if mode == 'lines':   # the recipe runs on a real clock: bench times vary
    norm0 = norm
    norm = lambda l: re.sub(r'^\[ *[0-9.]+s\]', '[t]', norm0(l))
want = [norm(l) for l in open(want_f, encoding='utf-8').read().splitlines()]
got = [norm(l) for l in open(got_f, encoding='utf-8', errors='replace').read().splitlines()]
if mode == 'output':
    for i in range(max(len(want), len(got))):
        w = want[i] if i < len(want) else '(nothing)'
        g = got[i] if i < len(got) else '(nothing)'
        if not same(w, g):
            print('line %d: README shows: %s' % (i + 1, w))
            print('line %d: the run prints: %s' % (i + 1, g))
            sys.exit(1)
    sys.exit(0)
# lines: README's lines in the order shown, each process's lines on their own
# (the simulator's "sim: ..." and the station's interleave as they please)
for proc in (True, False):
    g = [l for l in got if l.startswith('sim: ') == proc]
    j = 0
    for w in (l for l in want if l.startswith('sim: ') == proc):
        while j < len(g) and not same(w, g[j]):
            j += 1
        if j == len(g):
            print('README shows, the run did not print (in this order): ' + w)
            sys.exit(1)
        j += 1
PY

# a README command as the shell would run it from the repository's top
subst() { sed -e "s#build/station#\"$STATION\"#g" -e "s#/tmp/fx#$T/run/fx#g" \
	-e "s#JACK_DEFAULT_SERVER=bench#JACK_DEFAULT_SERVER=readme$$#" -e "s#jackd -n bench #jackd -n readme$$ #" "$1"; }

# Why the JACK bench recipe may not reach README's verdict for a reason
# outside README: the JACK acoustic model's assistant does not answer after
# a reset yet (issue 8), or the machine is too loaded for JACK's dummy
# driver (xruns make the capture a station fault, ERROR).
known_gap() {
	if grep -q 'no answer to the wake phrase' "$1"; then
		echo "the JACK bench's assistant does not answer after a reset yet (issue 8)"
	elif grep -q 'over/underrun' "$1"; then
		echo "JACK over/underruns on a loaded machine (load $(cut -d' ' -f1 /proc/loadavg)): a station fault, ERROR"
	else
		return 1
	fi
}

# jack_reclaim NAME: a JACK server killed with SIGKILL leaves its entry in
# libjack's registry (/dev/shm/jack-shm-registry, eight servers per
# machine), and only a server of the same name frees it: start one for a
# moment and stop it with TERM (it unregisters) - else every run of this
# test that needed the KILL above would cost the machine a JACK server.
jack_reclaim() {
	local reg=/dev/shm/jack-shm-registry p
	[ -r "$reg" ] && grep -qa "jack-$(id -u):$1:" "$reg" || return 0
	jackd -n "$1" -r -d dummy -r 48000 -p 1024 >/dev/null 2>&1 &
	p=$!
	for _ in $(seq 30); do JACK_DEFAULT_SERVER=$1 JACK_NO_START_SERVER=1 jack_lsp >/dev/null 2>&1 && break; sleep 0.1; done
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	grep -qa "jack-$(id -u):$1:" "$reg" && echo "# JACK server $1 still registered after its reclaim"
	return 0
}

last=
for b in "$T"/blocks/*; do
	kind=${b##*-}
	case $kind in
	command)
		subst "$b" >"$T/cmd.sh"
		(cd "$T/run" && bash "$T/cmd.sh") >"$T/out" 2>&1
		last=$(head -1 "$b")
		;;
	output|lines)
		mode=output
		[ "$kind" = lines ] && mode=lines
		if [ ! -e "$T/out" ]; then
			nok "README output block $(basename "$b") follows a command" ; continue
		fi
		if diag=$(python3 "$T/compare.py" "$mode" "$b" "$T/out" "$T" 2>&1); then
			ok "README: $last prints what README shows"
		elif [ "$kind" = lines ] && why=$(known_gap "$T/out") &&
		     grep -v -e '^PASS ' -e '^disposition:' -e '^run ' "$b" >"$T/head" &&
		     python3 "$T/compare.py" lines "$T/head" "$T/out" "$T" >/dev/null 2>&1; then
			# everything up to the verdict is checked
			ok "README: $last prints what README shows # SKIP the verdict: $why"
		else
			nok "README: $last prints what README shows" "$diag" "$(grep -v '^\[' "$T/out" | tail -8)"
		fi
		rm -f "$T/out"
		;;
	bench)
		last="the out-of-process bench recipe"
		if ! command -v jackd >/dev/null; then
			echo "ok - README's bench recipe # SKIP no jackd"
			continue
		fi
		subst "$b" >"$T/bench.sh"
		(cd "$T/run" && exec setsid bash "$T/bench.sh") >"$T/out" 2>&1 &
		PG=$!
		left=3000
		while kill -0 "$PG" 2>/dev/null && [ $((left -= 1)) -gt 0 ]; do sleep 0.1; done
		[ "$left" -eq 0 ] && echo "# the bench recipe did not finish in 300 s"
		# whatever it left running (jackd takes a moment to stop): TERM,
		# then KILL after 5 s
		kill -- -"$PG" 2>/dev/null
		for _ in $(seq 50); do kill -0 -- -"$PG" 2>/dev/null || break; sleep 0.1; done
		kill -KILL -- -"$PG" 2>/dev/null
		wait "$PG" 2>/dev/null
		PG=
		jack_reclaim "readme$$"
		;;
	commands)
		bad=
		for w in $(sed -n 's/^station \([a-z]*\).*/\1/p' "$b" | sort -u); do
			"$STATION" "$w" --help >/dev/null 2>&1 || bad="$bad $w"
		done
		[ -z "$bad" ] && ok "every command README lists answers --help" ||
			nok "every command README lists answers --help" "failed:$bad"
		;;
	esac
done

# docs/store.md's queries on the first example's database
q=$(sed -n '/^<!-- readme.sh: queries -->$/,/^```$/p' "$STATION_DATA/docs/store.md" | sed '1,2d;$d')
if [ -z "$q" ] || [ ! -s "$T/run/station.db" ] || ! command -v sqlite3 >/dev/null; then
	nok "docs/store.md's queries run" "no queries block, no database from the README example, or no sqlite3"
elif out=$(cd "$T/run" && bash -e -c "$q" 2>&1) && [ "$(wc -l <"$T/run/anc.csv")" -ge 2 ]; then
	ok "docs/store.md's queries run on a real database (the export has rows)"
else
	nok "docs/store.md's queries run on a real database (the export has rows)" "$(tail -5 <<<"$out")"
fi
