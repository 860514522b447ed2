#!/usr/bin/env python3
"""gen_log.py - deterministic generator of Apache/nginx `combined` access logs
for the support API of the default policy scenario (Tonwerk Audio Inc.).

    gen_log.py --lines N --seed S --start 2026-11-23T00:00:00Z [--days D]
               [--gzip] [--annotate] [--stats] [--rules FILE] -o FILE|-
    gen_log.py --verify SAMPLE...

The same arguments always give the same bytes (the gzip header carries no
name and no time).  Python 3 standard library only.

Traffic: mostly non-personal lines (static assets, /healthz probes, product
pages, docs, crawlers, scanners); personal-data requests by the staff of the
scenario at a bounded rate per staff hour (staff do not read more customers
because the web site has more visitors), most with ?reason=TICKET-n backed by
an open ticket assigned to the reader, some with no reason but an open ticket
(inferred); and breaches injected at a controlled rate (--breach-rate, at
least one of each kind): see INJECTIONS below.

Expectations: the generator carries a reference model of SPEC section 4
(judge() and the two window trackers) and the policy of the default rules
(ROLES, PURPOSES, CATEGORIES below, tickets and opt-outs read from the rule
directory).  With --annotate it writes `# expect: CHECK[, ...]` or
`# expect: none` above every line it knows the outcome of: every request of a
personal-data resource (failed ones too) and every 401/403.  Windowed checks
are expected on the line where they fire.  Where the model cannot know (a
window that a user overruns for longer than one line), it writes nothing.

The policy (categories, purposes, roles, members, hours, limits) and the
tickets and opt-outs come from --rules (default: the repository's
rules/dpf.rules and the files it names); with an empty rule file the
built-in copy of the scenario is used and a ticket table is invented
(--write-tickets FILE writes the one used, either way).

--verify SAMPLE... re-judges annotated combined / vhost_combined samples with
the model and prints every disagreement (for hand-written samples).
"""

import argparse
import bisect
import collections
import csv
import datetime as dt
import gzip
import io
import os
import random
import re
import sys
import urllib.parse

try:
	from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover - python < 3.9
	ZoneInfo = None

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_RULES = os.path.normpath(os.path.join(HERE, "..", "..", "rules", "dpf.rules"))

# ---------------------------------------------------------------------------
# The policy of the default rules (rules/dpf.rules), as the model sees it.
# Keep in step with rules/dpf.rules; --check-rules compares what it can.

# Categories in file order: (name, sensitive, [patterns]).
CATEGORIES = [
	("identification", False, [r"^/api/v\d+/customers/(?P<subject>\d+)/profile\b"]),
	("email", False, [r"^/api/v\d+/customers/(?P<subject>\d+)/email\b",
			  r"[?&]fields=[^&]*\bemail\b"]),
	("username", False, [r"^/api/v\d+/customers/(?P<subject>\d+)/account\b"]),
	("device", False, [r"^/api/v\d+/customers/(?P<subject>\d+)/devices\b",
			   r"^/api/v\d+/licenses/"]),
	("health", True, [r"^/api/v\d+/customers/(?P<subject>\d+)/health\b"]),
]
CATEGORIES = [(n, s, [re.compile(p) for p in pats]) for n, s, pats in CATEGORIES]

# Purposes in file order: name -> (reason regex, evidence?, infer, honours-optout)
PURPOSES = [
	("support", [re.compile(r"^(?:TICKET|CASE)-\d+$")], True, True, False),
	("marketing", [re.compile(r"^CAMPAIGN-\d+$")], False, False, True),
	("cloud", [re.compile(r"^OPS-\d+$")], False, False, False),
	("demo", [re.compile(r"^DEMO-\d+$")], False, False, False),
	("legal", [re.compile(r"^LEGAL-\d+$")], False, False, False),
]

ALL = "*"
# role -> members, may-read, purposes, hours (days 0=Mon, from, until, zone), max (n, window s)
ROLES = {
	"support-agent": dict(members=["mrossi", "jdoe", "akowalski", "lnguyen"],
			      may_read={"identification", "email", "username", "device"},
			      purposes={"support"},
			      hours=((0, 1, 2, 3, 4), 7 * 3600, 20 * 3600, "Europe/Rome"),
			      max=(40, 3600)),
	"marketing": dict(members=["cmartin", "tsato"],
			  may_read={"identification", "email"},
			  purposes={"marketing"},
			  hours=((0, 1, 2, 3, 4), 8 * 3600, 19 * 3600, "America/New_York"),
			  max=None),
	"cloud-ops": dict(members=["rpatel", "sobrien"],
			  may_read={"username", "device"},
			  purposes={"cloud"}, hours=None, max=(200, 3600)),
	"demo-staff": dict(members=["ehansen"], may_read={"username", "device"},
			   purposes={"demo"}, hours=None, max=None),
	"subcontractor": dict(members=["vendor-*"], may_read={"email", "device"},
			      purposes={"support"}, hours=None, max=None),
	"privacy-officer": dict(members=["dklein"], may_read=ALL, purposes=ALL,
				hours=None, max=None),
}
SUPPORT = ROLES["support-agent"]["members"]
MARKETING = ROLES["marketing"]["members"]
CLOUD = ROLES["cloud-ops"]["members"]
VENDOR = "vendor-acme"
UNKNOWN = ["bsmith", "guest42"]

FAILED_BURST = (20, 600)	# [check failed-access-burst] default threshold

# Check ids in the order of SPEC section 4 (annotations list them so).
CHECK_ORDER = ["no-business-reason", "role-not-permitted", "unknown-identity",
	       "unauthenticated-access", "sensitive-data-access",
	       "reason-not-for-role", "reason-unverified", "excessive-access",
	       "off-hours-access", "insecure-transport", "failed-access-burst",
	       "optout-violation", "unapproved-transfer"]


# The tables above mirror the scenario; load_policy() replaces them with what
# the rule file really says, so the model follows the rules as they change.

POLICY_FILES = {}	# "tickets", "optout": paths the rule file names
DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def _strip_comment(line):
	for i, c in enumerate(line):
		if c == "#" and (i == 0 or line[i - 1] in " \t") and (i == 0 or line[i - 1] != "\\"):
			return line[:i]
	return line


def _duration(s):
	m = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", s)
	if not m:
		raise ValueError("bad duration %r" % s)
	return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def _rate(s):
	n, w = s.split("/", 1)
	return int(n), _duration(w)


def _hours(s):
	days_s, span, zone = s.split()
	days = set()
	for part in days_s.lower().split(","):
		if part == "*":
			days |= set(range(7))
		elif "-" in part:
			a, b = (DAYS[x[:3]] for x in part.split("-"))
			d = a
			while True:
				days.add(d)
				if d == b:
					break
				d = (d + 1) % 7
		else:
			days.add(DAYS[part[:3]])
	f, u = span.split("-")
	hm = lambda x: int(x.split(":")[0]) * 3600 + int(x.split(":")[1]) * 60
	return (tuple(sorted(days)), hm(f), hm(u), zone)


def _pcre(rx):
	return re.compile(re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", rx))


def _read_ini(path, out):
	base = os.path.dirname(path)
	sec = None
	with open(path) as f:
		for line in f:
			line = _strip_comment(line.rstrip("\n")).strip()
			if not line:
				continue
			if line.startswith("[") and line.endswith("]"):
				sec = (tuple(line[1:-1].split(None, 1)) + ("",))[:2]
				out.append((sec, []))
				continue
			k, _, v = line.partition("=")
			k, v = k.strip(), v.strip()
			if k == "include" and sec is None:
				_read_ini(os.path.join(base, v), out)
			elif out and sec is not None:
				out[-1][1].append((k, v, base))
	return out


def load_policy(path):
	"""Replace CATEGORIES, PURPOSES, ROLES and FAILED_BURST with the rule
	file's.  Returns False (tables untouched) if it has no categories."""
	global CATEGORIES, PURPOSES, ROLES, FAILED_BURST
	if not path or not os.path.exists(path):
		return False
	cats, purposes, roles, burst = [], [], {}, FAILED_BURST
	for (kind, name), kv in _read_ini(path, []):
		if kind == "evidence" and name == "tickets":
			POLICY_FILES["tickets"] = next((os.path.join(b, v) for k, v, b in kv if k == "file"), None)
		elif kind == "optout":
			POLICY_FILES["optout"] = next((os.path.join(b, v) for k, v, b in kv if k == "file"), None)
		if kind == "category":
			cats.append((name, any(k == "sensitive" and v.lower() in ("yes", "true", "1") for k, v, _ in kv),
				     [_pcre(v) for k, v, _ in kv if k == "resource"]))
		elif kind == "purpose":
			d = {k: v for k, v, _ in kv if k != "reason"}
			rxs = [_pcre(v) for k, v, _ in kv if k == "reason"]
			yes = lambda key: d.get(key, "no").lower() in ("yes", "true", "1")
			purposes.append((name, rxs, bool(d.get("evidence")), yes("infer"), yes("honours-optout")))
		elif kind == "role":
			r = dict(members=[], may_read=set(), purposes=set(), hours=None, max=None, reason_required=True)
			for k, v, base in kv:
				if k == "members":
					for m in (x.strip() for x in v.split(",")):
						if m.startswith("@"):
							with open(os.path.join(base, m[1:])) as mf:
								for ml in mf:
									ml = ml.split("#", 1)[0].strip()
									if ml:
										r["members"].append(ml.split(",")[0].strip())
						elif m:
							r["members"].append(m)
				elif k in ("may-read", "purposes"):
					key = k.replace("-", "_")
					vals = {x.strip() for x in v.split(",") if x.strip()}
					r[key] = ALL if "*" in vals or r[key] == ALL else r[key] | vals
				elif k == "hours":
					r["hours"] = _hours(v)
				elif k == "max-subjects":
					r["max"] = _rate(v)
				elif k == "reason-required":
					r["reason_required"] = v.lower() not in ("no", "false", "0")
			roles[name] = r
		elif kind == "check" and name == "failed-access-burst":
			for k, v, _ in kv:
				if k == "threshold":
					burst = _rate(v)
	if not cats:
		return False
	CATEGORIES = cats
	PURPOSES = [(n, rxs, ev, inf, oo) for n, rxs, ev, inf, oo in purposes]
	ROLES = roles
	FAILED_BURST = burst
	return True


def role_of(user):
	for name, r in ROLES.items():
		for m in r["members"]:
			if m == user or (m.endswith("*") and user.startswith(m[:-1])):
				return name
	return None


# ---------------------------------------------------------------------------
# Evidence: tickets and opt-outs.

def parse_iso(s):
	s = s.strip()
	if not s:
		return None
	if s.endswith("Z"):
		s = s[:-1] + "+00:00"
	d = dt.datetime.fromisoformat(s)
	if d.tzinfo is None:
		d = d.replace(tzinfo=dt.timezone.utc)
	return int(d.timestamp())


def fmt_iso(t):
	return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Ticket:
	__slots__ = ("id", "subject", "assignee", "opened", "closed")

	def __init__(self, tid, subject, assignee, opened, closed):
		self.id, self.subject, self.assignee = tid, subject, assignee
		self.opened, self.closed = opened, closed

	def open_at(self, t):
		return self.opened is not None and self.opened <= t and \
			(self.closed is None or t <= self.closed)


def load_tickets(path):
	out = []
	if not path or not os.path.exists(path):
		return out
	with open(path, newline="") as f:
		rows = [r for r in csv.reader(f) if r and not r[0].lstrip().startswith("#")]
	if not rows:
		return out
	head = [h.strip().lower() for h in rows[0]]
	if "id" not in head:
		head = ["id", "subject", "assignee", "opened", "closed"]
	else:
		rows = rows[1:]
	ix = {h: i for i, h in enumerate(head)}
	for r in rows:
		def col(n):
			i = ix.get(n)
			return r[i].strip() if i is not None and i < len(r) else ""
		out.append(Ticket(col("id"), col("subject"), col("assignee"),
				  parse_iso(col("opened")), parse_iso(col("closed"))))
	return out


def load_optout(path):
	out = set()
	if path and os.path.exists(path):
		with open(path) as f:
			for line in f:
				line = line.split("#", 1)[0].strip()
				if line:
					out.add(line.split(",")[0].strip())
	return out


def invent_tickets(rng, start, end, optout):
	"""A ticket table for [start, end): each support agent and vendor-acme
	always has a few open tickets in working time; some close early."""
	out = []
	n = 3000
	for who in SUPPORT + [VENDOR]:
		t = start - 3 * 86400
		while t < end:
			opened = t + rng.randint(0, 3 * 3600)
			dur = rng.choice([2, 4, 8, 20, 30, 50, 70]) * 3600 + rng.randint(0, 3599)
			closed = opened + dur
			subj = str(rng.randint(1000, 9999))
			while subj in optout:
				subj = str(rng.randint(1000, 9999))
			n += rng.randint(1, 7)
			out.append(Ticket("TICKET-%d" % n, subj, who, opened,
					  closed if closed < end + 86400 else None))
			t += rng.randint(1, 5) * 3600
	return out


class Evidence:
	def __init__(self, tickets):
		self.by_id = {}
		for tk in tickets:
			self.by_id.setdefault(tk.id, tk)	# first record wins
		self.by_pair = collections.defaultdict(list)
		for tk in tickets:
			self.by_pair[(tk.subject, tk.assignee)].append(tk)
		self.by_user = collections.defaultdict(list)
		for tk in tickets:
			self.by_user[tk.assignee].append(tk)

	def infer(self, subject, user, t):
		return any(tk.open_at(t) for tk in self.by_pair.get((subject, user), ()))

	def open_for(self, user, t):
		return [tk for tk in self.by_user.get(user, ()) if tk.open_at(t)]


# ---------------------------------------------------------------------------
# The reference model (SPEC section 4 semantics).

_zones = {}


def local(t, zone):
	z = _zones.get(zone)
	if z is None:
		z = _zones[zone] = ZoneInfo(zone)
	return dt.datetime.fromtimestamp(t, z)


def in_hours(hours, t):
	days, frm, until, zone = hours
	lt = local(t, zone)
	sec = lt.hour * 3600 + lt.minute * 60 + lt.second
	return lt.weekday() in days and frm <= sec < until


def action_of(method):
	if method in ("GET", "HEAD"):
		return "read"
	if method in ("POST", "PUT", "PATCH"):
		return "write"
	if method == "DELETE":
		return "delete"
	return "other"


def classify(target):
	"""(categories, subject) of a request target, as section 4 item 2 says."""
	cats, subject = [], None
	for name, _sens, pats in CATEGORIES:
		for p in pats:
			m = p.search(target)
			if m:
				cats.append(name)
				if subject is None and "subject" in p.groupindex and m.group("subject"):
					subject = m.group("subject")
				break
	return cats, subject


def reason_of(target):
	q = urllib.parse.urlsplit(target).query
	params = urllib.parse.parse_qs(q, keep_blank_values=True)
	for key in ("reason", "ticket"):
		v = params.get(key)
		if v and v[0]:
			return v[0]
	return ""


def judge(ev, evidence, optout):
	"""Non-windowed findings of one event: a set of check ids."""
	if ev.status >= 400 or action_of(ev.method) != "read":
		return set()
	cats, subject = classify(ev.target)
	if not cats:
		return set()
	if ev.user in ("", "-"):
		return {"unauthenticated-access"}
	rname = role_of(ev.user)
	if rname is None:
		return {"unknown-identity"}
	role = ROLES[rname]
	out = set()
	sens = {n for n, s, _ in CATEGORIES if s}
	for c in cats:
		if role["may_read"] != ALL and c not in role["may_read"]:
			out.add("sensitive-data-access" if c in sens else "role-not-permitted")
	reason = reason_of(ev.target)
	purpose = None
	if not role.get("reason_required", True):
		pass
	elif not reason:
		ok = False
		for name, _rx, has_evd, infer, _oo in PURPOSES:
			if infer and has_evd and (role["purposes"] == ALL or name in role["purposes"]):
				if subject is not None and evidence.infer(subject, ev.user, ev.t):
					ok = True
		if not ok:
			out.add("no-business-reason")
	else:
		for p in PURPOSES:
			if any(rx.search(reason) for rx in p[1]):
				purpose = p
				break
		if purpose is None:
			out.add("no-business-reason")
		elif role["purposes"] != ALL and purpose[0] not in role["purposes"]:
			out.add("reason-not-for-role")
		elif purpose[2]:
			tk = evidence.by_id.get(reason)
			if tk is None or tk.subject != subject or tk.assignee != ev.user \
					or not tk.open_at(ev.t):
				out.add("reason-unverified")
	if reason and purpose is None:
		purpose = next((p for p in PURPOSES if any(rx.search(reason) for rx in p[1])), None)
	if purpose is not None and purpose[4] and subject in optout:
		out.add("optout-violation")
	if role["hours"] and not in_hours(role["hours"], ev.t):
		out.add("off-hours-access")
	return out


class ExcessiveTracker:
	"""Section 4 item 8.  Returns (fires, certain) for one personal-data read."""

	def __init__(self):
		self.q = collections.defaultdict(collections.deque)
		self.over = collections.defaultdict(bool)
		self.ended = {}

	def feed(self, user, subject, t):
		rname = role_of(user)
		if rname is None or not ROLES[rname]["max"]:
			return False, True
		n, win = ROLES[rname]["max"]
		q = self.q[user]
		if subject is not None:
			q.append((t, subject))
		while q and q[0][0] < t - win:
			q.popleft()
		distinct = len({s for _, s in q})
		if distinct > n:
			if self.over[user]:
				return False, True	# one finding per burst
			self.over[user] = True
			# a burst that starts again soon after one ended: where one
			# burst ends is not defined, so the model cannot tell
			return True, not (user in self.ended and t - self.ended[user] <= win)
		if self.over[user]:
			self.ended[user] = t
		self.over[user] = False
		return False, True


class FailedTracker:
	"""Section 4 item 1: N or more 401/403 at most WINDOW apart, by user or address."""

	def __init__(self):
		self.q = collections.defaultdict(collections.deque)
		self.over = collections.defaultdict(bool)

	def feed(self, key, t):
		n, win = FAILED_BURST
		q = self.q[key]
		q.append(t)
		while q and q[0] < t - win:
			q.popleft()
		if len(q) >= n:
			if self.over[key]:
				return False, False
			self.over[key] = True
			return True, True
		self.over[key] = False
		return False, True


# ---------------------------------------------------------------------------
# Rendering.

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

BROWSERS = [
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.107 Mobile Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
]
BOTS = [
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
	"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
]
TOOLS = ["curl/8.5.0", "python-requests/2.32.3", "Go-http-client/1.1", "TonwerkSync/3.4.1 (Windows)",
	 "TonwerkSync/3.4.0 (macOS)", "okhttp/4.12.0"]
PROBES = ["kube-probe/1.29", "ELB-HealthChecker/2.0"]
SCANNERS = ["Mozilla/5.0 zgrab/0.x", "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
	    "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)"]

SITE = "https://www.tonwerk-audio.example"
CONSOLE = "https://support.tonwerk-audio.example/console"
PRODUCTS = ["klangraum-pro", "klangraum-lite", "tonwerk-sampler", "mixdesk-8", "phonic-eq",
	    "reverb-hall", "tape-echo-72", "drum-forge", "vocal-tune", "stage-synth"]
STATIC = [("/static/css/app.3f9a1c.css", 48211), ("/static/js/app.8d2e71.js", 312877),
	  ("/static/js/vendor.c01f9b.js", 801233), ("/static/img/logo.svg", 5122),
	  ("/static/img/hero-klangraum.webp", 214870), ("/static/fonts/inter-var.woff2", 97412),
	  ("/favicon.ico", 15086), ("/static/img/icons/download.svg", 911)]
DOCS = [("/api/v1/docs", 18233), ("/api/v1/docs/openapi.json", 142009),
	("/api/v1/docs/authentication", 9120), ("/api/v1/docs/errors", 6231)]
SCAN_PATHS = ["/wp-login.php", "/.env", "/phpmyadmin/index.php", "/.git/config",
	      "/cgi-bin/luci/;stok=/locale", "/actuator/health", "/server-status"]


class Ev:
	__slots__ = ("t", "ip", "user", "method", "target", "status", "size", "ref", "ua",
		     "kind", "known", "expect", "seq")

	def __init__(self, t, ip, user, method, target, status, size, ref, ua, kind="bg"):
		self.t, self.ip, self.user, self.method, self.target = t, ip, user, method, target
		self.status, self.size, self.ref, self.ua, self.kind = status, size, ref, ua, kind
		self.known, self.expect, self.seq = False, None, 0


def public_ip(rng):
	r = rng.random()
	if r < 0.14:
		return "2001:db8:%x:%x::%x" % (rng.randint(1, 0xfff), rng.randint(0, 0xff), rng.randint(1, 0xffff))
	a = rng.choice([(198, 51, 100), (203, 0, 113), (192, 0, 2)])
	if r < 0.5:
		return "%d.%d.%d.%d" % (rng.randint(11, 223), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
	return "%d.%d.%d.%d" % (a + (rng.randint(1, 254),))


class Renderer:
	def __init__(self, rng):
		self.rng = rng
		self._tscache = {}

	def ts(self, t, off):
		key = (t // 60, off)
		base = self._tscache.get(key)
		if base is None:
			d = dt.datetime.fromtimestamp((t // 60) * 60 + off * 3600, dt.timezone.utc)
			base = ("%02d/%s/%04d:%02d:%02d:" % (d.day, MONTHS[d.month - 1], d.year, d.hour, d.minute),
				" +%02d00" % off)
			if len(self._tscache) > 4096:
				self._tscache.clear()
			self._tscache[key] = base
		return "%s%02d%s" % (base[0], t % 60, base[1])

	def line(self, ev):
		rng = self.rng
		off = 1 if rng.random() < 0.08 else 0
		size = "-" if ev.size is None else str(ev.size)
		s = '%s - %s [%s] "%s %s HTTP/%s" %d %s "%s" "%s"' % (
			ev.ip, ev.user, self.ts(ev.t, off), ev.method, ev.target,
			"2.0" if rng.random() < 0.3 else "1.1", ev.status, size, ev.ref, ev.ua)
		r = rng.random()
		if r < 0.30:
			s += " %.3f" % (rng.expovariate(1 / 0.04) if ev.status < 500 else 5 + rng.random())
		elif r < 0.36:
			s += ' "%s"' % (public_ip(rng) if rng.random() < 0.5 else "-")
		return s


# ---------------------------------------------------------------------------
# Traffic.

def day_starts(start, days):
	return [start + 86400 * i for i in range(days)]


def diurnal(hour):
	# Public web traffic, Europe plus North America: a trough around 04:00 UTC.
	return [0.35, 0.3, 0.28, 0.25, 0.22, 0.3, 0.5, 0.8, 1.0, 1.1, 1.15, 1.2,
		1.2, 1.25, 1.3, 1.3, 1.25, 1.2, 1.1, 1.0, 0.9, 0.75, 0.6, 0.45][hour]


def background(rng, start, days, count):
	"""`count` non-personal events in time order, streamed minute by minute."""
	minutes = days * 1440
	w = [diurnal((m // 60) % 24) for m in range(minutes)]
	total = sum(w)
	acc = 0.0
	done = 0
	sessions = []	# (ip, ua) of recent visitors, so pages and assets share clients
	for m in range(minutes):
		acc += w[m] * count / total
		k = int(round(acc)) - done if m < minutes - 1 else count - done
		if k <= 0:
			continue
		done += k
		secs = sorted(rng.randrange(60) for _ in range(k))
		base = start + m * 60
		for s in secs:
			yield bg_event(rng, base + s, sessions)


def bg_event(rng, t, sessions):
	r = rng.random()
	if r < 0.22:
		return Ev(t, rng.choice(["10.0.0.2", "10.0.0.3", "10.0.1.2"]), "-", "GET", "/healthz",
			  200, rng.choice([2, 15]), "-", rng.choice(PROBES))
	if sessions and rng.random() < 0.7:
		ip, ua = sessions[rng.randrange(len(sessions))]
	else:
		ip, ua = public_ip(rng), rng.choice(BROWSERS)
		sessions.append((ip, ua))
		if len(sessions) > 200:
			del sessions[:50]
	prod = rng.choice(PRODUCTS)
	if r < 0.55:
		path, size = rng.choice(STATIC)
		st = 304 if rng.random() < 0.25 else 200
		return Ev(t, ip, "-", "GET", path, st, None if st == 304 else size,
			  SITE + "/products/" + prod, ua)
	if r < 0.80:
		q = rng.random()
		if q < 0.4:
			path = "/api/v1/products/" + prod
		elif q < 0.6:
			path = "/api/v1/products?page=%d&per_page=20" % rng.randint(1, 6)
		elif q < 0.8:
			path = "/api/v1/products/%s/downloads" % prod
		else:
			path = "/api/v1/products/%s/releases/%d.%d.%d" % (prod, rng.randint(1, 4), rng.randint(0, 9), rng.randint(0, 20))
		st = 404 if rng.random() < 0.02 else 200
		return Ev(t, ip, "-", "GET", path, st, rng.randint(800, 24000) if st == 200 else 153,
			  SITE + "/products" if rng.random() < 0.6 else "-", ua)
	if r < 0.88:
		path, size = rng.choice(DOCS)
		return Ev(t, ip, "-", "GET", path, 200, size + rng.randint(-40, 40),
			  SITE + "/developers", ua)
	if r < 0.93:
		# desktop app update checks
		return Ev(t, public_ip(rng), "-", "GET",
			  "/api/v1/products/%s/updates?current=%d.%d.%d&os=%s" % (
				  prod, rng.randint(1, 4), rng.randint(0, 9), rng.randint(0, 20),
				  rng.choice(["win", "mac"])),
			  *((200, rng.randint(60, 400)) if rng.random() < 0.7 else (204, None)), "-",
			  rng.choice(TOOLS[3:5]))
	if r < 0.97:
		ua = rng.choice(BOTS)
		path = rng.choice(["/robots.txt", "/sitemap.xml", "/api/v1/products/" + prod, "/api/v1/docs"])
		return Ev(t, rng.choice(["66.249.66.%d" % rng.randint(1, 254), "40.77.167.%d" % rng.randint(1, 254)]),
			  "-", "GET", path, 200, rng.randint(300, 30000), "-", ua)
	path = rng.choice(SCAN_PATHS)
	return Ev(t, public_ip(rng), "-", rng.choice(["GET", "GET", "POST", "HEAD"]), path,
		  404, 153 if rng.random() < 0.8 else None, "-", rng.choice(SCANNERS))


def serial(rng):
	# the shape the default rules' [redact] pattern masks
	return "TW%02d-%04X-%04X" % (rng.randint(10, 99), rng.randint(0, 0xffff), rng.randint(0, 0xffff))


def staff_ip(user):
	h = sum(ord(c) * (i + 1) for i, c in enumerate(user))
	return "10.20.%d.%d" % (h % 7 + 1, h % 200 + 20)


def staff_ua(user):
	return BROWSERS[sum(map(ord, user)) % 5]


class Planner:
	"""Staff traffic and injected breaches, as a list of Ev with a kind."""

	def __init__(self, rng, start, days, evidence, optout, tickets):
		self.rng, self.start, self.days = rng, start, days
		self.end = start + days * 86400
		self.evd, self.optout, self.tickets = evidence, optout, tickets
		self.events = []
		self.excl = collections.defaultdict(list)	# user -> [(from, until)]
		self.sub = collections.Counter()	# reason-unverified: how
		self.nunverified = 0

	def add(self, ev):
		self.events.append(ev)
		return ev

	def rand_time(self, pred, tries=4000):
		for _ in range(tries):
			t = self.start + self.rng.randrange(self.days * 86400)
			if pred(t):
				return t
		return None

	def excluded(self, user, t):
		return any(a <= t <= b for a, b in self.excl.get(user, ()))

	def subject_free(self, user, t):
		"""A customer id with no ticket of `user` open at t, not opted out."""
		while True:
			s = str(self.rng.randint(1000, 9999))
			if s not in self.optout and not self.evd.infer(s, user, t):
				return s

	def read(self, t, user, path, reason=None, kind="normal", status=200, method="GET"):
		target = path
		if reason:
			target += ("&" if "?" in path else "?") + "reason=" + urllib.parse.quote(reason, safe="")
		m = re.search(r"/customers/(\d+)", path)
		ref = "%s/customers/%s" % (CONSOLE, m.group(1)) if m else CONSOLE + "/search"
		size = self.rng.randint(90, 2400) if status < 400 else self.rng.choice([61, 72])
		if method == "HEAD":
			size = None
		ua = staff_ua(user) if user in ROLES_BROWSER_USERS else self.rng.choice(TOOLS[:3])
		if ua in TOOLS:
			ref = "-"
		return self.add(Ev(t, staff_ip(user), user, method, target, status, size, ref, ua, kind))

	def resources(self, subject, cats):
		out = []
		for c in cats:
			if c == "device" and self.rng.random() < 0.4:
				out.append("/api/v1/customers/%s/devices/%s" % (subject, serial(self.rng)))
			else:
				out.append("/api/v1/customers/%s/%s" % (subject, {
					"identification": "profile", "email": "email", "username": "account",
					"device": "devices", "health": "health"}[c]))
		return out

	# -- normal work ------------------------------------------------------

	def support_session(self, user, t, infer_share=0.15):
		"""An agent works on one of their open tickets: 1-4 reads of its customer."""
		open_tks = [tk for tk in self.evd.open_for(user, t) if tk.id in self.evd.by_id
			    and self.evd.by_id[tk.id] is tk]
		if not open_tks:
			return 0
		tk = self.rng.choice(open_tks)
		if tk.closed is not None and tk.closed < t + 900:
			return 0
		allowed = ["identification", "email", "username", "device"] if user in SUPPORT else ["email", "device"]
		cats = self.rng.sample(allowed, self.rng.randint(1, min(3, len(allowed))))
		infer = self.rng.random() < infer_share
		n = 0
		for path in self.resources(tk.subject, cats):
			self.read(t, user, path, None if infer else tk.id,
				  kind="inferred" if infer else "normal",
				  method="HEAD" if self.rng.random() < 0.03 else "GET")
			t += self.rng.randint(2, 90)
			n += 1
		if self.rng.random() < 0.25:
			self.add(Ev(t + 30, staff_ip(user), user, "POST",
				    "/api/v1/customers/%s/notes" % tk.subject, 201, self.rng.randint(40, 90),
				    "%s/customers/%s" % (CONSOLE, tk.subject), staff_ua(user), "normal"))
			n += 1
		return n

	def working(self, user, t):
		rname = role_of(user)
		h = ROLES[rname]["hours"]
		if h:
			# a margin inside the hours, so a session never spills out
			return in_hours(h, t) and in_hours(h, t + 600) and not self.excluded(user, t) \
				and not self.excluded(user, t + 600)
		return not self.excluded(user, t)

	def normal(self, budget):
		rng = self.rng
		n = 0
		guard = 0
		while n < budget and guard < budget * 50:
			guard += 1
			r = rng.random()
			if r < 0.62:
				user = rng.choice(SUPPORT)
				t = self.rand_time(lambda x: self.working(user, x))
				if t is not None:
					n += self.support_session(user, t)
			elif r < 0.70:
				t = self.rand_time(lambda x: not self.excluded(VENDOR, x))
				if t is not None:
					n += self.support_session(VENDOR, t, infer_share=0.1)
			elif r < 0.82:
				user = rng.choice(MARKETING)
				t = self.rand_time(lambda x: self.working(user, x))
				if t is None:
					continue
				camp = "CAMPAIGN-%d" % rng.choice([31, 32, 35])
				if rng.random() < 0.3:
					self.read(t, user, "/api/v1/customers?fields=email,first_name&segment=newsletter&page=%d"
						  % rng.randint(1, 40), camp)
				else:
					s = self.subject_ok(user, t)
					for path in self.resources(s, rng.sample(["identification", "email"], rng.randint(1, 2))):
						self.read(t, user, path, camp)
						t += rng.randint(1, 20)
				n += 1
			elif r < 0.92:
				user = rng.choice(CLOUD)
				t = self.rand_time(lambda x: not self.excluded(user, x))
				ops = "OPS-%d" % rng.randint(200, 260)
				if rng.random() < 0.3:
					self.read(t, user, "/api/v1/licenses/" + serial(rng), ops)
				else:
					s = self.subject_ok(user, t)
					self.read(t, user, self.resources(s, [rng.choice(["username", "device"])])[0], ops)
				n += 1
			elif r < 0.97:
				t = self.rand_time(lambda x: x % 86400 // 3600 in range(9, 17)
						   and local(x, "UTC").weekday() < 5)
				s = self.subject_ok("ehansen", t)
				self.read(t, "ehansen", self.resources(s, ["device"])[0], "DEMO-%d" % rng.randint(10, 19))
				n += 1
			else:
				t = self.rand_time(lambda x: True)
				s = self.subject_ok("dklein", t)
				self.read(t, "dklein", self.resources(s, [rng.choice(["identification", "health", "email"])])[0],
					  "LEGAL-%d" % rng.randint(3, 5))
				n += 1
		return n

	def subject_ok(self, user, t):
		return self.subject_free(user, t)

	# -- injected breaches ------------------------------------------------

	def support_time(self, user=None, pred=None):
		user = user or self.rng.choice(SUPPORT)
		t = self.rand_time(lambda x: self.working(user, x) and (pred is None or pred(x)))
		return user, t

	def inject(self, kind):
		rng = self.rng
		if kind == "no-business-reason":
			user, t = self.support_time()
			s = self.subject_free(user, t)
			reason = None if rng.random() < 0.7 else rng.choice(["urgent", "checking", "INC 4411"])
			self.read(t, user, self.resources(s, [rng.choice(["identification", "email", "device"])])[0],
				  reason, kind)
		elif kind == "unknown-identity":
			user = rng.choice(UNKNOWN)
			t = self.rand_time(lambda x: True)
			s = str(rng.randint(1000, 9999))
			self.read(t, user, self.resources(s, [rng.choice(["email", "identification", "health"])])[0],
				  rng.choice([None, "TICKET-%d" % rng.randint(100, 999)]), kind)
		elif kind == "unauthenticated-access":
			t = self.rand_time(lambda x: True)
			s = str(rng.randint(1000, 9999))
			ev = self.read(t, "-", "/api/v1/customers/%s/email" % s, None, kind)
			ev.ip, ev.ua, ev.ref = public_ip(rng), rng.choice(TOOLS[:3]), "-"
		elif kind == "role-not-permitted":
			user = rng.choice(MARKETING)
			t = self.rand_time(lambda x: self.working(user, x))
			s = self.subject_free(user, t)
			self.read(t, user, self.resources(s, ["device"])[0], "CAMPAIGN-%d" % rng.choice([31, 32]), kind)
		elif kind == "sensitive-data-access":
			user = rng.choice(SUPPORT)
			for _ in range(200):
				user, t = self.support_time(user)
				tks = [tk for tk in self.evd.open_for(user, t) if self.evd.by_id.get(tk.id) is tk]
				if tks:
					tk = rng.choice(tks)
					self.read(t, user, "/api/v1/customers/%s/health" % tk.subject, tk.id, kind)
					return
		elif kind == "reason-not-for-role":
			user, t = self.support_time()
			s = self.subject_free(user, t)
			self.read(t, user, self.resources(s, [rng.choice(["identification", "email"])])[0],
				  "CAMPAIGN-%d" % rng.choice([31, 35]), kind)
		elif kind == "reason-unverified":
			# each cause in turn, so even a small sample has all four
			self.unverified(["subject", "assignee", "closed", "missing"][self.nunverified % 4])
			self.nunverified += 1
		elif kind == "off-hours-access":
			user = rng.choice(SUPPORT)
			hours = ROLES["support-agent"]["hours"]
			for _ in range(500):
				t = self.rand_time(lambda x: not in_hours(hours, x) and not self.excluded(user, x))
				tks = [tk for tk in self.evd.open_for(user, t) if self.evd.by_id.get(tk.id) is tk]
				if tks:
					tk = rng.choice(tks)
					self.read(t, user, self.resources(tk.subject, [rng.choice(["email", "device"])])[0],
						  tk.id, kind)
					return
		elif kind == "optout-violation":
			user = rng.choice(MARKETING)
			t = self.rand_time(lambda x: self.working(user, x))
			s = "4711" if "4711" in self.optout or not self.optout or rng.random() < 0.6 else rng.choice(sorted(self.optout))
			self.read(t, user, "/api/v1/customers/%s/email" % s, "CAMPAIGN-%d" % rng.choice([31, 32]), kind)
		else:
			raise ValueError(kind)

	def unverified(self, how):
		self.sub[how] += 1
		rng = self.rng
		for _ in range(500):
			user, t = self.support_time()
			if how == "missing":
				s = self.subject_free(user, t)
				self.read(t, user, "/api/v1/customers/%s/email" % s, "TICKET-%d" % rng.randint(900000, 999999),
					  "reason-unverified")
				return
			mine = [tk for tk in self.evd.open_for(user, t) if self.evd.by_id.get(tk.id) is tk]
			if how == "subject" and mine:
				tk = rng.choice(mine)
				s = self.subject_free(user, t)
				self.read(t, user, "/api/v1/customers/%s/profile" % s, tk.id, "reason-unverified")
				return
			if how == "assignee":
				other = [tk for tk in self.tickets if tk.assignee != user and tk.open_at(t)
					 and self.evd.by_id.get(tk.id) is tk and not self.evd.infer(tk.subject, user, t)]
				if other:
					tk = rng.choice(other)
					self.read(t, user, "/api/v1/customers/%s/account" % tk.subject, tk.id, "reason-unverified")
					return
			if how == "closed":
				done = [tk for tk in self.evd.by_user.get(user, ()) if tk.closed is not None
					and tk.closed < t and self.evd.by_id.get(tk.id) is tk
					and not self.evd.infer(tk.subject, user, t)]
				if done:
					tk = rng.choice(done)
					self.read(t, user, "/api/v1/customers/%s/devices" % tk.subject, tk.id, "reason-unverified")
					return
		self.sub[how] -= 1	# none found: count it as what it becomes
		self.unverified("missing")

	def excessive_burst(self, day):
		"""One agent reads 41 distinct customers in 35 minutes, no reasons (a
		scrape); the agent's other reads keep 2 hours away."""
		rng = self.rng
		user = SUPPORT[day % len(SUPPORT)]
		n, win = ROLES["support-agent"]["max"]
		hours = ROLES["support-agent"]["hours"]
		for _ in range(1000):
			t0 = self.start + day * 86400 + rng.randint(8, 16) * 3600 + rng.randrange(3600)
			if in_hours(hours, t0) and in_hours(hours, t0 + 2400) and not self.excluded(user, t0):
				break
		else:
			return
		self.excl[user].append((t0 - win - 3600, t0 + 2 * win + 3600))
		t = t0
		for _ in range(n + 1):
			s = self.subject_free(user, t)
			while any(e.kind == "excessive-access" and e.user == user and f"/customers/{s}/" in e.target
				  for e in self.events[-n - 1:]):
				s = self.subject_free(user, t)
			ev = self.read(t, user, "/api/v1/customers/%s/%s" % (s, rng.choice(["email", "profile"])),
				       None, "excessive-access")
			ev.ua = "python-requests/2.32.3"
			t += rng.randint(20, 60)

	def failed_burst(self, day, ip):
		"""Credential stuffing: 20 401s from one address in about 5 minutes."""
		rng = self.rng
		t = self.start + day * 86400 + rng.randint(0, 23) * 3600 + rng.randrange(3000)
		for _ in range(FAILED_BURST[0]):
			s = str(rng.randint(1000, 9999))
			self.add(Ev(t, ip, "-", "GET", "/api/v1/customers/%s/email" % s, 401, 61, "-",
				    "python-requests/2.32.3", "failed-access-burst"))
			t += rng.randint(5, 25)

	def stray_denials(self, count):
		"""Scattered 401/403s that never add up to a burst."""
		rng = self.rng
		for _ in range(count):
			t = self.rand_time(lambda x: True)
			r = rng.random()
			if r < 0.5:
				self.add(Ev(t, public_ip(rng), "-", "GET", "/api/v1/customers/%d/profile" % rng.randint(1000, 9999),
					    401, 61, "-", rng.choice(TOOLS[:3]), "denied"))
			elif r < 0.8:
				user = rng.choice(MARKETING)
				self.add(Ev(t, staff_ip(user), user, "GET", "/api/v1/exports/customers", 403, 72,
					    CONSOLE + "/exports", staff_ua(user), "denied"))
			else:
				self.add(Ev(t, public_ip(rng), "-", "GET", "/api/v1/admin/users", 403, 72, "-",
					    rng.choice(SCANNERS), "denied"))

	def not_found(self, count):
		"""Personal-data paths that failed (404): they read nothing."""
		rng = self.rng
		for _ in range(count):
			user, t = self.support_time()
			self.read(t, user, "/api/v1/customers/%d/profile" % rng.randint(100000, 999999), None,
				  "failed", status=404)


ROLES_BROWSER_USERS = set(SUPPORT + MARKETING + ["ehansen", "dklein", VENDOR])

INJECTIONS = ["no-business-reason", "unknown-identity", "unauthenticated-access",
	      "role-not-permitted", "sensitive-data-access", "reason-not-for-role",
	      "reason-unverified", "off-hours-access", "optout-violation"]


# ---------------------------------------------------------------------------
# --verify: judge annotated samples with the model and compare.

LINE_RX = re.compile(r'^(?:\S+:(\d+) )?(\S+) \S+ (\S+) \[([^\]]+)\] "(\S+) (\S+)[^"]*" (\d{3}) (\S+)')
EXPECT_RX = re.compile(r'^#\s*expect\s*:(.*)$')


def parse_clf_time(s):
	d = dt.datetime.strptime(s, "%d/%b/%Y:%H:%M:%S %z")
	return int(d.timestamp())


def open_text(path):
	with open(path, "rb") as f:
		magic = f.read(2)
	if magic == b"\x1f\x8b":
		return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
	return open(path, encoding="utf-8", errors="replace")


def verify(paths, evd, optout):
	"""Every annotated line of every file (in the order given, windows shared
	as one audit would) against the model.  Returns the number of mismatches."""
	exc, fail = ExcessiveTracker(), FailedTracker()
	bad = 0
	nann = 0
	skipped = 0
	per_check = collections.defaultdict(lambda: [0, 0])	# check -> [positive, negative]
	for path in paths:
		pending = None
		with open_text(path) as f:
			for no, line in enumerate(f, 1):
				line = line.rstrip("\n")
				if not line.strip():
					continue
				if line.lstrip().startswith("#"):
					m = EXPECT_RX.match(line.strip())
					if m:
						body = m.group(1).split("#", 1)[0]
						ids = [x for x in re.split(r"[,\s]+", body) if x]
						pending = (pending or set()) | set(ids)
					continue
				m = LINE_RX.match(line)
				if not m:
					if line.lstrip().startswith("{"):
						skipped += pending is not None	# JSON lines: not modelled
					else:
						print("%s:%d: not a combined or vhost_combined line" % (path, no))
						bad += 1
					pending = None
					continue
				ev = Ev(parse_clf_time(m.group(4)), m.group(2), m.group(3), m.group(5), m.group(6),
					int(m.group(7)), None, "-", "-")
				found = judge(ev, evd, optout)
				# insecure-transport: port 80 (vhost_combined), judged with the role checks
				if m.group(1) == "80" and ev.status < 400 and action_of(ev.method) == "read" and \
						classify(ev.target)[0] and ev.user not in ("", "-") and role_of(ev.user):
					found.add("insecure-transport")
				cats, subject = classify(ev.target)
				certain = True
				if ev.status < 400 and action_of(ev.method) == "read" and cats and \
						ev.user not in ("", "-") and role_of(ev.user):
					fires, ok = exc.feed(ev.user, subject, ev.t)
					certain &= ok
					if fires:
						found.add("excessive-access")
				if ev.status in (401, 403):
					fires, ok = fail.feed(ev.user if ev.user not in ("", "-") else "@" + ev.ip, ev.t)
					certain &= ok
					if fires:
						found.add("failed-access-burst")
				if pending is not None:
					nann += 1
					want = set() if pending == {"none"} else pending
					for c in CHECK_ORDER:
						if c in want and c in found:
							per_check[c][0] += 1
					for c in CHECK_ORDER:
						if c not in want:
							per_check[c][1] += 1
					if not certain:
						print("%s:%d: the model cannot tell (window still overrun)" % (path, no))
						bad += 1
					elif want != found:
						print("%s:%d: expected %s, model says %s" % (
							path, no, ",".join(sorted(want)) or "none", ",".join(sorted(found)) or "none"))
						bad += 1
				pending = None
	print("%d annotated lines, %d mismatches%s" % (
		nann, bad, ", %d annotated JSON lines not checked" % skipped if skipped else ""), file=sys.stderr)
	for c in CHECK_ORDER:
		if per_check[c][0]:
			print("  %-24s expected on %d lines" % (c, per_check[c][0]), file=sys.stderr)
	return bad


# ---------------------------------------------------------------------------

# Traffic profiles (--profile): defaults of --personal-share, --staff-rate,
# --breach-rate and --bursts.  "public" is a busy public site whose staff read
# personal data at a human rate; "crm" is the log a privacy audit exists for,
# an internal API (CRM, support, billing) where about half of all lines are
# personal-data reads (no cap per staff hour) and about 5% of lines carry a
# finding (9 injected kinds at 1.1% of the reads each, plus the windowed
# bursts).
PROFILES = {
	"public": {"personal_share": 0.10, "staff_rate": 6.0, "breach_rate": 0.012, "bursts": 1},
	"crm": {"personal_share": 0.53, "staff_rate": 1e9, "breach_rate": 0.011,
		"bursts": lambda lines: max(1, lines // 20000)},
}


def parse_start(s):
	t = parse_iso(s)
	if t is None:
		raise argparse.ArgumentTypeError("bad --start %r" % s)
	return t


def main(argv=None):
	ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
				     formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--verify", nargs="+", metavar="SAMPLE",
			help="instead of generating: check the '# expect:' lines of annotated samples against the model")
	ap.add_argument("--lines", type=int, help="number of log lines (comments excluded)")
	ap.add_argument("--seed", type=int, default=1)
	ap.add_argument("--start", type=parse_start, default=parse_start("2026-11-23T00:00:00Z"))
	ap.add_argument("--days", type=int, default=5)
	ap.add_argument("--gzip", action="store_true", help="write gzip (deterministic header)")
	ap.add_argument("--annotate", action="store_true", help="write '# expect:' lines (SPEC section 6)")
	ap.add_argument("--rules", default=DEFAULT_RULES,
			help="the rule file whose policy, tickets and opt-outs the model uses "
			"(default: the repository's rules/dpf.rules)")
	ap.add_argument("--personal-share", type=float, default=None,
			help="share of lines that are staff requests of personal data (capped, see --staff-rate)")
	ap.add_argument("--staff-rate", type=float, default=None,
			help="cap: staff requests per staff member per working hour")
	ap.add_argument("--breach-rate", type=float, default=None,
			help="injected breaches of each kind per staff request (at least 1 each)")
	ap.add_argument("--bursts", type=int, default=None, help="excessive-access and failed-access bursts, each")
	ap.add_argument("--profile", choices=sorted(PROFILES), default="public",
			help="traffic mix: public (a public site, few personal-data reads, the default) or "
			"crm (an internal CRM/support API: about 48%% personal-data reads, about 5%% of lines "
			"with a finding, one burst of each kind per 20,000 lines); explicit options override it")
	ap.add_argument("--stats", action="store_true", help="print counts to stderr")
	ap.add_argument("--write-tickets", metavar="FILE", help="write the ticket table used")
	ap.add_argument("-o", "--output", help="output file, or - for stdout")
	a = ap.parse_args(argv)
	if ZoneInfo is None:
		ap.error("needs python >= 3.9 (zoneinfo)")
	have_rules = load_policy(a.rules)
	rdir = os.path.dirname(a.rules)
	tickets_path = POLICY_FILES.get("tickets") or os.path.join(rdir, "tickets.csv")
	optout = load_optout(POLICY_FILES.get("optout") or os.path.join(rdir, "optout.txt")) or {"4711"}
	tickets = load_tickets(tickets_path)
	if a.verify:
		if not have_rules or not tickets:
			ap.error("--verify needs a rule file with categories and its tickets (%s)" % a.rules)
		return 1 if verify(a.verify, Evidence(tickets), optout) else 0
	if a.lines is None or a.output is None:
		ap.error("--lines and -o are required")
	if a.lines < 1 or a.days < 1:
		ap.error("--lines and --days must be positive")
	prof = PROFILES[a.profile]
	for k, v in prof.items():
		if getattr(a, k) is None:
			setattr(a, k, v(a.lines) if callable(v) else v)

	rng = random.Random(a.seed)
	start, end = a.start, a.start + a.days * 86400
	ticket_src = tickets_path
	if not tickets:
		tickets = invent_tickets(random.Random(a.seed ^ 0x5eed), start, end, optout)
		ticket_src = "invented"
	evd = Evidence(tickets)
	if a.write_tickets:
		with open(a.write_tickets, "w", newline="") as f:
			f.write("id,subject,assignee,opened,closed\n")
			for tk in tickets:
				f.write("%s,%s,%s,%s,%s\n" % (tk.id, tk.subject, tk.assignee,
							    fmt_iso(tk.opened) if tk.opened is not None else "",
							    fmt_iso(tk.closed) if tk.closed is not None else ""))

	# Staff traffic: a share of the lines, capped at a rate per staff hour.
	plan = Planner(rng, start, a.days, evd, optout, tickets)
	staff_hours = a.days * 5 / 7 * (13 * 4 + 11 * 2 + 8 * 2) + a.days * 24 * 2 * 0.3
	budget = int(min(a.lines * a.personal_share, a.staff_rate * staff_hours))
	per_kind = max(1, int(round(budget * a.breach_rate)))
	for b in range(a.bursts):
		if a.lines > 400:
			plan.excessive_burst((2 + b) % a.days)
			plan.failed_burst((1 + 2 * b) % a.days, "198.18.%d.%d" % (b // 200, 66 + b % 100) if b < 20000
					  else "2001:db8:bad::%x" % b)
	for kind in INJECTIONS:
		for _ in range(per_kind):
			plan.inject(kind)
	plan.stray_denials(max(1, budget // 60))
	plan.not_found(max(1, budget // 150))
	plan.normal(max(0, budget - len(plan.events)))
	special = [e for e in plan.events if start <= e.t < end]
	special = special[:a.lines]
	for i, e in enumerate(special):
		e.seq = i
	special.sort(key=lambda e: (e.t, e.seq))

	# The model, in time order.
	exc, fail = ExcessiveTracker(), FailedTracker()
	counts = collections.Counter()
	kinds = collections.Counter(e.kind for e in special)
	for e in special:
		found = judge(e, evd, optout)
		certain = True
		cats, subject = classify(e.target)
		if e.status < 400 and action_of(e.method) == "read" and cats and e.user not in ("", "-") \
				and role_of(e.user):
			fires, ok = exc.feed(e.user, subject, e.t)
			certain &= ok
			if fires:
				found.add("excessive-access")
		if e.status in (401, 403):
			fires, ok = fail.feed(e.user if e.user not in ("", "-") else "@" + e.ip, e.t)
			certain &= ok
			if fires:
				found.add("failed-access-burst")
		e.expect = found
		e.known = certain and (bool(cats) or e.status in (401, 403) or "/customers/" in e.target)
		for c in found:
			counts[c] += 1
		if e.kind in ("normal", "inferred", "denied", "failed") and found:
			counts["!unintended:" + e.kind] += 1

	# Write: background and staff traffic merged by time.
	raw = open(a.output, "wb") if a.output != "-" else sys.stdout.buffer
	out = raw
	if a.gzip:
		out = gzip.GzipFile(filename="", mode="wb", compresslevel=6, fileobj=raw, mtime=0)
	w = io.TextIOWrapper(out, encoding="utf-8", newline="\n", write_through=False)
	ren = Renderer(random.Random(a.seed * 7919 + 1))
	nbg = a.lines - len(special)
	si = 0
	written = 0
	buf = []

	def emit_special(e):
		if a.annotate and e.known:
			buf.append("# expect: %s\n" % (", ".join(c for c in CHECK_ORDER if c in e.expect) or "none"))
		buf.append(ren.line(e) + "\n")

	for bg in background(random.Random(a.seed * 31 + 7), start, a.days, nbg):
		while si < len(special) and special[si].t <= bg.t:
			emit_special(special[si])
			si += 1
		buf.append(ren.line(bg) + "\n")
		if len(buf) >= 8192:
			w.write("".join(buf))
			written += len(buf)
			buf.clear()
	while si < len(special):
		emit_special(special[si])
		si += 1
	w.write("".join(buf))
	w.flush()
	if a.gzip:
		out.close()
	if raw is not sys.stdout.buffer:
		raw.close()

	if a.stats:
		err = sys.stderr
		print("lines %d (staff/special %d, background %d), tickets %d (%s), opt-out %s" % (
			a.lines, len(special), nbg, len(tickets), ticket_src, ",".join(sorted(optout))), file=err)
		print("events by kind:", file=err)
		for k, v in sorted(kinds.items()):
			print("  %-24s %d" % (k, v), file=err)
		print("reason-unverified injections by cause: %s" % ", ".join(
			"%s %d" % kv for kv in sorted(plan.sub.items())), file=err)
		print("expected findings by check (model):", file=err)
		for c in CHECK_ORDER:
			if counts[c]:
				print("  %-24s %d" % (c, counts[c]), file=err)
		for k, v in sorted(counts.items()):
			if k.startswith("!"):
				print("  WARNING %s %d" % (k[1:], v), file=err)
		print("annotated lines %d, unknown %d" % (
			sum(1 for e in special if e.known), sum(1 for e in special if not e.known)), file=err)
	return 0


if __name__ == "__main__":
	sys.exit(main())
