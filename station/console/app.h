/*
 * app.h - the console's state shared by its screens (internal to
 * station/console/).  One struct console holds the session (operator,
 * model, plan), the start screen's fields, the run view, history and the
 * fixture panel; each screen is a panel with a draw and a key handler,
 * dispatched by console.c's main loop.
 */
#ifndef ST_CONSOLE_APP_H
#define ST_CONSOLE_APP_H

#include "console/console.h"
#include "console/crt.h"
#include "console/view.h"
#include "model/model.h"
#include "plan/plan.h"

struct st_store;

enum screen { SCR_SCAN, SCR_RUN, SCR_HISTORY, SCR_FIXTURE, SCR_HELP, SCR_COUNT };
/* What the start screen is asking for. */
enum scan_stage { STAGE_OPERATOR, STAGE_SERIAL, STAGE_IDENTIFY, STAGE_MODEL, STAGE_PLAN };

#define APP_MAX_MODELS 64
#define APP_MAX_PLANS 32
#define APP_FIELD 64

/* One stored run as the history list shows it. */
struct hist_row {
	char uuid[37], serial[64], model[32], plan[48], outcome[16], disposition[64];
	char started[32];
	long long id;
};

struct console {
	const struct console_opts *o;
	struct st_bench *bench;          /* the bench session (shared with `station run`) */
	struct runner *runner;           /* worker thread: runs and fixture actions */
	struct st_store *store;          /* the drawing thread's own connection (history) */
	enum screen screen;              /* shown now */
	enum screen back;                /* where Esc from help/history/fixture returns */
	int quit;
	int exit_code;
	/* station status (start screen) */
	char station[64];
	char fixture_desc[160], audio_desc[160];
	int fixture_ok;                  /* the fixture answered */
	char db[256], limits[256];       /* database path, limits directory */
	long long nruns;
	/* session */
	char operator_[64];
	struct st_model model;           /* the unit's model, once known */
	int have_model, model_fixed;     /* fixed: --model */
	struct st_plan plan;
	int have_plan, plan_fixed;       /* fixed: --plan */
	char last_plan[32];              /* plan of the newest stored run */
	/* start screen */
	enum scan_stage stage;
	char field[APP_FIELD];           /* the text field being typed */
	char serial[APP_FIELD];          /* scanned serial */
	char models[APP_MAX_MODELS][ST_NAME_LEN];
	int nmodels;
	char plans[APP_MAX_PLANS][32];
	int nplans;
	int pick, pick_top;              /* selection in a pick list */
	char msg[320];                   /* a one-line message under the field */
	enum crt_role msg_role;
	struct hist_row recent[3];       /* last runs on the start screen */
	int nrecent;
	/* run */
	struct run_view view;
	int running;                     /* a run is on the worker thread */
	/* history */
	struct hist_row *hist;
	int nhist;
	char filter[APP_FIELD];
	int hsel, htop;
	int detail;                      /* showing one run's detail */
	char (*dlines)[160];             /* its lines */
	int ndlines, dtop;
	/* fixture panel */
	int fsel;                        /* selected control */
	int fx_open;                     /* the panel has the bench */
	int fx_closing;                  /* ... and is giving it back */
	char hold_field[16];             /* seconds being typed, "" = not typing */
	int typing_hold;
	char fx_led[48], fx_sensors[200], fx_last[200];
	enum crt_role fx_last_role;
};

/* Common frame parts (console.c). */
void app_header(struct console *c, const char *left);
void app_footer(struct console *c, const char *keys);
void app_message(struct console *c, enum crt_role r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
double app_wall(void);
/* A text field: printable, `allowed` characters only (NULL: any printable
 * ASCII); returns 1 if the key edited it. */
int app_field_key(char *field, size_t size, int key, int (*allowed)(int ch));

/* Screens. */
void scan_enter(struct console *c);
void scan_draw(struct console *c, int rows, int cols);
int scan_key(struct console *c, int key);
void scan_refresh_status(struct console *c);
void scan_identity(struct console *c, const struct cons_event *e);
void run_draw(struct console *c, int rows, int cols);
int run_key(struct console *c, int key);
void run_begin(struct console *c);
void history_enter(struct console *c);
void history_draw(struct console *c, int rows, int cols);
int history_key(struct console *c, int key);
void history_free(struct console *c);
void fixture_enter(struct console *c);
void fixture_leave(struct console *c);
void fixture_draw(struct console *c, int rows, int cols);
int fixture_key(struct console *c, int key);
void fixture_event(struct console *c, const struct cons_event *e);
void help_draw(struct console *c, int rows, int cols);

#endif
