/*
 * simfix_proto.c - the simulated fixture's station-protocol side: one
 * handler per request of docs/fixture-protocol.md, dispatched from a
 * table, with the argument checks in the order the protocol page gives
 * (syntax, then range, then state).  The reference emulator: the page and
 * this file must agree.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/st.h"
#include "simfix_int.h"

/* ---- protocol mode ----------------------------------------------------- */

static int arg_mask(struct st_simfix *s, const struct st_msg *m, int i, unsigned *mask)
{
	if (st_proto_parse_mask(m->argv[i], mask)) {
		sf_reply(s, "ERR %u %d bad channel mask '%s'", m->seq, ST_PE_SYNTAX, m->argv[i]);
		return -1;
	}
	if (!*mask || (*mask & ~sf_valid_mask(s))) {
		sf_reply(s, "ERR %u %d channel mask 0x%x: this fixture has channels 0..%d",
		      m->seq, ST_PE_CHANNEL, *mask, s->nchan - 1);
		return -1;
	}
	return 0;
}

static int arg_ms(struct st_simfix *s, const struct st_msg *m, int i, unsigned long *v)
{
	if (st_proto_parse_uint(m->argv[i], 0xffffffffUL, v)) {
		sf_reply(s, "ERR %u %d bad duration '%s'", m->seq, ST_PE_SYNTAX, m->argv[i]);
		return -1;
	}
	if (*v < 1 || *v > ST_PROTO_MAX_HOLD_MS) {
		sf_reply(s, "ERR %u %d duration %lu ms outside 1..%d", m->seq, ST_PE_LIMIT, *v,
		      ST_PROTO_MAX_HOLD_MS);
		return -1;
	}
	return 0;
}

static int arg_bool(struct st_simfix *s, const struct st_msg *m, int i, int *v)
{
	if (strcmp(m->argv[i], "0") && strcmp(m->argv[i], "1")) {
		sf_reply(s, "ERR %u %d expected 0 or 1, not '%s'", m->seq, ST_PE_SYNTAX, m->argv[i]);
		return -1;
	}
	*v = m->argv[i][0] == '1';
	return 0;
}

static int nargs(struct st_simfix *s, const struct st_msg *m, int n)
{
	if (m->argc == n)
		return 0;
	sf_reply(s, "ERR %u %d %s takes %d argument%s", m->seq, ST_PE_ARGS, m->verb, n,
	      n == 1 ? "" : "s");
	return -1;
}

static void cmd_hello(struct st_simfix *s, double t, const struct st_msg *m)
{
	unsigned long v;

	if (nargs(s, m, 1))
		return;
	if (st_proto_parse_uint(m->argv[0], 1000, &v) || v != ST_PROTO_VERSION) {
		sf_reply(s, "ERR %u %d this fixture speaks protocol %d", m->seq, ST_PE_VERSION,
		      ST_PROTO_VERSION);
		return;
	}
	s->session = 1;
	sf_log(s, "host said HELLO: session open");
	sf_reply(s, "OK %u HELLO proto=%d fw=%s name=%s channels=%d scale=%g wd=%lld "
	      "caps=press,hold,led,sound,uart,charge,wear,battery,place,slide,watchdog t=%lld",
	      m->seq, ST_PROTO_VERSION, FW, s->map.name, s->nchan, s->o.scale, sf_ms(s->wd),
	      sf_tms(s, t));
}

static void cmd_press(struct st_simfix *s, double t, const struct st_msg *m, int hold)
{
	unsigned mask;
	unsigned long d;

	if (nargs(s, m, 2) || arg_mask(s, m, 0, &mask) || arg_ms(s, m, 1, &d))
		return;
	if (mask & s->closed) {
		sf_reply(s, "ERR %u %d channel(s) 0x%x already closed", m->seq, ST_PE_BUSY,
		      mask & s->closed);
		return;
	}
	for (int ch = 0; ch < s->nchan; ch++)
		if (mask & (1u << ch)) {
			s->end[ch] = t + (double)d / 1000.0;
			st_strlcpy(s->why[ch], hold ? "limit" : "done", sizeof(s->why[ch]));
		}
	sf_set_closed(s, t, s->closed | mask, hold ? "hold" : "press");
	sf_reply(s, "OK %u %s mask=0x%x until=%lld", m->seq, m->verb, mask,
		 sf_tms(s, t + (double)d / 1000.0));
}

/* Request handlers: the request is well formed; each checks its
 * arguments and answers. */
static void cmd_ping(struct st_simfix *s, double t, const struct st_msg *m)
{
	if (!nargs(s, m, 0))
		sf_reply(s, "OK %u PING t=%lld", m->seq, sf_tms(s, t));
}

static void cmd_status(struct st_simfix *s, double t, const struct st_msg *m)
{
	if (!nargs(s, m, 0))
		sf_reply(s, "OK %u STATUS closed=0x%x slides=0x%x charge=%d wear=%d case=%d "
			 "lid=%d wd=%lld t=%lld", m->seq, s->closed, s->slides, s->charge,
			 s->wear, s->in_case, s->lid, sf_ms(s->wd), sf_tms(s, t));
}

static void cmd_timed(struct st_simfix *s, double t, const struct st_msg *m)
{
	cmd_press(s, t, m, m->verb[0] == 'H');
}

static void cmd_release(struct st_simfix *s, double t, const struct st_msg *m)
{
	unsigned mask;

	if (nargs(s, m, 1) || arg_mask(s, m, 0, &mask))
		return;
	sf_set_closed(s, t, s->closed & ~mask, "release");
	sf_reply(s, "OK %u RELEASE closed=0x%x", m->seq, s->closed);
}

static void cmd_releaseall(struct st_simfix *s, double t, const struct st_msg *m)
{
	if (nargs(s, m, 0))
		return;
	sf_set_closed(s, t, 0, "releaseall");
	sf_reply(s, "OK %u RELEASEALL closed=0x0", m->seq);
}

static void cmd_slide(struct st_simfix *s, double t, const struct st_msg *m)
{
	unsigned long ch;
	int pos;

	if (nargs(s, m, 2))
		return;
	if (st_proto_parse_uint(m->argv[0], 0xffffffffUL, &ch)) {
		sf_reply(s, "ERR %u %d bad channel '%s'", m->seq, ST_PE_SYNTAX, m->argv[0]);
		return;
	}
	if (ch >= (unsigned long)s->nchan || !sf_is_slide(s, (int)ch)) {
		sf_reply(s, "ERR %u %d no slide actuator on channel %s", m->seq, ST_PE_CHANNEL,
			 m->argv[0]);
		return;
	}
	if (arg_bool(s, m, 1, &pos))
		return;
	st_headset_slide(s->h, t, sf_control_of(s, (int)ch), pos);
	s->slides = pos ? s->slides | (1u << ch) : s->slides & ~(1u << ch);
	sf_write_state(s, "slide");
	sf_reply(s, "OK %u SLIDE %lu %d", m->seq, ch, pos);
}

static void cmd_switch(struct st_simfix *s, double t, const struct st_msg *m)
{
	int on, charge = m->verb[0] == 'C';

	if (nargs(s, m, 1) || arg_bool(s, m, 0, &on))
		return;
	if (charge) {
		s->charge = on;
		st_headset_charge(s->h, t, on);
	} else {
		s->wear = on;
		st_headset_wear(s->h, t, on);
	}
	sf_write_state(s, charge ? "charge" : "wear");
	sf_reply(s, "OK %u %s %d", m->seq, m->verb, on);
}

static void cmd_place(struct st_simfix *s, double t, const struct st_msg *m)
{
	int c, l;

	if (nargs(s, m, 2) || arg_bool(s, m, 0, &c) || arg_bool(s, m, 1, &l))
		return;
	if (s->o.model->kind != ST_KIND_EARBUDS) {
		sf_reply(s, "ERR %u %d no earbud case on this harness", m->seq, ST_PE_UNSUPPORTED);
		return;
	}
	s->in_case = c;
	s->lid = l;
	st_headset_place(s->h, t, c, l);
	sf_reply(s, "OK %u PLACE %d %d", m->seq, c, l);
}

static void cmd_battery(struct st_simfix *s, double t, const struct st_msg *m)
{
	struct st_headset_view hv;

	if (nargs(s, m, 0))
		return;
	st_headset_view(s->h, &hv);
	/* the cell voltage the harness reads, linear 3.30 V .. 4.20 V */
	sf_reply(s, "OK %u BATTERY pct=%.1f v=%.3f charging=%d", m->seq, hv.battery,
		 hv.battery > 0 ? 3.3 + 0.9 * hv.battery / 100.0 : 0.0, s->charge);
}

static void cmd_uart(struct st_simfix *s, double t, const struct st_msg *m)
{
	char r[ST_PROTO_MAXLINE];
	int ret;

	if (!m->rest[0] || strlen(m->rest) > 200) {
		sf_reply(s, "ERR %u %d UART needs a line of 1..200 bytes", m->seq, ST_PE_UART);
		return;
	}
	ret = st_headset_uart(s->h, t, m->rest, r, UART_REPLY_MAX + 1);
	if (ret == ST_ERR_TIMEOUT) {
		sf_reply(s, "ERR %u %d unit did not answer on its test UART", m->seq,
			 ST_PE_UART_TIMEOUT);
		return;
	}
	if (ret || !st_proto_printable(r, strlen(r))) {
		sf_reply(s, "ERR %u %d unit sent an unprintable UART line", m->seq, ST_PE_UART);
		return;
	}
	sf_reply(s, "OK %u UART %s", m->seq, r);
}

static void cmd_watchdog(struct st_simfix *s, double t, const struct st_msg *m)
{
	unsigned long w;

	if (nargs(s, m, 1))
		return;
	if (st_proto_parse_uint(m->argv[0], 0xffffffffUL, &w)) {
		sf_reply(s, "ERR %u %d bad watchdog '%s'", m->seq, ST_PE_SYNTAX, m->argv[0]);
		return;
	}
	if (w < 100 || w > 600000) {
		sf_reply(s, "ERR %u %d watchdog must be 100..600000 ms", m->seq, ST_PE_LIMIT);
		return;
	}
	s->wd = fmax((double)w / 1000.0, WD_WALL_FLOOR * s->o.scale);
	sf_reply(s, "OK %u WATCHDOG wd=%lld", m->seq, sf_ms(s->wd));
}

static const struct {
	const char *verb;
	void (*fn)(struct st_simfix *s, double t, const struct st_msg *m);
	int anytime;         /* also outside a session */
} commands[] = {
	{ "HELLO", cmd_hello, 1 },       { "RELEASEALL", cmd_releaseall, 1 },
	{ "PING", cmd_ping, 0 },         { "STATUS", cmd_status, 0 },
	{ "PRESS", cmd_timed, 0 },       { "HOLD", cmd_timed, 0 },
	{ "RELEASE", cmd_release, 0 },   { "SLIDE", cmd_slide, 0 },
	{ "CHARGE", cmd_switch, 0 },     { "WEAR", cmd_switch, 0 },
	{ "PLACE", cmd_place, 0 },       { "BATTERY", cmd_battery, 0 },
	{ "UART", cmd_uart, 0 },         { "WATCHDOG", cmd_watchdog, 0 },
};

/* Session first (HELLO and RELEASEALL work outside one: RELEASEALL is
 * always safe), then the command. */
static void cmd_request(struct st_simfix *s, double t, const struct st_msg *m)
{
	size_t i;

	for (i = 0; i < ST_ARRAY_SIZE(commands); i++)
		if (!strcmp(m->verb, commands[i].verb))
			break;
	if (!s->session && (i == ST_ARRAY_SIZE(commands) || !commands[i].anytime)) {
		sf_reply(s, "ERR %u %d send HELLO %d first", m->seq, ST_PE_NOHELLO, ST_PROTO_VERSION);
		return;
	}
	if (i == ST_ARRAY_SIZE(commands)) {
		sf_reply(s, "ERR %u %d unknown command %s", m->seq, ST_PE_UNKNOWN, m->verb);
		return;
	}
	commands[i].fn(s, t, m);
}

void sf_proto_line(struct st_simfix *s, double t, const char *line, size_t len)
{
	struct st_msg *m;
	char e[ST_ERRLEN];
	int code = 0;

	if (len == 0) {
		/* empty lines resynchronise: no reply, but they are host activity */
		if (!s->silent && !s->vanished)
			s->last_rx = t;
		return;
	}
	if (sf_fault_gate(s, t))
		return;
	s->last_rx = t;
	if (s->o.verbose)
		sf_log(s, "<- %.*s", (int)len, line);
	m = malloc(sizeof(*m));
	if (!m)
		return;
	if (st_proto_parse_request(line, len, m, &code, e)) {
		unsigned long seq = 0;
		char w[8];
		size_t k = 0;

		/* echo the sequence number when the line starts with one */
		while (k < len && k < 6 && line[k] >= '0' && line[k] <= '9') {
			w[k] = line[k];
			k++;
		}
		w[k] = '\0';
		if (k && (k == len || line[k] == ' '))
			st_proto_parse_uint(w, 65535, &seq);
		sf_reply(s, "ERR %lu %d %s", seq, code ? code : ST_PE_SYNTAX, e);
	} else {
		cmd_request(s, t, m);
	}
	free(m);
}

