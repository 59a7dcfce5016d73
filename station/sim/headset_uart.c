/*
 * headset_uart.c - the simulated headset's factory-test UART
 * (docs/unit-uart.md): one command line in (INFO, ITEMS, LINKTEST,
 * KEYTEST, KEYS, ADV, SWEEP, PLAY, ANC), one reply line out; a dead unit does not
 * answer.
 */
#include "headset_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/st.h"

/* ---- factory-test UART ------------------------------------------------------------ */

struct outbuf {
	char *s;
	size_t n, len;
};

static void out(struct outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(struct outbuf *o, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (o->len + 1 >= o->n)
		return;
	va_start(ap, fmt);
	r = vsnprintf(o->s + o->len, o->n - o->len, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	o->len += (size_t)r;
	if (o->len >= o->n)
		o->len = o->n - 1;
}


static const char *const info_keys[] = {
	"model", "serial", "fw", "battery", "bt_addr", "paired", "power", "bt", "touch",
	"usb", "worn", "in_case", "lid", "anc", "boots", "uptime", "overhold", "keytest",
};

static int is_info_key(const char *s)
{
	for (size_t i = 0; i < ST_ARRAY_SIZE(info_keys); i++)
		if (!strcmp(info_keys[i], s))
			return 1;
	return 0;
}

static void reply_info(struct st_headset *h, struct outbuf *o)
{
	const char *bt = hs_bt_state(h);
	char model[ST_NAME_LEN];

	if (!strcmp(bt, "limbo"))
		bt = "pairing";    /* seed 000: shows "Pairing Mode" but won't connect */
	/* values carry no spaces: "LinkBuds S" is reported as LinkBuds_S */
	st_strlcpy(model, h->reported, sizeof(model));
	for (char *c = model; *c; c++)
		if (*c == ' ')
			*c = '_';
	out(o, "model=%s serial=%s fw=%s battery=%.0f bt_addr=%s paired=%d power=%s bt=%s "
	    "touch=%s usb=%d worn=%d in_case=%d lid=%s anc=%s boots=%d uptime=%.0f "
	    "overhold=%d keytest=%s",
	    model, h->serial, h->fw, floor(hs_battery_reported(h) + 1e-6), h->bt_addr, h->paired,
	    h->powered ? "on" : "off", bt, h->touch_until != 0 ? "bricked" : "ok",
	    hs_usb_detected(h), h->worn, h->in_case, h->lid_closed ? "closed" : "open",
	    h->powered && h->anc_on ? "on" : "off", h->boots,
	    h->powered ? floor(h->now - h->booted_at) : 0.0, h->overholds,
	    h->keytest ? "on" : "off");
	for (int it = 0; it < ST_ITEM_COUNT; it++) {
		const char *name = st_item_name((enum st_item)it);

		if (!is_info_key(name))
			out(o, " %s=%s", name, h->items[it] ? "custom" : "default");
	}
}

static void reply_items(struct st_headset *h, struct outbuf *o)
{
	for (int it = 0; it < ST_ITEM_COUNT; it++)
		out(o, "%s%s=%s", it ? " " : "", st_item_name((enum st_item)it),
		    h->items[it] ? "custom" : "default");
}

int st_headset_uart(struct st_headset *h, double t, const char *cmd, char *reply, size_t n)
{
	char line[128], *w, *arg;
	struct outbuf o;

	if (!reply || !n)
		return ST_ERR_ARG;
	reply[0] = '\0';
	if (!h || !cmd)
		return ST_ERR_ARG;
	st_headset_advance(h, t);
	if (!alive(h))
		return ST_ERR_TIMEOUT;
	o.s = reply;
	o.n = n;
	o.len = 0;
	st_strlcpy(line, cmd, sizeof(line));
	w = st_trim(line);
	for (arg = w; *arg && !isspace((unsigned char)*arg); arg++)
		;
	if (*arg)
		*arg++ = '\0';
	arg = st_trim(arg);

	if (!strcasecmp(w, "INFO") && !*arg) {
		reply_info(h, &o);
	} else if (!strcasecmp(w, "ITEMS") && !*arg) {
		reply_items(h, &o);
	} else if (!strcasecmp(w, "LINKTEST") && !*arg) {
		const char *bt = hs_bt_state(h);

		out(&o, "link=%s", !strcmp(bt, "connected") || !strcmp(bt, "pairing") ? "ok" : "fail");
	} else if (!strcasecmp(w, "KEYTEST") && (!strcasecmp(arg, "ON") || !strcasecmp(arg, "OFF"))) {
		if (!h->powered) {
			out(&o, "ERR powered off");
		} else {
			h->keytest = !strcasecmp(arg, "ON");
			memset(h->keycount, 0, sizeof(h->keycount));
			h->g.clean = 0;
			out(&o, "keytest=%s", h->keytest ? "on" : "off");
		}
	} else if (!strcasecmp(w, "KEYS") && !*arg) {
		if (!h->keytest) {
			out(&o, "ERR keytest off");
		} else {
			for (int i = 0; i < h->m->ncontrols; i++)
				out(&o, "%s%s=%d", i ? " " : "", h->m->controls[i].name, h->keycount[i]);
		}
	} else if (!strcasecmp(w, "ADV") && !*arg) {
		char name[ST_NAME_LEN + 8];

		if (!h->powered || h->bt_bricked) {
			out(&o, "ERR not advertising");
		} else {
			hs_adv_name(h, name, sizeof(name));
			out(&o, "name=%s addr=%s", name, h->bt_addr);
		}
	} else if (!strcasecmp(w, "SWEEP")) {
		double lead = 0.3;

		if (*arg && (st_parse_double(arg, &lead) != ST_OK || !(lead >= 0 && lead <= 60)))
			out(&o, "ERR lead 0..60 s");
		else if (!h->powered)
			out(&o, "ERR powered off");
		else {
			hs_fb_sweep(h, h->now + lead);
			out(&o, "sweep=on lead=%.3f", lead);
		}
	} else if (!strcasecmp(w, "PLAY")) {
		long vol;

		if (!strcasecmp(arg, "OFF")) {
			h->play_volume = 0;
			out(&o, "play=off");
		} else if (st_parse_int(arg, &vol) != ST_OK || vol < 1 || vol > 100) {
			out(&o, "ERR volume 1..100 or OFF");
		} else if (!h->powered || h->bt_bricked || h->bt_limbo) {
			out(&o, "ERR no link");
		} else {
			h->play_volume = (double)vol;
			out(&o, "play=%ld", vol);
		}
	} else if (!strcasecmp(w, "ANC") && (!strcasecmp(arg, "ON") || !strcasecmp(arg, "OFF"))) {
		if (!h->powered) {
			out(&o, "ERR powered off");
		} else {
			int on = !strcasecmp(arg, "ON");

			if (on && !h->anc_on)
				h->anc_since = h->now;
			h->anc_on = on;
			out(&o, "anc=%s", on ? "on" : "off");
		}
	} else {
		out(&o, "ERR unknown command");
	}
	return ST_OK;
}
