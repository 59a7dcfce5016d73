/*
 * info.c - what a front end asks of a bench session besides runs: the
 * start screen's facts (fixture, audio, database, limits, operator), the
 * unit's identity, aborting and releasing by hand, and the signal
 * handling every front end shares (bench.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/internal.h"
#include "fixture/fixture.h"
#include "model/model.h"
#include "store/store.h"

void st_bench_fixture_info(const struct st_bench *b, struct st_bench_fixture_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	if (!b)
		return;
	fi->simulated = b->simulated;
	fi->connected = b->fx != NULL;
	st_strlcpy(fi->port, b->fixture, sizeof(fi->port));
	if (!b->fx) {
		st_strlcpy(fi->driver, b->simulated ? "sim" : "?", sizeof(fi->driver));
		snprintf(fi->desc, sizeof(fi->desc), "%s", b->simulated
			 ? "simulated bench (a simulated unit is placed when a run starts)"
			 : "not connected");
		return;
	}
	st_strlcpy(fi->driver, b->fx->ops->name, sizeof(fi->driver));
	st_strlcpy(fi->desc, b->fx->desc, sizeof(fi->desc));
	st_strlcpy(fi->firmware, b->fx->fw, sizeof(fi->firmware));
}

const char *st_bench_audio_desc(const struct st_bench *b)
{
	if (!b || !strcmp(b->audio_addr, "none"))
		return "none";
	if (b->audio)
		return st_audio_desc(b->audio);
	return b->audio_addr;
}

const char *st_bench_db_path(const struct st_bench *b)
{
	return b && b->store ? b->db : NULL;
}

int st_bench_run_count(struct st_bench *b, long long *n, char *err)
{
	*n = 0;
	if (!b || !b->store)
		return st_fail(err, ST_ERR_ARG, "no database");
	return st_store_count_runs(b->store, NULL, n, err);
}

const char *st_bench_limits_dir(const struct st_bench *b)
{
	static _Thread_local char dir[BENCH_PATH + 8];

	if (!b)
		return NULL;
	if (b->limits_file[0])
		return b->limits_file;
	snprintf(dir, sizeof(dir), "%s/limits", b->data_dir);
	return dir;
}

const char *st_bench_operator(const struct st_bench *b)
{
	return b ? b->operator_ : "";
}

const char *st_bench_calibration_dir(const struct st_bench *b)
{
	return b ? b->calibration : "";
}

const char *st_bench_station(const struct st_bench *b)
{
	return b ? b->station : "";
}

const struct st_model *st_bench_model(const struct st_bench *b)
{
	return b ? b->model : NULL;
}

struct st_store *st_bench_store(struct st_bench *b)
{
	return b ? b->store : NULL;
}

struct st_fixture *st_bench_fixture(struct st_bench *b)
{
	return b ? b->fx : NULL;
}

struct st_audio *st_bench_audio(struct st_bench *b)
{
	return b ? b->audio : NULL;
}

int st_bench_identify(struct st_bench *b, char *id, size_t n, char *err)
{
	char reply[512], *tok, *save = NULL;
	int ret;

	if (!b || !b->fx)
		return st_fail(err, ST_ERR_UNSUPPORTED, "no fixture connected to ask the unit");
	ret = st_fixture_uart(b->fx, "INFO", reply, sizeof(reply), err);
	if (ret)
		return ret;
	for (tok = strtok_r(reply, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (strncmp(tok, "model=", 6) || !tok[6])
			continue;
		for (const char *p = tok + 6; *p; p++)
			if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
				return st_fail(err, ST_ERR_PROTO, "unit's INFO: model id with byte 0x%02x",
					       (unsigned char)*p);
		if (strlen(tok + 6) >= n)
			return st_fail(err, ST_ERR_PROTO, "unit's INFO: model id too long");
		st_strlcpy(id, tok + 6, n);
		return ST_OK;
	}
	return st_fail(err, ST_ERR_PROTO, "unit's INFO reply has no model= key");
}

void st_bench_abort(struct st_bench *b)
{
	if (!b)
		return;
	b->abort_flag = 1;
	st_fixture_abort(b->fx); /* wakes a driver's wait at once; thread-safe */
}

void st_bench_abort_clear(struct st_bench *b)
{
	if (!b)
		return;
	b->abort_flag = 0;
	st_fixture_abort_clear(b->fx);
}

volatile sig_atomic_t *st_bench_abort_flag(struct st_bench *b)
{
	return b ? &b->abort_flag : NULL;
}

int st_bench_release_all(struct st_bench *b, char *err)
{
	if (!b || !b->fx)
		return ST_OK;
	return st_fixture_release_all(b->fx, err);
}

/* ---- signals --------------------------------------------------------------- */

static const int sig_list[] = { SIGINT, SIGTERM, SIGHUP };
static struct st_bench *sig_owner;               /* session owning the handlers */
static volatile sig_atomic_t *volatile sig_flag; /* its abort flag */
static struct sigaction sig_old[ST_ARRAY_SIZE(sig_list)]; /* handlers before ours */
static struct sigaction pipe_old;                 /* SIGPIPE before ours */

static void on_signal(int sig)
{
	volatile sig_atomic_t *flag = sig_flag;

	if (!flag || *flag) {
		/* second signal: do not wait for the sequencer */
		st_fixture_emergency_release();
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	*flag = 1;
	st_fixture_abort_all(); /* wake a driver's wait at once (async-signal-safe) */
}

int st_bench_signals_install(struct st_bench *b, char *err)
{
	static int atexit_done;
	struct sigaction sa;

	if (!b)
		return st_fail(err, ST_ERR_ARG, "no bench");
	if (sig_owner && sig_owner != b)
		return st_fail(err, ST_ERR_ARG, "another bench session owns the signal handlers");
	if (!atexit_done && atexit(st_fixture_emergency_release) == 0)
		atexit_done = 1;
	sig_flag = &b->abort_flag;
	if (sig_owner == b)
		return ST_OK;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ST_ARRAY_SIZE(sig_list); i++)
		sigaction(sig_list[i], &sa, &sig_old[i]);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &pipe_old);
	sig_owner = b;
	return ST_OK;
}

void bench_signals_forget(struct st_bench *b)
{
	if (!b || sig_owner != b)
		return;
	for (size_t i = 0; i < ST_ARRAY_SIZE(sig_list); i++)
		sigaction(sig_list[i], &sig_old[i], NULL);
	sigaction(SIGPIPE, &pipe_old, NULL);
	sig_flag = NULL;
	sig_owner = NULL;
}
