/* bench.h — the kiosk's benchmarks (tests/bench/bench_kiosk.c runs them). */
#ifndef KIOSK_BENCH_H
#define KIOSK_BENCH_H

/* Prints rows "name | value | unit | goal"; returns 0. */
int kbench_run(const char *out_dir);
/* Child of the cold-start benchmark: start, present one frame, exit. */
int kbench_first_frame(const char *config_path);

#endif
