/*
 * bench_station.c - what the technician waits for before and around a
 * run (issue 13): `station run` start-up on the simulated bench, and the
 * peak memory of a repair run.
 *
 * Start-up: the time from fork+exec of `station run --model WH-1000XM5
 * --plan reset-soft` (simulated bench, simulated audio, a result store in
 * a temporary directory) to its first line on stdout - the run's first
 * event, printed once the model, plan, limits, store, fixture and audio
 * are open.  The run is then stopped with one SIGINT (an operator abort;
 * every actuator released).  Median and worst of SAMPLES runs, goal
 * < 20 ms.
 *
 * Peak RSS: a whole repair run on a healthy WH-1000XM5 under
 * `/usr/bin/time -v` ("Maximum resident set size"), goal < 40 MB.
 *
 * The station binary is the one beside this benchmark's directory
 * (BUILD/station).  Prints one line per figure.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES 21
#define STARTUP_GOAL_MS 20.0
#define RSS_GOAL_MB 40.0

static char station[PATH_MAX];
static char tmpdir[] = "/tmp/bench_station.XXXXXX";

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The 1-minute load average: start-up is wall time, and other processes
 * on the machine take their share of it. */
static double loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One start-up: ms from fork to the first byte on the child's stdout,
 * <0 on failure; *cpu_ms the child's CPU time (user + system, from
 * wait4: up to the first event plus its abort). */
static double one_startup(int i, double *cpu_ms)
{
	struct rusage ru;
	char db[PATH_MAX + 32], serial[32], buf[256];
	int fd[2], status;
	double t0, t = -1;
	pid_t pid;

	snprintf(db, sizeof(db), "%s/st.db", tmpdir);
	snprintf(serial, sizeof(serial), "STARTUP%02d", i);
	if (pipe(fd))
		return -1;
	t0 = now_ms();
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		freopen("/dev/null", "w", stderr);
		execl(station, station, "run", "--model", "WH-1000XM5", "--serial", serial,
		      "--plan", "reset-soft", "--db", db, "--confirm", "yes", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	if (read(fd[0], buf, 1) == 1)
		t = now_ms() - t0;
	kill(pid, SIGINT);
	while (read(fd[0], buf, sizeof(buf)) > 0)
		;
	close(fd[0]);
	if (wait4(pid, &status, 0, &ru) != pid)
		return -1;
	*cpu_ms = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 +
		  ru.ru_stime.tv_usec / 1e3;
	return t;
}

static int startup(void)
{
	double ms[SAMPLES], cpu[SAMPLES], c;

	one_startup(99, &c); /* warm the page cache and create the store */
	for (int i = 0; i < SAMPLES; i++) {
		ms[i] = one_startup(i, &cpu[i]);
		if (ms[i] < 0) {
			fprintf(stderr, "bench_station: %s run printed nothing\n", station);
			return 1;
		}
	}
	qsort(ms, SAMPLES, sizeof(ms[0]), cmp);
	qsort(cpu, SAMPLES, sizeof(cpu[0]), cmp);
	printf("station run start-up (simulated bench, to the first event): median %.1f ms, worst %.1f ms over %d runs (goal < %.0f ms)%s; CPU time median %.1f ms; load average %.1f\n",
	       ms[SAMPLES / 2], ms[SAMPLES - 1], SAMPLES, STARTUP_GOAL_MS,
	       ms[SAMPLES / 2] < STARTUP_GOAL_MS ? "" : " MISSED", cpu[SAMPLES / 2], loadavg());
	return 0;
}

/* Peak RSS of a repair run, from /usr/bin/time -v. */
static int rss(void)
{
	char cmd[3 * PATH_MAX], line[512];
	long kb = -1;
	FILE *p;

	if (access("/usr/bin/time", X_OK)) {
		printf("repair run peak RSS: not measured (no /usr/bin/time)\n");
		return 0;
	}
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/time -v '%s' run --model WH-1000XM5 --serial RSS1 --plan repair --db '%s/st.db' --confirm yes 2>&1 >/dev/null",
		 station, tmpdir);
	p = popen(cmd, "r");
	if (!p)
		return 1;
	while (fgets(line, sizeof(line), p))
		if (strstr(line, "Maximum resident set size"))
			kb = atol(strchr(line, ':') + 1);
	pclose(p);
	if (kb < 0) {
		fprintf(stderr, "bench_station: no peak RSS from /usr/bin/time\n");
		return 1;
	}
	printf("repair run peak RSS (WH-1000XM5, simulated bench and audio): %.1f MB (goal < %.0f MB)%s\n",
	       kb / 1024.0, RSS_GOAL_MB, kb / 1024.0 < RSS_GOAL_MB ? "" : " MISSED");
	return 0;
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int rc;

	(void)argc;
	(void)argv;
	/* A station with a fresh database would leave a detached process
	 * measuring FFTW wisdom for minutes (measure/wisdom.h), loading the
	 * machine under the benchmarks after this one; FFTW_ESTIMATE plans
	 * change neither start-up nor memory. */
	setenv("STATION_FFT_WISDOM", "off", 1);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return 1;
	*slash = '\0';
	snprintf(station, sizeof(station), "%s/station", self);
	if (access(station, X_OK)) {
		fprintf(stderr, "bench_station: no %s\n", station);
		return 1;
	}
	if (!mkdtemp(tmpdir))
		return 1;
	rc = startup() | rss();
	snprintf(self, sizeof(self), "rm -rf '%s'", tmpdir);
	if (system(self) != 0)
		rc = 1;
	return rc;
}
