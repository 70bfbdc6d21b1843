#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# How much of a corpus of containerlab topologies netns lab reads: each
# *.clab.yml (or *.yml) file under DIR goes through `netns lab up --dry-run`
# from its own directory, with a scratch run directory so that nothing is
# made and no lab of the machine is looked at, and is counted as
#   built    the plan was made (notes, if any, are counted apart)
#   feature  refused naming a feature not supported yet
#   refused  refused for anything else (a YAML error, a key or a name netns
#            does not take): each is a candidate for a misleading error
# Files that are built but come out different from what containerlab makes
# are not found here: that takes reading them (docs/lab.md says what differs).
#
#   bench/clab-corpus.sh [-v] DIR [NETNS]
#
# NETNS defaults to $BUILD/netns, else netns on PATH. -v prints each file's
# verdict and first line of error. The corpus is not in this tree (its
# files are containerlab's): check out srl-labs/containerlab at a commit
# and give its directory.
set -u

verbose=0
if [ "${1-}" = -v ]; then
	verbose=1
	shift
fi
dir=${1:?usage: clab-corpus.sh [-v] DIR [NETNS]}
netns=${2:-${BUILD:+$BUILD/netns}}
netns=${netns:-$(command -v netns)}
[ -x "$netns" ] || { echo "clab-corpus.sh: no netns binary ('$netns')" >&2; exit 2; }
netns=$(realpath "$netns")

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export NETNS_RUN_DIR=$scratch/run
mkdir "$NETNS_RUN_DIR"

built=0 noted=0 feature=0 refused=0 total=0
while IFS= read -r -d '' f; do
	total=$((total + 1))
	err=$(cd "$(dirname "$f")" && "$netns" lab up --dry-run "$(basename "$f")" 2>&1 >/dev/null)
	rc=$?
	first=$(printf '%s\n' "$err" | grep -v ' is ignored: \| is read, not applied yet\| is how every node is here' | head -n1)
	if [ "$rc" -eq 0 ]; then
		built=$((built + 1))
		[ -n "$err" ] && noted=$((noted + 1))
		verdict=built
	elif [[ $first == *"not supported yet"* ]]; then
		feature=$((feature + 1))
		verdict=feature
	else
		refused=$((refused + 1))
		verdict=refused
	fi
	if [ "$verbose" = 1 ]; then
		printf '%-8s %s%s\n' "$verdict" "${f#"$dir"/}" "${first:+	${first#netns: lab: }}"
	fi
done < <(find "$dir" -type f \( -name '*.clab.yml' -o -name '*.clab.yaml' \) -print0 | sort -z)

printf 'files %d: built %d (%d with notes), refused naming a feature %d, refused otherwise %d\n' \
	"$total" "$built" "$noted" "$feature" "$refused"
