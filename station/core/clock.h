/*
 * clock.h - the station's notion of time.
 *
 * The sequencer never calls sleep() or clock_gettime() itself: it asks a
 * clock.  A real clock follows CLOCK_MONOTONIC, optionally scaled (a bench
 * simulator that runs N times faster announces its scale and the station
 * adopts it).  A virtual clock only moves when someone sleeps on it, so a
 * plan full of 7-15 s holds runs in microseconds in tests while the same
 * sequencer code runs on real time at a real bench.
 *
 * Times are seconds (double) since the clock was created, in the bench's
 * own time (i.e. after scaling).
 */
#ifndef ST_CLOCK_H
#define ST_CLOCK_H

struct st_clock;

/* Real monotonic time; scale > 1 makes bench time run faster than wall
 * time (a wait of 10 bench-seconds takes 10/scale wall seconds). */
struct st_clock *st_clock_new_real(double scale);
/* Virtual time starting at 0; advances only in st_clock_sleep(). */
struct st_clock *st_clock_new_virtual(void);
void st_clock_free(struct st_clock *c);

double st_clock_now(struct st_clock *c);
/* Sleep `seconds` of bench time (no-op for <= 0). */
void st_clock_sleep(struct st_clock *c, double seconds);
int st_clock_is_virtual(const struct st_clock *c);
double st_clock_scale(const struct st_clock *c);
void st_clock_set_scale(struct st_clock *c, double scale);

#endif
