/*
 * prompt.c - questions for the operator that the bench cannot answer
 * itself (a Numato board sees no LEDs and reads no UART): through the
 * front end's confirm callback, or assumed yes for unattended runs with
 * --confirm yes, or no answer at all (the step is the station's ERROR).
 */
#include <stdio.h>

#include "internal.h"


/* 1 yes, 0 no, <0 no answer possible (ERROR) or abort. */
int seq_ask(struct seq *s, const char *question)
{
	int a;

	if (s->cfg->confirm) {
		a = s->cfg->confirm(question, s->cfg->ctx);
		seq_say(s, ST_EV_INFO, "operator answered %s: %s", a > 0 ? "yes" : a == 0 ? "no" : "abort",
		    question);
		if (a < 0 && s->cfg->abort_flag)
			*s->cfg->abort_flag = 1;
		return a;
	}
	if (s->cfg->assume) {
		seq_say(s, ST_EV_INFO, "assumed yes, not seen (--confirm yes): %s", question);
		return 1;
	}
	return -1;
}

/* Ask; when nobody can answer, the step is the station's fault: s->err
 * says `no_answer` and ST_ERR_UNSUPPORTED is returned.  Otherwise 1 yes,
 * 0 no. */
int seq_ask_or_fault(struct seq *s, const char *question, const char *no_answer)
{
	int a = seq_ask(s, question);

	if (a < 0) {
		/* say how to answer: a newcomer's first unattended run ends here */
		snprintf(s->err, sizeof(s->err), "%s (run it on a terminal to answer, or pass "
			 "--confirm yes to record the answer as assumed)", no_answer);
		return ST_ERR_UNSUPPORTED;
	}
	return a;
}
