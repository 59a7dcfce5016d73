/*
 * jackbench.c - the simulated bench as a JACK client (see jackbench.h).
 *
 * Threads: the owner thread (the simulator's loop) calls publish(),
 * place() and feedback(); JACK's process thread calls process().  They
 * share only a triple buffer of state snapshots (one atomic exchange per
 * publish / per cycle), a single-producer single-consumer ring of sounds,
 * and a few atomics.  The process thread reads CLOCK_MONOTONIC (vDSO, no
 * system call) to turn its cycle into bench time.
 */
#include "jackbench.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jack/jack.h>

#include "acdriver.h"
#include "acoustic.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "model/model.h"
#include "sim/headset.h"

#define RING 64

/* One published state. */
struct snap {
	double bench_t;               /* bench time at publish */
	double mono_t;                /* CLOCK_MONOTONIC at publish */
	double scale;                 /* bench seconds per wall second */
	struct st_acoustic_state st;  /* headset state */
};

struct st_jackbench {
	jack_client_t *client;             /* our JACK client */
	jack_port_t *spk;                  /* speaker_in */
	jack_port_t *out[ST_AC_OUTS + 1];  /* ear_l, ear_r, mic1..6, ref */
	struct st_acoustic *ac;            /* the model (process thread only) */
	struct st_acdriver *drv;           /* the unit's drivers (process thread only) */
	double rate;                       /* server rate */
	int active;                        /* jack_activate succeeded */
	/* state handoff: triple buffer */
	struct snap slots[3];              /* the three buffers */
	atomic_int mid;                    /* middle slot index | 4 when fresh */
	int back;                          /* owner's slot */
	int front;                         /* process thread's slot */
	atomic_int present;                /* unit on the acoustic fixture */
	/* sounds: SPSC ring */
	struct st_feedback ring[RING];     /* the events */
	atomic_uint head;                  /* next write (owner) */
	atomic_uint tail;                  /* next read (process thread) */
	/* figures */
	atomic_ulong cycles;               /* process calls */
	atomic_uint xruns;                 /* xrun callbacks */
	atomic_int dead;                   /* server shut us down */
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int process(jack_nframes_t n, void *arg)
{
	struct st_jackbench *jb = arg;
	float *outs[ST_AC_OUTS];
	const float *spk = jack_port_get_buffer(jb->spk, n);
	float *ref = jack_port_get_buffer(jb->out[ST_AC_OUTS], n);
	const struct snap *s;
	struct st_acoustic_state st;
	unsigned tail, head;
	double t0;

	if (atomic_load_explicit(&jb->mid, memory_order_acquire) & 4)
		jb->front = atomic_exchange_explicit(&jb->mid, jb->front,
						     memory_order_acq_rel) & 3;
	s = &jb->slots[jb->front];
	st = s->st;
	st.present = atomic_load_explicit(&jb->present, memory_order_relaxed);
	st.scale = s->scale;
	st_acoustic_set_state(jb->ac, &st);
	t0 = s->bench_t + (mono() - s->mono_t) * s->scale;

	tail = atomic_load_explicit(&jb->tail, memory_order_relaxed);
	head = atomic_load_explicit(&jb->head, memory_order_acquire);
	while (tail != head) {
		st_acoustic_schedule(jb->ac, &jb->ring[tail % RING]);
		st_acdriver_schedule(jb->drv, &jb->ring[tail % RING]);
		tail++;
	}
	atomic_store_explicit(&jb->tail, tail, memory_order_release);

	for (int c = 0; c < ST_AC_OUTS; c++)
		outs[c] = jack_port_get_buffer(jb->out[c], n);
	memcpy(ref, spk, n * sizeof(float));
	st_acoustic_process(jb->ac, t0, spk, outs, n);
	st_acdriver_render(jb->drv, t0, s->scale, st.powered && st.present, outs[ST_AC_EAR_L],
			   outs[ST_AC_EAR_R], n);
	atomic_fetch_add_explicit(&jb->cycles, 1, memory_order_relaxed);
	return 0;
}

static int on_xrun(void *arg)
{
	struct st_jackbench *jb = arg;

	atomic_fetch_add(&jb->xruns, 1);
	return 0;
}

static void on_shutdown(void *arg)
{
	struct st_jackbench *jb = arg;

	atomic_store(&jb->dead, 1);
}

int st_jackbench_start(struct st_jackbench **out, const char *client_name,
		       const struct st_model *m, const struct st_sim_opts *opts,
		       char *err)
{
	static const char *const names[ST_AC_OUTS + 1] = {
		"ear_l", "ear_r", "mic1", "mic2", "mic3", "mic4", "mic5", "mic6", "ref",
	};
	struct st_jackbench *jb;
	jack_status_t status = 0;
	int ret;

	*out = NULL;
	if (!client_name || !*client_name)
		return st_fail(err, ST_ERR_ARG, "jack bench: no client name");
	jb = calloc(1, sizeof(*jb));
	if (!jb)
		return st_fail(err, ST_ERR_MEM, "jack bench: out of memory");
	jb->client = jack_client_open(client_name, JackNoStartServer | JackUseExactName,
				      &status);
	if (!jb->client) {
		const char *srv = getenv("JACK_DEFAULT_SERVER");

		ret = st_fail(err, ST_ERR_IO, "jack bench: cannot open JACK client \"%s\" "
			      "(status 0x%x: %s%s%s)", client_name, (unsigned)status,
			      (status & JackServerFailed) ? "no JACK server running" :
			      (status & JackNameNotUnique) ? "name taken" : "see jackd",
			      !(status & JackServerFailed) ? "" : srv && *srv ? " named " :
			      "; JACK_DEFAULT_SERVER is not set, so the default server was looked for: "
			      "export JACK_DEFAULT_SERVER=NAME as for jackd -n NAME",
			      (status & JackServerFailed) && srv && *srv ? srv : "");
		goto out_free;
	}
	jb->rate = jack_get_sample_rate(jb->client);
	ret = st_acoustic_new(&jb->ac, m, opts, jb->rate, err);
	if (ret == ST_OK)
		ret = st_acdriver_new(&jb->drv, jb->rate, err);
	if (ret != ST_OK)
		goto out_close;
	jb->front = 0;
	atomic_init(&jb->mid, 1);
	jb->back = 2;
	for (int i = 0; i < 3; i++) {
		jb->slots[i].scale = 1.0;
		jb->slots[i].mono_t = mono();
		jb->slots[i].st.powered = 1;
		jb->slots[i].st.present = 1;
	}
	atomic_init(&jb->present, 1);

	jb->spk = jack_port_register(jb->client, "speaker_in", JACK_DEFAULT_AUDIO_TYPE,
				     JackPortIsInput, 0);
	for (int c = 0; c <= ST_AC_OUTS && jb->spk; c++) {
		jb->out[c] = jack_port_register(jb->client, names[c], JACK_DEFAULT_AUDIO_TYPE,
						JackPortIsOutput, 0);
		if (!jb->out[c])
			break;
	}
	if (!jb->spk || !jb->out[ST_AC_OUTS]) {
		ret = st_fail(err, ST_ERR_IO, "jack bench: cannot register ports");
		goto out_close;
	}
	jack_set_process_callback(jb->client, process, jb);
	jack_set_xrun_callback(jb->client, on_xrun, jb);
	jack_on_shutdown(jb->client, on_shutdown, jb);
	if (jack_activate(jb->client) != 0) {
		ret = st_fail(err, ST_ERR_IO, "jack bench: cannot activate client \"%s\"",
			      client_name);
		goto out_close;
	}
	jb->active = 1;
	*out = jb;
	return ST_OK;

out_close:
	jack_client_close(jb->client);
out_free:
	st_acdriver_free(jb->drv);
	st_acoustic_free(jb->ac);
	free(jb);
	return ret;
}

void st_jackbench_stop(struct st_jackbench *jb)
{
	if (!jb)
		return;
	if (jb->active)
		jack_deactivate(jb->client);
	jack_client_close(jb->client);
	st_acdriver_free(jb->drv);
	st_acoustic_free(jb->ac);
	free(jb);
}

void st_jackbench_publish(struct st_jackbench *jb, double t, double scale,
			  const struct st_headset_view *v)
{
	struct snap *s = &jb->slots[jb->back];

	s->bench_t = t;
	s->mono_t = mono();
	s->scale = scale > 0 ? scale : 1.0;
	memset(&s->st, 0, sizeof(s->st));
	st_acoustic_state_from_view(&s->st, v);
	jb->back = atomic_exchange_explicit(&jb->mid, jb->back | 4, memory_order_acq_rel) & 3;
}

void st_jackbench_place(struct st_jackbench *jb, int present)
{
	atomic_store(&jb->present, present ? 1 : 0);
}

int st_jackbench_feedback(struct st_jackbench *jb, const struct st_feedback *ev, int n)
{
	unsigned head = atomic_load_explicit(&jb->head, memory_order_relaxed);
	int queued = 0;

	for (int i = 0; i < n; i++) {
		unsigned tail = atomic_load_explicit(&jb->tail, memory_order_acquire);

		if (ev[i].kind == ST_FB_LED)
			continue;
		if (head - tail >= RING)
			break;
		jb->ring[head % RING] = ev[i];
		head++;
		queued++;
		atomic_store_explicit(&jb->head, head, memory_order_release);
	}
	return queued;
}

int st_jackbench_connect(struct st_jackbench *jb, const char *other, char *err)
{
	const char **ins, **outs;
	int ret = ST_OK, k = 0;
	char pat[160];

	snprintf(pat, sizeof(pat), "^%s:", other);
	outs = jack_get_ports(jb->client, pat, JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput);
	ins = jack_get_ports(jb->client, pat, JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput);
	if (!outs || !ins || !outs[0] || !ins[0]) {
		ret = st_fail(err, ST_ERR_NOTFOUND, "jack bench: client \"%s\" has no audio "
			      "ports to connect", other);
		goto out_free;
	}
	if (jack_connect(jb->client, outs[0], jack_port_name(jb->spk)) != 0)
		ret = st_fail(err, ST_ERR_IO, "jack bench: cannot connect %s", outs[0]);
	for (int c = 0; c <= ST_AC_OUTS && ins[k] && ret == ST_OK; c++, k++)
		if (jack_connect(jb->client, jack_port_name(jb->out[c]), ins[k]) != 0)
			ret = st_fail(err, ST_ERR_IO, "jack bench: cannot connect to %s", ins[k]);
out_free:
	jack_free(outs);
	jack_free(ins);
	return ret;
}

unsigned long st_jackbench_cycles(const struct st_jackbench *jb)
{
	return atomic_load(&((struct st_jackbench *)jb)->cycles);
}

unsigned st_jackbench_xruns(const struct st_jackbench *jb)
{
	return atomic_load(&((struct st_jackbench *)jb)->xruns);
}

double st_jackbench_rate(const struct st_jackbench *jb)
{
	return jb->rate;
}
