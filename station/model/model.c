/*
 * model.c - the small queries on a loaded model (model.h): item and reset
 * names, controls by name and mask, a step as text, finding and listing
 * the model files under the data directory.  The parser is model_parse.c,
 * model_proc.c and model_check.c.
 */
#include "model.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/st.h"

/* ---- vocabularies ------------------------------------------------------- */

static const char *const item_names[ST_ITEM_COUNT] = {
	[ST_ITEM_PAIRED] = "paired", [ST_ITEM_EQ] = "eq", [ST_ITEM_ANC] = "anc",
	[ST_ITEM_ASC] = "asc", [ST_ITEM_STC] = "stc", [ST_ITEM_LDAC] = "ldac",
	[ST_ITEM_DSEE] = "dsee", [ST_ITEM_FIT] = "fit", [ST_ITEM_TOUCH] = "touch",
	[ST_ITEM_WEAR] = "wear", [ST_ITEM_MIC_CAL] = "mic-cal",
	[ST_ITEM_BMS_LOG] = "bms-log", [ST_ITEM_BT_ADDR] = "bt-addr",
	[ST_ITEM_FW_FLAGS] = "fw-flags", [ST_ITEM_RAM] = "ram",
};

const char *st_item_name(enum st_item it)
{
	if ((unsigned)it < ST_ITEM_COUNT)
		return item_names[it];
	return "?";
}

int st_item_parse(const char *s, enum st_item *out)
{
	if (!s)
		return ST_ERR_PARSE;
	for (int i = 0; i < ST_ITEM_COUNT; i++)
		if (!strcmp(s, item_names[i])) {
			if (out)
				*out = (enum st_item)i;
			return ST_OK;
		}
	return ST_ERR_PARSE;
}

static const char *const reset_names[ST_RESET_COUNT] = {
	[ST_RESET_SOFT] = "soft", [ST_RESET_BLUETOOTH] = "bluetooth",
	[ST_RESET_FACTORY] = "factory",
};

const char *st_reset_name(enum st_reset_kind k)
{
	if ((unsigned)k < ST_RESET_COUNT)
		return reset_names[k];
	return "?";
}

int st_reset_parse(const char *s, enum st_reset_kind *out)
{
	if (!s)
		return ST_ERR_PARSE;
	for (int i = 0; i < ST_RESET_COUNT; i++)
		if (st_streq_ci(s, reset_names[i])) {
			if (out)
				*out = (enum st_reset_kind)i;
			return ST_OK;
		}
	return ST_ERR_PARSE;
}

/* "LinkBuds S" -> "LinkBuds-S": the file-name form of an id. */
static void file_form(const char *id, char *out, size_t n)
{
	size_t i;

	for (i = 0; id[i] && i + 1 < n; i++)
		out[i] = id[i] == ' ' ? '-' : id[i];
	out[i] = '\0';
}

/* A model file in the models directory is named after its id: the file a
 * lookup finds must hold that model. */
static int check_file_name(const struct st_model *m, const char *fname, char *err)
{
	char want[ST_TEXT_LEN];

	file_form(m->id, want, sizeof(want) - 8);
	strcat(want, ".model");
	if (!strcasecmp(fname, want))
		return ST_OK;
	return st_fail(err, ST_ERR_PARSE,
		       "%s:%d:%d: model id '%s' does not match the file name (it belongs in %s)",
		       m->path, m->id_line > 0 ? m->id_line : 1, m->id_col > 0 ? m->id_col : 1,
		       m->id, want);
}

static void models_dir(const char *dir, char *out, size_t n)
{
	snprintf(out, n, "%s/fixtures/models", dir ? dir : st_data_dir());
}

int st_model_find(const char *dir, const char *id, struct st_model *m, char *err)
{
	char mdir[512], want[ST_TEXT_LEN], path[1024];
	struct dirent *de;
	DIR *d;
	int found = 0;

	if (!id || !*id || !m)
		return st_fail(err, ST_ERR_ARG, "no model named");
	if (strlen(id) >= ST_TEXT_LEN - 8 || strchr(id, '/'))
		return st_fail(err, ST_ERR_NOTFOUND, "unknown model '%.60s'", id);
	models_dir(dir, mdir, sizeof(mdir));
	file_form(id, want, sizeof(want) - 8);
	strcat(want, ".model");
	if (!dir || !strcmp(dir, st_data_dir())) {   /* a site's own file wins */
		char rel[ST_TEXT_LEN + 32];

		snprintf(rel, sizeof(rel), "fixtures/models/%s", want);
		if (st_data_file(dir, rel, path, sizeof(path)) == 1)
			goto load;
	}
	d = opendir(mdir);
	if (!d)
		return st_fail(err, ST_ERR_IO, "%s: %s", mdir, strerror(errno));
	while ((de = readdir(d))) {
		if (!strcasecmp(de->d_name, want)) {
			snprintf(path, sizeof(path), "%s/%s", mdir, de->d_name);
			found = 1;
			break;
		}
	}
	closedir(d);
	if (!found)
		return st_fail(err, ST_ERR_NOTFOUND, "unknown model '%s' (see 'station models')", id);
load:
	found = st_model_load(path, m, err);
	if (found != ST_OK)
		return found;
	return check_file_name(m, strrchr(path, '/') + 1, err);
}

static int cmp_ids(const void *a, const void *b)
{
	return strcasecmp((const char *)a, (const char *)b);
}

int st_model_list(const char *dir, char ids[][ST_NAME_LEN], int max, char *err)
{
	char mdir[512], path[1024];
	struct st_model *m;
	struct dirent *de;
	DIR *d;
	int n = 0, r = ST_OK;

	if (max < 0 || (max > 0 && !ids))
		return st_fail(err, ST_ERR_ARG, "st_model_list: bad arguments");
	models_dir(dir, mdir, sizeof(mdir));
	d = opendir(mdir);
	if (!d)
		return st_fail(err, ST_ERR_IO, "%s: %s", mdir, strerror(errno));
	m = malloc(sizeof(*m));
	if (!m) {
		closedir(d);
		return st_fail(err, ST_ERR_MEM, "out of memory");
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l <= 6 || strcmp(de->d_name + l - 6, ".model") || de->d_name[0] == '.')
			continue;
		if (n >= max)
			break;
		snprintf(path, sizeof(path), "%s/%s", mdir, de->d_name);
		r = st_model_load(path, m, err);
		if (r == ST_OK)
			r = check_file_name(m, de->d_name, err);
		if (r != ST_OK)
			goto out_free;
		st_strlcpy(ids[n++], m->id, ST_NAME_LEN);
	}
	qsort(ids, (size_t)n, ST_NAME_LEN, cmp_ids);
	r = n;
out_free:
	free(m);
	closedir(d);
	return r;
}

int st_model_control(const struct st_model *m, const char *name)
{
	if (!m || !name)
		return -1;
	for (int i = 0; i < m->ncontrols && i < ST_MAX_CONTROLS; i++)
		if (st_streq_ci(m->controls[i].name, name))
			return i;
	return -1;
}

int st_model_controls_parse(const struct st_model *m, const char *spec,
			    unsigned *mask, char *err)
{
	char buf[ST_TEXT_LEN];
	char *s, *save = NULL, *part;
	unsigned out = 0;

	if (!m || !spec || !*spec)
		return st_fail(err, ST_ERR_ARG, "no controls named");
	if (strlen(spec) >= sizeof(buf))
		return st_fail(err, ST_ERR_ARG, "control list too long");
	st_strlcpy(buf, spec, sizeof(buf));
	if (buf[0] == '+' || buf[strlen(buf) - 1] == '+' || strstr(buf, "++"))
		return st_fail(err, ST_ERR_ARG, "empty control name in '%s'", spec);
	s = buf;
	while ((part = strtok_r(s, "+", &save))) {
		int i = st_model_control(m, part);

		s = NULL;
		if (i < 0)
			return st_fail(err, ST_ERR_NOTFOUND, "unknown control '%s'", part);
		if (out & (1u << i))
			return st_fail(err, ST_ERR_ARG, "control '%s' named twice", part);
		out |= 1u << i;
	}
	if (mask)
		*mask = out;
	return ST_OK;
}

void st_model_controls_str(const struct st_model *m, unsigned mask, char *buf, size_t n)
{
	size_t used = 0;

	if (!buf || !n)
		return;
	buf[0] = '\0';
	if (!m)
		return;
	for (int i = 0; i < m->ncontrols && i < ST_MAX_CONTROLS; i++) {
		int w;

		if (!(mask & (1u << i)))
			continue;
		w = snprintf(buf + used, n - used, "%s%s", used ? "+" : "", m->controls[i].name);
		if (w < 0 || (size_t)w >= n - used) {
			buf[n - 1] = '\0';
			return;
		}
		used += (size_t)w;
	}
}

const struct st_procedure *st_model_proc(const struct st_model *m, enum st_reset_kind k)
{
	if (!m || (unsigned)k >= ST_RESET_COUNT || !m->procs[k].present)
		return NULL;
	return &m->procs[k];
}


void st_model_step_str(const struct st_model *m, const struct st_step *s,
		       char *buf, size_t n)
{
	char ctl[128], extra[64] = "";

	if (!buf || !n)
		return;
	buf[0] = '\0';
	if (!s)
		return;
	st_model_controls_str(m, s->controls, ctl, sizeof(ctl));
	if (s->start_within > 0)
		snprintf(extra, sizeof(extra), " start-within %g", s->start_within);
	switch (s->op) {
	case ST_OP_HOLD:
		snprintf(buf, n, "hold %s %g tolerance %g%s", ctl, s->seconds, s->tolerance, extra);
		break;
	case ST_OP_PRESS:
		snprintf(buf, n, "press %s%s", ctl, extra);
		break;
	case ST_OP_RELEASE:
		snprintf(buf, n, "release%s%s", s->controls ? " " : "", ctl);
		break;
	case ST_OP_TAP:
		snprintf(buf, n, "tap %s %d gap %g%s", ctl, s->count, s->gap, extra);
		break;
	case ST_OP_SLIDE:
		snprintf(buf, n, "slide %s %s%s", ctl, s->position ? "on" : "off", extra);
		break;
	case ST_OP_WAIT:
		snprintf(buf, n, "wait %g", s->seconds);
		break;
	case ST_OP_CHARGE:
		snprintf(buf, n, "charge %g", s->seconds);
		break;
	case ST_OP_EXPECT_LED:
		snprintf(buf, n, "expect led %s %s%s%s %s %d within %g", s->led.where,
			 s->led.colors[0], s->led.ncolors > 1 ? "/" : "",
			 s->led.ncolors > 1 ? s->led.colors[1] : "", s->led.pattern,
			 s->led.count, s->within);
		break;
	case ST_OP_EXPECT_CHIME:
		snprintf(buf, n, "expect chime %d within %g", s->count, s->within);
		break;
	case ST_OP_EXPECT_PROMPT:
		snprintf(buf, n, "expect prompt \"%s\" within %g", s->text, s->within);
		break;
	case ST_OP_EXPECT_TONE:
		snprintf(buf, n, "expect tone %d within %g", s->count, s->within);
		break;
	}
}

