#include <SDL.h>
#include <time.h>

#include "clock.h"

void kclock_real(struct kclock *c)
{
	c->virtual_time = false;
	c->v_ms = 0;
	c->v_unix0 = 0;
	c->floor = 0;
	c->floor_ms = 0;
}

void kclock_virtual(struct kclock *c, int64_t unix_start)
{
	c->virtual_time = true;
	c->v_ms = 0;
	c->v_unix0 = unix_start;
	c->floor = 0;
	c->floor_ms = 0;
}

uint64_t kclock_ms(const struct kclock *c)
{
	return c->virtual_time ? c->v_ms : (uint64_t)SDL_GetTicks64();
}

static int64_t raw_unix(const struct kclock *c)
{
	if (c->virtual_time)
		return c->v_unix0 + (int64_t)(c->v_ms / 1000);
	return (int64_t)time(NULL);
}

int64_t kclock_unix(const struct kclock *c)
{
	int64_t raw = raw_unix(c), fl;

	if (c->floor == 0)
		return raw;
	fl = c->floor + (int64_t)((kclock_ms(c) - c->floor_ms) / 1000);
	return raw > fl ? raw : fl;
}

void kclock_floor(struct kclock *c, int64_t t)
{
	if (t <= kclock_unix(c))
		return;
	c->floor = t;
	c->floor_ms = kclock_ms(c);
}

void kclock_advance(struct kclock *c, uint64_t ms)
{
	if (c->virtual_time)
		c->v_ms += ms;
}
