#!/bin/sh
# slurm.sh - a real run on a real batch scheduler: Slurm on this machine.
#
# Installs Debian's Slurm and MUNGE if missing (apt-get), starts a
# single-node cluster on localhost in a scratch directory (its own munged
# socket and key, non-default ports, proctrack/linuxproc, no cgroups),
# submits a job array that scans the shards with --partial (each task takes
# its shard from SLURM_ARRAY_TASK_ID/COUNT), then a job that merges them
# once all tasks succeeded (--dependency=afterok), waits, and compares the
# merged reports with a single scan.  Stops every daemon it started.
#
# Needs root (daemons, apt-get).  Exits 77 (skipped) with a message when it
# cannot set the cluster up; 0 when the merged report equals the single
# run's; 1 otherwise.
#
#   DPFAUDIT=build/analyzer/dpfaudit SRCDIR=. tests/dist/slurm.sh
# Environment: SHARDS (default 3), SLURM_TIMEOUT seconds (default 180).
set -u

: "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${DPFAUDIT:=$SRCDIR/analyzer/dpfaudit}"
SHARDS=${SHARDS:-3}
TIMEOUT=${SLURM_TIMEOUT:-180}
RULES="$SRCDIR/rules/dpf.rules"
SAMPLES="$SRCDIR/samples"

skip() { echo "SKIP: slurm.sh: $*"; exit 77; }
fail() { echo "not ok - $*"; FAILED=1; }

[ "$(id -u)" = 0 ] || skip "needs root to run the Slurm and MUNGE daemons"
[ -x "$DPFAUDIT" ] || skip "no dpfaudit binary at $DPFAUDIT (set DPFAUDIT)"
case "$DPFAUDIT" in /*) ;; *) DPFAUDIT="$(pwd)/$DPFAUDIT" ;; esac
case "$SRCDIR" in /*) ;; *) SRCDIR="$(cd "$SRCDIR" && pwd)"; RULES="$SRCDIR/rules/dpf.rules"; SAMPLES="$SRCDIR/samples" ;; esac

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v slurmd >/dev/null 2>&1 ||
	! command -v munged >/dev/null 2>&1 || ! command -v sbatch >/dev/null 2>&1; then
	command -v apt-get >/dev/null 2>&1 || skip "Slurm is not installed and there is no apt-get"
	echo "# installing slurm-wlm and munge with apt-get"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge; } \
		>/tmp/slurm-apt.$$.log 2>&1 ||
		skip "apt-get install slurm-wlm munge failed (see /tmp/slurm-apt.$$.log)"
	rm -f /tmp/slurm-apt.$$.log
fi

# Everything lives in W; the daemons find it through SLURM_CONF.
W=$(mktemp -d /tmp/dpfslurm.XXXXXX)
chmod 755 "$W"
PIDS=""
cleanup() {
	# Only the daemons this script started, by the pids they wrote.
	for p in slurmd slurmctld munged; do
		f="$W/$p.pid"
		[ -s "$f" ] || continue
		pid=$(cat "$f")
		kill "$pid" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$pid" 2>/dev/null
	done
	if [ "${KEEP:-0}" = 1 ]; then echo "# kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# MUNGE: our own key, socket and files, so a system munged (if any) is untouched.
MUNGE_USER=root
id munge >/dev/null 2>&1 && MUNGE_USER=munge
mkdir -p "$W/munge" "$W/msock"
dd if=/dev/urandom of="$W/munge/munge.key" bs=1024 count=1 2>/dev/null
chown -R "$MUNGE_USER" "$W/munge" "$W/msock"
chmod 700 "$W/munge"
chmod 755 "$W/msock"	# munged wants its socket's directory open to all
chmod 400 "$W/munge/munge.key"
SOCK="$W/msock/munge.socket"
if [ "$MUNGE_USER" = munge ] && command -v runuser >/dev/null 2>&1; then
	runuser -u munge -- munged --key-file="$W/munge/munge.key" --socket="$SOCK" \
		--pid-file="$W/munge/munged.pid" --log-file="$W/munge/munged.log" \
		--seed-file="$W/munge/munged.seed" >"$W/munged.out" 2>&1
else
	munged --force --key-file="$W/munge/munge.key" --socket="$SOCK" \
		--pid-file="$W/munge/munged.pid" --log-file="$W/munge/munged.log" \
		--seed-file="$W/munge/munged.seed" >"$W/munged.out" 2>&1
fi
i=0
while [ ! -s "$W/munge/munged.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$W/munge/munged.pid" ] && cp "$W/munge/munged.pid" "$W/munged.pid"
munge --socket="$SOCK" -n </dev/null | unmunge --socket="$SOCK" >/dev/null 2>&1 ||
	skip "munged did not start: $(cat "$W/munged.out" "$W/munge/munged.log" 2>/dev/null | tail -n 3 | tr '\n' ' ')"

CPUS=$(nproc 2>/dev/null || echo 1)
mkdir -p "$W/state" "$W/spool" "$W/jobs"
cat >"$W/slurm.conf" <<EOF
ClusterName=dpfaudit-test
SlurmctldHost=localhost
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SOCK
CryptoType=crypto/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
MaxArraySize=1001
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=dpf Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$W/slurm.conf"

slurmctld -f "$SLURM_CONF" >"$W/slurmctld.out" 2>&1 ||
	skip "slurmctld did not start: $(tail -n 3 "$W/slurmctld.log" 2>/dev/null | tr '\n' ' ')"
slurmd -f "$SLURM_CONF" -N localhost >"$W/slurmd.out" 2>&1 ||
	skip "slurmd did not start: $(tail -n 3 "$W/slurmd.log" 2>/dev/null | tr '\n' ' ')"
i=0
until sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; do
	i=$((i + 1))
	[ $i -gt 100 ] && skip "the node did not come up: $(sinfo 2>&1 | tail -n 2 | tr '\n' ' ') $(tail -n 3 "$W/slurmd.log" 2>/dev/null | tr '\n' ' ')"
	sleep 0.2
done
echo "# single-node Slurm up: $(sinfo -h -o '%P %D %T %c' | head -n 1)"

FAILED=0
START=$(date +%s)

# The map step: one task per shard; each finds its shard in SLURM_ARRAY_TASK_ID/COUNT.
cat >"$W/jobs/scan.sh" <<EOF
#!/bin/sh
exec "$DPFAUDIT" scan --no-progress -j 1 -r "$RULES" --partial "$W/jobs/part.\$SLURM_ARRAY_TASK_ID" "$SAMPLES"
EOF
cat >"$W/jobs/merge.sh" <<EOF
#!/bin/sh
exec "$DPFAUDIT" merge -r "$RULES" --report text:"$W/jobs/merged.txt" --report json:"$W/jobs/merged.json" "$W/jobs"/part.*
EOF
chmod +x "$W/jobs/scan.sh" "$W/jobs/merge.sh"

ARRAY=$(sbatch --parsable --array=0-$((SHARDS - 1)) --output="$W/jobs/scan-%a.out" \
	--chdir="$W/jobs" "$W/jobs/scan.sh") || { fail "sbatch of the scan array"; exit 1; }
ARRAY=${ARRAY%%;*}
MERGE=$(sbatch --parsable --dependency=afterok:"$ARRAY" --output="$W/jobs/merge.out" \
	--chdir="$W/jobs" "$W/jobs/merge.sh") || { fail "sbatch of the merge job"; exit 1; }
MERGE=${MERGE%%;*}
echo "# submitted array $ARRAY (${SHARDS} tasks) and merge job $MERGE (afterok:$ARRAY)"

# Wait for the merge job to leave the queue.
state=""
i=0
while :; do
	state=$(scontrol show job "$MERGE" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
	case "$state" in
	COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|"") break ;;
	esac
	i=$((i + 1))
	if [ $i -gt $((TIMEOUT * 2)) ]; then
		fail "the merge job did not finish within ${TIMEOUT}s (state $state)"
		squeue 2>&1 | sed 's/^/#   /'
		exit 1
	fi
	sleep 0.5
done
END=$(date +%s)
if [ "$state" = COMPLETED ]; then
	echo "ok - the merge job ran after every shard (COMPLETED)"
else
	fail "the merge job ended $state"
	for f in "$W/jobs"/*.out "$W/slurmctld.log"; do echo "# $f:"; tail -n 5 "$f" 2>/dev/null | sed 's/^/#   /'; done
	exit 1
fi

n=$(ls "$W/jobs"/part.* 2>/dev/null | wc -l)
if [ "$n" -eq "$SHARDS" ]; then echo "ok - $n partials, one per array task"; else fail "$n partials for $SHARDS tasks"; fi
if grep -q "shard .*/$SHARDS (from SLURM_ARRAY_TASK_ID)" "$W/jobs/scan-0.out"; then
	echo "ok - each task took its shard from SLURM_ARRAY_TASK_ID"
else
	fail "the tasks did not take their shard from the array index"
fi

# The reduce step must equal one scan over everything.
"$DPFAUDIT" scan --no-progress -r "$RULES" --report text:"$W/single.txt" \
	--report json:"$W/single.json" "$SAMPLES"
for f in txt json; do
	grep -v -e '^  Command:' -e '^  "command": ' "$W/single.$f" >"$W/a"
	grep -v -e '^  Command:' -e '^  "command": ' "$W/jobs/merged.$f" >"$W/b" 2>/dev/null
	if cmp -s "$W/a" "$W/b"; then
		echo "ok - the merged $f report equals the single run's"
	else
		fail "the merged $f report differs from the single run's"
		diff "$W/a" "$W/b" | head -n 10 | sed 's/^/#   /'
	fi
done
bytes=$(cat "$W/jobs"/part.* | wc -c)
echo "# scheduler round trip: $((END - START))s; partials: $bytes bytes in $n files"
[ "$FAILED" = 0 ]
