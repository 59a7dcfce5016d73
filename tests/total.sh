#!/usr/bin/env bash
# total.sh RESULTS... - add up the "PASSED FAILED" files of several runs and
# print the closing line "N passed, N failed".
p=0; f=0
for r in "$@"; do
	if [ -f "$r" ]; then
		read -r a b <"$r"
		p=$((p + a)); f=$((f + b))
	else
		f=$((f + 1))
	fi
done
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
