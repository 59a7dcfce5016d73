/*
 * capnote.h - what a stored capture says about itself: the comment the
 * station writes into every capture WAV (measure/measure.c), read back for
 * `station rejudge` to re-analyse the file.
 *
 *   station capture WHAT: ROLE ROLE...[; sweep F1-F2 Hz T s L dBFS fade F ms; analysis N]
 *
 * WHAT is the capture's name (anc-off, mics ...), the ROLEs name the
 * file's channels in order (ear-left, mic3 ...: st_audio_role_name), and a
 * sweep capture adds the sweep the bench played (its rate is the file's)
 * and the version of the analysis that measured it (ST_AN_VERSION).  The
 * comment comes from a file on disk: anything else is refused with the
 * column where it went wrong.  Pure: a string in, a struct out.
 */
#ifndef ST_GOLDEN_CAPNOTE_H
#define ST_GOLDEN_CAPNOTE_H

#include "analysis/analysis.h"
#include "audio/audio.h"

struct st_capnote {
	char what[48];              /* the capture's name */
	int nch;                    /* channels named */
	int role[ST_ROLE_COUNT];    /* role of each channel, in file order */
	int has_sweep;              /* 1: the sweep and analysis version below */
	struct st_sweep sw;         /* f1, f2, seconds, level_db, fade_ms (rate 0: the file's) */
	int analysis;               /* analysis version that measured it (0: not named) */
};

/* Parse comment into *out.  ST_OK, or ST_ERR_PARSE with "col N: what"
 * (1-based) in err. */
int st_capnote_parse(const char *comment, struct st_capnote *out, char *err);

/* The file channel that holds role, or -1. */
int st_capnote_channel(const struct st_capnote *n, int role);

#endif
