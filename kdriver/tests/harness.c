// SPDX-License-Identifier: GPL-2.0
/* Runs the registered tests, each in a child process; see harness.h. */
#include "harness.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TESTS 128
#define SKIP_STATUS 77
#define TEST_TIMEOUT_S 120

static struct test_case tests[MAX_TESTS];
static int nr_tests;

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
	exit(SKIP_STATUS);
}

static int run_one(const struct test_case *t)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		alarm(TEST_TIMEOUT_S);
		t->fn();
		fflush(NULL);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	fprintf(stderr, "  killed by signal %d (%s)\n", WTERMSIG(status),
		strsignal(WTERMSIG(status)));
	return 1;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < nr_tests; i++) {
		const struct test_case *t = &tests[i];
		int rc;

		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		printf("# %s\n", t->name);
		rc = run_one(t);
		if (rc == 0) {
			passed++;
			printf("ok %s\n", t->name);
		} else if (rc == SKIP_STATUS) {
			skipped++;
			printf("ok %s # SKIP\n", t->name);
		} else {
			failed++;
			printf("not ok %s\n", t->name);
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
