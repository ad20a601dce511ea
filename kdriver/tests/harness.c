// SPDX-License-Identifier: GPL-2.0
/* Runs the registered tests, each in a child process; see harness.h. */
#include "harness.h"

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TESTS 256
#define SKIP_STATUS 77
#define TEST_TIMEOUT_S 120

static struct test_case tests[MAX_TESTS];
static int nr_tests;
/*
 * The child's end of a pipe that carries messages back to the runner, one a
 * line: "record key: value" or "skip reason".
 */
static int report_fd = -1;
#define REPORT_MAX 4096

void harness_register(const char *name, void (*fn)(void))
{
	if (nr_tests == MAX_TESTS) {
		fprintf(stderr, "harness: too many tests\n");
		exit(2);
	}
	tests[nr_tests].name = name;
	tests[nr_tests].fn = fn;
	nr_tests++;
}

/* One line to the runner: kind, a space, text up to its first newline. */
static void report(const char *kind, const char *text)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s %.*s\n", kind,
			 (int)strcspn(text, "\n"), text);

	if (n >= (int)sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (report_fd >= 0 && write(report_fd, line, n) != n)
		perror("harness: message to the runner");
}

void harness_skip(const char *why)
{
	fprintf(stderr, "  skipped: %s\n", why);
	report("skip", why);
	exit(SKIP_STATUS);
}

void harness_record(const char *key, const char *fmt, ...)
{
	char value[400], text[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	snprintf(text, sizeof(text), "%s: %s", key, value);
	fprintf(stderr, "  record %s\n", text);
	report("record", text);
}

/*
 * Runs one test in a child; returns its exit status. msgs gets what it
 * reported (see report_fd), read until every holder of the pipe closed it.
 */
static int run_one(const struct test_case *t, char *msgs, size_t size)
{
	int status, fds[2];
	size_t used = 0;
	ssize_t n;
	pid_t pid;

	msgs[0] = '\0';
	fflush(NULL);
	if (pipe(fds) < 0) {
		perror("harness: pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("harness: fork");
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		report_fd = fds[1];
		/* stdout carries only KTAP: a test's own prints are diagnostics. */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		alarm(TEST_TIMEOUT_S);
		t->fn();
		fflush(NULL);
		_exit(0);
	}
	close(fds[1]);
	while (used < size - 1 &&
	       (n = read(fds[0], msgs + used, size - 1 - used)) > 0)
		used += n;
	msgs[used] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0) {
		perror("harness: waitpid");
		return 1;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	fprintf(stderr, "  killed by signal %d (%s)\n", WTERMSIG(status),
		strsignal(WTERMSIG(status)));
	return 1;
}

/*
 * Prints the lines of msgs that start with kind and a space, without them,
 * each between prefix and suffix; returns how many there were.
 */
static int print_lines(const char *msgs, const char *kind, const char *prefix,
		       const char *suffix)
{
	size_t k = strlen(kind);
	const char *line, *end;
	int found = 0;

	for (line = msgs; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		if (end - line > (long)k && !strncmp(line, kind, k) &&
		    line[k] == ' ') {
			printf("%s%.*s%s", prefix, (int)(end - line - k - 1),
			       line + k + 1, suffix);
			found++;
		}
	}
	return found;
}

static bool selected(const struct test_case *t, int argc, char **argv)
{
	return argc < 2 || strstr(t->name, argv[1]);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0, planned = 0, n = 0, i;
	/* The harness's own test: stop mid-run, as a crashed test program would. */
	const char *stop = getenv("PFNBENCH_TESTS_STOP_AFTER");
	char msgs[REPORT_MAX];

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < nr_tests; i++)
		planned += selected(&tests[i], argc, argv);
	printf("KTAP version 1\n1..%d\n", planned);
	for (i = 0; i < nr_tests; i++) {
		const struct test_case *t = &tests[i];
		int rc;

		if (!selected(t, argc, argv))
			continue;
		if (stop && n == atoi(stop))
			exit(1);
		n++;
		/*
		 * Both channels say which test runs now: the console for the
		 * splat it may cause, KTAP for a run that never finishes it.
		 */
		fprintf(stderr, "# %d %s\n", n, t->name);
		printf("# %d %s\n", n, t->name);
		rc = run_one(t, msgs, sizeof(msgs));
		if (rc == 0) {
			passed++;
			printf("ok %d %s\n", n, t->name);
		} else if (rc == SKIP_STATUS) {
			skipped++;
			printf("ok %d %s # SKIP", n, t->name);
			if (!print_lines(msgs, "skip", " ", ""))
				printf(" no reason given");
			printf("\n");
		} else {
			failed++;
			printf("not ok %d %s\n", n, t->name);
		}
		/* The records of a test follow its result. */
		print_lines(msgs, "record", "# ", "\n");
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       passed, failed, skipped);
	return failed ? 1 : 0;
}
