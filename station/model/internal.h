/*
 * internal.h - what the model parser's files share (model_parse.c: lines and
 * top-level keywords; model_proc.c: procedures and steps; model_check.c:
 * whole-model checks): the parser state, word tables, and the helpers that
 * read a word and report "file:line:col: message".  Not for other modules.
 */
#ifndef ST_MODEL_INTERNAL_H
#define ST_MODEL_INTERNAL_H

#include "model.h"

#include "core/st.h"
#include "core/tok.h"

#define EPS 1e-9
/* Sentinels resolved after the whole file is read. */
#define SEC_POWER_ON_HOLD (-1.0)
#define SEC_POWER_OFF_HOLD (-2.0)
#define UNSET (-1.0)

/* One word of a closed vocabulary and the value it stands for. */
struct word {
	const char *name;   /* as written in the file */
	int value;          /* enum value or bit */
};

/* Top-level keywords that may appear once; index into seen[]. */
enum { K_MODEL, K_NAME, K_IDENTITY, K_SOURCE, K_KIND, K_PORT, K_BATTERY,
	K_FBATTERY, K_TOLERANCE, K_MAXHOLD, K_PON, K_POFF, K_WEAR, K_MICS,
	K_POWER, K_SERIALPFX, K_ANSWER, K_AFTERFB, K_COUNT };

struct pstate {
	const char *name;        /* file name for messages */
	int line;                /* current line number */
	int col;                 /* column errors on the current line point at */
	struct st_model *m;      /* model being filled */
	char *err;               /* caller's error buffer */
	int seen[K_COUNT];       /* line each once-only keyword appeared on */
	int proc_line[ST_RESET_COUNT]; /* line of each `procedure`, 0 = none */
	struct st_procedure *p;  /* open procedure, NULL at top level */
	int p_seen_source;       /* open procedure: lines of its keywords */
	int p_seen_generic;
	int p_seen_battery;
	int p_seen_require;
	int p_seen_wipes;
	int p_seen_preserves;
	unsigned p_preserves;    /* items the `preserves` line names */
	char power[ST_TEXT_LEN]; /* `power` argument, resolved at the end */
	int battery_line[ST_RESET_COUNT]; /* line of each procedure's battery-min */
};

/* Index of s in w[0..n), -1 if absent. */
int mp_word_find(const struct word *w, size_t n, const char *s);
#define WORD(tab, s) mp_word_find(tab, ST_ARRAY_SIZE(tab), s)

/* "file:line:col: message" for line `line` (the current line's column when
 * it is the current line, else 1), or at word t; both return ST_ERR_PARSE. */
int mp_perr(struct pstate *ps, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int mp_perrw(struct pstate *ps, const struct st_word *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copy free text (no control characters, fits) into dst. */
int mp_copy_text(struct pstate *ps, char *dst, size_t size, const char *src, const char *what);
/* A number in [lo, hi]; a whole number in [lo, hi]; a word of table w. */
int mp_get_number(struct pstate *ps, const struct st_word *t, const char *what,
		  double lo, double hi, double *out);
int mp_get_count(struct pstate *ps, const struct st_word *t, const char *what,
		 long lo, long hi, int *out);
int mp_get_word(struct pstate *ps, const struct st_word *t, const struct word *w,
		size_t n, const char *what, int *out);
#define GET_WORD(ps, t, tab, what, out) mp_get_word(ps, t, tab, ST_ARRAY_SIZE(tab), what, out)
/* Between lo and hi arguments after keyword kw (hi < 0: no upper bound). */
int mp_need_args(struct pstate *ps, int n, int lo, int hi, const char *kw);
/* "POWER+VOL_UP" -> control mask of the model being parsed. */
int mp_get_controls(struct pstate *ps, const struct st_word *t, unsigned *mask);
int mp_valid_name(const char *s);
/* `note "TEXT"`, at top level or in a procedure. */
int mp_kw_note(struct pstate *ps, struct st_word *tok, int n);

/* model_proc.c: a line inside `procedure` ... `end`. */
int mp_proc_keyword(struct pstate *ps, struct st_word *tok, int n);
/* model_check.c: defaults and the whole-model checks after the last line. */
int mp_finish(struct pstate *ps, int last_line);

#endif
