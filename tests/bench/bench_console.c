/*
 * bench_console.c - how fast the operator console answers a key while the
 * bench is busy: the time from a key arriving through a pty to the screen
 * updated (the console's output for the new screen read back from the
 * pty).  Two cases: during a 12 s POWER hold on the out-of-process
 * simulator (`station sim` on a pty, real time), and during the acoustic
 * captures and their analysis on the in-process simulated bench.  F1
 * toggles Help over the run screen; each toggle is one sample.  Prints
 * the median and the worst, in ms; and the time from Esc in the middle of
 * the hold to the screen saying ABORTED (the fixture released first).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES 20
#define F1_KEY "\033OP"

static char tmpdir[256];
static char station[PATH_MAX];

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Read from fd until `marker` appears in what was read (after the call
 * began) or timeout_ms passes; returns 0 when found. */
static int wait_for(int fd, const char *marker, double timeout_ms)
{
	static char buf[1 << 16];
	size_t n = 0;
	double end = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pf = { fd, POLLIN, 0 };
		double left = end - now_ms();
		ssize_t r;

		if (left <= 0)
			return -1;
		if (poll(&pf, 1, (int)left + 1) <= 0)
			continue;
		r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = 0;
		if (strstr(buf, marker))
			return 0;
		if (n > sizeof(buf) / 2) {   /* keep the tail only */
			memmove(buf, buf + n - 256, 256);
			n = 256;
		}
	}
}

static pid_t spawn_console(int *master, char *const argv[])
{
	struct winsize ws = { 24, 80, 0, 0 };
	pid_t pid = forkpty(master, NULL, NULL, &ws);

	if (pid == 0) {
		setenv("TERM", "xterm", 1);
		setenv("LANG", "C.UTF-8", 1);
		execv(station, argv);
		_exit(127);
	}
	return pid;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Toggle Help SAMPLES times; the run screen's header has `back`. */
static int measure(int fd, const char *back, const char *what)
{
	double t[SAMPLES * 2];
	int n = 0;

	for (int i = 0; i < SAMPLES; i++) {
		double t0 = now_ms();

		if (write(fd, F1_KEY, 3) != 3 || wait_for(fd, "HELP", 2000))
			break;
		t[n++] = now_ms() - t0;
		t0 = now_ms();
		if (write(fd, F1_KEY, 3) != 3 || wait_for(fd, back, 2000))
			break;
		t[n++] = now_ms() - t0;
	}
	if (n < 4) {
		fprintf(stderr, "%s: the console did not answer F1 (%d samples)\n", what, n);
		return -1;
	}
	qsort(t, (size_t)n, sizeof(t[0]), cmp_double);
	printf("key to screen during %s: median %.1f ms, worst %.1f ms (%d keys, pty, 80x24)\n",
	       what, t[n / 2], t[n - 1], n);
	return 0;
}

static void stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/* During a 12 s POWER hold on `station sim` (real time). */
static int bench_hold(void)
{
	char link[300], db[300], state[300];
	char *sim_argv[] = { station, "sim", "--model", "WH-1000XM5", "--pty-link", link,
			     "--serial", "5021234", "--state-file", state, NULL };
	char *con_argv[] = { station, "console", "--db", db, "--fixture", link, "--operator", "bench",
			     "--model", "WH-1000XM5", "--plan", "reset-soft", NULL };
	pid_t sim, con = -1;
	int fd = -1, ret = -1, devnull;
	struct stat st;

	snprintf(link, sizeof(link), "%s/fx", tmpdir);
	snprintf(db, sizeof(db), "%s/hold.db", tmpdir);
	snprintf(state, sizeof(state), "%s/state", tmpdir);
	sim = fork();
	if (sim == 0) {
		devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execv(station, sim_argv);
		_exit(127);
	}
	for (int i = 0; i < 200 && lstat(link, &st); i++)
		usleep(10000);
	con = spawn_console(&fd, con_argv);
	if (wait_for(fd, "serial", 10000)) {
		fprintf(stderr, "hold: the console did not start\n");
		goto out;
	}
	if (write(fd, "5021234\r", 8) != 8 || wait_for(fd, "12.0 s", 20000)) {
		fprintf(stderr, "hold: the run never reached the POWER hold\n");
		goto out;
	}
	ret = measure(fd, "reset-soft", "a 12 s hold (station sim on a pty)");
	if (!ret) {
		/* Esc mid-hold: until the screen says ABORTED (every actuator
		 * released before it does) */
		double t0 = now_ms();

		if (write(fd, "\033", 1) != 1 || wait_for(fd, "ABORTED", 10000))
			fprintf(stderr, "hold: Esc did not end the run\n");
		else
			printf("Esc mid-hold to ABORTED on the screen: %.1f ms (station sim on a pty)\n",
			       now_ms() - t0);
	}
out:
	stop(con);
	if (fd >= 0)
		close(fd);
	stop(sim);
	return ret;
}

/* During the acoustic captures of the in-process simulated bench. */
static int bench_capture(void)
{
	char db[300];
	char *con_argv[] = { station, "console", "--db", db, "--operator", "bench", "--model",
			     "WH-1000XM5", "--plan", "nightly", NULL };
	pid_t con;
	int fd = -1, ret = -1;

	snprintf(db, sizeof(db), "%s/capture.db", tmpdir);
	con = spawn_console(&fd, con_argv);
	if (wait_for(fd, "serial", 10000)) {
		fprintf(stderr, "capture: the console did not start\n");
		goto out;
	}
	if (write(fd, "5021234\r", 8) != 8 || wait_for(fd, "sweep", 60000)) {
		fprintf(stderr, "capture: the run never reached an acoustic step\n");
		goto out;
	}
	ret = measure(fd, "nightly", "acoustic captures (in-process simulated bench)");
out:
	stop(con);
	if (fd >= 0)
		close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], cmd[600];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;
	int rc = 0;

	(void)argc;
	if (n <= 0)
		return 1;
	self[n] = 0;
	slash = strrchr(self, '/');
	*slash = 0;
	snprintf(station, sizeof(station), "%s/../station", self);
	if (access(station, X_OK)) {
		fprintf(stderr, "%s: no %s\n", argv[0], station);
		return 1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/st-bench-console-%d", (int)getpid());
	mkdir(tmpdir, 0700);
	signal(SIGPIPE, SIG_IGN);
	rc |= bench_hold() != 0;
	rc |= bench_capture() != 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
