/*
 * wisdom.h - the station's FFTW wisdom file: FFTW_MEASURE plans for the
 * deconvolution's transforms (10-25 % faster than FFTW_ESTIMATE at sweep
 * sizes), kept next to the station's database.  Measuring takes tens of
 * seconds per size, so no run waits for it: a run plans the sizes the
 * file lacks with FFTW_ESTIMATE, and a detached process at the lowest
 * priority measures them and writes the file; every later start plans
 * them from it at no cost.  The file is hostile input like any other: one
 * that FFTW refuses, that is too big or not text, or whose plans fail
 * their check on a known signal is ignored with a one-line warning on
 * stderr and measured again; it never stops a run.  STATION_FFT_WISDOM=off
 * in the environment keeps FFTW_ESTIMATE and no file (the test suite sets
 * it: every test's fresh database would start a measurer).
 */
#ifndef ST_MEASURE_WISDOM_H
#define ST_MEASURE_WISDOM_H

#include <stddef.h>

#define MEAS_WISDOM_FILE "fftw-wisdom"   /* name next to the database */
#define MEAS_WISDOM_MAX (1 << 20)        /* largest file read, bytes */

/* Use the wisdom file at path from now on: import it when it is there.
 * Returns 1 when wisdom was imported, 0 when none (no file, refused, or
 * turned off). */
int meas_wisdom_open(const char *path);
/* The wisdom file for a database at db_path (same directory) into out;
 * 0, or -1 when it does not fit. */
int meas_wisdom_path(const char *db_path, char *out, size_t n);
/* After making plans (a context): when sizes lacked wisdom, start the
 * detached measurer for them.  No-op without meas_wisdom_open. */
void meas_wisdom_save(void);
/* The same, measured here and now (the benchmark); returns the number of
 * sizes measured. */
int meas_wisdom_measure_now(void);

#endif
