/*
 * test_sources.c - the built-in audit sources (SPEC §3 "Audit sources
 * beyond web servers") on the real samples in
 * ../shared/testdata/logs/audit-sources (and lnav, pgaudit), through the
 * whole read path (aud_run): each is detected by name, read completely, and
 * spot-checked records have the right user, action, resource, time and
 * outcome.  The policy has only categories and roles, no [format] section:
 * what a new user has.  Sources without a public sample are checked on
 * records written after their vendors' documentation (made-up people).
 */
#include <stdint.h>

#include "audit.h"
#include "buf.h"
#include "engine.h"
#include "format.h"
#include "rules.h"
#include "testutil.h"
#include "timeutil.h"

#define MAXEV 64
#define FLEN 160

/* What the event callback keeps of each event (its views die with the line). */
struct got_ev {
	uint64_t line;
	char user[FLEN], raw[FLEN], resource[FLEN], statement[FLEN], time[24];
	enum ev_action action;
	int status;
	bool pd_read;
};

struct got {
	struct got_ev ev[MAXEV];
	size_t n;
};

static struct policy *pol;
static struct fmt_set *fmts;
static struct eng *eng;
static char *rules_path;

static const char policy_text[] =
	"[category customers]\n"
	"resource = customers\n"
	"field.statement = \\bcustomers\\b\n"
	"[category email]\n"
	"resource = /email\n"
	"[role ops]\n"
	"members = alice, minikube-user, postgres\n"
	"may-read = *\n";

static void setup(void)
{
	struct diag err = { { 0 } };
	rules_path = tu_write_tmp(policy_text, sizeof(policy_text) - 1);
	ck_assert_ptr_nonnull(rules_path);
	const char *p = rules_path;
	pol = rules_load(&p, 1, &err);
	ck_assert_msg(pol != NULL, "%s", err.msg);
	fmts = fmt_set_new(pol, &err);
	ck_assert_msg(fmts != NULL, "%s", err.msg);
	eng = eng_new(pol, &err);
	ck_assert_msg(eng != NULL, "%s", err.msg);
}

static void teardown(void)
{
	eng_free(eng);
	fmt_set_free(fmts);
	policy_free(pol);
	unlink(rules_path);
	free(rules_path);
}

static void cpy(char *dst, sv s)
{
	size_t n = s.n < FLEN - 1 ? s.n : FLEN - 1;
	if (n)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static void on_event(void *arg, unsigned worker, const struct event *ev, const struct eng_verdict *v)
{
	(void)worker;
	(void)v;
	struct got *g = arg;
	if (g->n >= MAXEV)
		return;
	struct got_ev *e = &g->ev[g->n++];
	e->line = ev->line;
	cpy(e->user, ev->f[EVF_USER]);
	cpy(e->raw, ev->f[EVF_ACTION]);
	cpy(e->resource, ev->f[EVF_RESOURCE]);
	cpy(e->statement, ev->f[EVF_STATEMENT]);
	e->action = ev->action;
	e->status = ev->status;
	e->pd_read = ev->pd_read;
	if (ev->has_time)
		tu_format_iso(ev->time, e->time);
	else
		e->time[0] = '\0';
}

/* Audit one file; res must be released by the caller. */
static void scan(const char *path, struct aud_result *res, struct got *g)
{
	struct aud_options o = { 0 };
	struct diag err = { { 0 } };
	o.jobs = 1;
	o.on_event = on_event;
	o.on_event_arg = g;
	g->n = 0;
	ck_assert_msg(aud_run(pol, fmts, eng, &path, 1, &o, res, &err) == 0, "%s", err.msg);
}

/* One spot check: the event from `line`; NULL strings must be empty. */
struct spot {
	uint64_t line;
	const char *time, *user;
	enum ev_action action;
	const char *raw, *resource;
	int status;
	const char *statement;
};

/* The event from sp->line has every field sp names. */
static void check_spot(const char *what, const struct got *g, const struct spot *sp)
{
	const struct got_ev *e = NULL;
	for (size_t i = 0; i < g->n; i++)
		if (g->ev[i].line == sp->line)
			e = &g->ev[i];
	ck_assert_msg(e != NULL, "%s: no event from line %llu", what, (unsigned long long)sp->line);
	ck_assert_str_eq(e->time, sp->time);
	ck_assert_str_eq(e->user, sp->user ? sp->user : "");
	ck_assert_msg(e->action == sp->action, "%s:%llu: action %s", what,
		      (unsigned long long)sp->line, ev_action_name(e->action));
	ck_assert_str_eq(e->raw, sp->raw ? sp->raw : "");
	ck_assert_str_eq(e->resource, sp->resource ? sp->resource : "");
	ck_assert_int_eq(e->status, sp->status);
	ck_assert_str_eq(e->statement, sp->statement ? sp->statement : "");
}

struct sample {
	const char *file;	/* under logs/ */
	const char *format;
	uint64_t events, skipped, unparsed;
	struct spot spot[3];
};
/* Inputs with unparsed records are over the default --max-unparsed (1%): incomplete. */

#define S_UNK -1
static const struct sample samples[] = {
	{ "audit-sources/k8s-audit/crowdsec_k8s-audit-pod-exec-file.log", "k8s-audit", 1, 0, 0,
	  { { 1, "2023-05-17T15:08:30Z", "minikube-user", EV_WRITE, "create",
	      "/api/v1/namespaces/foo/pods/test-pod-1/exec?command=%2Fbin%2Fbash&container=centos&stdin=true&stdout=true&tty=true",
	      101, NULL } } },
	{ "audit-sources/k8s-audit/crowdsec_k8s-audit-priv-pod-file.log", "k8s-audit", 1, 0, 0,
	  { { 1, "2023-05-17T13:59:57Z", "minikube-user", EV_WRITE, "create",
	      "/api/v1/namespaces/foo/pods?fieldManager=kubectl-client-side-apply&fieldValidation=Strict", 201, NULL } } },
	/* A failed console login is a denial; an assumed role is named by its ARN. */
	{ "audit-sources/aws-cloudtrail/crowdsec_aws-cloudtrail.log", "cloudtrail", 2, 0, 0,
	  { { 1, "2023-04-11T15:24:00Z", "<userName>", EV_LOGIN, "ConsoleLogin", NULL, 403, NULL },
	    { 2, "2023-03-29T14:39:10Z", "<arn>", EV_OTHER, "GetCallerIdentity", NULL, S_UNK, NULL } } },
	/*
	 * The reverse proxy's debug line (logger http.handlers.reverse_proxy)
	 * is skipped (the file's blank line is no record at all).
	 */
	{ "audit-sources/caddy/crowdsec_caddy-logs.log", "caddy", 10, 1, 0,
	  { { 1, "2023-09-04T15:19:51Z", NULL, EV_READ, "GET", "/", 0, NULL },
	    { 8, "2024-03-29T19:49:58Z", NULL, EV_READ, "GET", "/", 401, NULL },
	    { 10, "2024-03-29T19:51:04Z", "Bob", EV_READ, "GET", "/", 200, NULL } } },
	/*
	 * The one line that is no JSON is a bouncer plugin's debug output
	 * ("DEBUG: CrowdsecBouncerTraefikPlugin: ...") interleaved by the
	 * container, not a Traefik record: skipped as no access (counted),
	 * not unparsed, so the input is complete.
	 */
	{ "audit-sources/traefik/crowdsec_traefik_json.log", "traefik", 6, 1, 0,
	  { { 1, "2021-12-08T14:02:43Z", "-", EV_READ, "GET", "/594VAEoi.save", 200, NULL },
	    { 4, "2026-01-08T14:20:00Z", "-", EV_WRITE, "POST", "/api/data", 200, NULL },
	    { 5, "2026-01-14T09:45:33Z", "-", EV_READ, "GET", "/", 404, NULL } } },
	/* Behind the CRI prefix: Envoy's JSON lines and its default text lines, mixed. */
	{ "audit-sources/envoy/crowdsec_envoy.log", "cri+envoy", 10, 0, 0,
	  { { 1, "2025-12-31T16:37:40Z", NULL, EV_READ, "GET", "/assets/image.webp", 200, NULL },
	    { 4, "2016-04-15T20:17:00Z", NULL, EV_WRITE, "POST", "/api/v1/locations", 204, NULL },
	    { 3, "2025-12-31T17:30:03Z", NULL, EV_READ, "HEAD", "/.env", 404, NULL } } },
	/* TLS handshake errors are no HTTP requests: skipped. */
	{ "audit-sources/haproxy/crowdsec_haproxy-logs.log", "haproxy", 2, 3, 0,
	  { { 1, "2015-01-14T12:48:57Z", NULL, EV_READ, "GET", "/xxx/xxx", 200, NULL },
	    { 2, "2021-03-12T06:56:28Z", NULL, EV_READ, "GET", "/", 200, NULL } } },
	{ "audit-sources/mongodb/crowdsec_mongodb-logs.log", "mongodb-log", 2, 0, 0,
	  { { 1, "2022-07-28T16:00:00Z", "root", EV_LOGIN, "Authentication failed", NULL, 403, NULL } } },
	{ "audit-sources/mysql/crowdsec_mysql-logs.log", "mysql-error", 4, 0, 0,
	  { { 3, "2021-10-28T08:06:45Z", "seb", EV_LOGIN, "Access denied", NULL, 403, NULL },
	    { 4, "2023-07-31T08:34:16Z", "user", EV_LOGIN, "Access denied", NULL, 403, NULL } } },
	{ "audit-sources/postgres-json/cnpg_docs_pgaudit_record.jsonl", "cnpg", 1, 0, 0,
	  { { 1, "2021-07-27T14:01:47Z", "postgres", EV_READ, "READ", NULL, S_UNK, "SELECT pg_current_wal_lsn()" } } },
	/*
	 * Server messages of a CloudNativePG pod (connections, checkpoints)
	 * carry no pgAudit record: no access, skipped, none unparsed.
	 */
	{ "audit-sources/postgres-json/pgbadger_cnpg.log.gz", "cnpg", 0, 2022, 0, { { 0 } } },
	/* nginx's error log behind RFC 5424 syslog: no access record (the access log has the request): skipped. */
	{ "audit-sources/syslog5424/crowdsec_pfsense-rfc5424-nginx.log", "syslog+nginx-error", 0, 1, 0, { { 0 } } },
	/* IIS W3C extended: columns from its #Fields: line; '-' is no user, no query. */
	{ "lnav/logfile_w3c.0", "w3c", 1, 0, 0,
	  { { 5, "2002-05-02T17:42:15Z", NULL, EV_READ, "GET", "/images/picture.jpg", 200, NULL } } },
};

START_TEST(test_real_samples)
{
	const struct sample *s = &samples[_i];
	char path[512];
	snprintf(path, sizeof(path), SHARED_TESTDATA "/logs/%s", s->file);
	struct aud_result res;
	static struct got g;
	scan(path, &res, &g);
	const struct aud_input *in = &res.inputs[0];
	ck_assert_msg(in->format && strcmp(in->format, s->format) == 0, "%s: detected %s, want %s",
		      s->file, in->format ? in->format : "(none)", s->format);
	ck_assert_msg(in->events == s->events && in->unparsed == s->unparsed && in->skipped == s->skipped,
		      "%s: %llu events, %llu unparsed, %llu skipped", s->file,
		      (unsigned long long)in->events, (unsigned long long)in->unparsed,
		      (unsigned long long)in->skipped);
	ck_assert_msg(in->complete == (s->unparsed == 0), "%s: %s", s->file,
		      in->error ? in->error : "complete");
	for (size_t k = 0; k < 3 && s->spot[k].line; k++)
		check_spot(s->file, &g, &s->spot[k]);
	aud_result_release(&res);
}
END_TEST

/* ---- sources without a public sample: records after their documentation ---- */

/*
 * Header formats (no public sample of the second layout nor of Zeek): an
 * IIS log restarted with other #Fields (another order, fewer columns: read
 * with the first layout, its records would not parse), and a Zeek http.log
 * written after Zeek's documented format (#separator \x09, '-' unset,
 * "(empty)" empty, ts in epoch seconds).
 */
static const char iis_text[] =
	"#Software: Microsoft Internet Information Services 10.0\n"
	"#Version: 1.0\n"
	"#Date: 2026-11-24 10:00:00\n"
	"#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n"
	"2026-11-24 10:00:00 10.0.0.1 GET /api/customers/4711/email id=1&reason=T-7 443 ACME\\alice 10.0.0.7 Mozilla/5.0+(X11) - 200 0 0 15\n"
	"2026-11-24 10:00:01 10.0.0.1 POST /api/customers/4711 - 443 - 10.0.0.8 curl/8.0 - 401 1 0 3\n"
	"#Software: Microsoft Internet Information Services 10.0\n"
	"#Version: 1.0\n"
	"#Date: 2026-11-24 11:00:00\n"
	"#Fields: date time c-ip cs-username cs-method cs-uri-stem sc-status\n"
	"2026-11-24 11:00:02 10.0.0.9 bob GET /api/customers/5012 403\n";

static const char zeek_text[] =
	"#separator \\x09\n"
	"#set_separator\t,\n"
	"#empty_field\t(empty)\n"
	"#unset_field\t-\n"
	"#path\thttp\n"
	"#open\t2026-11-24-10-00-00\n"
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\tuser_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_code\tinfo_msg\ttags\tusername\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\tresp_fuids\tresp_filenames\tresp_mime_types\n"
	"#types\ttime\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\tstring\tstring\tcount\tcount\tcount\tstring\tcount\tstring\tset[enum]\tstring\tstring\tset[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\n"
	"1795514400.123456\tCHhAvVGS1DHFjwGM9\t10.0.0.7\t51000\t10.0.0.1\t80\t1\tGET\tcrm.example.com\t/api/customers/4711/email\t-\t1.1\tcurl/8.0\t-\t0\t71\t200\tOK\t-\t-\t(empty)\talice\t-\t-\t-\t-\t-\tFHk1\t-\tapplication/json\n"
	"1795514405.5\tCHhAvVGS1DHFjwGM8\t10.0.0.8\t51002\t10.0.0.1\t80\t1\tDELETE\tcrm.example.com\t/api/customers/5012\t-\t1.1\t-\t-\t0\t0\t403\tForbidden\t-\t-\t(empty)\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\n"
	"#close\t2026-11-24-11-00-00\n";

struct doc_case {
	const char *name;
	const char *format;
	const char *text;	/* the file */
	uint64_t events, skipped;
	struct spot spot[3];
};

static const struct doc_case docs[] = {
	/* Only the final stage is an event; RequestReceived of the same request is skipped. */
	{ "k8s stages", "k8s-audit",
	  "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"a1\",\"stage\":\"RequestReceived\",\"requestURI\":\"/api/v1/namespaces/crm/secrets/customers-db\",\"verb\":\"get\",\"user\":{\"username\":\"alice\"},\"sourceIPs\":[\"10.0.0.7\"],\"requestReceivedTimestamp\":\"2026-11-24T10:00:00.100000Z\",\"stageTimestamp\":\"2026-11-24T10:00:00.100000Z\"}\n"
	  "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"a1\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/namespaces/crm/secrets/customers-db\",\"verb\":\"get\",\"user\":{\"username\":\"alice\"},\"sourceIPs\":[\"10.0.0.7\"],\"responseStatus\":{\"metadata\":{},\"code\":200},\"requestReceivedTimestamp\":\"2026-11-24T10:00:00.100000Z\",\"stageTimestamp\":\"2026-11-24T10:00:01.200000Z\"}\n",
	  1, 1, { { 2, "2026-11-24T10:00:01Z", "alice", EV_READ, "get", "/api/v1/namespaces/crm/secrets/customers-db", 200, NULL } } },
	/* S3 data events: bucket/key joined by the template; AccessDenied is a denial. */
	{ "cloudtrail S3", "cloudtrail",
	  "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/alice\",\"userName\":\"alice\"},\"eventTime\":\"2026-11-24T10:00:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"sourceIPAddress\":\"10.0.0.7\",\"requestParameters\":{\"bucketName\":\"acme-exports\",\"key\":\"customers/2026-11.csv\"}}\n"
	  "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"AssumedRole\",\"arn\":\"arn:aws:sts::111122223333:assumed-role/analyst/bob\"},\"eventTime\":\"2026-11-24T10:05:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"errorCode\":\"AccessDenied\",\"requestParameters\":{\"bucketName\":\"acme-exports\",\"key\":\"customers/2026-11.csv\"}}\n",
	  2, 0, { { 2, "2026-11-24T10:05:00Z", "arn:aws:sts::111122223333:assumed-role/analyst/bob", EV_READ, "GetObject", "acme-exports/customers/2026-11.csv", 403, NULL } } },
	/* GCP: status.code 7 (PERMISSION_DENIED) is a denial. */
	{ "gcp", "gcp-audit",
	  "{\"protoPayload\":{\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\",\"status\":{\"code\":7,\"message\":\"PERMISSION_DENIED\"},\"authenticationInfo\":{\"principalEmail\":\"alice@example.com\"},\"requestMetadata\":{\"callerIp\":\"10.0.0.7\"},\"serviceName\":\"storage.googleapis.com\",\"methodName\":\"storage.objects.get\",\"resourceName\":\"projects/_/buckets/acme-exports/objects/customers.csv\"},\"insertId\":\"x1\",\"resource\":{\"type\":\"gcs_bucket\"},\"timestamp\":\"2026-11-24T10:00:00.5Z\",\"logName\":\"projects/p/logs/cloudaudit.googleapis.com%2Fdata_access\"}\n",
	  1, 0, { { 1, "2026-11-24T10:00:00Z", "alice@example.com", EV_READ, "storage.objects.get", "projects/_/buckets/acme-exports/objects/customers.csv", 403, NULL } } },
	{ "azure", "azure",
	  "{\"time\":\"2026-11-24T10:00:00.1Z\",\"resourceId\":\"/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/acme/blobServices/default\",\"category\":\"StorageRead\",\"operationName\":\"GetBlob\",\"statusCode\":200,\"callerIpAddress\":\"10.0.0.7:53000\",\"identity\":{\"type\":\"OAuth\",\"requester\":{\"upn\":\"alice@example.com\"}},\"uri\":\"https://acme.blob.core.windows.net/exports/customers.csv\",\"properties\":{\"objectKey\":\"/acme/exports/customers.csv\"}}\n",
	  1, 0, { { 1, "2026-11-24T10:00:00Z", "alice@example.com", EV_READ, "GetBlob", "/acme/exports/customers.csv", 200, NULL } } },
	{ "mongodb audit", "mongodb-audit",
	  "{\"atype\":\"authCheck\",\"ts\":{\"$date\":\"2026-11-24T10:00:00.000+00:00\"},\"local\":{\"ip\":\"127.0.0.1\",\"port\":27017},\"remote\":{\"ip\":\"10.0.0.7\",\"port\":51000},\"users\":[{\"user\":\"alice\",\"db\":\"crm\"}],\"roles\":[],\"param\":{\"command\":\"find\",\"ns\":\"crm.customers\",\"args\":{}},\"result\":0}\n",
	  1, 0, { { 1, "2026-11-24T10:00:00Z", "alice", EV_READ, "find", "crm.customers", S_UNK, NULL } } },
	{ "percona audit", "mysql-audit-json",
	  "{\"audit_record\":{\"name\":\"Query\",\"record\":\"1_2026-11-24T10:00:00\",\"timestamp\":\"2026-11-24T10:00:00 UTC\",\"command_class\":\"select\",\"connection_id\":\"5\",\"status\":0,\"sqltext\":\"SELECT email FROM customers WHERE id=4711\",\"user\":\"alice[alice] @ localhost []\",\"priv_user\":\"alice\",\"host\":\"localhost\",\"ip\":\"10.0.0.7\",\"db\":\"crm\"}}\n",
	  1, 0, { { 1, "2026-11-24T10:00:00Z", "alice", EV_READ, "select", "crm", S_UNK, "SELECT email FROM customers WHERE id=4711" } } },
	/* The pgAudit record inside a PostgreSQL 15 jsonlog message, read as the pgaudit format reads it. */
	{ "pg jsonlog", "pg-jsonlog",
	  "{\"timestamp\":\"2026-11-24 10:00:00.123 UTC\",\"user\":\"alice\",\"dbname\":\"crm\",\"pid\":4242,\"remote_host\":\"10.0.0.7\",\"session_id\":\"6383b33a.258\",\"line_num\":3,\"ps\":\"SELECT\",\"error_severity\":\"LOG\",\"message\":\"AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.customers,\\\"SELECT email FROM customers\\\",<not logged>\",\"backend_type\":\"client backend\",\"query_id\":0}\n",
	  1, 0, { { 1, "2026-11-24T10:00:00Z", "alice", EV_READ, "READ", "public.customers", S_UNK, "SELECT email FROM customers" } } },
	/* csvlog: the record inside the quoted message, its quotes doubled; a server message is skipped. */
	{ "pg csvlog", "pg-csvlog",
	  "2026-11-24 10:00:00.123 UTC,\"alice\",\"crm\",4242,\"10.0.0.7:51000\",6383b33a.258,3,\"SELECT\",2026-11-24 09:59:00 UTC,3/12,0,LOG,00000,\"AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.customers,\"\"SELECT email FROM customers\"\",<not logged>\",,,,,,,,,\"psql\",\"client backend\",,0\n"
	  "2026-11-24 10:00:01.000 UTC,,,4100,,6383b0f3.1f,4,,2026-11-24 09:00:00 UTC,,0,LOG,00000,\"checkpoint complete: wrote 69 buffers\",,,,,,,,,\"\",\"checkpointer\",,0\n",
	  1, 1, { { 1, "2026-11-24T10:00:00Z", "alice", EV_READ, "READ", "public.customers", S_UNK, "SELECT email FROM customers" } } },
	/*
	 * csvlog writes a message's newlines inside its quoted field: the
	 * record continues until the quote closes (a statement over 3 lines,
	 * a blank line and a '#' line inside it; a server message over 2).
	 */
	{ "pg csvlog multi-line", "pg-csvlog",
	  "2026-11-24 10:00:00.123 UTC,\"alice\",\"crm\",4242,\"10.0.0.7:51000\",6383b33a.258,3,\"SELECT\",2026-11-24 09:59:00 UTC,3/12,0,LOG,00000,\"AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.customers,\"\"SELECT email\n\n# all of them\nFROM customers\"\",<not logged>\",,,,,,,,,\"psql\",\"client backend\",,0\n"
	  "2026-11-24 10:00:01.000 UTC,,,4100,,6383b0f3.1f,4,,2026-11-24 09:00:00 UTC,,0,LOG,00000,\"checkpoint complete:\nwrote 69 buffers\",,,,,,,,,\"\",\"checkpointer\",,0\n"
	  "2026-11-24 10:00:02.000 UTC,\"bob\",\"crm\",4243,\"10.0.0.8:51000\",6383b33a.259,3,\"SELECT\",2026-11-24 09:59:00 UTC,3/13,0,LOG,00000,\"AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.orders,\"\"SELECT 1 FROM orders\"\",<not logged>\",,,,,,,,,\"psql\",\"client backend\",,0\n",
	  2, 1, { { 1, "2026-11-24T10:00:00Z", "alice", EV_READ, "READ", "public.customers", S_UNK, "SELECT email\n\n# all of them\nFROM customers" },
		  { 7, "2026-11-24T10:00:02Z", "bob", EV_READ, "READ", "public.orders", S_UNK, "SELECT 1 FROM orders" } } },
	{ "nginx json", "nginx-json",
	  "{\"time_local\":\"24/Nov/2026:11:00:00 +0100\",\"remote_addr\":\"10.0.0.7\",\"remote_user\":\"alice\",\"request\":\"GET /api/v1/customers/4711/email HTTP/1.1\",\"status\":\"200\",\"body_bytes_sent\":\"71\",\"http_user_agent\":\"curl/8\"}\n",
	  1, 0, { { 1, "2026-11-24T10:00:00Z", "alice", EV_READ, "GET", "/api/v1/customers/4711/email", 200, NULL } } },
	/* MariaDB server_audit: a table read, and a failed connection (a denial). */
	{ "mariadb audit", "mariadb-audit",
	  "20261124 10:00:00,db1,alice,10.0.0.7,31,7,READ,crm,customers,\n"
	  "20261124 10:00:05,db1,mallory,10.0.0.9,32,0,FAILED_CONNECT,,,1045\n",
	  2, 0, { { 2, "2026-11-24T10:00:05Z", "mallory", EV_LOGIN, "FAILED_CONNECT", NULL, 403, NULL } } },
	{ "iis restarted", "w3c", iis_text, 3, 0,
	  { { 5, "2026-11-24T10:00:00Z", "ACME\\alice", EV_READ, "GET", "/api/customers/4711/email?id=1&reason=T-7", 200, NULL },
	    { 6, "2026-11-24T10:00:01Z", NULL, EV_WRITE, "POST", "/api/customers/4711", 401, NULL },
	    { 11, "2026-11-24T11:00:02Z", "bob", EV_READ, "GET", "/api/customers/5012", 403, NULL } } },
	{ "zeek http.log", "zeek-http", zeek_text, 2, 0,
	  { { 9, "2026-11-24T10:00:00Z", "alice", EV_READ, "GET", "/api/customers/4711/email", 200, NULL },
	    { 10, "2026-11-24T10:00:05Z", NULL, EV_DELETE, "DELETE", "/api/customers/5012", 403, NULL } } },
};

/* A header without the columns an access needs (Zeek's conn.log) is no access log. */
START_TEST(test_header_without_access)
{
	static const char conn[] =
		"#separator \\x09\n#path\tconn\n"
		"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n"
		"1795514400.1\tC1\t10.0.0.7\t51000\t10.0.0.1\t80\ttcp\n";
	char *path = tu_write_tmp(conn, sizeof(conn) - 1);
	struct aud_result res;
	static struct got g;
	scan(path, &res, &g);
	ck_assert_ptr_null(res.inputs[0].format);
	ck_assert_uint_eq(res.inputs[0].unparsed, 1);
	aud_result_release(&res);
	unlink(path);
	free(path);
}
END_TEST

/*
 * The #Fields in effect reach the parser threads: 3 x CHUNK_RECS records in
 * one layout, a new #Fields, as many in another, read with 2 parser threads.
 * Each record parses only with its own layout (the column counts differ),
 * so a chunk read with the wrong one would leave records unparsed.
 */
#define BIG_N 20000
struct pick {
	uint64_t line[4];
	char resource[4][FLEN], user[4][FLEN];
};

static void on_pick(void *arg, unsigned worker, const struct event *ev, const struct eng_verdict *v)
{
	(void)worker;
	(void)v;
	struct pick *pk = arg;
	for (int i = 0; i < 4; i++) {
		if (ev->line == pk->line[i]) {	/* one thread per line: slots are disjoint */
			cpy(pk->resource[i], ev->f[EVF_RESOURCE]);
			cpy(pk->user[i], ev->f[EVF_USER]);
		}
	}
}

START_TEST(test_header_change_across_chunks)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "#Fields: date time c-ip cs-username cs-method cs-uri-stem sc-status\n");
	for (int i = 0; i < BIG_N; i++)
		buf_addf(&b, "2026-11-24 10:00:00 10.0.0.7 alice GET /a/%d 200\n", i);
	buf_adds(&b, "#Fields: date time cs-method cs-uri-stem cs-uri-query c-ip sc-status cs-username time-taken\n");
	for (int i = 0; i < BIG_N; i++)
		buf_addf(&b, "2026-11-24 11:00:00 GET /b/%d q=%d 10.0.0.8 200 bob 5\n", i, i);
	ck_assert_int_eq(b.err, 0);
	char *path = tu_write_tmp(b.p, b.len);
	buf_release(&b);
	struct pick pk = { { 2, BIG_N + 1, BIG_N + 3, 2 * BIG_N + 2 }, { { 0 } }, { { 0 } } };
	struct aud_options o = { 0 };
	struct diag err = { { 0 } };
	struct aud_result res;
	const char *p = path;
	o.jobs = 2;
	o.on_event = on_pick;
	o.on_event_arg = &pk;
	ck_assert_msg(aud_run(pol, fmts, eng, &p, 1, &o, &res, &err) == 0, "%s", err.msg);
	const struct aud_input *in = &res.inputs[0];
	ck_assert_str_eq(in->format, "w3c");
	ck_assert_uint_eq(in->unparsed, 0);
	ck_assert_uint_eq(in->events, 2 * BIG_N);
	ck_assert_str_eq(pk.resource[0], "/a/0");
	ck_assert_str_eq(pk.resource[1], "/a/19999");
	ck_assert_str_eq(pk.resource[2], "/b/0?q=0");
	ck_assert_str_eq(pk.user[2], "bob");
	ck_assert_str_eq(pk.resource[3], "/b/19999?q=19999");
	aud_result_release(&res);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_doc_records)
{
	const struct doc_case *c = &docs[_i];
	char *path = tu_write_tmp(c->text, strlen(c->text));
	ck_assert_ptr_nonnull(path);
	struct aud_result res;
	static struct got g;
	scan(path, &res, &g);
	const struct aud_input *in = &res.inputs[0];
	ck_assert_msg(in->format && strcmp(in->format, c->format) == 0, "%s: detected %s, want %s",
		      c->name, in->format ? in->format : "(none)", c->format);
	ck_assert_msg(in->events == c->events && in->unparsed == 0 && in->skipped == c->skipped,
		      "%s: %llu events, %llu unparsed, %llu skipped", c->name,
		      (unsigned long long)in->events, (unsigned long long)in->unparsed,
		      (unsigned long long)in->skipped);
	ck_assert(in->complete);
	for (size_t k = 0; k < 3 && c->spot[k].line; k++)
		check_spot(c->name, &g, &c->spot[k]);
	aud_result_release(&res);
	unlink(path);
	free(path);
}
END_TEST

/* A denied read reads nothing: no personal-data read, whatever its categories. */
START_TEST(test_denied_is_no_read)
{
	struct aud_result res;
	static struct got g;
	char *path = tu_write_tmp(docs[1].text, strlen(docs[1].text));
	scan(path, &res, &g);
	ck_assert_uint_eq(g.n, 2);
	ck_assert(g.ev[0].pd_read);	/* alice's GetObject of customers/... */
	ck_assert(!g.ev[1].pd_read);	/* bob's AccessDenied */
	aud_result_release(&res);
	unlink(path);
	free(path);
}
END_TEST

/*
 * In a JSON source, a line that is no JSON but a program's diagnostic (a
 * level word then ':' or ']', or a logfmt level=) is skipped, counted; any
 * other line that is not JSON is not in the format (unparsed).
 */
START_TEST(test_json_diagnostic_lines)
{
	static const struct {
		const char *line;
		bool parsed, skip;
	} cases[] = {
		{ "DEBUG: CrowdsecBouncerTraefikPlugin: 2025/09/05 13:53:40 handleStreamCache:updated", true, true },
		{ "[WARN] plugin reloaded", true, true },
		{ "  ERROR: upstream gone", true, true },
		{ "time=\"2026-11-24T10:00:00Z\" level=debug msg=\"Configuration received\"", true, true },
		{ "time=2026-11-24T10:00:00Z level=\"info\" msg=x", true, true },
		{ "hello world", false, false },
		{ "DEBUGGER: attached", false, false },
		{ "Debug mode on", false, false },
		{ "level=verbose msg=x", false, false },
		{ "10.0.0.7 - - [24/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1", false, false },
	};
	const struct fmt *f = fmt_by_name(fmts, "traefik");
	struct fmt_thread *t = fmt_thread_new();
	struct event ev;
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ev_reset(&ev);
		bool ok = fmt_parse(f, sv_cstr(cases[i].line), &ev, t);
		ck_assert_msg(ok == cases[i].parsed && (!ok || ev.skip == cases[i].skip), "%s: parsed %d skip %d",
			      cases[i].line, ok, ev.skip);
	}
	/*
	 * Not in the per-line syslog, which tries every format on another
	 * program's message: one with a request line stays unparsed there.
	 */
	ev_reset(&ev);
	ck_assert(!fmt_parse(fmt_by_name(fmts, "syslog"),
			     SV_LIT("<13>Nov 24 10:00:00 web1 app: ERROR: GET /api/v1/customers/4711/email HTTP/1.1 failed"),
			     &ev, t));
	fmt_thread_free(t);
}
END_TEST

/*
 * Detection: a JSON source at debug level may print more diagnostic lines
 * than access records.  The diagnostics neither count for the format nor
 * against it; the records that parse must still be half of the rest, and
 * a sample of diagnostics alone names no format.  Lines from the real
 * traefik log.
 */
START_TEST(test_detect_past_diagnostics)
{
	static char rec[5][4096], diag[4096];
	FILE *fp = fopen(SHARED_TESTDATA "/logs/audit-sources/traefik/crowdsec_traefik_json.log", "r");
	ck_assert_ptr_nonnull(fp);
	for (size_t i = 0; i < 6; i++) {
		char *l = i < 5 ? rec[i] : diag;
		ck_assert_ptr_nonnull(fgets(l, sizeof(rec[0]), fp));
		l[strcspn(l, "\n")] = '\0';
	}
	fclose(fp);
	ck_assert(strncmp(diag, "DEBUG:", 6) == 0);
	struct fmt_thread *t = fmt_thread_new();
	sv v[64];
	size_t n = 0;
	/* 5 records among 40 diagnostics: traefik. */
	for (size_t i = 0; i < 45; i++)
		v[n++] = sv_cstr(i % 9 == 4 ? rec[i / 9] : diag);
	const struct fmt *f = fmt_detect(fmts, v, n, t);
	ck_assert_msg(f && strcmp(f->name, "traefik") == 0, "detected %s", f ? f->name : "(none)");
	/* 1 record, 5 lines of prose and 40 diagnostics: under half of what is not a diagnostic. */
	n = 0;
	v[n++] = sv_cstr(rec[0]);
	for (size_t i = 0; i < 5; i++)
		v[n++] = SV_LIT("hello world, not a record");
	for (size_t i = 0; i < 40; i++)
		v[n++] = sv_cstr(diag);
	ck_assert_ptr_null(fmt_detect(fmts, v, n, t));
	/* Diagnostics alone. */
	for (n = 0; n < 10; n++)
		v[n] = sv_cstr(diag);
	ck_assert_ptr_null(fmt_detect(fmts, v, n, t));
	fmt_thread_free(t);
}
END_TEST

/* The nginx error line is skipped, but read: its request's fields are there for trace and --explain. */
START_TEST(test_nginx_error_fields)
{
	static char line[4096];
	FILE *fp = fopen(SHARED_TESTDATA "/logs/audit-sources/syslog5424/crowdsec_pfsense-rfc5424-nginx.log", "r");
	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), fp));
	fclose(fp);
	line[strcspn(line, "\n")] = '\0';
	const struct fmt *f = fmt_by_name(fmts, "syslog+nginx-error");
	struct fmt_thread *t = fmt_thread_new();
	struct event ev;
	char when[24];
	ev_reset(&ev);
	ck_assert(fmt_parse(f, sv_cstr(line), &ev, t));
	ck_assert(ev.skip);
	ck_assert(sv_eq_cstr(ev.f[EVF_SRC], "fdfd:ace:ace:7::17a"));
	ck_assert(sv_eq_cstr(ev.f[EVF_ACTION], "GET"));
	ck_assert(sv_eq_cstr(ev.f[EVF_RESOURCE], "/crowdsec-test-NtktlJHV4TfBSK3wvlhiOBnl"));
	ck_assert(sv_eq_cstr(ev.f[EVF_HOST], "firewall.lan"));
	tu_format_iso(ev.time, when);
	ck_assert_str_eq(when, "2025-11-05T20:47:03Z");
	fmt_thread_free(t);
}
END_TEST

static Suite *sources_suite(void)
{
	Suite *s = suite_create("sources");
	TCase *tc = tcase_create("sources");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_real_samples, 0, (int)(sizeof(samples) / sizeof(samples[0])));
	tcase_add_loop_test(tc, test_doc_records, 0, (int)(sizeof(docs) / sizeof(docs[0])));
	tcase_add_test(tc, test_denied_is_no_read);
	tcase_add_test(tc, test_header_without_access);
	tcase_add_test(tc, test_json_diagnostic_lines);
	tcase_add_test(tc, test_detect_past_diagnostics);
	tcase_add_test(tc, test_nginx_error_fields);
	tcase_add_test(tc, test_header_change_across_chunks);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(sources_suite)
