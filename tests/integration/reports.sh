#!/usr/bin/env bash
# reports.sh - `station report run` and `station report batch`: each report
# is well-formed (xmllint as XML, and as HTML with no error but HTML4's
# unknown HTML5/SVG tags), self-contained (no "http", no src=, no url(),
# no <script> anywhere), escapes hostile text (a serial
# <script>alert(1)</script>, an operator with quotes, CSV notes with tags),
# carries what the issue lists (serial, model, firmware, limits hash,
# steps, charts with masks, events), and renders: headless Chromium prints
# one run report and one batch report to PNG and the image is not blank.
# Also the error paths (no database, unknown run, a restyled template with
# an unknown placeholder, a stylesheet that would close <style>).
# Prints TAP lines "ok - name" / "not ok - name".
#
# Env: STATION (binary), STATION_DATA (repo root).
set -u
STATION=${STATION:-build/station}
STATION_DATA=${STATION_DATA:-$(cd "$(dirname "$0")/../.." && pwd)}
export STATION_DATA
unset STATION_DB
tmp=$(mktemp -d /tmp/st-reports-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
png_stats="$STATION_DATA/tests/integration/png_stats.py"

ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }
check() { local name=$1 rc=$2; shift 2; if [ "$rc" -eq 0 ]; then ok "$name"; else nok "$name" "$@"; fi; }

# well_formed FILE: XML-parsable, and the HTML parser finds nothing but
# HTML5/SVG tag names it does not know.
well_formed() {
	xmllint --noout "$1" 2>xml.err || return 1
	xmllint --html --noout "$1" 2>html.err || return 1
	! grep 'error' html.err | grep -vq 'Tag [a-z]* invalid'
}
# self_contained FILE: nothing that could reach outside the file.
self_contained() {
	! grep -qi 'http' "$1" && ! grep -Eqi '<[^>]*(src|srcset|data)=' "$1" &&
		! grep -qi 'url(' "$1" && ! grep -qi '<script' "$1" && ! grep -qi '<link' "$1" &&
		! grep -Eqi 'href="[^#r]' "$1"
}
render() { # render HTML PNG HEIGHT
	/usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$tmp/chrome-XXXXXX")" --screenshot="$2" \
		--window-size=900,"$3" "file://$1" >chrome.log 2>&1
}

# A run with hostile outside text, and a batch run with hostile CSV text.
# (station run refuses such a serial at the door; a database written by
# an older station, or by hand, may still hold one: the report escapes it)
"$STATION" run --db r.db --model WH-1000XM5 --serial HOSTILE1 --plan repair \
	--audio none --confirm yes --operator 'obrien' --quiet >/dev/null 2>&1
sqlite3 r.db "PRAGMA foreign_keys = OFF;
	UPDATE runs SET serial = '<script>alert(1)</script>', operator = 'o\"brien <b>' WHERE serial = 'HOSTILE1';
	UPDATE units SET serial = '<script>alert(1)</script>' WHERE serial = 'HOSTILE1';"
"$STATION" run --db r.db --model WH-1000XM4 --serial MIC1 --plan repair --fault mic-misaligned:3 \
	--confirm yes --quiet >/dev/null 2>&1
printf '%s\n' 'rma,serial,model,symptom,faults,notes' \
	'<i>R1</i>,B1,WH-1000XM5,"ANC weak <script>x</script>",anc-weak,"<img src=x onerror=alert(2)> & ""q"""' \
	'R2,B2,WH-1000XM4,buttons,worn-switch:VOL_UP,' 'R3,B3,WF-1000XM5,no pairing,,' >b.csv
"$STATION" triage --batch b.csv --confirm yes --db r.db --operator "x'); DROP TABLE runs;--" >t.out 2>&1
check "a batch and two runs to report on" $?
hostile=$(sqlite3 r.db "SELECT substr(uuid, 1, 8) FROM runs WHERE serial LIKE '<script>%'")
mic=$(sqlite3 r.db "SELECT substr(uuid, 1, 8) FROM runs WHERE serial = 'MIC1'")
batch=$(sed -n 's/^batch \([0-9a-f]\{8\}\).*/\1/p' t.out | head -1)

"$STATION" report run "$hostile" --db r.db --out hostile.html
check "report run exits 0" $?
well_formed hostile.html
check "run report is well-formed" $? "$(head -5 xml.err html.err)"
self_contained hostile.html
check "run report is self-contained" $?
check "a hostile serial and operator appear as text" \
	$(grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' hostile.html && grep -q 'o&quot;brien &lt;b&gt;' hostile.html; echo $?)
"$STATION" report run "$mic" --db r.db --out mic.html
rc=$?
well_formed mic.html && self_contained mic.html
check "run report with charts is well-formed and self-contained" $([ $rc -eq 0 ] && [ $? -eq 0 ]; echo $?)
limits_hash=$(sqlite3 r.db "SELECT limits_hash FROM runs WHERE serial = 'MIC1'")
check "run report holds unit, firmware, limits hash, steps, measurements, events, what to do" \
	$(grep -q 'MIC1' mic.html && grep -q '2.4.1' mic.html && grep -q "$limits_hash" mic.html &&
	  grep -q '<table class="steps">' mic.html && grep -q 'mic.3.delay_us' mic.html &&
	  grep -q 'key test: press' mic.html && grep -q 'clean-mic-grilles' mic.html &&
	  grep -q '<td class="advice">inspect the mesh grilles' mic.html; echo $?)
check "ANC bands and microphones drawn as SVG with their masks and failing points" \
	$([ "$(grep -c '<svg class="chart bands"' mic.html)" -ge 1 ] && [ "$(grep -c '<svg class="chart bars"' mic.html)" -eq 3 ] &&
	  grep -q 'class="mask"' mic.html && grep -q 'class="bar fail"' mic.html; echo $?)
check "print stylesheet: A4, repeated page header, unbroken rows" \
	$(grep -q '@page { size: A4' mic.html && grep -q 'print-header' mic.html && grep -q 'break-inside: avoid' mic.html; echo $?)

mkdir -p out
"$STATION" report batch "$batch" --db r.db --out out/batch.html --csv out/batch.csv
check "report batch exits 0" $?
well_formed out/batch.html
check "batch report is well-formed" $? "$(head -5 xml.err html.err)"
self_contained out/batch.html
check "batch report is self-contained" $?
check "hostile CSV text and operator appear as text" \
	$(grep -q '&lt;img src=x onerror=alert(2)&gt; &amp; &quot;q&quot;' out/batch.html &&
	  grep -q '&lt;i&gt;R1&lt;/i&gt;' out/batch.html && grep -q "x&#39;); DROP TABLE runs;--" out/batch.html; echo $?)
n=$(ls out/run-*.html 2>/dev/null | wc -l)
links=$(grep -o 'href="run-[0-9a-f]\{8\}\.html"' out/batch.html | sort -u | wc -l)
check "each unit's run report is written beside it and linked ($n files, $links links)" \
	$([ "$n" -eq 3 ] && [ "$links" -eq 3 ]; echo $?)
bad=0
for f in out/run-*.html; do well_formed "$f" && self_contained "$f" || bad=1; done
check "the linked run reports are well-formed and self-contained" $bad
check "batch report: counts, Paretos, time per unit, units needing a person" \
	$(grep -q 'class="tally"' out/batch.html && [ "$(grep -c '<svg class="chart pareto"' out/batch.html)" -eq 2 ] &&
	  grep -q 'median' out/batch.html && grep -q 'Units that needed a person' out/batch.html; echo $?)
rows=$(/usr/bin/python3 -c 'import csv, sys
r = list(csv.reader(open(sys.argv[1], newline="")))
print(len(r), r[1][13 - 13 + 1] if len(r) > 1 else "", [x for x in r[1:] if x[2] == "B1"][0][8])' out/batch.csv 2>&1)
check "batch CSV: header and one row per unit, parsed back by Python's csv" \
	$([ "$(head -1 out/batch.csv)" = 'idx,rma,serial,model,symptom,plan,status,outcome,disposition,reason,run,assumed,human,bench_s,started,ended' ] &&
	  [ "$rows" = "4 <i>R1</i> service-anc" ]; echo $?) "$rows"

# Rendered by a real browser engine, and not blank.
render "$tmp/mic.html" run.png 1400
read -r w h colours ink < <(/usr/bin/python3 "$png_stats" run.png 2>/dev/null || echo 0 0 0 0)
check "run report renders in Chromium ($colours colours, ink $ink)" \
	$(awk -v c="$colours" -v i="$ink" 'BEGIN { exit !(c > 50 && i > 0.02) }'; echo $?) "$(tail -3 chrome.log)"
render "$tmp/out/batch.html" batch.png 1400
read -r w h colours ink < <(/usr/bin/python3 "$png_stats" batch.png 2>/dev/null || echo 0 0 0 0)
check "batch report renders in Chromium ($colours colours, ink $ink)" \
	$(awk -v c="$colours" -v i="$ink" 'BEGIN { exit !(c > 50 && i > 0.02) }'; echo $?) "$(tail -3 chrome.log)"

# Error paths: one line, exit 2.
out=$("$STATION" report run abcdef12 --db nowhere.db 2>&1); rc=$?
check "no database: exit 2, not created" $([ $rc -eq 2 ] && [ ! -e nowhere.db ] && [ "$out" = "station report: no database at nowhere.db" ]; echo $?) "$out"
out=$("$STATION" report run ffffffff --db r.db 2>&1); rc=$?
check "unknown run: exit 2" $([ $rc -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]; echo $?) "$out"
out=$("$STATION" report batch ffffffff --db r.db 2>&1); rc=$?
check "unknown batch: exit 2" $([ $rc -eq 2 ] && [[ "$out" == *"no batch ffffffff"* ]]; echo $?) "$out"
mkdir -p site/reports
cp -r "$STATION_DATA"/db site/
cp "$STATION_DATA"/reports/* site/reports/
printf '<p>{{serial}} {{colour}}</p>\n' >site/reports/run.html
out=$(STATION_DATA="$tmp/site" "$STATION" report run "$mic" --db r.db 2>&1); rc=$?
check "a template with an unknown placeholder is refused with file:line:col" \
	$([ $rc -eq 2 ] && [[ "$out" == *"site/reports/run.html:1:15: unknown placeholder {{colour}}" ]]; echo $?) "$out"
cp "$STATION_DATA"/reports/run.html site/reports/
printf 'body { color: red; }\n</style><script>alert(1)</script>\n' >site/reports/report.css
out=$(STATION_DATA="$tmp/site" "$STATION" report run "$mic" --db r.db 2>&1); rc=$?
check "a stylesheet that would close <style> is refused" \
	$([ $rc -eq 2 ] && [[ "$out" == *"report.css:2:1: a stylesheet may not contain"* ]]; echo $?) "$out"
printf 'body { color: #123456; }\n' >site/reports/report.css
STATION_DATA="$tmp/site" "$STATION" report run "$mic" --db r.db --out site.html 2>/dev/null
check "a site's own stylesheet is used without a rebuild" $(grep -q 'color: #123456' site.html; echo $?)
