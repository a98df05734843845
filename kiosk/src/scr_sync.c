/*
 * The officer's sync (docs/kiosk.md "Officer mode"): the visit runs through
 * the sync library (kbackend_visit -> jr_sync_visit_run) on a worker
 * thread, so the touch loop keeps drawing; the screen shows a progress bar,
 * then the counts both the kiosk and the drive reconcile, and "Sync
 * complete" only when they add up, otherwise what is missing.
 *
 * While the worker runs it alone uses the backend (the shard's SQLite
 * handle is single-threaded): this screen draws only from the job's atomic
 * counters and offers nothing to tap until the worker is done.
 */
#include <string.h>

#include "log.h"
#include "screens.h"
#include "util.h"

enum { W_SYNC_CLOSE = W_OWN + 40 };

struct ksync_job {
	SDL_Thread *th;
	SDL_atomic_t stage, done, total, finished;
	struct kapp *a;
	uint8_t officer[JR_ID_BYTES];
	int64_t now;
	int rc;
	struct jr_sync_visit_counts c;
	struct jr_errbuf eb;
	bool ran;          /* a result is there to show */
};

static struct ksync_job job;

static int clamp32(uint64_t v)
{
	return v > 0x7fffffff ? 0x7fffffff : (int)v;
}

static void on_progress(void *ctx, int stage, uint64_t done, uint64_t total)
{
	struct ksync_job *j = ctx;

	SDL_AtomicSet(&j->stage, stage);
	SDL_AtomicSet(&j->total, clamp32(total));
	SDL_AtomicSet(&j->done, clamp32(done));
}

static int worker(void *arg)
{
	struct ksync_job *j = arg;

	j->rc = kbackend_visit(&j->a->be, &j->a->cfg, j->officer, j->now, on_progress, j, &j->c,
		&j->eb);
	SDL_AtomicSet(&j->finished, 1);
	return 0;
}

bool kscreen_sync_running(void)
{
	return job.th != NULL;
}

/* The visit's outcome on the console (the journal; the appliance's test reads
 * it): counts and the officer's key id only. */
static void say_result(const struct ksync_job *j)
{
	char officer[JR_KEYID_SHORT_LEN + 1];
	const struct jr_sync_visit_counts *k = &j->c;

	jr_keyid_short(j->officer, officer);
	if (j->rc != JR_OK) {
		klog_console("sync stopped (officer %s): %s", officer, j->eb.msg);
		return;
	}
	klog_console("%s: visit %llu, officer %s: blocks out %llu (%llu copied now), "
		"acknowledged %llu, statuses back %llu for %llu registrations%s%s",
		k->complete ? "Sync complete" : "Sync not complete",
		(unsigned long long)k->visit_number, officer,
		(unsigned long long)k->up.on_drive, (unsigned long long)k->up.written,
		(unsigned long long)k->acked, (unsigned long long)k->statuses,
		(unsigned long long)k->registrations,
		!k->complete && !k->down_applied && !k->down_old ? "; no answer from the centre" : "",
		k->stale ? "; the shard is behind the centre's ack" : "");
}

/* Joins a finished worker and takes its results into the app. */
static void collect(struct kapp *a)
{
	if (job.th == NULL || SDL_AtomicGet(&job.finished) == 0)
		return;
	SDL_WaitThread(job.th, NULL);
	job.th = NULL;
	job.ran = true;
	say_result(&job);
	if (a->be.last_ack_time > 0)
		kclock_floor(&a->clock, a->be.last_ack_time);
	a->ready = a->be.can_register;
	a->dirty = true;
	a->layout_stale = true;
}

static void start(struct kapp *a)
{
	memset(&job.c, 0, sizeof job.c);
	memset(&job.eb, 0, sizeof job.eb);
	SDL_AtomicSet(&job.stage, 0);
	SDL_AtomicSet(&job.done, 0);
	SDL_AtomicSet(&job.total, 0);
	SDL_AtomicSet(&job.finished, 0);
	job.a = a;
	job.ran = false;
	memcpy(job.officer, a->officer_id, JR_ID_BYTES);
	job.now = kclock_unix(&a->clock);
	job.th = SDL_CreateThread(worker, "jaring-sync", &job);
	if (job.th == NULL) {
		job.rc = jr_errf(&job.eb, JR_EINTERNAL, "cannot start the sync: %s", SDL_GetError());
		job.ran = true;
	}
	klog_console("sync with the drive started");
}

static void sync_handle(struct kapp *a, const struct kev *ev)
{
	if (ev->type == KEV_ENTER) {
		if (!a->officer_ok) {
			app_reset(a);
			return;
		}
		if (job.th == NULL)
			start(a);
		return;
	}
	if (ev->type == KEV_TICK) {
		if (job.th != NULL) {
			a->last_input_ms = kclock_ms(&a->clock); /* no idle timeout while it runs */
			a->dirty = true;
			a->layout_stale = true;
		}
		collect(a);
		return;
	}
	if (ev->type == KEV_TAP && ev->id == W_SYNC_CLOSE && job.th == NULL)
		app_reset(a);
}

static void progress_draw(struct kapp *a, SDL_Rect c)
{
	struct ui *u = &a->ui;
	int stage = SDL_AtomicGet(&job.stage), done = SDL_AtomicGet(&job.done);
	int total = SDL_AtomicGet(&job.total), used = 0, bh = ui_mm(u, 8);
	SDL_Rect bar = ui_rect(c.x, c.y + ui_mm(u, 14), c.w, bh);
	char n1[16], n2[16], buf[KMSG_MAX];

	ui_wrap(u, UI_F_BOLD, c, stage == 2 ? T("Reading the centre's answer from the drive...") :
		T("Copying this kiosk's registrations to the drive..."), ui_ink, UI_LEFT, 0, true,
		&used);
	ui_fill(u, bar, ui_line);
	if (total > 0) {
		SDL_Rect f = bar;
		f.w = (int)((long long)bar.w * (done < total ? done : total) / total);
		ui_fill(u, f, ui_navy);
	}
	ui_border(u, bar, ui_ink, 1);
	snprintf(n1, sizeof n1, "%d", done);
	snprintf(n2, sizeof n2, "%d", total);
	kfmt(buf, sizeof buf, T("{1} of {2}"), n1, n2, NULL);
	ui_text(u, UI_F_BODY, c.x, bar.y + bh + ui_mm(u, 2), c.w, buf, ui_ink, UI_LEFT);
	ui_text(u, UI_F_SMALL, c.x, bar.y + bh + ui_mm(u, 10), c.w,
		T("Do not remove the drive."), ui_red, UI_LEFT);
}

static int line(struct kapp *a, SDL_Rect c, int y, enum ui_font f, const char *s, SDL_Color col)
{
	int used = 0;

	ui_wrap(&a->ui, f, ui_rect(c.x, y, c.w, c.y + c.h - y), s, col, UI_LEFT, 0, true, &used);
	return y + used;
}

static void counts_draw(struct kapp *a, SDL_Rect c)
{
	const struct jr_sync_visit_counts *k = &job.c;
	char n1[24], n2[24], buf[KMSG_MAX];
	int y = c.y;

	snprintf(n1, sizeof n1, "%llu", (unsigned long long)k->up.on_drive);
	snprintf(n2, sizeof n2, "%llu", (unsigned long long)k->up.written);
	kfmt(buf, sizeof buf, T("Blocks out to the centre: {1} ({2} copied now)."), n1, n2, NULL);
	y = line(a, c, y, UI_F_BODY, buf, ui_ink);
	snprintf(n1, sizeof n1, "%llu", (unsigned long long)k->acked);
	kfmt(buf, sizeof buf, T("Acknowledged by the centre: up to block {1}."), n1, NULL, NULL);
	y = line(a, c, y, UI_F_BODY, buf, ui_ink);
	snprintf(n1, sizeof n1, "%llu", (unsigned long long)k->statuses);
	snprintf(n2, sizeof n2, "%llu", (unsigned long long)k->registrations);
	kfmt(buf, sizeof buf, T("Statuses back: {1}, for {2} acknowledged registrations."), n1, n2,
		NULL);
	y = line(a, c, y, UI_F_BODY, buf, ui_ink) + ui_mm(&a->ui, 1);
	if (job.rc != JR_OK) {
		kfmt(buf, sizeof buf, T("The sync stopped: {1}"), job.eb.msg, NULL, NULL);
		(void)line(a, c, y, UI_F_SMALL, buf, ui_red);
		return;
	}
	if (k->complete) {
		(void)line(a, c, y, UI_F_TITLE, T("Sync complete."), ui_green);
		return;
	}
	y = line(a, c, y, UI_F_BOLD, T("Sync not complete:"), ui_red);
	if (k->missing_out > 0) {
		snprintf(n1, sizeof n1, "%llu", (unsigned long long)k->missing_out);
		kfmt(buf, sizeof buf, T("{1} blocks are not on the drive."), n1, NULL, NULL);
		y = line(a, c, y, UI_F_SMALL, buf, ui_red);
	}
	if (!k->down_applied && !k->down_old)
		y = line(a, c, y, UI_F_SMALL, k->down_found ? T("The centre's answer on this drive "
			"could not be used; tell the district office.") : T("No answer from the centre "
			"on this drive yet: it comes with the next visit, after the drive was at the "
			"centre."), ui_red);
	if (k->missing_statuses > 0) {
		snprintf(n1, sizeof n1, "%llu", (unsigned long long)k->missing_statuses);
		kfmt(buf, sizeof buf, T("{1} acknowledged registrations have no status yet."), n1,
			NULL, NULL);
		y = line(a, c, y, UI_F_SMALL, buf, ui_red);
	}
	if (k->stale)
		(void)line(a, c, y, UI_F_SMALL, T("This kiosk's records are behind what the centre "
			"acknowledged: it was restored from an old copy and will not register anyone. "
			"Follow the recovery procedure (docs/operations.md): export what remains, then "
			"provision a new kiosk key."), ui_red);
}

static void sync_draw(struct kapp *a)
{
	struct ui *u = &a->ui;
	SDL_Rect c = app_frame(a, T("Sync with the drive"), "sync", 0, NULL);
	int bh = ui_mm(u, 12);

	c.h -= bh + ui_mm(u, 2);
	if (job.th != NULL || !job.ran)
		progress_draw(a, c);
	else
		counts_draw(a, c);
	ui_button(u, W_SYNC_CLOSE, "sync-close", ui_rect(c.x + c.w - ui_mm(u, 40),
		c.y + c.h + ui_mm(u, 2), ui_mm(u, 40), bh), T("Close"), "close", UI_PRIMARY,
		job.th == NULL);
}

const struct kscreen_ops kscr_sync = { "sync", NULL, sync_handle, sync_draw };
