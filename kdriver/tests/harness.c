// SPDX-License-Identifier: GPL-2.0
/* Runs the registered tests, each in a child process; see harness.h. */
#include "harness.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TESTS 256
#define SKIP_STATUS 77
#define TEST_TIMEOUT_S 120

static struct test_case tests[MAX_TESTS];
static int nr_tests;
/* The child's end of a pipe that carries a skip reason back to the runner. */
static int skip_fd = -1;

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

void harness_skip(const char *why)
{
	fprintf(stderr, "  skipped: %s\n", why);
	if (skip_fd >= 0 && write(skip_fd, why, strlen(why)) < 0)
		perror("harness: skip reason");
	exit(SKIP_STATUS);
}

/* Runs one test in a child; returns its exit status, reason gets a skip's why. */
static int run_one(const struct test_case *t, char *reason, size_t size)
{
	int status, fds[2];
	ssize_t n;
	pid_t pid;

	reason[0] = '\0';
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
		skip_fd = fds[1];
		/* stdout carries only KTAP: a test's own prints are diagnostics. */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		alarm(TEST_TIMEOUT_S);
		t->fn();
		fflush(NULL);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], reason, size - 1);
	reason[n > 0 ? n : 0] = '\0';
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

static bool selected(const struct test_case *t, int argc, char **argv)
{
	return argc < 2 || strstr(t->name, argv[1]);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0, planned = 0, n = 0, i;
	/* The harness's own test: stop mid-run, as a crashed test program would. */
	const char *stop = getenv("PFNBENCH_TESTS_STOP_AFTER");
	char reason[256];

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
		/* The console shows which test a crash or a splat came from. */
		fprintf(stderr, "# %d %s\n", n, t->name);
		rc = run_one(t, reason, sizeof(reason));
		if (rc == 0) {
			passed++;
			printf("ok %d %s\n", n, t->name);
		} else if (rc == SKIP_STATUS) {
			skipped++;
			printf("ok %d %s # SKIP %s\n", n, t->name,
			       reason[0] ? reason : "no reason given");
		} else {
			failed++;
			printf("not ok %d %s\n", n, t->name);
		}
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       passed, failed, skipped);
	return failed ? 1 : 0;
}
