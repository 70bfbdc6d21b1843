#!/bin/sh
# Socket, run and spawn in a namespace against their plain forms (bench/switch.c),
# on the machine as it is and again while two CPU-bound processes spin (--busy).
# SWITCH_N sets the operations per round (default 20000; spawns N/50).
set -eu
"$BUILD/bench/switch" "${SWITCH_N:-20000}"
echo
"$BUILD/bench/switch" --busy "${SWITCH_N:-20000}"
