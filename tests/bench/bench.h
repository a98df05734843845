/* bench.h — the one row format every benchmark of tests/bench prints, which
 * tests/bench/report.py reads: "| name | value | unit | goal | met |".
 * met: 1 met, 0 missed, -1 no goal. */
#ifndef JR_BENCH_H
#define JR_BENCH_H

#include <stdio.h>

static inline void jr_bench_row(const char *name, double value, const char *unit,
	const char *goal, int met)
{
	printf("| %-44s | %12.1f | %-10s | %-22s | %-4s |\n", name, value, unit, goal,
		met < 0 ? "" : met ? "met" : "MISS");
	(void)fflush(stdout);
}

#endif
