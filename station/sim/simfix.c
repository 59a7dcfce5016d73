/*
 * simfix.c - the simulated fixture, device side (simfix.h): the station's
 * fixture protocol or the Numato relay-board protocol, served over a pty,
 * with a simulated headset behind the relays.
 *
 * Protocol mode follows docs/fixture-protocol.md to the letter (it is the
 * reference emulator): HELLO opens a session, events are sent only inside
 * a session, PRESS/HOLD end by themselves, and a host that sends nothing
 * for the watchdog time gets every channel released.  Numato mode echoes
 * every byte and ends every reply with '>' like the real board; it has no
 * timers and no watchdog, like the real board.  This file is the engine
 * (state, faults, timers, events, Numato mode, the pty and serve loop);
 * the station protocol's request handlers are simfix_proto.c.
 */
#include "simfix.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../core/st.h"
#include "../fixture/numato/numato.h"
#include "../fixture/proto/fixmap.h"
#include "../fixture/proto/proto.h"
#include "simfix_int.h"

/* ---- small helpers ----------------------------------------------------- */

void sf_log(struct st_simfix *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->o.log)
		return;
	fprintf(s->o.log, "sim: [%9.3f] ", s->t_last);
	va_start(ap, fmt);
	vfprintf(s->o.log, fmt, ap);
	va_end(ap);
	fputc('\n', s->o.log);
	fflush(s->o.log);
}

void sf_put(struct st_simfix *s, const char *data, size_t n)
{
	if (s->vanished)
		return;
	if (s->outlen + n > OUTCAP) {
		s->outdropped += n;
		return;
	}
	memcpy(s->out + s->outlen, data, n);
	s->outlen += n;
}

/* fmt into line (size bytes), cut at max bytes; the length, or -1. */
static int vline(char *line, size_t size, size_t max, const char *fmt, va_list ap)
{
	int k = vsnprintf(line, size, fmt, ap);

	if (k < 0)
		return -1;
	if ((size_t)k > max)
		k = (int)max;
	line[k] = '\0';
	return k;
}

void sf_putf(struct st_simfix *s, const char *fmt, ...)
{
	char line[ST_PROTO_MAXLINE * 2];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vline(line, sizeof(line), sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (k >= 0)
		sf_put(s, line, (size_t)k);
}

long long sf_ms(double t)
{
	return llround(t * 1000.0);
}

/* A time on the wire (t=, until=, event times): bench ms since power-up
 * (plus the test-only origin), modulo 2^32 (docs/fixture-protocol.md). */
long long sf_tms(const struct st_simfix *s, double t)
{
	return (sf_ms(t) + s->o.t_origin_ms) & 0xffffffffLL;
}

unsigned sf_valid_mask(const struct st_simfix *s)
{
	return s->nchan >= 32 ? 0xffffffffu : (1u << s->nchan) - 1;
}

/* Control of channel ch, or -1. */
int sf_control_of(const struct st_simfix *s, int ch)
{
	for (int i = 0; i < ST_MAX_CONTROLS; i++)
		if (s->chan[i] == ch)
			return i;
	return -1;
}

int sf_is_slide(const struct st_simfix *s, int ch)
{
	int c = sf_control_of(s, ch);

	return c >= 0 && s->o.model->controls[c].kind == ST_CTL_SLIDE;
}

void sf_write_state(struct st_simfix *s, const char *why)
{
	char tmp[600], names[160] = "";
	unsigned ctl;
	FILE *f;

	ctl = st_fixmap_controls(s->chan, s->closed);
	if (ctl)
		st_model_controls_str(s->o.model, ctl, names, sizeof(names));
	sf_log(s, "relays closed=0x%x (%s) %s", s->closed, names[0] ? names : "none", why);
	if (!s->o.state_file)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->o.state_file);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "t=%.3f closed=0x%x controls=%s slides=0x%x charge=%d wear=%d session=%d "
		"reason=%s\n", s->t_last, s->closed, names[0] ? names : "-", s->slides, s->charge,
		s->wear, s->session, why);
	fclose(f);
	rename(tmp, s->o.state_file);
}

/* Tell the headset which controls the closed relays hold (slide actuators
 * are positions, handled by SLIDE). */
static void drive(struct st_simfix *s, double t)
{
	unsigned relays = s->closed;

	for (int ch = 0; ch < s->nchan; ch++)
		if (sf_is_slide(s, ch))
			relays &= ~(1u << ch);
	st_headset_controls(s->h, t, st_fixmap_controls(s->chan, relays));
}

void sf_set_closed(struct st_simfix *s, double t, unsigned closed, const char *why)
{
	unsigned changed = closed ^ s->closed;

	if (!changed)
		return;
	for (int ch = 0; ch < 32; ch++)
		if (!(closed & (1u << ch)))
			s->end[ch] = 0;
	/* a Numato relay across a slide switch: closed = ON */
	for (int ch = 0; ch < s->nchan; ch++)
		if (s->o.numato && (changed & (1u << ch)) && sf_is_slide(s, ch))
			st_headset_slide(s->h, t, sf_control_of(s, ch), !!(closed & (1u << ch)));
	s->closed = closed;
	drive(s, t);
	sf_write_state(s, why);
}

/* The watchdog at power-up: --watchdog-ms or 2000 ms, never sooner than
 * WD_WALL_FLOOR of wall time. */
static double default_wd(const struct st_simfix *s)
{
	return fmax((s->o.watchdog_ms > 0 ? s->o.watchdog_ms : ST_PROTO_DEFAULT_WD_MS) / 1000.0,
		    WD_WALL_FLOOR * s->o.scale);
}

/* ---- faults ------------------------------------------------------------ */

static int parse_fault(const char *f, enum fault_kind *kind, long *after)
{
	static const struct { const char *name; enum fault_kind k; int need_n; } tab[] = {
		{ "silent", F_SILENT, 0 }, { "garbage", F_GARBAGE, 0 },
		{ "half-line", F_HALF, 0 }, { "reboot", F_REBOOT, 1 }, { "vanish", F_VANISH, 1 },
	};

	*kind = F_NONE;
	*after = 0;
	if (!f || !*f)
		return ST_OK;
	for (size_t i = 0; i < ST_ARRAY_SIZE(tab); i++) {
		size_t k = strlen(tab[i].name);

		if (strncmp(f, tab[i].name, k))
			continue;
		if (!f[k] && !tab[i].need_n) {
			*kind = tab[i].k;
			return ST_OK;
		}
		if (!strncmp(f + k, "-after:", 7) && !st_parse_int(f + k + 7, after) &&
		    *after >= 0) {
			*kind = tab[i].k;
			return ST_OK;
		}
	}
	return ST_ERR_ARG;
}

int st_simfix_fault_check(const char *fault, char *err)
{
	enum fault_kind k;
	long n;

	if (parse_fault(fault, &k, &n))
		return st_fail(err, ST_ERR_ARG,
			       "unknown fixture fault '%s' (silent[-after:N], garbage[-after:N], "
			       "half-line[-after:N], reboot-after:N, vanish-after:N)", fault);
	return ST_OK;
}

static void garbage_line(struct st_simfix *s)
{
	char g[48];

	for (size_t i = 0; i < sizeof(g) - 1; i++) {
		s->rnd = s->rnd * 1103515245u + 12345u;
		g[i] = (char)((s->rnd >> 16) & 0xff);
		if (g[i] == '\n')
			g[i] = '~';
	}
	g[sizeof(g) - 1] = '\n';
	sf_put(s, g, sizeof(g));
}

/* A reply line (protocol mode), through the fault filters. */
void sf_reply(struct st_simfix *s, const char *fmt, ...)
{
	char line[ST_PROTO_MAXLINE * 2];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vline(line, sizeof(line), ST_PROTO_MAXLINE, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	if (s->garbage) {
		garbage_line(s);
		return;
	}
	if (s->half) {
		sf_put(s, line, (size_t)k / 2);
		s->half = 0;
		s->silent = 1;
		sf_log(s, "fault: sent half a line, now silent");
		return;
	}
	if (s->o.verbose)
		sf_log(s, "-> %s", line);
	sf_put(s, line, (size_t)k);
	sf_put(s, "\n", 1);
}

static void event(struct st_simfix *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void event(struct st_simfix *s, const char *fmt, ...)
{
	char line[ST_PROTO_MAXLINE * 2];
	va_list ap;
	int k;

	if (!s->session || s->silent || s->o.numato)
		return;
	va_start(ap, fmt);
	k = vline(line, sizeof(line), ST_PROTO_MAXLINE, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	if (s->garbage) {
		garbage_line(s);
		return;
	}
	if (s->o.verbose)
		sf_log(s, "-> %.*s", k, line);
	sf_put(s, line, (size_t)k);
	sf_put(s, "\n", 1);
}

/* Count a request line and fire the fault when its time has come.
 * Returns 1 when the line must be dropped. */
int sf_fault_gate(struct st_simfix *s, double t)
{
	if (s->silent || s->vanished)
		return 1;
	s->nlines++;
	if (s->fault == F_NONE || s->nlines <= s->fault_after)
		return 0;
	switch (s->fault) {
	case F_SILENT:
		s->silent = 1;
		sf_log(s, "fault: silent from line %ld on", s->nlines);
		return 1;
	case F_GARBAGE:
		if (!s->garbage)
			sf_log(s, "fault: garbage replies from line %ld on", s->nlines);
		s->garbage = 1;
		return 0;
	case F_HALF:
		s->half = 1;
		s->fault = F_NONE;
		return 0;
	case F_REBOOT:
		s->fault = F_NONE;
		sf_log(s, "fault: reboot at line %ld", s->nlines);
		s->session = 0;
		s->charge = 0;
		s->wd = default_wd(s);   /* a WATCHDOG setting does not survive a reboot */
		st_headset_charge(s->h, t, 0);
		sf_set_closed(s, t, 0, "reboot");
		st_simfix_boot(s, t);
		return 1;
	case F_VANISH:
		sf_log(s, "fault: port vanishes at line %ld", s->nlines);
		sf_set_closed(s, t, 0, "vanish");
		s->vanished = 1;
		s->outlen = 0;
		return 1;
	default:
		return 0;
	}
}

/* ---- timers ------------------------------------------------------------ */

double st_simfix_next_deadline(const struct st_simfix *s)
{
	double next = NEVER;

	for (int ch = 0; ch < s->nchan; ch++)
		if ((s->closed & (1u << ch)) && s->end[ch] > 0 && s->end[ch] < next)
			next = s->end[ch];
	if (!s->o.numato && s->session && s->closed && s->last_rx + s->wd < next)
		next = s->last_rx + s->wd;
	return next;
}

static void feedback(struct st_simfix *s)
{
	struct st_feedback fb[32];
	int n;

	while ((n = st_headset_feedback(s->h, fb, 32)) > 0) {
		for (int i = 0; i < n; i++) {
			char q[96];

			switch (fb[i].kind) {
			case ST_FB_LED:
				event(s, "EV LED %lld %s %s", sf_tms(s, fb[i].t),
				      fb[i].where[0] ? fb[i].where : "main",
				      fb[i].color[0] ? fb[i].color : "off");
				break;
			case ST_FB_CHIME:
				event(s, "EV CHIME %lld %d", sf_tms(s, fb[i].t), fb[i].count);
				break;
			case ST_FB_PROMPT:
				st_proto_quote(q, sizeof(q), fb[i].text);
				event(s, "EV PROMPT %lld %s", sf_tms(s, fb[i].t), q);
				break;
			case ST_FB_TONE:
				event(s, "EV TONE %lld %.0f", sf_tms(s, fb[i].t), fb[i].hz);
				break;
			case ST_FB_SWEEP:  /* a test signal for the ear simulators, not an event */
				break;
			}
		}
		if (n < 32)
			break;
	}
}

void st_simfix_tick(struct st_simfix *s, double t)
{
	if (t < s->t_last)
		t = s->t_last;
	for (;;) {
		double next = st_simfix_next_deadline(s);
		unsigned group = 0;
		const char *why = "done";

		if (next > t)
			break;
		if (next < s->t_last)
			next = s->t_last;
		s->t_last = next;
		if (!s->o.numato && s->session && s->closed && next >= s->last_rx + s->wd) {
			unsigned m = s->closed;

			sf_log(s, "watchdog: host silent for %.0f ms, releasing 0x%x", s->wd * 1000, m);
			sf_set_closed(s, next, 0, "watchdog");
			event(s, "EV RELEASED %lld 0x%x watchdog", sf_tms(s, next), m);
			continue;
		}
		for (int ch = 0; ch < s->nchan; ch++)
			if ((s->closed & (1u << ch)) && s->end[ch] > 0 && s->end[ch] <= next) {
				group |= 1u << ch;
				why = s->why[ch];
			}
		st_headset_advance(s->h, next);
		sf_set_closed(s, next, s->closed & ~group, why);
		event(s, "EV RELEASED %lld 0x%x %s", sf_tms(s, next), group, why);
	}
	s->t_last = t;
	st_headset_advance(s->h, t);
	feedback(s);
}

void st_simfix_release_all(struct st_simfix *s, double t, const char *why)
{
	if (t > s->t_last)
		s->t_last = t;
	if (s->closed)
		sf_set_closed(s, s->t_last, 0, why);
	else
		sf_write_state(s, why);
}

/* ---- numato mode ------------------------------------------------------- */

static void numato_out(struct st_simfix *s, const char *text)
{
	if (s->garbage) {
		garbage_line(s);
		sf_put(s, ">", 1);
		return;
	}
	if (s->half) {
		/* the reply, but never the prompt */
		sf_putf(s, "\n\r%s", text ? text : "");
		s->half = 0;
		s->silent = 1;
		sf_log(s, "fault: reply without its prompt, now silent");
		return;
	}
	if (text)
		sf_putf(s, "\n\r%s\n\r>", text);
	else
		sf_put(s, "\n\r>", 3);
}

static void numato_cmd(struct st_simfix *s, double t, char *c)
{
	char *argv[4], *save = NULL, out[16];
	int argc = 0;

	for (char *w = strtok_r(c, " ", &save); w && argc < 4; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	if (argc == 0) {
		numato_out(s, NULL);
		return;
	}
	if (sf_fault_gate(s, t))
		return;
	if (s->o.verbose)
		sf_log(s, "<- %s", c);
	if (!strcmp(argv[0], "relay") && argc >= 2) {
		int r = argc >= 3 && strlen(argv[2]) == 1 ? st_numato_relay_index(argv[2][0]) : -1;

		if (r >= s->nchan)
			r = -1;
		if (!strcmp(argv[1], "on") && argc == 3 && r >= 0) {
			sf_set_closed(s, t, s->closed | (1u << r), "relay on");
		} else if (!strcmp(argv[1], "off") && argc == 3 && r >= 0) {
			sf_set_closed(s, t, s->closed & ~(1u << r), "relay off");
		} else if (!strcmp(argv[1], "read") && argc == 3 && r >= 0) {
			numato_out(s, (s->closed & (1u << r)) ? "on" : "off");
			return;
		} else if (!strcmp(argv[1], "readall") && argc == 2) {
			snprintf(out, sizeof(out), "%0*X", s->nchan <= 8 ? 2 : s->nchan <= 16 ? 4 : 8,
				 s->closed);
			numato_out(s, out);
			return;
		} else if (!strcmp(argv[1], "writeall") && argc == 3) {
			unsigned long v = strtoul(argv[2], NULL, 16);

			sf_set_closed(s, t, (unsigned)v & sf_valid_mask(s), "relay writeall");
		}
		numato_out(s, NULL);
		return;
	}
	if (!strcmp(argv[0], "reset") && argc == 1) {
		sf_set_closed(s, t, 0, "reset");
	} else if (!strcmp(argv[0], "ver") && argc == 1) {
		numato_out(s, "00000008");
		return;
	} else if (!strcmp(argv[0], "id") && argc == 2 && !strcmp(argv[1], "get")) {
		snprintf(out, sizeof(out), "SIMX%04.0f", s->o.scale);
		numato_out(s, out);
		return;
	}
	numato_out(s, NULL);
}

static void numato_byte(struct st_simfix *s, double t, char c)
{
	if (s->silent || s->vanished)
		return;
	if (c == '\n')
		return;
	if (c == '\r') {
		s->ncmd[s->nlen] = '\0';
		if (s->noverflow)
			numato_out(s, NULL);
		else
			numato_cmd(s, t, s->ncmd);
		s->nlen = 0;
		s->noverflow = 0;
		return;
	}
	if (!s->garbage && (unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
		sf_put(s, &c, 1); /* the board echoes what it receives */
	if (s->nlen < NUMATO_CMDMAX)
		s->ncmd[s->nlen++] = c;
	else
		s->noverflow = 1;
}

/* ---- engine ------------------------------------------------------------ */

void st_simfix_input(struct st_simfix *s, double t, const char *data, size_t n)
{
	st_simfix_tick(s, t);
	t = s->t_last;
	for (size_t i = 0; i < n && !s->vanished; i++) {
		if (s->o.numato) {
			numato_byte(s, t, data[i]);
			continue;
		}
		switch (st_linebuf_push(&s->lb, data[i])) {
		case ST_LINE_DONE: {
			char line[ST_PROTO_MAXLINE + 1];
			size_t len = s->lb.len;

			st_linebuf_take(&s->lb, line, sizeof(line));
			sf_proto_line(s, t, line, len);
			break;
		}
		case ST_LINE_TOOLONG:
			if (!sf_fault_gate(s, t)) {
				s->last_rx = t;
				sf_reply(s, "ERR 0 %d line longer than %d bytes discarded",
				      ST_PE_TOOLONG, ST_PROTO_MAXLINE);
			}
			break;
		default:
			break;
		}
	}
}

size_t st_simfix_output(struct st_simfix *s, char *buf, size_t n)
{
	size_t k = s->outlen < n ? s->outlen : n;

	memcpy(buf, s->out, k);
	memmove(s->out, s->out + k, s->outlen - k);
	s->outlen -= k;
	return k;
}

void st_simfix_boot(struct st_simfix *s, double t)
{
	if (s->o.numato || s->vanished)
		return;
	/* EV BOOT goes out whether or not a session is open */
	sf_put(s, "", 0);
	sf_putf(s, "EV BOOT %lld proto=%d fw=%s name=%s\n", sf_tms(s, t), ST_PROTO_VERSION, FW,
	     s->map.name);
}

unsigned st_simfix_closed(const struct st_simfix *s)
{
	return s->closed;
}

int st_simfix_vanished(const struct st_simfix *s)
{
	return s->vanished;
}

struct st_headset *st_simfix_headset(struct st_simfix *s)
{
	return s->h;
}

const char *st_simfix_bench(const struct st_simfix *s)
{
	return s->map.path;
}

int st_simfix_new(struct st_simfix **out, const struct st_simfix_opts *o, char *err)
{
	struct st_simfix *s;
	int ret;

	*out = NULL;
	if (!o->model)
		return st_fail(err, ST_ERR_ARG, "simulated fixture needs a model");
	s = calloc(1, sizeof(*s));
	if (!s)
		return st_fail(err, ST_ERR_MEM, "out of memory");
	s->o = *o;
	if (!(s->o.scale > 0))
		s->o.scale = 1.0;
	ret = parse_fault(o->fault, &s->fault, &s->fault_after);
	if (ret) {
		st_simfix_fault_check(o->fault, err);
		goto free_sim;
	}
	ret = st_fixmap_find(o->bench ? o->bench : o->numato ? "numato-8" : "station-v1",
			     &s->map, err);
	if (ret)
		goto free_sim;
	ret = st_fixmap_resolve(&s->map, o->model, s->chan, err);
	if (ret)
		goto free_sim;
	s->nchan = s->map.channels;
	s->wd = default_wd(s);
	s->rnd = 12345;
	st_linebuf_init(&s->lb);
	s->h = st_headset_new(o->model, &o->sim, err);
	if (!s->h) {
		ret = ST_ERR_ARG;
		goto free_sim;
	}
	s->in_case = 0;
	sf_write_state(s, "start");
	*out = s;
	return ST_OK;
free_sim:
	free(s);
	return ret;
}

void st_simfix_free(struct st_simfix *s)
{
	if (!s)
		return;
	st_headset_free(s->h);
	free(s);
}

/* ---- pty and serve loop ------------------------------------------------ */

int st_simfix_pty(int *master, int *slave, char *path, size_t n, char *err)
{
	struct termios tio;
	const char *name;
	int m, sl;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return st_fail(err, ST_ERR_IO, "posix_openpt: %s", strerror(errno));
	if (grantpt(m) < 0 || unlockpt(m) < 0 || !(name = ptsname(m))) {
		st_seterr(err, "cannot set up the pty: %s", strerror(errno));
		close(m);
		return ST_ERR_IO;
	}
	st_strlcpy(path, name, n);
	sl = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (sl < 0) {
		st_seterr(err, "cannot open %s: %s", path, strerror(errno));
		close(m);
		return ST_ERR_IO;
	}
	if (tcgetattr(sl, &tio) == 0) {
		cfmakeraw(&tio);
		cfsetispeed(&tio, B115200);
		cfsetospeed(&tio, B115200);
		tcsetattr(sl, TCSANOW, &tio);
	}
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	*master = m;
	*slave = sl;
	return ST_OK;
}

int st_simfix_serve(struct st_simfix *s, int fd, struct st_clock *clock,
		    volatile sig_atomic_t *stop, char *err)
{
	char buf[512];
	double scale = st_clock_scale(clock);

	while (!*stop && !s->vanished) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec ts;
		double t = st_clock_now(clock), wait;

		st_simfix_tick(s, t);
		if (s->o.on_tick)
			s->o.on_tick(s->o.tick_ctx, t);
		while (s->outlen > 0) {
			ssize_t w = write(fd, s->out, s->outlen);

			if (w <= 0) {
				if (w < 0 && errno != EAGAIN && errno != EINTR)
					return st_fail(err, ST_ERR_IO, "write to pty: %s",
						       strerror(errno));
				/* nobody reads: keep what fits, drop the rest later */
				if (s->outlen > OUTCAP / 2)
					s->outlen = 0;
				break;
			}
			memmove(s->out, s->out + w, s->outlen - (size_t)w);
			s->outlen -= (size_t)w;
		}
		/* wake for the next timer, and at least every 10 ms of wall time
		 * so the headset's LED patterns go out promptly */
		wait = (st_simfix_next_deadline(s) - t) / scale;
		if (wait > 0.010)
			wait = 0.010;
		if (wait < 0)
			wait = 0;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(wait * 1e9);
		if (ppoll(&pfd, 1, &ts, NULL) < 0) {
			if (errno == EINTR)
				continue;
			return st_fail(err, ST_ERR_IO, "poll on pty: %s", strerror(errno));
		}
		if (pfd.revents & POLLIN) {
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r > 0)
				st_simfix_input(s, st_clock_now(clock), buf, (size_t)r);
			else if (r == 0)
				break; /* a socket's peer closed it */
		}
	}
	return ST_OK;
}
