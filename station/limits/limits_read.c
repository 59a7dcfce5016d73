/*
 * limits_read.c - reading limit files: each file is read whole, its bytes
 * appended to the hash buffer, split into lines and words by the
 * data-file tokenizer (core/tok.h) and parsed line by line; includes are
 * resolved beside the including file (only regular files, no cycles,
 * bounded depth and count); firmware blocks apply after the rest of their
 * file.  st_limits_check drives a whole load.  Part of station/limits
 * (internal.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/paths.h"
#include "limits/internal.h"

static int is_keyword(const struct st_word *t)
{
	return !t->quoted && (!strcmp(t->s, "limit") || !strcmp(t->s, "mask") ||
			      !strcmp(t->s, "include") || !strcmp(t->s, "firmware") ||
			      !strcmp(t->s, "regress"));
}

static void do_include(struct lp *p, struct lfile *f, int lineno, struct st_word *t, int ntok)
{
	char path[ST_LIMIT_FILE_LEN];
	const char *slash;
	int n;

	if (ntok < 2) {
		lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE, "'include' needs a file name");
		return;
	}
	if (ntok > 2) {
		lp_err(p, f, lineno, t[2].col, ST_ERR_PARSE, "unexpected '%.40s' after include",
		       t[2].s);
		return;
	}
	if (!t[1].s[0]) {
		lp_err(p, f, lineno, t[1].col, ST_ERR_PARSE, "'include' needs a file name");
		return;
	}
	slash = strrchr(f->path, '/');
	if (t[1].s[0] == '/' || !slash)
		n = snprintf(path, sizeof(path), "%s", t[1].s);
	else
		n = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - f->path), f->path, t[1].s);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		lp_err(p, f, lineno, t[1].col, ST_ERR_PARSE, "include path longer than %d bytes",
		       ST_LIMIT_FILE_LEN - 1);
		return;
	}
	if (t[1].s[0] != '/' && access(path, F_OK)) {
		/* a site's limit file (paths.h) includes the shipped one it builds on */
		char rel[ST_LIMIT_FILE_LEN], shipped[ST_LIMIT_FILE_LEN];

		snprintf(rel, sizeof(rel), "limits/%s", t[1].s);
		snprintf(shipped, sizeof(shipped), "%s/%s", st_data_dir(), rel);
		if (!access(shipped, F_OK))
			snprintf(path, sizeof(path), "%s", shipped);
	}
	lp_parse_path(p, path, f, lineno, t[1].col, t[1].s);
}

/* Close the open mask: check it and commit it. */
static void finish_mask(struct lp *p, struct lfile *f, struct fwblock *fw, struct def *d,
			int bad)
{
	if (!bad && d->mask.npts < 2) {
		lp_err(p, f, d->mask.line, d->col, ST_ERR_PARSE, "mask '%s' needs at least 2 points",
		       d->mask.name);
		bad = 1;
	}
	if (bad)
		lp_def_free(d);
	else
		lp_commit_def(p, f, fw, d);
}

/* A tokenizer refusal: reported like any other problem, with the includer. */
static void tok_report(struct lp *p, const struct lfile *f, int line, const char *msg)
{
	char out[2 * ST_ERRLEN + 2 * ST_LIMIT_FILE_LEN];

	if (p->nerrors >= MAX_ERRORS) {
		lp_err(p, f, line, 1, ST_ERR_PARSE, "%s", msg);
		return;
	}
	if (f->parent)
		snprintf(out, sizeof(out), "%s (included from %s:%d)", msg, f->parent->path,
			 f->parent_line);
	else
		snprintf(out, sizeof(out), "%s", msg);
	lp_report(p, ST_ERR_PARSE, out);
}

/* `firmware COND`: opens a block (even when its condition is bad, so its
 * `end` does not give a second, misleading error). */
static void open_block(struct lp *p, struct lfile *f, struct fwblock **fw, struct st_word *t,
		       int ntok)
{
	int matched = 0, lineno = t[0].line;

	if (*fw) {
		lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE,
		       "firmware blocks do not nest (block open since line %d)", (*fw)->line);
		return;
	}
	if (f->nblocks == MAX_BLOCKS) {
		lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE,
		       "more than %d firmware blocks in one file", MAX_BLOCKS);
		return;
	}
	if (lp_parse_firmware(p, f, lineno, t, ntok, &matched))
		matched = 0;
	*fw = &f->blocks[f->nblocks++];
	memset(*fw, 0, sizeof(**fw));
	(*fw)->line = lineno;
	(*fw)->col = t[0].col;
	(*fw)->matched = matched;
}

/* Firmware blocks apply after the rest of their file, in order. */
static void apply_blocks(struct lp *p, struct lfile *f)
{
	for (int b = 0; b < f->nblocks; b++) {
		struct fwblock *blk = &f->blocks[b];

		for (int i = 0; i < blk->ndefs; i++) {
			struct def *d = &blk->defs[i];

			if (!lp_stopped(p)) {
				lp_check_unit(p, f, d);
				if (blk->matched)
					lp_apply_def(p, f, d);
			}
			lp_def_free(d);
		}
		free(blk->defs);
		blk->defs = NULL;
		blk->ndefs = 0;
	}
}

/* Parse one file's text; returns its number of lines. */
static int parse_text(struct lp *p, struct lfile *f, const char *buf, size_t len)
{
	struct st_word *t;
	struct st_tok *tk;
	struct fwblock *fw = NULL;  /* open firmware block */
	struct def md;              /* open mask */
	int in_mask = 0, mask_bad = 0, mask_col = 0;
	int lineno = 0, ntok, r;
	char msg[ST_ERRLEN];

	memset(&md, 0, sizeof(md));
	if (st_tok_open(&tk, f->path, buf, len, NULL, msg) != ST_OK) {
		lp_report(p, ST_ERR_MEM, "out of memory");
		return 1;
	}
	while (!lp_stopped(p) && (r = st_tok_next(tk, &t, &ntok, msg)) != 0) {
		if (r < 0) {
			tok_report(p, f, st_tok_line(tk), msg);
			if (in_mask)
				mask_bad = 1;
			continue;
		}
		lineno = t[0].line;
		const char *kw = t[0].quoted ? "\"" : t[0].s;

		if (in_mask) {
			if (!strcmp(kw, "end")) {
				if (ntok > 1) {
					lp_err(p, f, lineno, t[1].col, ST_ERR_PARSE,
					       "unexpected '%.40s' after end", t[1].s);
					mask_bad = 1;
				}
				in_mask = 0;
				finish_mask(p, f, fw, &md, mask_bad);
				continue;
			}
			if (!is_keyword(&t[0])) {
				if (lp_parse_point(p, f, lineno, t, ntok, &md))
					mask_bad = 1;
				continue;
			}
			lp_err(p, f, md.mask.line, mask_col, ST_ERR_PARSE,
			       "unterminated mask '%s': no 'end' before '%s' at line %d",
			       md.mask.name, kw, lineno);
			in_mask = 0;
			finish_mask(p, f, fw, &md, 1);
		}
		if (!strcmp(kw, "limit")) {
			lp_parse_limit(p, f, fw, lineno, t, ntok);
		} else if (!strcmp(kw, "mask")) {
			in_mask = 1;
			mask_col = t[0].col;
			mask_bad = lp_parse_mask_head(p, f, fw, lineno, t, ntok, &md) != ST_OK;
		} else if (!strcmp(kw, "regress")) {
			lp_parse_regress(p, f, fw, lineno, t, ntok);
		} else if (!strcmp(kw, "include")) {
			if (fw)
				lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE,
				       "include is not allowed inside a firmware block");
			else
				do_include(p, f, lineno, t, ntok);
		} else if (!strcmp(kw, "firmware")) {
			open_block(p, f, &fw, t, ntok);
		} else if (!strcmp(kw, "end")) {
			if (ntok > 1)
				lp_err(p, f, lineno, t[1].col, ST_ERR_PARSE,
				       "unexpected '%.40s' after end", t[1].s);
			if (fw)
				fw = NULL;
			else
				lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE, "'end' without a block");
		} else {
			lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE,
			       "unknown keyword '%.40s' (limit mask regress include firmware end)",
			       t[0].s);
		}
	}
	if (in_mask) {
		if (!lp_stopped(p))
			lp_err(p, f, md.mask.line, mask_col, ST_ERR_PARSE,
			       "unterminated mask '%s': no 'end' before end of file", md.mask.name);
		finish_mask(p, f, fw, &md, 1);
	}
	if (fw && !lp_stopped(p)) {
		lp_err(p, f, fw->line, fw->col, ST_ERR_PARSE,
		       "unterminated firmware block: no 'end' before end of file");
		fw->matched = 0;
	}
	apply_blocks(p, f);
	lineno = st_tok_line(tk);
	st_tok_close(tk);
	return lineno;
}

static int is_regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* 1 (reported at the include) if f is already being read above itself. */
static int include_cycle(struct lp *p, const struct lfile *f, int parent_col, const char *shown)
{
	const struct lfile *parent = f->parent;

	for (const struct lfile *a = parent; a; a = a->parent) {
		const struct lfile *stack[MAX_DEPTH + 1];
		char chain[ST_ERRLEN] = "";
		size_t cl = 0;
		int ns = 0;

		if (strcmp(a->real, f->real))
			continue;
		/* chain from the file included again down to the includer */
		for (const struct lfile *b = parent; b && ns <= MAX_DEPTH; b = b->parent) {
			stack[ns++] = b;
			if (b == a)
				break;
		}
		for (int k = ns - 1; k >= 0 && cl < sizeof(chain); k--) {
			int w = snprintf(chain + cl, sizeof(chain) - cl, "%.80s -> ", stack[k]->path);

			if (w < 0)
				break;
			cl += (size_t)w;
		}
		lp_err(p, parent, f->parent_line, parent_col, ST_ERR_PARSE,
		       "include \"%.60s\": include cycle: %s%.80s", shown, chain, f->path);
		return 1;
	}
	return 0;
}

/* Append a file's bytes to the buffer the set's hash is taken over. */
static int hash_append(struct lp *p, const char *buf, size_t len)
{
	if (p->hlen + len + 1 > p->hcap) {
		size_t nc = p->hcap ? p->hcap : 16384;
		char *nb;

		while (nc < p->hlen + len + 1)
			nc *= 2;
		nb = realloc(p->hbuf, nc);
		if (!nb) {
			lp_report(p, ST_ERR_MEM, "out of memory");
			return ST_ERR_MEM;
		}
		p->hbuf = nb;
		p->hcap = nc;
	}
	memcpy(p->hbuf + p->hlen, buf, len);
	p->hlen += len;
	return ST_OK;
}

/* Read and parse one file; `parent` NULL for the top file.  `shown` is the
 * name as the include wrote it. */
int lp_parse_path(struct lp *p, const char *path, const struct lfile *parent,
		      int parent_line, int parent_col, const char *shown)
{
	struct lfile *f;
	char *buf = NULL, err[ST_ERRLEN];
	size_t len = 0;
	int ret, lines;

	if (parent && p->depth >= MAX_DEPTH) {
		lp_err(p, parent, parent_line, parent_col, ST_ERR_PARSE,
		       "include \"%.60s\": includes nested deeper than %d", shown, MAX_DEPTH);
		return ST_ERR_PARSE;
	}
	if (parent && p->nfiles >= MAX_FILES) {
		lp_err(p, parent, parent_line, parent_col, ST_ERR_PARSE,
		       "include \"%.60s\": more than %d files read", shown, MAX_FILES);
		return ST_ERR_PARSE;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		lp_report(p, ST_ERR_MEM, "out of memory");
		return ST_ERR_MEM;
	}
	f->path = path;
	f->parent = parent;
	f->parent_line = parent_line;
	if (!realpath(path, f->real)) {
		ret = errno == ENOENT ? ST_ERR_NOTFOUND : ST_ERR_IO;
		if (parent) {
			lp_err(p, parent, parent_line, parent_col, ST_ERR_PARSE,
			       "include \"%.60s\": %s: %s", shown, path, strerror(errno));
			ret = ST_ERR_PARSE;
		} else {
			char msg[ST_ERRLEN];

			snprintf(msg, sizeof(msg), "%.300s: %s", path, strerror(errno));
			lp_report(p, ret, msg);
		}
		goto out_file;
	}
	if (include_cycle(p, f, parent_col, shown)) {
		ret = ST_ERR_PARSE;
		goto out_file;
	}
	if (parent && !is_regular(f->real)) {
		/* a FIFO, a terminal or /dev/zero would block or flood the load */
		lp_err(p, parent, parent_line, parent_col, ST_ERR_PARSE,
		       "include \"%.60s\": %s is not a regular file", shown, path);
		ret = ST_ERR_PARSE;
		goto out_file;
	}
	ret = st_read_file(path, &buf, &len, err);
	if (ret) {
		if (parent) {
			lp_err(p, parent, parent_line, parent_col, ST_ERR_PARSE, "include \"%.60s\": %s",
			       shown, err);
			ret = ST_ERR_PARSE;
		} else {
			lp_report(p, ret, err);
		}
		goto out_file;
	}
	p->nfiles++;
	ret = hash_append(p, buf, len);
	if (ret != ST_OK)
		goto out_buf;
	f->blocks = calloc(MAX_BLOCKS, sizeof(*f->blocks));
	if (!f->blocks) {
		lp_report(p, ST_ERR_MEM, "out of memory");
		ret = ST_ERR_MEM;
		goto out_buf;
	}
	p->depth++;
	lines = parse_text(p, f, buf, len);
	p->depth--;
	if (!parent)
		p->set->top_lines = lines;
	ret = ST_OK;
	free(f->blocks);
out_buf:
	free(buf);
out_file:
	free(f->seen);
	free(f);
	return ret;
}


int st_limits_check(const char *path, const char *firmware, struct st_limits **out,
		    st_limits_report_fn report, void *ctx)
{
	struct lp p;
	struct st_limits *set;

	if (out)
		*out = NULL;
	memset(&p, 0, sizeof(p));
	p.report = report;
	p.ctx = ctx;
	if (!path || !*path) {
		lp_report(&p, ST_ERR_ARG, "no limit file given");
		return ST_ERR_ARG;
	}
	if (strlen(path) >= ST_LIMIT_FILE_LEN) {
		lp_report(&p, ST_ERR_ARG, "limit file path too long");
		return ST_ERR_ARG;
	}
	if (firmware && *firmware) {
		if (strlen(firmware) >= sizeof(set->firmware) || lp_parse_version(firmware, p.fw)) {
			char msg[ST_ERRLEN];

			snprintf(msg, sizeof(msg),
				 "firmware '%.60s' is not a dotted version like 2.3.1", firmware);
			lp_report(&p, ST_ERR_ARG, msg);
			return ST_ERR_ARG;
		}
		p.have_fw = 1;
	}
	set = calloc(1, sizeof(*set));
	if (!set) {
		lp_report(&p, ST_ERR_MEM, "out of memory");
		return ST_ERR_MEM;
	}
	st_strlcpy(set->path, path, sizeof(set->path));
	if (p.have_fw)
		st_strlcpy(set->firmware, firmware, sizeof(set->firmware));
	p.set = set;
	lp_parse_path(&p, set->path, NULL, 0, 0, path);
	st_sha256_hex(p.hbuf ? p.hbuf : "", p.hlen, set->hash);
	free(p.hbuf);
	if (p.nerrors) {
		st_limits_free(set);
		return p.first_ret ? p.first_ret : ST_ERR_PARSE;
	}
	if (out)
		*out = set;
	else
		st_limits_free(set);
	return ST_OK;
}

