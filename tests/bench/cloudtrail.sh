#!/bin/sh
# cloudtrail.sh - records per second and peak memory of `dpfaudit scan` on
# CloudTrail as delivered: one gzip JSON document with a `Records` array
# (issue 14, SPEC section 3), against `gzip -dc` of the same file.
#
#   cd BUILD_DIR && /path/to/src/tests/bench/cloudtrail.sh [--records N] [--runs R]
#
# The document is made up and deterministic (python3, standard library):
# S3 data events (GetObject mostly, PutObject, DeleteObject, 2% AccessDenied;
# one in ten in rules/dpf.rules' customer-export bucket, read by staff of
# that policy and unknown users), assumed-role and IAM users, and
# management events (DescribeInstances, ConsoleLogin), each about 1.1 KB of
# CloudTrail's pretty-printed JSON as delivered.  Cached in
# ${TMPDIR:-/tmp}/dpfaudit-bench keyed by N and this script.  Each command
# runs R times (default 3); the median wall time is printed with records/s
# and the peak RSS (GNU time -v) of the median run.
# DPFAUDIT (default ./analyzer/dpfaudit) and RULES (default the source tree's
# rules/dpf.rules) may be set in the environment.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
records=200000
runs=3
while [ $# -gt 0 ]; do
	case $1 in
	--records) records=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	-h|--help) sed -n "2,18p" "$0"; exit 0 ;;
	*) echo "usage: $0 [--records N] [--runs R]" >&2; exit 2 ;;
	esac
done
case $records$runs in *[!0-9]*) echo "cloudtrail.sh: --records and --runs need numbers" >&2; exit 2 ;; esac
DPFAUDIT=${DPFAUDIT:-./analyzer/dpfaudit}
RULES=${RULES:-$srcdir/rules/dpf.rules}
[ -x "$DPFAUDIT" ] || { echo "cloudtrail.sh: $DPFAUDIT not found" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "cloudtrail.sh: needs GNU time (/usr/bin/time -v)" >&2; exit 2; }
cache=${TMPDIR:-/tmp}/dpfaudit-bench
mkdir -p "$cache"
key=$(cksum <"$0" | cut -d' ' -f1)
doc=$cache/cloudtrail-$records-$key.json.gz

if [ ! -s "$doc" ]; then
	echo "generating $doc ($records records) ..." >&2
	python3 - "$records" "$doc.tmp" <<'PY'
import gzip, json, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(20261204)
users = ([("IAMUser", "jdoe%d" % i) for i in range(6)] + [("IAMUser", "rpatel"), ("IAMUser", "sobrien")] +
         [("AssumedRole", "analyst/session%d" % i) for i in range(4)])
with gzip.GzipFile(path, "wb", mtime=0) as z:
    z.write(b'{"Records": [\n')
    for i in range(1, n + 1):
        kind, name = users[rng.randrange(len(users))]
        arn = ("arn:aws:iam::123456789012:user/%s" if kind == "IAMUser"
               else "arn:aws:sts::123456789012:assumed-role/%s") % name
        t = "2026-03-%02dT%02d:%02d:%02dZ" % (1 + i // 86400 % 28, i // 3600 % 24, i // 60 % 60, i % 60)
        r = {"eventVersion": "1.08",
             "userIdentity": {"type": kind, "principalId": "AIDA%012d" % rng.randrange(10**12),
                              "arn": arn, "accountId": "123456789012"},
             "eventTime": t, "awsRegion": "eu-west-1",
             "sourceIPAddress": "198.51.100.%d" % rng.randrange(1, 255),
             "userAgent": "[aws-sdk-java/1.12.300 Linux/5.10 OpenJDK_64-Bit_Server_VM/17]",
             "requestID": "%016X" % rng.getrandbits(64), "eventID": "%032x" % rng.getrandbits(128),
             "readOnly": True, "eventType": "AwsApiCall", "managementEvent": False,
             "recipientAccountId": "123456789012", "eventCategory": "Data"}
        p = rng.random()
        if p < 0.9:
            op = "GetObject" if p < 0.75 else ("PutObject" if p < 0.85 else "DeleteObject")
            # One in ten in the default policy's customer-export bucket: personal-data reads.
            bucket = "customer-exports-eu" if rng.random() < 0.1 else "example-logs"
            r.update(eventSource="s3.amazonaws.com", eventName=op,
                     requestParameters={"bucketName": bucket,
                                        "Host": bucket + ".s3.eu-west-1.amazonaws.com",
                                        "key": "customers/%d/export.csv" % rng.randrange(100000)},
                     resources=[{"type": "AWS::S3::Object",
                                 "ARN": "arn:aws:s3:::example-exports/customers/x.csv"}],
                     additionalEventData={"SignatureVersion": "SigV4", "CipherSuite": "ECDHE-RSA-AES128-GCM-SHA256",
                                          "bytesTransferredIn": 0, "bytesTransferredOut": rng.randrange(10**6)})
            if rng.random() < 0.02:
                r.update(errorCode="AccessDenied", errorMessage="Access Denied")
        else:
            r.update(eventSource="ec2.amazonaws.com", eventName="DescribeInstances",
                     managementEvent=True, eventCategory="Management",
                     requestParameters={"instancesSet": {}, "filterSet": {}}, responseElements=None)
        z.write(json.dumps(r, indent=4).encode() + (b",\n" if i < n else b"\n"))
    z.write(b"]}\n")
PY
	mv "$doc.tmp" "$doc"
fi
echo "document: $doc: $records records, $(wc -c <"$doc" | tr -d ' ') bytes gzip, $(gzip -dc "$doc" | wc -c | tr -d ' ') bytes plain" >&2

# measure NAME COMMAND...: median wall seconds of R runs, records/s, peak RSS.
measure() {
	name=$1
	shift
	i=0
	: >"$cache/ct.$$"
	while [ $i -lt "$runs" ]; do
		rc=0
		/usr/bin/time -v "$@" >/dev/null 2>"$cache/ct.err.$$" || rc=$?
		if [ $rc -gt 1 ]; then
			echo "cloudtrail.sh: $name exited $rc:" >&2
			cat "$cache/ct.err.$$" >&2
			rm -f "$cache/ct.$$" "$cache/ct.err.$$"
			exit 1
		fi
		w=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$cache/ct.err.$$" |
			awk -F: '{ s = 0; for (k = 1; k <= NF; k++) s = s * 60 + $k; print s }')
		kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$cache/ct.err.$$")
		echo "$w $kb" >>"$cache/ct.$$"
		i=$((i + 1))
	done
	sort -n "$cache/ct.$$" | awk -v n="$records" -v name="$name" -v r="$runs" '
		NR == int((r + 1) / 2) { printf "%-22s %8.2f %12.0f %10.1f\n", name, $1, ($1 > 0 ? n / $1 : 0), $2 / 1024 }'
	rm -f "$cache/ct.$$" "$cache/ct.err.$$"
}

printf '%-22s %8s %12s %10s\n' command "wall s" "records/s" "peak MiB"
measure "gzip -dc" gzip -dc "$doc"
measure "dpfaudit scan -j1" "$DPFAUDIT" scan --no-progress -q --rules "$RULES" -j1 "$doc"
measure "dpfaudit scan -j2" "$DPFAUDIT" scan --no-progress -q --rules "$RULES" -j2 "$doc"
