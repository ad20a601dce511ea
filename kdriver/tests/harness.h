/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A very small test harness: TEST(name) { ... } registers a behaviour, each
 * runs in its own child process (a crash or a stray signal fails that test
 * only), ASSERT_* print the failed condition with file and line and end the
 * test. main() runs them all, or those whose names contain argv[1], and
 * writes KTAP on stdout: a version line, a plan, "ok N name" / "not ok N
 * name" / "ok N name # SKIP reason" per test, each followed by the "# key:
 * value" records the test made (harness_record), and a totals line; the
 * tests' own diagnostics go to stderr. The exit status is 0 only if none
 * failed.
 */
#ifndef PFNBENCH_TEST_HARNESS_H
#define PFNBENCH_TEST_HARNESS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

void harness_register(const char *name, void (*fn)(void));
/* Marks the running test as skipped (a feature this kernel lacks). */
void harness_skip(const char *why) __attribute__((noreturn));
/*
 * Records a fact the test observed, printed as "# key: value" after its
 * result (key: lower case, digits and '-'). Also on stderr.
 */
void harness_record(const char *key, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define TEST(name)							\
	static void test_##name(void);					\
	__attribute__((constructor)) static void register_##name(void)	\
	{								\
		harness_register(#name, test_##name);			\
	}								\
	static void test_##name(void)

#define FAIL(...)							\
	do {								\
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, "\n");					\
		exit(1);						\
	} while (0)

#define ASSERT_TRUE(cond)						\
	do {								\
		if (!(cond))						\
			FAIL("expected %s", #cond);			\
	} while (0)

#define ASSERT_EQ(a, b)							\
	do {								\
		unsigned long long a_ = (unsigned long long)(a);	\
		unsigned long long b_ = (unsigned long long)(b);	\
		if (a_ != b_)						\
			FAIL("%s == %s: %llu != %llu", #a, #b, a_, b_);	\
	} while (0)

/* A system call that must succeed (return >= 0). */
#define ASSERT_OK(call)							\
	do {								\
		long r_ = (long)(call);					\
		if (r_ < 0)						\
			FAIL("%s failed: %s", #call, strerror(errno));	\
	} while (0)

/* A system call that must fail with errno err. */
#define ASSERT_ERRNO(call, err)						\
	do {								\
		long r_ = (long)(call);					\
		int e_ = errno;						\
		if (r_ >= 0)						\
			FAIL("%s succeeded, expected %s", #call, #err);	\
		if (e_ != (err))					\
			FAIL("%s: errno %s, expected %s", #call,	\
			     strerror(e_), #err);			\
	} while (0)

#endif
