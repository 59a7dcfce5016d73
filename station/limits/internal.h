/*
 * internal.h - what the limit-file code shares (limits_parse.c: the lines
 * of one file and the resolved set; limits_read.c: files, includes and
 * st_limits_check; limits.c: the public queries and judging).  Not for
 * other modules.
 */
#ifndef ST_LIMITS_INTERNAL_H
#define ST_LIMITS_INTERNAL_H

#include <limits.h>
#include <stddef.h>

#include "core/tok.h"
#include "limits/limits.h"

#define MAX_ERRORS 100       /* problems reported before giving up */
#define MAX_DEPTH 16         /* include nesting */
#define MAX_FILES 64         /* files read for one set */
#define MAX_TOKS 32          /* words on one line */
#define MAX_BLOCKS 64        /* firmware blocks in one file */
#define MAX_NUM 1e12         /* largest magnitude of a number */
#define VER_PARTS 8          /* parts of a dotted version */
#define REL_SLACK 1e-9       /* relative slack when comparing to a bound */

struct st_limits {
	char path[ST_LIMIT_FILE_LEN]; /* top file, as given */
	char hash[65];                /* SHA-256 hex over every file read, in order */
	char firmware[64];            /* firmware the set was resolved for ("" = none) */
	int top_lines;                /* lines in the top file (where to add a limit) */
	struct st_limit *lims;        /* resolved limits, in first-definition order */
	int nlims;                    /* ... how many */
	int caplims;                  /* ... allocated */
	struct st_mask *masks;        /* resolved masks, each owning its points */
	int nmasks;                   /* ... how many */
	int capmasks;                 /* ... allocated */
	struct st_regress *regs;      /* resolved regress thresholds (regress.c) */
	int nregs;                    /* ... how many */
	int capregs;                  /* ... allocated */
};

/* One definition: applied at once, or waiting in a firmware block. */
struct def {
	int is_mask;           /* which of lim / mask is meant */
	struct st_limit lim;   /* the limit as written */
	int has_marginal;      /* `marginal` was given (else inherited) */
	int is_eq;             /* written with `eq` */
	struct st_mask mask;   /* the mask as written; owns pts until applied */
	int cap;               /* points allocated in mask.pts */
	int col;               /* column of the name, for messages */
};

/* A `firmware ... end` block of one file. */
struct fwblock {
	int line, col;         /* where the `firmware` keyword is */
	int matched;           /* condition holds for the set's firmware */
	struct def *defs;      /* definitions, in file order */
	int ndefs;             /* ... how many */
	int capdefs;           /* ... allocated */
};

/* A name defined in one file (outside firmware blocks or in one block). */
struct seen {
	char name[ST_LIMIT_NAME_LEN]; /* limit or mask name */
	int is_mask;                  /* namespace: 0 limit, 1 mask, 2 regress */
	int line;                     /* first definition */
};

/* One file being parsed. */
struct lfile {
	const char *path;             /* as opened: messages and st_limit.file */
	char real[PATH_MAX];          /* canonical path, for include cycles */
	const struct lfile *parent;   /* the includer, NULL for the top file */
	int parent_line;              /* line of the include in the parent */
	struct seen *seen;            /* names defined outside firmware blocks */
	int nseen;                    /* ... how many */
	int capseen;                  /* ... allocated */
	struct fwblock *blocks;       /* firmware blocks, in file order */
	int nblocks;                  /* ... how many */
};

/* The whole load. */
struct lp {
	struct st_limits *set;        /* what is being resolved */
	int have_fw;                  /* a firmware version was given */
	long fw[VER_PARTS];           /* ... parsed */
	char *hbuf;                   /* bytes of every file read, in order */
	size_t hlen;                  /* ... used */
	size_t hcap;                  /* ... allocated */
	st_limits_report_fn report;   /* where problems go */
	void *ctx;                    /* ... its argument */
	int nerrors;                  /* problems reported */
	int first_ret;                /* st_ret of the first problem */
	int nfiles;                   /* files read */
	int depth;                    /* include depth of the file being parsed */
};


/* Reporting: one "file:line:col: message" per problem (limits_parse.c). */
void lp_report(struct lp *p, int ret, const char *msg);
void lp_err(struct lp *p, const struct lfile *f, int line, int col, int ret,
	    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int lp_stopped(const struct lp *p);
/* Dotted versions ("2.3.1", "v2.4"): parse, compare. */
int lp_parse_version(const char *s, long v[VER_PARTS]);
int lp_ver_cmp(const long a[VER_PARTS], const long b[VER_PARTS]);
/* The resolved set. */
struct st_limit *lp_find_limit(const struct st_limits *l, const char *name);
struct st_mask *lp_find_mask(const struct st_limits *l, const char *name);
void lp_def_free(struct def *d);
void lp_check_unit(struct lp *p, const struct lfile *f, const struct def *d);
void lp_apply_def(struct lp *p, const struct lfile *f, struct def *d);
/* A name defined once per file (outside firmware blocks): a second one
 * of the same kind is "duplicate WHAT 'NAME' (first at line N)". */
int lp_seen_once(struct lp *p, struct lfile *f, const char *what, const char *name, int kind,
		 int line, int col);
void lp_commit_def(struct lp *p, struct lfile *f, struct fwblock *fw, struct def *d);
/* One line of a file. */
void lp_parse_limit(struct lp *p, struct lfile *f, struct fwblock *fw, int lineno,
		    struct st_word *t, int ntok);
int lp_parse_mask_head(struct lp *p, struct lfile *f, struct fwblock *fw, int lineno,
		       struct st_word *t, int ntok, struct def *d);
int lp_parse_point(struct lp *p, const struct lfile *f, int lineno, struct st_word *t, int ntok,
		   struct def *d);
int lp_parse_firmware(struct lp *p, const struct lfile *f, int lineno, struct st_word *t,
		      int ntok, int *matched);
/* limits_parse.c's word checks, shared with regress.c. */
int lp_parse_num(const char *s, double *out);
int lp_known_unit(const char *u);
int lp_good_name(const char *s);
/* regress.c: `regress NAME X UNIT [source "S"]` / `regress NAME off`. */
void lp_parse_regress(struct lp *p, struct lfile *f, struct fwblock *fw, int lineno,
		      struct st_word *t, int ntok);
/* limits_read.c: read, hash and parse one file and its includes. */
int lp_parse_path(struct lp *p, const char *path, const struct lfile *parent,
		  int parent_line, int parent_col, const char *shown);

#endif
