#!/bin/sh
# ci_doc.sh - the recipes of doc/ci.md work as written: every YAML block
# parses; the GitHub job has the permissions upload-sarif needs and current
# action versions; the GitLab image installs tzdata; every dpfaudit command
# line in them uses options the binary has and runs (exit 0, 1 or 3 on
# sample logs, never 2, a usage error); the runtime libraries named are
# those the binary links; and a missing zone database is named as such.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || { echo "not ok - python3 is needed"; exit 1; }
python3 -c 'import yaml' 2>/dev/null || { echo "not ok - python3-yaml is needed"; exit 1; }
DOC="$SRCDIR/doc/ci.md"

# A work tree as the jobs see it: rules/, samples/, logs/, a baseline.
W="$T/work"
mkdir -p "$W/logs" "$W/analyzer"
ln -s "$SRCDIR/rules" "$W/rules"
ln -s "$SRCDIR/samples" "$W/samples"
cp "$SRCDIR/samples/support-api.log.gz" "$W/logs/access.log-20261124.gz"
: >"$W/dpfaudit.baseline"
ln -s "$DPFAUDIT" "$W/analyzer/dpfaudit"

if python3 - "$DOC" "$W" "$DPFAUDIT" >"$T/py.out" 2>&1 <<'PY'
import re, shlex, subprocess, sys, yaml
doc, work, binary = sys.argv[1], sys.argv[2], sys.argv[3]
blocks = re.findall(r"```yaml\n(.*?)```", open(doc).read(), re.S)
assert len(blocks) == 2, "expected the GitHub and the GitLab block, found %d" % len(blocks)
gh, gl = (yaml.safe_load(b) for b in blocks)
print("ok - both YAML blocks parse")

# GitHub: permissions and action versions.
assert gh["permissions"] == {"contents": "read", "security-events": "write", "actions": "read"}, gh["permissions"]
print("ok - GitHub permissions: contents read, security-events write, actions read")
current = {"actions/checkout": "v4", "github/codeql-action/upload-sarif": "v3", "actions/upload-artifact": "v4"}
uses = [s["uses"] for j in gh["jobs"].values() for s in j["steps"] if "uses" in s]
for u in uses:
    name, ver = u.split("@")
    assert current.get(name) == ver, "outdated or unknown action " + u
assert "github/codeql-action/upload-sarif@v3" in uses
print("ok - GitHub actions at current versions: " + ", ".join(sorted(set(uses))))
# The nightly job fetches logs and sets the period.
steps = gh["jobs"]["nightly-audit"]["steps"]
assert any("rsync" in s.get("run", "") for s in steps), "no step fetches the logs"
print("ok - the nightly GitHub job fetches the logs")

# GitLab: tzdata in the image.
install = " ".join(gl[".deps"]["before_script"])
assert re.search(r"\btzdata\b", install), install
print("ok - the GitLab image installs tzdata")

# Every dpfaudit command line: options from the real table, and it runs.
scripts = [s.get("run", "") for j in gh["jobs"].values() for s in j["steps"]]
scripts += [line for k, j in gl.items() if isinstance(j, dict) for line in j.get("script", [])]
cmds = []
for sc in scripts:
    sc = sc.replace("\\\n", " ")
    for line in re.split(r"\n|&&|;", sc):
        toks = shlex.split(line, comments=True) if "dpfaudit" in line else []
        if toks and toks[0].endswith("dpfaudit"):
            cmds.append(toks)
assert len(cmds) >= 4, cmds
period = False
for toks in cmds:
    sub = toks[1]
    helptext = subprocess.run([binary, sub, "--help"], capture_output=True, text=True).stdout
    known = set(re.findall(r"--[a-z][a-z0-9-]*", helptext))
    for t in toks[2:]:
        if t.startswith("--"):
            assert t.split("=")[0] in known, "dpfaudit %s has no option %s" % (sub, t)
    period |= "--since" in toks and "--until" in toks
    r = subprocess.run([binary] + toks[1:], cwd=work, capture_output=True, text=True)
    # A rule-test recipe must pass on the shipped samples; an audit may find things.
    ok_rc = (0,) if sub == "test" else (0, 1, 3)
    assert r.returncode in ok_rc, "%s: exit %d: %s%s" % (" ".join(toks), r.returncode, r.stdout[-300:], r.stderr[-300:])
    print("ok - runs as written (exit %d): %s" % (r.returncode, " ".join(toks[:3]) + " ..."))
assert period, "no recipe sets a period with --since/--until"
print("ok - a recipe audits a period (--since/--until)")
PY
then cat "$T/py.out"; PASSED=$((PASSED + $(grep -c '^ok' "$T/py.out")))
else grep '^ok' "$T/py.out"; bad "doc/ci.md recipes" "$(grep -v '^ok' "$T/py.out" | tail -n 5)"; fi

# The runtime libraries named are those the binary links (Debian packages).
if command -v ldd >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then
	for lib in $(ldd "$DPFAUDIT" | awk '$3 ~ /^\// {print $3}'); do
		pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null)
		pkg=${pkg%%:*}
		# libc and the compiler's runtimes (a sanitizer build links them) are not ours to name.
		case $pkg in ''|libc6|libgcc-s1|libstdc++6|libasan*|libubsan*|liblsan*|libtsan*) continue ;; esac
		expect_in "doc/ci.md names the runtime library $pkg" "$DOC" "\`$pkg\`"
	done
	expect_not_in "doc/ci.md does not call Jansson a runtime library" "$DOC" "\`libjansson"
fi

# The zone database: missing is said as such; an unknown zone is the name's fault.
TZDIR="$T/no-zoneinfo" run scan --tz Europe/Rome -r "$RULES" "$SRCDIR/samples/annotated/01-support-agents.log"
expect_rc "--tz without a zone database" 2
expect_in "a missing zone database is named, with what to install" "$ERR" \
	"time zone 'Europe/Rome': no time zone database in $T/no-zoneinfo (install tzdata, or set TZDIR)"
mkdir "$T/zoneinfo"
printf '[category email]\nresource = ^/api/v1/customers/(?<subject>\\d+)/email\n' >"$T/r.rules"
TZDIR="$T/zoneinfo" run scan --tz Europe/Roma -r "$T/r.rules" "$SRCDIR/samples/annotated/01-support-agents.log"
expect_in "an unknown zone in a present database is the zone's fault" "$ERR" "--tz: unknown time zone 'Europe/Roma'"

finish
