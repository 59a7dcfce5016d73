#!/usr/bin/env bash
# demo.sh STATION - the main job on the simulated bench: a repair technician
# runs the repair plan on a healthy unit and on one whose Bluetooth
# controller is stuck in limbo, then reads the stored history, and ends by
# telling how to open the operator console on the same bench.
set -u
station=${1:-build/station}
db=${STATION_DB:-build/demo.db}
echo "== repair plan, healthy WH-1000XM5 (simulated bench)"
"$station" run --model WH-1000XM5 --serial DEMO-0001 --plan repair --db "$db"
echo
echo "== repair plan, WH-1000XM5 stuck in Bluetooth limbo"
"$station" run --model WH-1000XM5 --serial DEMO-0002 --plan repair --db "$db" --fault bt-limbo
echo
echo "== repair plan, MDR-1000XM3 with battery protection tripped"
"$station" run --model MDR-1000XM3 --serial DEMO-0003 --plan repair --db "$db" --fault bms-tripped --quiet
echo
echo "== stored runs ($db)"
"$station" history --db "$db" --limit 10
echo
echo "== the operator console (a repair technician's screen) on the same simulated bench:"
echo "   $station console --db $db"
echo "   (type an operator name, then a serial such as 5021234 and Enter; F1 lists every key,"
echo "    F10 quits; docs/console.md shows every screen)"
exit 0
