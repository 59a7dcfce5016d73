/*
 * wisdom.c - the station's FFTW wisdom file (see wisdom.h): read with a
 * size limit and checked to be text before FFTW parses it; sizes a run
 * planned without wisdom measured by a detached low-priority process
 * (double fork) that writes the file atomically (temporary file, fsync,
 * rename) when done.
 */
#include "measure/wisdom.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analysis/fft.h"
#include "core/enc.h"

static pthread_mutex_t wisdom_lock = PTHREAD_MUTEX_INITIALIZER;
static char wisdom_file[1024];   /* "" = not in use */

/* Warn about the wisdom file on stderr, its name made printable. */
static void warn(const char *path, const char *what)
{
	char safe[1200];

	st_term_clean(safe, sizeof(safe), path);
	fprintf(stderr, "station: FFTW wisdom %s %s\n", safe, what);
}

/* The file's text (malloc'd), or NULL: absent (*why = NULL) or not usable
 * (*why says why). */
static char *read_text(const char *path, const char **why)
{
	struct stat st;
	char *buf = NULL;
	ssize_t got;
	int fd;

	*why = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			*why = "ignored: cannot be opened";
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		*why = "ignored: not a regular file";
		goto out_close;
	}
	if (st.st_size > MEAS_WISDOM_MAX || st.st_size < 8) {
		*why = st.st_size < 8 ? "ignored: too short to be FFTW wisdom" : "ignored: larger than 1 MB";
		goto out_close;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		*why = "ignored: out of memory";
		goto out_close;
	}
	got = read(fd, buf, (size_t)st.st_size);
	if (got != (ssize_t)st.st_size) {
		*why = "ignored: short read";
		goto out_free;
	}
	buf[got] = 0;
	if (strlen(buf) != (size_t)got || strncmp(buf, "(fftw-3.", 8) != 0) {
		*why = "ignored: not FFTW wisdom text";
		goto out_free;
	}
	close(fd);
	return buf;
out_free:
	free(buf);
	buf = NULL;
out_close:
	close(fd);
	return NULL;
}

int meas_wisdom_path(const char *db_path, char *out, size_t n)
{
	const char *slash = db_path ? strrchr(db_path, '/') : NULL;
	int len;

	if (!db_path || !*db_path)
		return -1;
	if (slash)
		len = snprintf(out, n, "%.*s/%s", (int)(slash - db_path), db_path, MEAS_WISDOM_FILE);
	else
		len = snprintf(out, n, "%s", MEAS_WISDOM_FILE);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

int meas_wisdom_open(const char *path)
{
	const char *env = getenv("STATION_FFT_WISDOM"), *why;
	char *text;
	int got = 0;

	if ((env && strcmp(env, "off") == 0) || !path || strlen(path) >= sizeof(wisdom_file) - 16)
		return 0;
	text = read_text(path, &why);
	if (text && st_fft_wisdom_import(text))
		why = "ignored: FFTW refused it (other FFTW version or corrupt)";
	else if (text)
		got = 1;
	free(text);
	if (why)
		warn(path, why);
	pthread_mutex_lock(&wisdom_lock);
	snprintf(wisdom_file, sizeof(wisdom_file), "%s", path);
	pthread_mutex_unlock(&wisdom_lock);
	st_fft_tune(1);
	return got;
}

/* Write text to path through a temporary file; 0 or -1. */
static int write_atomic(const char *path, const char *text)
{
	char tmp[sizeof(wisdom_file) + 32];
	size_t len = strlen(text);
	int fd, bad;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	bad = write(fd, text, len) != (ssize_t)len;
	bad |= fsync(fd) != 0;
	bad |= close(fd) != 0;
	if (bad || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Measure the sizes and write the file; 0, or -1 when it cannot be
 * written. */
static int measure_and_write(const char *path, const int *kind, const int *n, int cnt)
{
	char *text;
	int bad, ret;

	for (int i = 0; i < cnt; i++)
		st_fft_measure(kind[i], n[i]);
	text = st_fft_wisdom_export(&bad);
	ret = text ? write_atomic(path, text) : -1;
	free(text);
	return ret;
}

/* The grandchild of a double fork, in its own session at the lowest
 * priority, with no descriptor of the station's (fixture port, database)
 * and default signal handling: measures and writes, then exits.  A lock
 * file keeps it to one at a time per station (a stale one, older than an
 * hour, is taken over). */
static void measurer(const char *path, const int *kind, const int *n, int cnt)
{
	char lock[sizeof(wisdom_file) + 8];
	struct stat st;
	int fd, nul;

	setsid();
	for (int sig = 1; sig < 32; sig++)
		signal(sig, SIG_DFL);
	nul = open("/dev/null", O_RDWR);
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
	}
	for (long f = 3; f < sysconf(_SC_OPEN_MAX) && f < 65536; f++)
		close((int)f);
	if (nice(19) < 0) {
		/* lowest priority or not: measuring still helps */
	}
	snprintf(lock, sizeof(lock), "%s.lock", path);
	if (stat(lock, &st) == 0 && time(NULL) - st.st_mtime > 3600)
		unlink(lock);
	fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		_exit(0);
	close(fd);
	measure_and_write(path, kind, n, cnt);
	unlink(lock);
	_exit(0);
}

void meas_wisdom_save(void)
{
	char path[sizeof(wisdom_file)];
	int kind[16], n[16], cnt, bad;
	char *text;
	pid_t pid;

	pthread_mutex_lock(&wisdom_lock);
	snprintf(path, sizeof(path), "%s", wisdom_file);
	pthread_mutex_unlock(&wisdom_lock);
	if (!path[0])
		return;
	cnt = st_fft_missing(kind, n, 16);
	text = st_fft_wisdom_export(&bad);
	free(text);
	if (bad)
		warn(path, "gave a plan that failed its check: forgotten, measured again");
	if (!cnt)
		return;
	pid = fork();
	if (pid == 0) {
		if (fork() == 0)
			measurer(path, kind, n, cnt);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

int meas_wisdom_measure_now(void)
{
	char path[sizeof(wisdom_file)];
	int kind[16], n[16], cnt;

	pthread_mutex_lock(&wisdom_lock);
	snprintf(path, sizeof(path), "%s", wisdom_file);
	pthread_mutex_unlock(&wisdom_lock);
	if (!path[0])
		return 0;
	cnt = st_fft_missing(kind, n, 16);
	if (cnt && measure_and_write(path, kind, n, cnt))
		warn(path, "not saved (cannot write it)");
	return cnt;
}
