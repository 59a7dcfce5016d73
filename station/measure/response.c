/*
 * response.c - frequency response of the unit's drivers (measure.h): the
 * unit plays its built-in test sweep through both drivers on a UART
 * command, the ear simulators record it, and each ear's impulse response
 * against the known sweep gives its level per 1/3-octave band, re its own
 * 1 kHz band.  Crackling and channel dropouts (oxidised driver leads,
 * cracked flex cables, a failing DAC stage: seed 001) cut the sweep, and
 * the bands it was in when the driver went silent come out missing.
 */
#include "measure/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"

#define LEAD_S 0.3       /* audio seconds between the command and the sweep */
#define TAIL_S 0.6       /* after the sweep: its IR, then the noise floor */
#define RESP_F_LO 100.0  /* validity band, Hz */
#define RESP_F_HI 10000.0
#define RESP_SNR_DB 20.0

void st_measure_driver_sweep(struct st_sweep *sw, double rate)
{
	st_sweep_default(sw);
	sw->f1 = ST_MEAS_DRIVER_F1;
	sw->f2 = fmin(ST_MEAS_DRIVER_F2, 0.45 * rate);
	sw->seconds = ST_MEAS_DRIVER_S;
	sw->rate = rate;
	sw->level_db = ST_MEAS_DRIVER_DB;
	sw->fade_ms = ST_MEAS_DRIVER_FADE_MS;
}

/* The unit starts its sweep `lead` bench seconds from now. */
static int start_sweep(struct st_measure *m, double lead, char *err)
{
	char cmd[48], reply[128], e[ST_ERRLEN];
	int ret;

	if (!m->fx || !(m->fx->caps & ST_CAP_UART))
		return st_fail(err, ST_ERR_UNSUPPORTED,
			       "measure: the driver sweep needs the unit's UART (SWEEP)");
	snprintf(cmd, sizeof(cmd), "SWEEP %.3f", lead);
	ret = st_fixture_uart(m->fx, cmd, reply, sizeof(reply), e);
	if (ret != ST_OK)
		return st_fail(err, ret, "measure: SWEEP: %s", e);
	if (strncmp(reply, "sweep=on", 8))
		return st_fail(err, ST_ERR_UNIT, "measure: unit answered '%.60s' to SWEEP", reply);
	return ST_OK;
}

/* One sweep played and recorded: responses of the wired ears. */
static int one_take(struct st_measure *m, struct st_an_ctx *ctx, double capture_s, double scale,
		    struct st_an_response *resp, struct st_meas_response *out, char *err)
{
	struct st_capture cap;
	int ret = start_sweep(m, LEAD_S * scale, err);

	if (ret != ST_OK)
		return ret;
	ret = meas_record(m, capture_s, MEAS_EARS, &cap, err);
	if (ret != ST_OK)
		return ret;
	ret = st_measure_write(m, &cap, "response", &out->files, err);
	for (int e = 0; e < 2 && ret == ST_OK; e++)
		if (out->ear[e].wired)
			ret = st_an_response(ctx, cap.ch[ST_ROLE_EAR_L + e], cap.n, 1,
					     &resp[ST_ROLE_EAR_L + e], err);
	st_capture_free(&cap);
	return ret;
}

int st_measure_response(struct st_measure *m, struct st_meas_response *out, char *err)
{
	struct st_an_response resp[ST_ROLE_COUNT];
	struct st_an_config cfg;
	struct st_an_ctx *ctx = NULL;
	struct st_sweep sw;
	double rate = st_audio_rate(m->audio);
	double scale = m->fx && m->fx->clock ? st_clock_scale(m->fx->clock) : 1.0;
	double capture_s = LEAD_S + ST_MEAS_DRIVER_S + TAIL_S + 0.2;
	float *stim = NULL;
	size_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(resp, 0, sizeof(resp));
	for (int i = 0; i < ST_AN_NBANDS; i++)
		out->fc[i] = st_an_band_centre(i);
	for (int e = 0; e < 2; e++)
		out->ear[e].wired = st_audio_has(m->audio, ST_ROLE_EAR_L + e);
	if (!out->ear[0].wired && !out->ear[1].wired)
		return st_fail(err, ST_ERR_UNSUPPORTED, "measure: the bench has no ear simulator");
	st_measure_driver_sweep(&sw, rate);
	n = st_sweep_frames(&sw);
	stim = malloc(n * sizeof(float));
	if (!stim)
		return st_fail(err, ST_ERR_MEM, "measure: out of memory");
	ret = st_sweep_generate(&sw, stim, n, err);
	st_an_config_default(&cfg, rate);
	cfg.f1 = sw.f1;
	cfg.f2 = sw.f2;
	cfg.sweep_l = st_sweep_rate_constant(&sw);
	cfg.max_capture = (size_t)((capture_s + 1.0) * rate);
	meas_sweep_drop();  /* peak memory: one analysis context at a time */
	if (ret == ST_OK)
		ret = st_an_ctx_create(&ctx, stim, n, &cfg, err);
	for (out->attempts = 1; ret == ST_OK && out->attempts <= 2; out->attempts++) {
		int ok = 1;

		meas_free_resps(resp);
		ret = one_take(m, ctx, capture_s, scale, resp, out, err);
		for (int e = 0; e < 2 && ret == ST_OK && ok; e++)
			if (out->ear[e].wired)
				ok = st_an_judgeable(&resp[ST_ROLE_EAR_L + e], RESP_F_LO, RESP_F_HI,
						     RESP_SNR_DB, out->why);
		if (ret == ST_OK && ok) {
			out->valid = 1;
			out->why[0] = '\0';
			break;
		}
	}
	if (out->attempts > 2)
		out->attempts = 2;
	for (int e = 0; ret == ST_OK && e < 2; e++) {
		const struct st_an_response *r = &resp[ST_ROLE_EAR_L + e];
		double ref = r->band_db[st_an_band_index(1000)];

		for (int i = 0; out->ear[e].wired && i < ST_AN_NBANDS; i++) {
			out->ear[e].band_db[i] = r->band_db[i] - ref;
			out->ear[e].snr_db[i] = r->snr_db[i];
		}
	}
	meas_free_resps(resp);
	st_an_ctx_free(ctx);
	free(stim);
	return ret;
}
