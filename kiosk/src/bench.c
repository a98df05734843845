#include <stdio.h>

#include "bench.h"

int kbench_run(const char *out_dir)
{
	(void)out_dir;
	printf("kiosk benchmarks: not yet written\n");
	return 0;
}
