#!/bin/sh
# slurm-audit.sh - the nightly audit as a Slurm job array and a merge job.
#
#   doc/dist/slurm-audit.sh /shared/logs/2026-11-27 /shared/audit/2026-11-27 [SHARDS]
#
# LOGS and OUT must be on a file system every node sees.  Each array task
# scans its shard (dpfaudit takes it from SLURM_ARRAY_TASK_ID/COUNT); the
# merge job runs only when every task succeeded (afterok).  A shard exits 0
# even when one of its inputs is damaged: the damage is in its partial and
# makes the merge exit 3, with the report saying what is missing.
set -eu
LOGS=$1
OUT=$2
SHARDS=${3:-8}
RULES=${RULES:-/etc/dpfaudit/rules}
mkdir -p "$OUT"
chmod 700 "$OUT"	# partials and reports hold personal data

array=$(sbatch --parsable --job-name=dpf-scan --array=0-$((SHARDS - 1)) \
	--cpus-per-task=4 --output="$OUT/scan-%a.log" \
	--wrap="dpfaudit scan --no-progress -j 4 --rules '$RULES' --partial \"$OUT/part.\$SLURM_ARRAY_TASK_ID\" '$LOGS'")
sbatch --parsable --job-name=dpf-merge --dependency=afterok:"${array%%;*}" \
	--output="$OUT/merge.log" \
	--wrap="dpfaudit merge --rules '$RULES' --fail-on high \
		--report text:'$OUT/audit.txt' --report json:'$OUT/audit.json' \
		--report html:'$OUT/audit.html' '$OUT'/part.*"
