/*
 * dispositions.c - what to do with a unit, as data: one row per disposition
 * id (enum st_disp) with the disposition a run stores and prints, one line
 * for the technician, advice for the customer where the seeds give it, and
 * the seed sentence it comes from.  The sequencer's findings name a row by
 * id (never a free string); the first row of each stored name is its
 * general row, the one st_disposition_find returns.  One row a line:
 * {id, stored name, what to do, customer advice, seed quote}.
 *
 * Quotes are verbatim from /work/shared/seeds (000: "How to Reset Sony
 * Wireless Headphones...", 001: "How to Reset My MDR Sony Wireless
 * Headphones..."); a row without a seed rule has none.
 */
#include "seq.h"

#include <string.h>

static const struct st_disposition table[ST_DISP_COUNT] = {
	/* ---- general rows, one per stored disposition ---- */
	[ST_DISP_RETEST] = {ST_DISP_RETEST, "retest", "retest the unit: the station could not judge it (bench fault, abort or refusal); the unit is not blamed", NULL, NULL},
	[ST_DISP_SERVICE] = {ST_DISP_SERVICE, "service", "send to service: the unit failed a check that a reset does not fix", NULL, NULL},
	[ST_DISP_SERVICE_CENTRE] = {ST_DISP_SERVICE_CENTRE, "service-centre", "send to a Sony service centre: a fault the bench cannot repair", NULL, NULL},
	[ST_DISP_SERVICE_ANC] = {ST_DISP_SERVICE_ANC, "service-anc", "send to ANC service: noise cancelling is outside its limits", NULL, NULL},
	[ST_DISP_CHARGE] = {ST_DISP_CHARGE, "charge-and-retest", "charge the unit and retest: no reset is attempted below the battery minimum", NULL, "seed 000: \"Never attempt resets on sub-10% battery\""},
	[ST_DISP_CHECK_MODEL] = {ST_DISP_CHECK_MODEL, "check-model", "read the model label inside the left earcup (under the cushion) and rerun with that --model", NULL, "seed 001: \"Always confirm your model number first\""},
	[ST_DISP_CLEAN_MIC] = {ST_DISP_CLEAN_MIC, "clean-mic-grilles", "inspect the mesh grilles with a 10x magnifier, clean them with an ultra-soft brush (no compressed air) and retest", "if muffled call audio persists after a reset, have the microphone grilles checked for blockage; a corrupt app configuration can sound the same: clear the app's cache (Android: App Settings > Storage > Clear Cache; iOS: export the EQ presets, then reinstall the app, seed 000)", "seed 000: \"inspect mesh grilles with 10x magnifier and clean with ultra-soft brush\""},
	[ST_DISP_CLEAN_PORT] = {ST_DISP_CLEAN_PORT, "clean-port", "clean the charging port and retest", NULL, NULL},
	[ST_DISP_FIX_MODEL] = {ST_DISP_FIX_MODEL, "fix-model-data", "fix the model file: a procedure would break a safety rule; the unit was not touched", NULL, NULL},
	[ST_DISP_REMOVE_HEAD] = {ST_DISP_REMOVE_HEAD, "remove-from-head", "take the unit off the head, place it flat on a non-conductive surface with no metal within 15 cm, and retest", "always remove the headphones and place them flat before a reset", "seed 001: proximity sensors \"may abort reset if they detect 'worn' state\""},
	[ST_DISP_REPLACE_SWITCH] = {ST_DISP_REPLACE_SWITCH, "replace-switch", "clean the switch cavity with >90% isopropyl alcohol, let it dry 30 min and retest; replace the switch if it still fails", "press the button with firm, centred pressure", "seed 001: \"This almost always indicates degraded tact switches\""},
	[ST_DISP_TRICKLE] = {ST_DISP_TRICKLE, "trickle-charge-12h", "leave the unit on the original charger for 12 hours, then retest", "charge for 4 hours with the original USB-A charger; if the LED blinks amber rapidly, leave it connected for 12 hours", "seed 001: \"the battery protection IC has tripped. Leave connected for 12 hours\""},
	[ST_DISP_WAIT_6H] = {ST_DISP_WAIT_6H, "wait-6h-and-retest", "set the unit aside for 6 hours, then retest", NULL, "seed 001: \"soft-brick the touch interface for 4-6 hours\""},
	[ST_DISP_NO_FAULT] = {ST_DISP_NO_FAULT, "no-fault-found", "return the unit to the customer: no fault found", "the headset is fine; the cause is outside it. Firmware desync: force the update in Sony Headphones Connect (gear icon > Update Firmware > Check Now, twice, even if it says up to date). iPhone Bluetooth stack: Settings > Bluetooth > (i) > Forget This Device, reboot the phone before pairing again. Multipoint lock: disable multipoint in the app, pair one device, soft reset, re-enable multipoint. App cache: Android App Settings > Storage > Clear Cache (not data); iOS export the EQ presets, then delete and reinstall the app. iOS 17.5+: turn off the randomized Bluetooth MAC address (Settings > Privacy & Security > Bluetooth)", "seed 000: \"These five less-discussed causes account for 73% of unresolved cases\""},
	[ST_DISP_GOLDEN_OK] = {ST_DISP_GOLDEN_OK, "golden-ok", "the golden unit still measures as it should: keep it in service", NULL, NULL},
	[ST_DISP_RESET_SOFT_DONE] = {ST_DISP_RESET_SOFT_DONE, "reset-soft-done", "soft reset done and verified", "if it locks up again while switching between 3 or more devices: disable multipoint in Sony Headphones Connect, pair to one device, soft reset, then re-enable multipoint", "seed 000: \"Disable multipoint temporarily in app → pair to one device → perform soft reset → re-enable multipoint\""},
	[ST_DISP_RESET_BT_DONE] = {ST_DISP_RESET_BT_DONE, "reset-bluetooth-done", "Bluetooth reset done and verified: pair the unit again", "before pairing again on an iPhone: Settings > Bluetooth > (i) > Forget This Device, then reboot the phone; on iOS 17.5+ also turn off the randomized Bluetooth MAC address (Settings > Privacy & Security > Bluetooth, seed 001)", "seed 000: \"“Forget This Device,” then reboot phone *before* re-pairing\""},
	[ST_DISP_RESET_FACTORY_DONE] = {ST_DISP_RESET_FACTORY_DONE, "reset-factory-done", "factory reset done and verified", "restore exported settings in Sony Headphones Connect; ANC relearns over 2-3 days; the reset clears the firmware update flags, so force the update (gear icon > Update Firmware > Check Now, twice); forget the headphones on the phone and reboot it before pairing", "seed 000: \"it takes ~24-48 hours of regular use for the headphones to relearn optimal filter coefficients\""},
	[ST_DISP_RETURN_TO_STOCK] = {ST_DISP_RETURN_TO_STOCK, "return-to-stock", "return the unit to stock: it passed triage", NULL, NULL},
	[ST_DISP_HARDWARE_RMA] = {ST_DISP_HARDWARE_RMA, "hardware-rma", "request a hardware RMA: a driver's response breaks up (oxidized driver leads, cracked flex cables near the hinges, or the DAC output stage); resets only affect software and firmware", "covered by Sony's 2-year warranty under 'audio performance degradation'", "seed 001: \"Those symptoms point to hardware faults ... If crackling persists post-reset, request an RMA\""},
	[ST_DISP_FIXED] = {ST_DISP_FIXED, "fixed-by-", "return the unit to the customer: the named ladder rung fixed it", "if it comes back the cause may be outside the headset: force the firmware update (Sony Headphones Connect > gear icon > Update Firmware > Check Now, twice); forget the headphones on the phone and reboot it before pairing; with 3 or more devices disable multipoint, pair one device, soft reset, re-enable multipoint", "seed 000: \"using the Bluetooth pairing reset first, then soft reset, *then* factory reset\""},

	/* ---- causes: a stored disposition above, with their own seed rule ---- */
	[ST_DISP_STATION_FAULT] = {ST_DISP_STATION_FAULT, "retest", "retest: the bench failed (fixture, audio, limits), never the unit", NULL, NULL},
	[ST_DISP_ABORT] = {ST_DISP_ABORT, "retest", "retest: the operator stopped the run", NULL, NULL},
	[ST_DISP_ESCALATION] = {ST_DISP_ESCALATION, "retest", "retest with a plan that tries the Bluetooth and soft resets before a factory reset", NULL, "seed 000: Bluetooth reset first, then soft, then factory - \"never skipping steps\""},
	[ST_DISP_UNJUDGEABLE] = {ST_DISP_UNJUDGEABLE, "retest", "retest in a quiet room with the unit seated on the acoustic fixture: the capture could not be judged", NULL, NULL},
	[ST_DISP_BATTERY_LOW] = {ST_DISP_BATTERY_LOW, "charge-and-retest", "charge the unit and retest: no reset is attempted below the battery minimum", NULL, "seed 000: \"voltage instability can brick the BT controller\""},
	[ST_DISP_WRONG_MODEL] = {ST_DISP_WRONG_MODEL, "check-model", "read the model label inside the left earcup and rerun with that --model", NULL, "seed 001: XM3 steps on an XM4 \"soft-brick the touch interface\""},
	[ST_DISP_PHANTOM_RESETS] = {ST_DISP_PHANTOM_RESETS, "clean-port", "clean the USB-C port with 99% isopropyl alcohol and an anti-static brush, then retest", NULL, "seed 000: corrosion on the charging port \"causing phantom resets\""},
	[ST_DISP_PORT_LINT] = {ST_DISP_PORT_LINT, "clean-port", "clear the port with a 0.3 mm brass brush (no toothpicks, no compressed air), then retest", NULL, "seed 001: lint \"causes false 'connection detected' signals that block reset logic\""},
	[ST_DISP_EEPROM] = {ST_DISP_EEPROM, "service-centre", "send to a Sony service centre: the reset failed its EEPROM write", NULL, "seed 001: \"red blink = failed EEPROM write\""},
	[ST_DISP_FIRMWARE_CORRUPT] = {ST_DISP_FIRMWARE_CORRUPT, "service-centre", "send to a Sony service centre to reflash the firmware", NULL, "seed 001: \"Only Sony service centers can reflash this\""},
	[ST_DISP_BT_DEAD] = {ST_DISP_BT_DEAD, "service-centre", "send to a Sony service centre: the Bluetooth controller does not start", NULL, NULL},
	[ST_DISP_UNIT_DEAD] = {ST_DISP_UNIT_DEAD, "service-centre", "send to a Sony service centre: the unit neither answers nor charges", NULL, NULL},
	[ST_DISP_NOT_FIXED] = {ST_DISP_NOT_FIXED, "service-centre", "send to a Sony service centre: no reset restored the Bluetooth link", NULL, NULL},
	[ST_DISP_NO_RESPONSE] = {ST_DISP_NO_RESPONSE, "service", "send to service: the unit did not respond to its reset as its model must", NULL, NULL},
	[ST_DISP_WIPES] = {ST_DISP_WIPES, "service", "send to service: the reset did not wipe or keep what its model says", NULL, NULL},
	[ST_DISP_MIC_POLARITY] = {ST_DISP_MIC_POLARITY, "service", "send to service: a microphone is wired inverted (wiring or firmware)", NULL, NULL},
	[ST_DISP_DSP_FIRMWARE] = {ST_DISP_DSP_FIRMWARE, "service", "send to service: the voice assistant answers late or not at all", "after service, keep the firmware current: Sony Headphones Connect > gear icon > Update Firmware > Check Now, twice, even if it says up to date (seed 000)", "seed 001: \">2.5s means the DSP firmware didn't reload properly\""},
	[ST_DISP_ANC_RAMP] = { ST_DISP_ANC_RAMP, "service-anc",
		"send to ANC service: the ANC ramp-up is outside 22-38 s",
		NULL, "seed 001: outside 22-38 s, \"Microphone bias voltage misconfigured\"" },
	[ST_DISP_PAIRING] = {ST_DISP_PAIRING, "service", "send to service: the reset left the pairing table as it was (name suffix or the address's first 3 octets)", "on iPhone: Settings > Privacy & Security > Bluetooth, turn off the randomized MAC address per network, then forget the headphones and pair again", "seed 001: \"Pairing table corruption persists\""},
	[ST_DISP_BATTERY_REPORT] = {ST_DISP_BATTERY_REPORT, "service-centre", "send to a Sony service centre: the battery report is not linear (EEPROM battery profile)", NULL, "seed 001: \"Jumps of >8% indicate EEPROM calibration failure\""},
	[ST_DISP_CALIBRATION] = {ST_DISP_CALIBRATION, "retest", "calibrate the bench's open ear (station calibrate: take the headset off the acoustic test fixture), then retest: the reference is missing, altered or too old; the unit is not blamed", NULL, NULL},
	[ST_DISP_BACKUP] = {ST_DISP_BACKUP, "back-up-settings-first", "have the customer export their settings (Sony Headphones Connect > Settings > Sound Adjustments > Export Settings), then rerun the factory reset", "export your EQ, ANC and touch settings before the reset and import them after it", "seed 000: \"Reserve this only when soft resets fail *and* you've backed up your settings\""},
};

const struct st_disposition *st_disposition(enum st_disp id)
{
	return (unsigned)id < ST_DISP_COUNT ? &table[id] : NULL;
}

const struct st_disposition *st_disposition_find(const char *name)
{
	size_t fixed = strlen(table[ST_DISP_FIXED].name);

	if (!name)
		return NULL;
	for (int i = 0; i < ST_DISP_COUNT; i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	if (!strncmp(name, table[ST_DISP_FIXED].name, fixed) && name[fixed])
		return &table[ST_DISP_FIXED];
	return NULL;
}
