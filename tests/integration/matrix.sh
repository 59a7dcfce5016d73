#!/usr/bin/env bash
# matrix.sh - every model x every plan on a healthy simulated unit, and
# every model x every fault of the simulated bench that applies to it,
# against what the seeds predict.  In-process simulated bench on the
# virtual clock (`station run` without --fixture), so an hour of battery
# drain costs milliseconds.
#
# Nothing here names a model, plan or fault: models come from `station
# models`, plans from `station plans`, fault instances from `station faults
# MODEL`, and the expected outcome of each fault from
# tests/integration/matrix.expect (first matching row).  A new model or plan
# joins by being added to fixtures/; a new fault by being added to the
# simulator's tables and given a row in matrix.expect (a fault with no row
# fails here).
#
# Healthy units: every plan must PASS (exit 0) with its pass disposition, or
# be refused (exit 2) because the plan's own reset is one the model lacks -
# checked against the `station models` table, never assumed.
#
# MATRIX_JOBS (default 2) runs that many at once; MATRIX_SHOW=1 prints every
# outcome as a comment.  MATRIX_AUDIO=none runs everything without the
# acoustic bench and skips the acoustic faults: the default for a sanitizer
# build ($BUILD named *asan*), where the acoustic model renders 13x slower;
# the plain build runs them all.
set -u
: "${STATION:?STATION must name the station binary}"
: "${STATION_DATA:?STATION_DATA must name the data directory}"
HERE=$(cd "$(dirname "$0")" && pwd)
EXPECT=${MATRIX_EXPECT:-$HERE/matrix.expect}
JOBS=${MATRIX_JOBS:-2}
case ${BUILD:-} in *asan*) AUDIO=${MATRIX_AUDIO:-none} ;; *) AUDIO=${MATRIX_AUDIO:-sim} ;; esac
T=$(mktemp -d /tmp/matrix.$$.XXXXXX)
trap 'rm -rf "$T"' EXIT
export STATION T AUDIO

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }

# ---- discovery ----------------------------------------------------------

# `station models`: MODEL (may hold a space) KIND SOFT BLUETOOTH FACTORY
"$STATION" models >"$T/models.txt" 2>"$T/models.err" || { notok "station models: $(head -1 "$T/models.err")"; exit 1; }
sed -n '2,$p' "$T/models.txt" | grep -v '^(' |
	sed -E 's/^(.*[^ ]) +(headphones|earbuds) +([a-z-]+) +([a-z-]+) +([a-z-]+) *$/\1|\2|\3|\4|\5/' >"$T/models"
"$STATION" plans 2>/dev/null | awk '{print $1}' >"$T/plans"
nmodels=$(wc -l <"$T/models")
nplans=$(wc -l <"$T/plans")
if [ "$nmodels" -lt 1 ] || [ "$nplans" -lt 1 ] || grep -qv '|' "$T/models"; then
	notok "discovery: $nmodels models, $nplans plans"
	exit 1
fi
[ -r "$EXPECT" ] || { notok "no expectation table $EXPECT"; exit 1; }

# Properties of a model for the WHEN column: model= kind= port= wear=
# battery-min= has= lacks=, all from `station models`
props() { # MODEL KIND SOFT BT FACTORY
	local line port wear bmin
	line=$("$STATION" models "$1" 2>/dev/null)
	port=$(sed -n 's/^  kind .*port \([a-z-]*\).*/\1/p' <<<"$line")
	wear=$(sed -n 's/^  wear sensor *\([a-z]*\).*/\1/p' <<<"$line")
	bmin=$(sed -n 's/^  battery minimum *\([0-9.]*\) %.*/\1/p' <<<"$line")
	printf 'model=%s kind=%s port=%s wear=%s battery-min=%s' "${1// /-}" "$2" "$port" "$wear" "$bmin"
	[ "$3" != - ] && printf ' has=soft' || printf ' lacks=soft'
	[ "$4" != - ] && printf ' has=bluetooth' || printf ' lacks=bluetooth'
	[ "$5" != - ] && printf ' has=factory' || printf ' lacks=factory'
	echo
}

# ---- the job list -------------------------------------------------------
# One line per run: ID|MODEL|PLAN(S)|FAULT|WANT-VERDICT|WANT-DISP|WANT-REASON

n=0
: >"$T/jobs"
while IFS='|' read -r model kind soft bt factory; do
	p=$(props "$model" "$kind" "$soft" "$bt" "$factory")
	echo "$model|$p" >>"$T/props"
	while read -r plan; do
		n=$((n + 1))
		echo "$n|$model|$plan|-|healthy|-|-" >>"$T/jobs"
	done <"$T/plans"
	while read -r fault; do
		n=$((n + 1))
		row=$(awk -v f="$fault" -v p="$p" '
			/^[ \t]*(#|$|@)/ { next }
			{
				pat = $1; gsub(/\*/, ".*", pat)
				if (f !~ ("^" pat "$")) next
				if ($2 != "*") {
					nc = split($2, c, ",")
					okc = 1
					for (i = 1; i <= nc; i++)
						if (index(" " p " ", " " c[i] " ") == 0) okc = 0
					if (!okc) next
				}
				reason = $0
				for (i = 1; i <= 5; i++) sub(/^[ \t]*[^ \t]+/, "", reason)
				sub(/^[ \t]+/, "", reason)
				print $3 "|" $4 "|" $5 "|" reason
				exit
			}' "$EXPECT")
		# `@no-audio GLOB...`: faults of the unit, not of its acoustics,
		# run without the acoustic bench (the runs are much cheaper)
		noaudio=$(awk -v f="$fault" '$1 == "@no-audio" {
				for (i = 2; i <= NF; i++) { pat = $i; gsub(/\*/, ".*", pat)
					if (f ~ ("^" pat "$")) { print 1; exit } } }' "$EXPECT")
		[ -n "$noaudio" ] && fault="$fault/none"
		if [ -z "$row" ]; then
			echo "$n|$model|-|$fault|no-row|-|-" >>"$T/jobs"
		else
			IFS='|' read -r plans verdict disp reason <<<"$row"
			echo "$n|$model|$plans|$fault|$verdict|$disp|$reason" >>"$T/jobs"
		fi
	done < <("$STATION" faults "$model" 2>/dev/null)
done <"$T/models"

# ---- one run ----------------------------------------------------------------

run_one() { # JOB-LINE -> $T/out.ID: rc|plan|verdict|disposition|run-end line
	local id model plans fault want plan args rc end
	IFS='|' read -r id model plans fault want _ _ <<<"$1"
	args=()
	[ "$AUDIO" = none ] && args=(--audio none)
	[ "$want" = no-row ] && { echo "-|-|-|-|" >"$T/out.$id"; return; }
	[ "$AUDIO" = none ] && [ "$fault" != - ] && [ "${fault%/none}" = "$fault" ] &&
		{ echo "skip|-|-|-|" >"$T/out.$id"; return; }
	case $fault in */none) fault=${fault%/none}; args=(--audio none) ;; esac
	[ "$fault" != - ] && args+=(--fault "$fault")
	rc=2
	for plan in ${plans//,/ }; do
		"$STATION" run --model "$model" --serial "MX$id" --plan "$plan" --no-db --json \
			--confirm yes "${args[@]}" >"$T/log.$id" 2>"$T/err.$id" </dev/null
		rc=$?
		# a plan the model cannot run (its reset is absent): the next one
		[ $rc -eq 2 ] && [ "$want" != healthy ] && grep -q 'has none' "$T/err.$id" && continue
		break
	done
	end=$(grep '"event":"run-end"' "$T/log.$id" | tail -1)
	printf '%s|%s|%s|%s|%s\n' "$rc" "$plan" \
		"$(sed -n 's/.*"verdict":"\([A-Z]*\)".*/\1/p' <<<"$end")" \
		"$(sed -n 's/.*"disposition":"\([^"]*\)".*/\1/p' <<<"$end")" "$end" >"$T/out.$id"
}
export -f run_one

start=$(date +%s.%N)
tr '\n' '\0' <"$T/jobs" | xargs -0 -P "$JOBS" -I{} bash -c 'run_one "$1"' _ {}
secs=$(echo "$(date +%s.%N) - $start" | bc)

# ---- judging ----------------------------------------------------------------

pass_disp() { sed -n 's/^pass-disposition *//p' "$STATION_DATA/fixtures/plans/$1.plan" | head -1; }
lacks() { # MODEL KIND: the models table says MODEL has no KIND reset
	grep -F "$1|" "$T/props" | grep -q "lacks=$2"
}
nh=0 nf=0 bad=0
while IFS='|' read -r id model plans fault want wdisp wreason; do
	IFS='|' read -r rc plan verdict disp end <"$T/out.$id"
	fault=${fault%/none}
	what="$model x $plan${fault:+ }${fault/#-/}"
	[ "${MATRIX_SHOW:-0}" = 1 ] && echo "# $model | $fault | $plan | rc $rc | $verdict | $disp | $(sed -n 's/.*"reason":"\(.*\)","uuid.*/\1/p' <<<"$end" | cut -c1-150)"
	if [ "$want" = healthy ]; then
		nh=$((nh + 1))
		if [ "$rc" = 0 ] && [ "$verdict" = PASS ] && [ "$disp" = "$(pass_disp "$plan")" ]; then
			ok "healthy $model x $plan: PASS $disp"
		elif [ "$rc" = 2 ] && msg=$(grep -o "needs a [a-z]* reset and .* has none" "$T/err.$id") &&
			lacks "$model" "$(sed 's/needs a \([a-z]*\) reset.*/\1/' <<<"$msg")"; then
			ok "healthy $model x $plan: refused, $msg"
		else
			notok "healthy $model x $plan: exit $rc $verdict $disp - $(grep -o '"reason":"[^"]*' <<<"$end" | cut -c11-200)$(head -c 200 "$T/err.$id")"
			bad=$((bad + 1))
		fi
		continue
	fi
	nf=$((nf + 1))
	if [ "$want" = no-row ]; then
		notok "fault $fault on $model: no row in $(basename "$EXPECT")"
		bad=$((bad + 1))
		continue
	fi
	if [ "$rc" = skip ]; then
		ok "fault $fault on $model # SKIP acoustic fault, matrix run without the acoustic bench"
		continue
	fi
	reason=$(sed -n 's/.*"reason":"\(.*\)","uuid.*/\1/p' <<<"$end")
	if [ "$verdict" = "$want" ] && { [ "$wdisp" = - ] || [ "$disp" = "$wdisp" ]; } &&
		{ [ "$wreason" = - ] || grep -qiF -- "$wreason" <<<"$reason"; }; then
		ok "fault $fault on $model ($plan): $verdict $disp"
	else
		notok "fault $fault on $model ($plan): got $verdict $disp \"$(cut -c1-160 <<<"$reason")\", want $want $wdisp \"$wreason\" (exit $rc)"
		bad=$((bad + 1))
	fi
done <"$T/jobs"
echo "# matrix: $nmodels models x $nplans plans = $nh healthy runs, $nf fault runs, $bad wrong, ${secs%.*} s with $JOBS jobs, audio $AUDIO"
