/*
 * stepsum.h - a step's measurements in a few lines: the summary `station
 * run` prints per step instead of 42 ANC bands and 24 microphone values
 * (the detail stays in `--verbose`, `station history --run` and the
 * report).  Pure functions, no I/O: measurements whose names differ only
 * in their variable parts (a band "100Hz", a microphone "1", a channel
 * "L", a control "POWER") form one group, "anc.active_db.*.*"; a group is
 * described by its count, how many passed, and the value closest to its
 * limit (or the worst one that failed).
 */
#ifndef ST_SEQ_STEPSUM_H
#define ST_SEQ_STEPSUM_H

#include "core/st.h"

/* One measurement as the run reported it (a copy of the event's fields). */
struct st_stepsum_meas {
	char name[64];            /* "anc.active_db.L.100Hz" (cut to fit) */
	char unit[16];            /* "dB" */
	double value;
	int has_low, has_high;    /* which limits apply */
	double low, high;
	int marginal;             /* within limits but near one */
	enum st_verdict verdict;  /* PASS FAIL ERROR ... */
	double t;                 /* bench seconds when it was reported */
};

/* Measurements of one name pattern within a step. */
struct st_stepsum_group {
	char pattern[64];   /* name with its variable parts as '*': "mic.*.delay_us" */
	int first;          /* index of its first measurement */
	int count;          /* how many */
	int npass;          /* how many PASS and not marginal */
	int nfail;          /* how many FAIL, ERROR or other non-PASS verdicts */
	int nmarginal;      /* how many PASS but marginal */
	int closest;        /* index of the value nearest a limit (a failing one
			     * first, the worst); -1 when no member has a limit
			     * that is not an equality */
};

/* The name pattern of a measurement name: every dot-separated component
 * that starts with a digit or is all upper case (L, R, POWER, NC_AMBIENT)
 * becomes '*'.  out gets at most n bytes, NUL-terminated. */
void st_stepsum_pattern(const char *name, char *out, size_t n);

/* How far a value is inside its limits, in its own unit (negative: outside
 * by that much); INFINITY for a measurement with no limit or an equality
 * limit (its distance says nothing). */
double st_stepsum_margin(const struct st_stepsum_meas *m);

/* Group the n measurements m[] by pattern, in order of first appearance:
 * fills g[] (at most maxg groups; later patterns beyond that go to the last
 * group) and group_of[i] (the group of m[i]; may be NULL).  Returns the
 * number of groups. */
int st_stepsum_group(const struct st_stepsum_meas *m, int n, struct st_stepsum_group *g, int maxg,
		     int *group_of);

#endif
