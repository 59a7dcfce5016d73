/*
 * model.h - a headset model as the station knows it: its controls, its
 * reset procedures (steps and expected feedback), what each reset keeps and
 * wipes, and the safety limits the seeds give for it.
 *
 * Everything here is loaded from a data file under fixtures/models/ (format
 * in docs/model-format.md); no procedure lives in code.  The same struct
 * drives the sequencer (what to press, what to expect, what to refuse) and
 * the simulated headset (what to accept, what feedback to give, what state
 * to change), so correcting a procedure is an edit to one file.
 */
#ifndef ST_MODEL_H
#define ST_MODEL_H

#include <stddef.h>

#define ST_NAME_LEN 32
#define ST_TEXT_LEN 160
#define ST_MAX_CONTROLS 16
#define ST_MAX_PROCS 8
#define ST_MAX_STEPS 24
#define ST_MAX_NOTES 12
#define ST_MAX_SERIAL_PREFIXES 4
/* Defaults of the optional timing keywords (docs/model-format.md). */
#define ST_MODEL_ANSWER_WITHIN 5.0   /* answer-within, s */
#define ST_MODEL_AFTER_FEEDBACK 0.6  /* after-feedback, s */

enum st_unit_kind { ST_KIND_HEADPHONES, ST_KIND_EARBUDS };
enum st_port_kind { ST_PORT_USB_C, ST_PORT_MICRO_USB };
/* What the seeds say the wear sensor does during a reset. */
enum st_wear_rule { ST_WEAR_NONE, ST_WEAR_REPORTS, ST_WEAR_ABORTS };

enum st_control_kind {
	ST_CTL_BUTTON,
	ST_CTL_TOUCH,       /* capacitive touch sensor */
	ST_CTL_SLIDE,       /* slide switch with positions off/on */
	ST_CTL_CASE_BUTTON, /* button on the charging case */
};

struct st_control {
	char name[ST_NAME_LEN];    /* e.g. "POWER", "NC_AMBIENT", "TOUCH_L" */
	enum st_control_kind kind;
	char where[ST_NAME_LEN];   /* "left", "right", "case" or "" */
};

/* State items a reset may preserve or wipe.  Fixed vocabulary: the data
 * files name them, the simulator stores them, the sequencer verifies them. */
enum st_item {
	ST_ITEM_PAIRED,    /* paired-device table (up to 8) */
	ST_ITEM_EQ,        /* custom EQ */
	ST_ITEM_ANC,       /* ANC profiles / strength */
	ST_ITEM_ASC,       /* Adaptive Sound Control zones, location history */
	ST_ITEM_STC,       /* Speak-to-Chat calibration */
	ST_ITEM_LDAC,      /* LDAC preference */
	ST_ITEM_DSEE,      /* DSEE Extreme setting */
	ST_ITEM_FIT,       /* custom fit calibration (earbuds) */
	ST_ITEM_TOUCH,     /* touch sensitivity / control mapping */
	ST_ITEM_WEAR,      /* wear-detection calibration, auto-pause */
	ST_ITEM_MIC_CAL,   /* microphone-array phase alignment */
	ST_ITEM_BMS_LOG,   /* battery-management EEPROM history */
	ST_ITEM_BT_ADDR,   /* Bluetooth address (renewed, not cleared) */
	ST_ITEM_FW_FLAGS,  /* firmware-update flags */
	ST_ITEM_RAM,       /* volatile state: hung processes, caches */
	ST_ITEM_COUNT
};
const char *st_item_name(enum st_item it);
int st_item_parse(const char *s, enum st_item *out);

enum st_reset_kind { ST_RESET_SOFT, ST_RESET_BLUETOOTH, ST_RESET_FACTORY, ST_RESET_COUNT };
const char *st_reset_name(enum st_reset_kind k);  /* "soft", "bluetooth", "factory" */
int st_reset_parse(const char *s, enum st_reset_kind *out);

enum st_step_op {
	ST_OP_HOLD,      /* press `controls` together for `seconds`, then release */
	ST_OP_PRESS,     /* start an untimed hold of `controls` */
	ST_OP_RELEASE,   /* release `controls` (0 = all held) */
	ST_OP_TAP,       /* `count` short taps of `controls`, `gap` s apart */
	ST_OP_SLIDE,     /* move slide switch `controls` to `position` */
	ST_OP_WAIT,      /* let `seconds` pass */
	ST_OP_EXPECT_LED,
	ST_OP_EXPECT_CHIME,
	ST_OP_EXPECT_PROMPT,
	ST_OP_EXPECT_TONE,
	ST_OP_CHARGE,    /* USB charge power on for `seconds` */
};

struct st_led_expect {
	char where[ST_NAME_LEN];  /* "main", "left", "right", "case" */
	char colors[2][ST_NAME_LEN]; /* one colour, or two for alternate/pulse */
	int ncolors;
	char pattern[ST_NAME_LEN];/* "blink", "flash", "pulse", "alternate", "solid" */
	int count;                /* flashes expected (0 = at least one) */
};

struct st_step {
	enum st_step_op op;
	unsigned controls;        /* bit mask of model control indices */
	double seconds;           /* hold length, wait, or charge time */
	double tolerance;         /* +- window on `seconds` (model default) */
	double start_within;      /* >0: must start within this of previous step's end */
	double within;            /* expectations: must be seen within this many s */
	int count;                /* taps, chime count */
	double gap;               /* seconds between taps */
	int position;             /* slide: 0 = off, 1 = on */
	struct st_led_expect led; /* ST_OP_EXPECT_LED */
	char text[ST_TEXT_LEN];   /* prompt text ("Resetting") */
	int line;                 /* line in the model file, for messages */
};

enum st_precond {
	ST_PRE_POWERED_ON = 1u << 0,
	ST_PRE_POWERED_OFF = 1u << 1,
	ST_PRE_IN_CASE = 1u << 2,     /* earbuds in the charging case */
	ST_PRE_LID_CLOSED = 1u << 3,
	ST_PRE_NOT_WORN = 1u << 4,
};

struct st_procedure {
	enum st_reset_kind kind;
	int present;              /* 0: the seeds give no such procedure */
	int generic;              /* 1: taken from the seeds' generic text */
	char absent_reason[ST_TEXT_LEN]; /* why present == 0 */
	char source[ST_TEXT_LEN]; /* seed and quote it comes from */
	unsigned preconditions;   /* ST_PRE_* bits */
	double battery_min;       /* %: refuse below this (model default) */
	struct st_step steps[ST_MAX_STEPS];
	int nsteps;
	unsigned wipes;           /* bit mask of enum st_item */
	unsigned preserves;       /* bit mask of enum st_item */
	int line;                 /* line of the `procedure` keyword */
};

/* A gesture the seeds say harms this model (a 20 s POWER hold on the
 * WH-1000XM5, another model's reset on an MDR-1000XM4).  The sequencer
 * refuses any step that would make one; the simulator suffers it. */
enum st_hazard_effect {
	ST_HAZ_SHUTDOWN,     /* forced shutdown, may corrupt the boot loader */
	ST_HAZ_TOUCH_BRICK,  /* touch interface soft-bricked for `hours` */
	ST_HAZ_BT_BRICK,     /* Bluetooth controller bricked */
};
#define ST_MAX_HAZARDS 4
struct st_hazard {
	unsigned controls;         /* controls held together */
	double seconds;            /* held at least this long */
	enum st_hazard_effect effect;
	double hours;              /* how long the effect lasts (0 = until repaired) */
	char source[ST_TEXT_LEN];  /* seed and quote */
	int line;
};

struct st_model {
	char id[ST_NAME_LEN];        /* "WH-1000XM5" */
	char name[ST_TEXT_LEN];      /* "Sony WH-1000XM5" */
	char identity[ST_NAME_LEN];  /* what the unit reports over its UART */
	char source[ST_TEXT_LEN];    /* seed(s) the data comes from */
	enum st_unit_kind kind;
	enum st_port_kind port;
	double battery_min;          /* % below which no reset is attempted */
	double factory_battery_min;  /* % below which no factory reset */
	double tolerance;            /* default timing tolerance, s (0.3) */
	double max_hold;             /* never hold any control longer, s */
	double power_on_hold;        /* hold POWER this long to power on */
	double power_off_hold;       /* ... and to power off */
	double answer_within;        /* s the unit may take to answer on its UART
				      * after a power-on, a reset or a placing
				      * in its case (`answer-within`, default 5) */
	double after_feedback;       /* s the LED is watched after a procedure's
				      * last expected feedback: red EEPROM
				      * flashing, extra flashes (`after-feedback`,
				      * default 0.6) */
	unsigned power_controls;     /* controls that power it on/off (mask;
				      * default POWER; 0 = none) */
	enum st_wear_rule wear;
	int mics;                    /* microphones in the array (0 = unknown) */
	char serial_prefix[ST_MAX_SERIAL_PREFIXES][ST_NAME_LEN]; /* serials that begin
				      * with one of these are this model */
	int nserial_prefix;
	struct st_control controls[ST_MAX_CONTROLS];
	int ncontrols;
	struct st_procedure procs[ST_RESET_COUNT]; /* indexed by st_reset_kind */
	struct st_hazard hazards[ST_MAX_HAZARDS];
	int nhazards;
	char notes[ST_MAX_NOTES][ST_TEXT_LEN];     /* seed disagreements etc. */
	int nnotes;
	char path[256];              /* file it was loaded from */
	int id_line, id_col;         /* where the file states the id */
};

/* Parse a model file.  On error returns ST_ERR_PARSE (or ST_ERR_IO /
 * ST_ERR_NOTFOUND) and err says "file:line:col: what". */
int st_model_load(const char *path, struct st_model *m, char *err);
/* Parse from memory; `name` is used in messages.  The _buf form takes len
 * bytes, so a NUL byte in them is refused rather than ending the text. */
int st_model_parse(const char *name, const char *text, struct st_model *m, char *err);
int st_model_parse_buf(const char *name, const char *buf, size_t len, struct st_model *m,
		       char *err);
/* Find fixtures/models/<id>.model under `dir` (case-insensitive id). */
int st_model_find(const char *dir, const char *id, struct st_model *m, char *err);
/* List model ids in `dir`, sorted; returns count (<= max) or negative. */
int st_model_list(const char *dir, char ids[][ST_NAME_LEN], int max, char *err);

int st_model_control(const struct st_model *m, const char *name); /* index or -1 */
/* "POWER+VOL_UP" -> mask; ST_ERR_NOTFOUND names the bad control in err. */
int st_model_controls_parse(const struct st_model *m, const char *spec,
			    unsigned *mask, char *err);
/* mask -> "POWER+VOL_UP" */
void st_model_controls_str(const struct st_model *m, unsigned mask, char *buf, size_t n);
const struct st_procedure *st_model_proc(const struct st_model *m, enum st_reset_kind k);
/* One step as text, in the model-file syntax: "hold POWER 12 tolerance 0.3",
 * "expect led main orange blink 3 within 3". */
void st_model_step_str(const struct st_model *m, const struct st_step *s,
		       char *buf, size_t n);
/* The one safety check for holds and hazards (the model parser's and the
 * sequencer's gate before every procedure): walk procedure p on a
 * worst-case timeline and refuse any hold, plus its tolerance, past the
 * model's max-hold or reaching one of its hazards.  ST_OK, or
 * ST_ERR_REFUSED with why = "file:line: what". */
int st_model_check_holds(const struct st_model *m, const struct st_procedure *p, char *why,
			 size_t n);
/* Longest hold (nominal + tolerance) any procedure of this model needs. */
double st_model_longest_hold(const struct st_model *m);

/* The model a scanned serial belongs to, by the `serial-prefix` lines of
 * the model files under `dir` (longest prefix wins).  ST_ERR_NOTFOUND when
 * no model claims it, ST_ERR_ARG when two claim the same prefix length.
 * (station/model/serial.c) */
int st_model_for_serial(const char *dir, const char *serial, struct st_model *m, char *err);
/* Would holding `mask` for `seconds` break the model's safety limits (its
 * safe maximum hold, or a hazard)?  ST_OK, or ST_ERR_REFUSED with the rule
 * named in err.  (station/model/serial.c) */
int st_model_hold_check(const struct st_model *m, unsigned mask, double seconds, char *err);

/* st_data_dir(): core/paths.h */
#include "core/paths.h"

#endif
