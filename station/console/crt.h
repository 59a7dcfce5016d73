/*
 * crt.h - the one module of the console that owns the terminal (as htop's
 * CRT does): curses start-up and tear-down, colours by role with a
 * monochrome fallback, symbols that do not rely on colour, clipped and
 * sanitised text output, key input with a timeout and a wake-up descriptor,
 * and the signals (terminal lost, terminate, interrupt, crash) that must
 * always leave the terminal restored and the fixture released.
 *
 * Everything else in station/console/ draws through these calls and never
 * includes curses itself.
 */
#ifndef ST_CONSOLE_CRT_H
#define ST_CONSOLE_CRT_H

#include <stddef.h>

/* What a piece of text means; the colour (or attribute) follows from it. */
enum crt_role {
	CRT_NORMAL,
	CRT_DIM,      /* pending, secondary */
	CRT_PASS,     /* green */
	CRT_FAIL,     /* red */
	CRT_ERROR,    /* yellow: station fault, refusal */
	CRT_PROMPT,   /* yellow: the operator must act */
	CRT_HELD,     /* cyan: the control being held */
	CRT_TITLE,    /* header and footer bars */
	CRT_FIELD,    /* a text field being edited */
	CRT_SELECT,   /* the selected row of a list */
	CRT_ROLE_COUNT
};

/* Symbols that carry a state without colour. */
enum crt_sym {
	CRT_SYM_PASS,    /* ✓ */
	CRT_SYM_FAIL,    /* ✗ */
	CRT_SYM_ERROR,   /* ! */
	CRT_SYM_RUNNING, /* ▶ */
	CRT_SYM_PENDING, /* · */
	CRT_SYM_SKIP,    /* - */
	CRT_SYM_BLOCK,   /* █ */
	CRT_SYM_SHADE,   /* ░ */
	CRT_SYM_MARK,    /* ┆ (mask marker) */
	CRT_SYM_DOT,     /* ● (LED) */
	CRT_SYM_HLINE,   /* ─ */
	CRT_SYM_VLINE,   /* │ */
	CRT_SYM_TL, CRT_SYM_TR, CRT_SYM_BL, CRT_SYM_BR, /* ┌ ┐ └ ┘ */
	CRT_SYM_COUNT
};

/* Keys beyond plain characters (values outside the byte range). */
enum {
	CRT_KEY_NONE = -1,   /* timeout, nothing arrived */
	CRT_KEY_WAKE = -2,   /* the wake descriptor fired */
	CRT_KEY_ESC = 27,
	CRT_KEY_CTRL_C = 3,
	CRT_KEY_ENTER = 0x1000,
	CRT_KEY_BACKSPACE, CRT_KEY_UP, CRT_KEY_DOWN, CRT_KEY_LEFT, CRT_KEY_RIGHT,
	CRT_KEY_PGUP, CRT_KEY_PGDN, CRT_KEY_HOME, CRT_KEY_END, CRT_KEY_RESIZE,
	CRT_KEY_F1 = 0x1100, /* F1..F12 = CRT_KEY_F1 + n - 1 */
};
#define CRT_KEY_F(n) (CRT_KEY_F1 + (n) - 1)

/* The minimum terminal the screens are laid out for. */
#define CRT_MIN_COLS 80
#define CRT_MIN_ROWS 24

/* Start curses on the terminal; stdin and stdout must be a terminal.
 * `release` is called from the signal handlers on a crash or a second
 * terminate signal (it must be async-signal-safe enough: the fixture's
 * emergency release).  ST_OK or an error with a one-line message. */
int crt_init(void (*release)(void), char *err);
/* Restore the terminal; safe to call more than once. */
void crt_done(void);
int crt_has_color(void);            /* 0 with NO_COLOR or a colourless terminal */
void crt_size(int *rows, int *cols);

/* A terminate/hang-up/interrupt signal that arrived (SIGHUP, SIGTERM,
 * SIGINT), or 0; clears it. */
int crt_take_signal(void);

/* Frame drawing: erase, draw, present once (no flicker). */
void crt_erase(void);
void crt_present(void);
/* Text at (y, x), clipped to `w` columns (w <= 0: to the right edge),
 * sanitised (control characters and broken UTF-8 become '?'). Returns the
 * columns written. */
int crt_text(int y, int x, int w, enum crt_role r, const char *s);
int crt_printf(int y, int x, int w, enum crt_role r, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* A symbol, `n` times. */
void crt_sym(int y, int x, enum crt_role r, enum crt_sym s, int n);
const char *crt_sym_str(enum crt_sym s);
/* Word-wrapped text in up to `maxlines` rows of `w` columns; returns the
 * rows used. */
int crt_wrap(int y, int x, int w, int maxlines, enum crt_role r, const char *s);
/* A box outline from (y, x), h rows by w columns. */
void crt_box(int y, int x, int h, int w, enum crt_role r);
/* Bold/reverse a whole row range (for banners and bars). */
void crt_fill(int y, int x, int w, enum crt_role r);
void crt_hline(int y);
void crt_cursor(int y, int x);      /* show the cursor there (text fields) */

/* Wait up to timeout_ms for a key or for wake_fd (-1: none) to become
 * readable; returns the key, CRT_KEY_WAKE or CRT_KEY_NONE. */
int crt_getkey(int timeout_ms, int wake_fd);

/* Copy text for a terminal: control characters and invalid UTF-8 become
 * '?', at most `cols` characters (columns) kept. */
void crt_sanitize(char *dst, size_t size, const char *src, int cols);

#endif
