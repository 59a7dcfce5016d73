/*
 * headset_state.c - the simulated headset's state changes: a new
 * Bluetooth address, boot and reboot, power on and off, the bricked boot
 * loader, the Bluetooth state the unit reports, the preconditions a
 * procedure needs, and what a completed reset does (wipes its state items,
 * or fails its EEPROM write, bricks a sub-10 % controller, clears limbo).
 */
#include "headset_int.h"

#include <stdio.h>
#include <string.h>

#include "core/st.h"

/* ---- unit state changes --------------------------------------------------- */

void hs_new_bt_addr(struct st_headset *h)
{
	unsigned char o[6];
	char old[18];

	st_strlcpy(old, h->bt_addr, sizeof(old));
	if (old[0] && has(h, F_PAIRING_CORRUPT)) {
		/* seed 001: "Pairing table corruption persists" - the reset
		 * renews only the device part; the first 3 octets stay */
		for (int i = 3; i < 6; i++)
			o[i] = (unsigned char)(rnd(h) >> 24);
		snprintf(h->bt_addr + 8, sizeof(h->bt_addr) - 8, ":%02X:%02X:%02X", o[3], o[4], o[5]);
		return;
	}
	do {
		for (int i = 0; i < 6; i++)
			o[i] = (unsigned char)(rnd(h) >> 24);
		o[0] &= 0xfc;   /* globally administered unicast */
		snprintf(h->bt_addr, sizeof(h->bt_addr), "%02X:%02X:%02X:%02X:%02X:%02X",
			 o[0], o[1], o[2], o[3], o[4], o[5]);
	} while (old[0] && !strncmp(old, h->bt_addr, 8));
}

/* The firmware starts: after power-on, a soft reset or a phantom reset.
 * The `ram` state item is left to the procedures that wipe it. */
void hs_boot(struct st_headset *h, double t)
{
	h->boots++;
	h->booted_at = t;
	h->anc_on = 1;
	h->anc_since = t;
	h->keytest = 0;
	memset(h->keycount, 0, sizeof(h->keycount));
}

/* A reboot while running (soft or phantom reset) forgets gestures in
 * progress.  (A power-on by the slide switch does not: the XB950N1 reset
 * holds CALL across it.) */
void hs_reboot(struct st_headset *h, double t)
{
	hs_boot(h, t);
	hs_matchers_reset(h);
	h->g.clean = 0;        /* a hold across a reboot is no gesture */
}

void hs_power_on(struct st_headset *h, double t)
{
	if (h->powered || !alive(h))
		return;
	h->powered = 1;
	hs_boot(h, t);
}

void hs_power_off(struct st_headset *h)
{
	h->powered = 0;
	h->play_volume = 0;
	h->anc_on = 0;
	h->keytest = 0;
}

void hs_brick_bootloader(struct st_headset *h)
{
	h->bootloader_corrupt = 1;
	h->powered = 0;
	h->play_volume = 0;
	h->anc_on = 0;
	h->keytest = 0;
	st_strlcpy(h->fw, "unknown", sizeof(h->fw));
}

const char *hs_bt_state(const struct st_headset *h)
{
	if (h->bootloader_corrupt)
		return "dead";
	if (!h->powered)
		return "off";
	if (h->bt_bricked)
		return "dead";
	if (h->bt_limbo)
		return "limbo";
	return h->paired > 0 ? "connected" : "pairing";
}

int hs_preconditions_ok(const struct st_headset *h, const struct cproc *cp, int powered)
{
	unsigned pre = cp->p->preconditions;

	if (!alive(h) || h->keytest || hs_resets_blocked(h))
		return 0;
	if ((pre & ST_PRE_POWERED_ON) && !powered)
		return 0;
	if ((pre & ST_PRE_POWERED_OFF) && powered)
		return 0;
	if ((pre & ST_PRE_IN_CASE) && !h->in_case)
		return 0;
	if ((pre & ST_PRE_LID_CLOSED) && !h->lid_closed)
		return 0;
	if ((pre & ST_PRE_NOT_WORN) && h->worn)
		return 0;
	if (h->m->wear == ST_WEAR_ABORTS && h->worn)
		return 0;
	return 1;
}

void hs_complete_reset(struct st_headset *h, struct cproc *cp, double t, double fb_end)
{
	const struct st_procedure *p = cp->p;
	/* seed 000: bricking is "sub-10%" for every model; the earbuds' 20 %
	 * is about resetting out of the case, not about harm */
	if (h->battery < BRICK_BATTERY)
		h->bt_bricked = 1;    /* seed 000: voltage instability bricks the BT controller */
	if (has(h, F_EEPROM_FAIL)) {
		struct st_led_expect le;

		memset(&le, 0, sizeof(le));
		st_strlcpy(le.where, led_default_where(h), sizeof(le.where));
		for (int i = 0; i < p->nsteps; i++)
			if (p->steps[i].op == ST_OP_EXPECT_LED && p->steps[i].led.where[0]) {
				st_strlcpy(le.where, p->steps[i].led.where, sizeof(le.where));
				break;
			}
		st_strlcpy(le.colors[0], "red", sizeof(le.colors[0]));
		le.ncolors = 1;
		st_strlcpy(le.pattern, "flash", sizeof(le.pattern));
		le.count = EEPROM_FLASHES;
		hs_led_pattern(h, &le, fb_end, 1);
		h->failed++;
		return;
	}
	for (int it = 0; it < ST_ITEM_COUNT; it++) {
		if (!(p->wipes & (1u << it)))
			continue;
		h->items[it] = 0;
		if (it == ST_ITEM_PAIRED)
			h->paired = 0;
		else if (it == ST_ITEM_BT_ADDR)
			hs_new_bt_addr(h);
	}
	h->resets[p->kind]++;
	h->last_reset = p->kind;
	if (p->kind == ST_RESET_FACTORY)
		h->bt_limbo = 0;   /* seed 000: a factory reset "clears corrupted
		                    * Bluetooth stack caches" */
	if (p->kind == ST_RESET_SOFT) {
		h->last_soft = t;
		if (h->limbo_tried < 0)
			h->limbo_tried = t;
		hs_reboot(h, t);
	} else if (p->kind == ST_RESET_BLUETOOTH) {
		if (h->limbo_tried < 0)
			h->limbo_tried = t;
		if (h->bt_limbo && h->last_soft >= 0 && t - h->last_soft <= LIMBO_CHAIN + EPS)
			h->bt_limbo = 0;
	}
}
