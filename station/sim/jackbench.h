/*
 * jackbench.h - the simulated bench's audio as a JACK client, so the
 * station measures it through real PortAudio and a real sound server.
 *
 * The client (named e.g. "stbench") has one input port, speaker_in (what
 * the station plays on the ambient speaker), and output ports registered
 * in this order: ear_l, ear_r, mic1 .. mic6, ref (a copy of speaker_in:
 * the bench's loopback).  PortAudio's JACK host API shows the client as a
 * device of that name with 1 output and 9 inputs in the same order, which
 * fixtures/benches/stbench.audio wires.  The station's PortAudio stream
 * connects itself to these ports when it starts (nothing to connect by
 * hand); st_jackbench_connect() exists for tools that want fixed wiring.
 *
 * The process callback runs the acoustic model (station/sim/acoustic.h)
 * block by block.  It never allocates or locks: the thread that owns the
 * simulated headset publishes state snapshots through a lock-free triple
 * buffer and passes the unit's sounds through a lock-free ring.
 */
#ifndef ST_JACKBENCH_H
#define ST_JACKBENCH_H

struct st_model;
struct st_sim_opts;
struct st_headset_view;
struct st_feedback;
struct st_jackbench;

/* Connect to the running JACK server (JACK_DEFAULT_SERVER selects a
 * private one), register the ports, activate.  opts carries the acoustic
 * faults and seed (may be NULL).  ST_ERR_IO when there is no server. */
int st_jackbench_start(struct st_jackbench **out, const char *client_name,
		       const struct st_model *m, const struct st_sim_opts *opts,
		       char *err);
/* Deactivate, close the client, free.  Safe with NULL. */
void st_jackbench_stop(struct st_jackbench *jb);

/* Publish the headset's state as seen at bench time t, with the bench
 * clock's scale (bench seconds per wall second).  Call it from the thread
 * that advances the headset, after every advance; it never blocks. */
void st_jackbench_publish(struct st_jackbench *jb, double t, double scale,
			  const struct st_headset_view *v);
/* The unit took / was put back on the acoustic fixture (open-ear). */
void st_jackbench_place(struct st_jackbench *jb, int present);
/* Sounds the unit made (chimes, tones, prompts; LED events are skipped).
 * Returns how many were queued (the ring holds 64). */
int st_jackbench_feedback(struct st_jackbench *jb, const struct st_feedback *ev, int n);

/* Connect our ports to another client's: speaker_in <- OTHER's output
 * `out_port`, and our outputs -> OTHER's inputs in order.  For tools;
 * the station's PortAudio stream does not need it. */
int st_jackbench_connect(struct st_jackbench *jb, const char *other_client, char *err);

/* Figures for tests and `station sim`: process cycles run, xruns seen,
 * the sample rate and block size of the server. */
unsigned long st_jackbench_cycles(const struct st_jackbench *jb);
unsigned st_jackbench_xruns(const struct st_jackbench *jb);
double st_jackbench_rate(const struct st_jackbench *jb);

#endif
