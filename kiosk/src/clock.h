/*
 * clock.h — the kiosk's time, injectable. The application never reads the
 * system clock directly: the real clock uses SDL's monotonic ticks and
 * time(); the scripted sessions use a virtual clock that only moves when the
 * script says `wait`, so the 90-second idle timeout is tested in no time.
 */
#ifndef KIOSK_CLOCK_H
#define KIOSK_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct kclock {
	bool virtual_time;
	uint64_t v_ms;      /* virtual monotonic milliseconds */
	int64_t v_unix0;    /* virtual wall clock at v_ms == 0 */
	int64_t floor;      /* the wall clock is never read below floor + ... */
	uint64_t floor_ms;  /* ... the monotonic time since it was set */
};

void kclock_real(struct kclock *c);
void kclock_virtual(struct kclock *c, int64_t unix_start);
/* Monotonic milliseconds. */
uint64_t kclock_ms(const struct kclock *c);
/* Wall clock, Unix seconds (a claim: see docs/architecture.md on offline
 * clocks): the system's, but never below the floor plus the monotonic time
 * since the floor was set. */
int64_t kclock_unix(const struct kclock *c);
/* Moves the floor forward to t (a checkpoint time, the last block's time);
 * never back. The clock then runs on from t if the system's is behind. */
void kclock_floor(struct kclock *c, int64_t t);
void kclock_advance(struct kclock *c, uint64_t ms);

#endif
