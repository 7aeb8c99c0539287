/*
 * Session tokens minted and verified per second: sts_token_mint followed
 * by sts_token_open (with the secret check), with the scope an AssumeRole
 * login carries (two role permission policies and a session policy, about
 * 2.7 KB of policy text). The key ring is parsed from memory so that no file
 * is involved; threads share it read-only, as sts-helper processes share
 * the ring file. Prints the token size, then
 *   BENCH token_mint_verify_per_s_1core=N   (one thread)
 *   BENCH token_mint_verify_per_s=N         (one thread per online CPU)
 * each the median of ROUNDS rounds of ROUND_S seconds after a warm-up, and
 * the same per CPU second of the process (robust to other load on the
 * machine: on an idle machine the wall-clock figures come close to it).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "token/keyring.h"
#include "token/token.h"

#define ROUNDS	    7
#define ROUND_S	    0.4
#define MAX_THREADS 64

static const char ring_text[] = "pam_sts-keyring v1\n"
				"key 0a1b2c3d AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
				"key 99887766 ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\n";

/* Role permission policies as `aws iam get-role-policy` prints them, compacted. */
static char s3_policy[] =
	"{\"Version\":\"2012-10-17\",\"Statement\":["
	"{\"Sid\":\"ListOwnPrefix\",\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\","
	"\"Resource\":\"arn:aws:s3:::app-artifacts\",\"Condition\":{\"StringLike\":"
	"{\"s3:prefix\":[\"releases/*\",\"builds/${aws:username}/*\"]}}},"
	"{\"Sid\":\"ReadArtifacts\",\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\","
	"\"s3:GetObjectVersion\",\"s3:GetObjectTagging\"],\"Resource\":["
	"\"arn:aws:s3:::app-artifacts/releases/*\",\"arn:aws:s3:::app-artifacts/builds/*\"]},"
	"{\"Sid\":\"WriteBuilds\",\"Effect\":\"Allow\",\"Action\":[\"s3:PutObject\","
	"\"s3:PutObjectTagging\",\"s3:AbortMultipartUpload\"],\"Resource\":"
	"\"arn:aws:s3:::app-artifacts/builds/${aws:username}/*\",\"Condition\":{"
	"\"Bool\":{\"aws:MultiFactorAuthPresent\":\"true\"},\"NumericLessThan\":"
	"{\"aws:MultiFactorAuthAge\":\"3600\"}}},"
	"{\"Sid\":\"DenyOutsideNetwork\",\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\","
	"\"Condition\":{\"NotIpAddress\":{\"aws:SourceIp\":[\"192.0.2.0/24\",\"198.51.100.0/24\","
	"\"203.0.113.0/24\"]}}},"
	"{\"Sid\":\"DenyUnencrypted\",\"Effect\":\"Deny\",\"Action\":\"s3:PutObject\",\"Resource\":"
	"\"arn:aws:s3:::app-artifacts/*\",\"Condition\":{\"StringNotEquals\":"
	"{\"s3:x-amz-server-side-encryption\":\"aws:kms\"}}}]}";

static char deploy_policy[] =
	"{\"Version\":\"2012-10-17\",\"Statement\":["
	"{\"Sid\":\"DescribeFleet\",\"Effect\":\"Allow\",\"Action\":[\"ec2:Describe*\","
	"\"autoscaling:Describe*\",\"elasticloadbalancing:Describe*\",\"cloudwatch:GetMetricData\","
	"\"cloudwatch:ListMetrics\"],\"Resource\":\"*\"},"
	"{\"Sid\":\"UpdateService\",\"Effect\":\"Allow\",\"Action\":[\"ecs:UpdateService\","
	"\"ecs:DescribeServices\",\"ecs:RegisterTaskDefinition\",\"ecs:DescribeTaskDefinition\"],"
	"\"Resource\":[\"arn:aws:ecs:eu-west-1:123456789012:service/app/*\","
	"\"arn:aws:ecs:eu-west-1:123456789012:task-definition/app-*\"]},"
	"{\"Sid\":\"PassTaskRole\",\"Effect\":\"Allow\",\"Action\":\"iam:PassRole\",\"Resource\":"
	"\"arn:aws:iam::123456789012:role/app-task-*\",\"Condition\":{\"StringEquals\":"
	"{\"iam:PassedToService\":\"ecs-tasks.amazonaws.com\"}}},"
	"{\"Sid\":\"ReadParameters\",\"Effect\":\"Allow\",\"Action\":[\"ssm:GetParameter\","
	"\"ssm:GetParameters\",\"ssm:GetParametersByPath\"],\"Resource\":"
	"\"arn:aws:ssm:eu-west-1:123456789012:parameter/app/*\"},"
	"{\"Sid\":\"DecryptParameters\",\"Effect\":\"Allow\",\"Action\":\"kms:Decrypt\",\"Resource\":"
	"\"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\","
	"\"Condition\":{\"StringEquals\":{\"kms:ViaService\":\"ssm.eu-west-1.amazonaws.com\"}}},"
	"{\"Sid\":\"Logs\",\"Effect\":\"Allow\",\"Action\":[\"logs:GetLogEvents\","
	"\"logs:FilterLogEvents\",\"logs:DescribeLogStreams\"],\"Resource\":"
	"\"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/app*\"}]}";

static char session_policy[] =
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"OnlyEuWest1\",\"Effect\":\"Allow\","
	"\"Action\":[\"s3:*\",\"ec2:Describe*\",\"ecs:*\",\"ssm:Get*\",\"kms:Decrypt\",\"logs:*\","
	"\"cloudwatch:*\",\"autoscaling:Describe*\",\"elasticloadbalancing:Describe*\","
	"\"iam:PassRole\"],\"Resource\":\"*\",\"Condition\":{\"StringEqualsIfExists\":"
	"{\"aws:RequestedRegion\":\"eu-west-1\"}}}]}";

static double clock_seconds(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_seconds(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One mint and one verification; exits on any failure (a broken bench
 * must not print a figure). */
static void mint_and_open(const sts_keyring *ring, const sts_token_claims *claims, int64_t now)
{
	sts_credentials creds;
	sts_token_claims opened;
	sts_error err;

	if (sts_token_mint(ring, claims, &creds, &err) < 0 ||
	    sts_token_open(ring, creds.session_token, creds.access_key_id, creds.secret_access_key,
			   now, &opened, &err) < 0) {
		fprintf(stderr, "bench_token: %s\n", err.msg);
		exit(1);
	}
	sts_token_claims_free(&opened);
	sts_credentials_clear(&creds);
}

typedef struct {
	const sts_keyring *ring;
	const sts_token_claims *claims;
	int64_t now;
	atomic_bool *stop;
	long count;
} worker;

static void *work(void *arg)
{
	worker *w = arg;

	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		mint_and_open(w->ring, w->claims, w->now);
		w->count++;
	}
	return NULL;
}

/* One round: operations per wall-clock second and per CPU second. */
typedef struct {
	double wall, cpu;
} rate;

/* |threads| threads for about |seconds|. */
static rate round_rate(const worker *proto, int threads, double seconds)
{
	struct timespec nap = { (time_t)seconds, (long)((seconds - (long)seconds) * 1e9) };
	pthread_t tid[MAX_THREADS];
	worker w[MAX_THREADS];
	atomic_bool stop = false;
	double start = now_seconds(), cpu = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
	long total = 0;

	for (int i = 0; i < threads; i++) {
		w[i] = *proto;
		w[i].stop = &stop;
		if (pthread_create(&tid[i], NULL, work, &w[i]) != 0) {
			fputs("bench_token: cannot start a thread\n", stderr);
			exit(1);
		}
	}
	nanosleep(&nap, NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		total += w[i].count;
	}
	return (rate){ (double)total / (now_seconds() - start),
		       (double)total / (clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu) };
}

/* Medians over ROUNDS rounds (wall-clock and CPU-time rates apart). */
static rate median_rate(const worker *proto, int threads)
{
	double wall[ROUNDS], cpu[ROUNDS];

	round_rate(proto, threads, 0.2); /* warm-up */
	for (int r = 0; r < ROUNDS; r++) {
		rate one = round_rate(proto, threads, ROUND_S);
		wall[r] = one.wall;
		cpu[r] = one.cpu;
	}
	qsort(wall, ROUNDS, sizeof(wall[0]), cmp_double);
	qsort(cpu, ROUNDS, sizeof(cpu[0]), cmp_double);
	return (rate){ wall[ROUNDS / 2], cpu[ROUNDS / 2] };
}

int main(void)
{
	sts_scope_doc identity[] = {
		{ (char *)"role/UpdateAPP.d/s3.json", s3_policy },
		{ (char *)"role/UpdateAPP.d/deploy.json", deploy_policy },
	};
	sts_scope_doc session[] = { { (char *)"session/eu-west-1.json", session_policy } };
	int64_t now = (int64_t)time(NULL);
	sts_token_claims claims = {
		.operation = (char *)"AssumeRole",
		.principal_arn = (char *)"arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice",
		.source_identity = (char *)"alice",
		.source_ip = (char *)"192.0.2.10",
		.mfa_present = true,
		.mfa_time = now - 5,
		.issued = now,
		.expires = now + 3600,
		.identity = identity,
		.n_identity = 2,
		.session = session,
		.n_session = 1,
	};
	sts_keyring *ring = NULL;
	sts_credentials creds;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int threads = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (int)cpus;
	sts_error err;
	worker proto;
	rate one, all;

	if (sts_keyring_parse(ring_text, strlen(ring_text), "bench ring", &ring, &err) < 0 ||
	    sts_token_mint(ring, &claims, &creds, &err) < 0) {
		fprintf(stderr, "bench_token: %s\n", err.msg);
		return 1;
	}
	printf("bench_token: scope %zu bytes of policy text, session token %zu bytes\n",
	       strlen(s3_policy) + strlen(deploy_policy) + strlen(session_policy),
	       strlen(creds.session_token));
	sts_credentials_clear(&creds);
	proto = (worker){ .ring = ring, .claims = &claims, .now = now };
	one = median_rate(&proto, 1);
	all = median_rate(&proto, threads);
	/* Per CPU second: what a core does when the machine is not shared;
	 * a loaded machine lowers the wall-clock figures, not this one. */
	printf("bench_token: %.0f mint+verify per CPU second (1 thread), %.0f (%d threads)\n",
	       one.cpu, all.cpu, threads);
	printf("BENCH token_mint_verify_per_s_1core=%.0f mint+verify/s (1 thread)\n", one.wall);
	printf("BENCH token_mint_verify_per_s=%.0f mint+verify/s (%d threads, one per CPU)\n",
	       all.wall, threads);
	sts_keyring_free(ring);
	return 0;
}
