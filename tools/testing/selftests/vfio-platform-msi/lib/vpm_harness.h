/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kselftest harness, with every test's timeout multiplied by
 * VPM_TIMEOUT_SCALE (an integer from 1 to 100; default 1), and a program
 * whose every test was skipped exiting KSFT_SKIP (below).
 *
 * A harness timeout only catches a test that hangs; no test measures its own
 * speed against it. The project's debug kernel (KASAN, lockdep, kmemleak
 * under TCG) runs the same work several times slower, so its runs set a
 * larger scale instead of giving the tests a smaller job.
 *
 * Test programs include this header instead of kselftest_harness.h.
 *
 * Teardowns. A fixture whose teardown puts back state outside the test's
 * process (a module parameter, fault injection, a binding, a loaded
 * module) uses FIXTURE_TEARDOWN_PARENT: 6.12's harness runs a child's
 * FIXTURE_TEARDOWN after a failed ASSERT only if its wrapper's local
 * "child" survives the longjmp, and built with -O2 it does not (it comes
 * back as 1: the child takes the parent's path and aborts, its teardown
 * never run). The parent's teardown runs once the test's process ended,
 * its descriptors and mappings with it, the device closed first. self is
 * then shared memory, and the teardown touches nothing of the child's:
 * no descriptor, mapping or heap pointer, only values held in self.
 */
#ifndef VPM_HARNESS_H
#define VPM_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define VPM_TIMEOUT_SCALE_MAX	100

static inline int vpm_timeout_scale(void)
{
	const char *s = getenv("VPM_TIMEOUT_SCALE");
	char *end;
	long v;

	if (!s || !*s)
		return 1;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > VPM_TIMEOUT_SCALE_MAX)
		return 1;
	return v;
}

static pid_t vpm_harness_pid;

/*
 * At the harness's exit: a program whose every test was skipped exits
 * KSFT_SKIP, as kselftest's runner (run_kselftest.sh) needs to report it
 * as a skip; the harness (6.12) exits KSFT_PASS then. Only in the
 * harness's own process: a test's helper process that calls exit() keeps
 * its status.
 */
static void vpm_exit_skip_if_all_skipped(void)
{
	if (getpid() != vpm_harness_pid)
		return;
	if (ksft_cnt.ksft_pass || ksft_cnt.ksft_fail || ksft_cnt.ksft_xfail ||
	    ksft_cnt.ksft_xpass || ksft_cnt.ksft_error || !ksft_cnt.ksft_xskip)
		return;
	fflush(stdout);
	fflush(stderr);
	_exit(KSFT_SKIP);
}

/*
 * Runs after every TEST()/TEST_F() has registered itself (their
 * constructors run at KSELFTEST_PRIO_TEST and KSELFTEST_PRIO_XFAIL) and
 * before main() runs them.
 */
static void __attribute__((constructor(KSELFTEST_PRIO_XFAIL + 1)))
vpm_harness_init(void)
{
	int scale = vpm_timeout_scale();
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	vpm_harness_pid = getpid();
	atexit(vpm_exit_skip_if_all_skipped);
	if (scale == 1)
		return;
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout *= scale;
}

#endif /* VPM_HARNESS_H */
