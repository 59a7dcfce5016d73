/*
 * test_analysis_wav.c - WAV reading and writing (station/audio/wav.c):
 * round trips in float / PCM24 / PCM16, interleaving, and every kind of
 * bad file giving one line that names the file, never a crash.
 */
#include "testutil.h"

#include <math.h>
#include <sys/stat.h>

#include "audio/wav.h"
#include "core/st.h"

static char *tmpname(const char *tag)
{
	static char buf[4][256];
	static int slot;
	char *p = buf[slot++ & 3];

	snprintf(p, 256, "/tmp/st-wav-%d-%s.wav", (int)getpid(), tag);
	return p;
}

static void write_bytes(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

static void test_roundtrip(void **state)
{
	const size_t frames = 4800;
	const int ch = 8;
	float *x = malloc(frames * ch * sizeof(float));
	struct st_wav w;
	char err[ST_ERRLEN];
	const char *path = tmpname("rt");
	double worst = 0;

	(void)state;
	for (size_t i = 0; i < frames; i++)
		for (int c = 0; c < ch; c++)
			x[i * ch + c] = (float)(0.9 * sin(0.01 * (double)i * (c + 1)) / (c + 1));
	assert_int_equal(st_wav_write(path, x, frames, ch, 48000, ST_WAV_FLOAT, err), ST_OK);
	assert_int_equal(st_wav_read(path, &w, err), ST_OK);
	assert_int_equal(w.frames, frames);
	assert_int_equal(w.channels, ch);
	assert_int_equal(w.rate, 48000);
	assert_memory_equal(w.data, x, frames * ch * sizeof(float));
	st_wav_free(&w);

	assert_int_equal(st_wav_write(path, x, frames, ch, 44100, ST_WAV_PCM24, err), ST_OK);
	assert_int_equal(st_wav_read(path, &w, err), ST_OK);
	assert_int_equal(w.rate, 44100);
	for (size_t i = 0; i < frames * ch; i++)
		worst = fmax(worst, fabs(w.data[i] - x[i]));
	assert_true(worst < 2.0 / 8388608);
	st_wav_free(&w);

	/* PCM16 clips instead of wrapping. */
	x[0] = 1.7f;
	x[1] = -3.0f;
	assert_int_equal(st_wav_write(path, x, frames, ch, 8000, ST_WAV_PCM16, err), ST_OK);
	assert_int_equal(st_wav_read(path, &w, err), ST_OK);
	assert_true(w.data[0] > 0.99f && w.data[1] <= -0.99f);
	st_wav_free(&w);

	assert_int_equal(st_wav_read_expect(path, 8000, 8, &w, err), ST_OK);
	st_wav_free(&w);
	assert_int_equal(st_wav_read_expect(path, 48000, 0, &w, err), ST_ERR_ARG);
	assert_non_null(strstr(err, "8000 Hz, expected 48000"));
	assert_non_null(strstr(err, path));
	assert_null(w.data);
	assert_int_equal(st_wav_read_expect(path, 0, 2, &w, err), ST_ERR_ARG);
	assert_non_null(strstr(err, "8 channels, expected 2"));

	assert_int_equal(st_wav_write(path, x, 0, ch, 8000, ST_WAV_FLOAT, err), ST_ERR_ARG);
	assert_int_equal(st_wav_write(path, x, 10, 0, 8000, ST_WAV_FLOAT, err), ST_ERR_ARG);
	assert_int_equal(st_wav_write("/nonexistent-dir/x.wav", x, 10, 1, 8000, ST_WAV_FLOAT, err), ST_ERR_IO);
	assert_non_null(strstr(err, "/nonexistent-dir/x.wav"));
	unlink(path);
	free(x);
}

static void test_bad_files(void **state)
{
	float x[2 * 1000];
	struct st_wav w;
	char err[ST_ERRLEN];
	const char *path = tmpname("bad");
	struct stat st;
	char *buf;
	size_t n;

	(void)state;
	for (int i = 0; i < 2000; i++)
		x[i] = (float)(0.5 * sin(i * 0.1));
	assert_int_equal(st_wav_read("/nonexistent.wav", &w, err), ST_ERR_IO);
	assert_non_null(strstr(err, "/nonexistent.wav"));
	assert_int_equal(st_wav_read("/tmp", &w, err), ST_ERR_IO);
	assert_int_equal(st_wav_read(NULL, &w, err), ST_ERR_ARG);

	write_bytes(path, "", 0);
	assert_int_equal(st_wav_read(path, &w, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, path));
	write_bytes(path, "RIFF\xff\xff\xff\xffWAVEfmt junk", 20);
	assert_int_equal(st_wav_read(path, &w, err), ST_ERR_PARSE);
	write_bytes(path, "hello, this is not audio at all\n", 32);
	assert_int_equal(st_wav_read(path, &w, err), ST_ERR_PARSE);
	assert_null(strchr(err, '\n'));

	/* Truncated: a good file cut in half, and cut inside the header. */
	assert_int_equal(st_wav_write(path, x, 1000, 2, 48000, ST_WAV_PCM24, err), ST_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size / 2), 0);
	assert_int_equal(st_wav_read(path, &w, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, "truncated"));
	assert_int_equal(truncate(path, 30), 0);
	assert_int_equal(st_wav_read(path, &w, err), ST_ERR_PARSE);

	/* Header only: no frames. */
	assert_int_equal(st_wav_write(path, x, 1000, 2, 48000, ST_WAV_FLOAT, err), ST_OK);
	assert_int_equal(st_read_file(path, &buf, &n, err), ST_OK);
	assert_true(n > 44);
	{
		/* Keep the header, declare a 0-byte data chunk. */
		char *d = memmem(buf, n, "data", 4);

		assert_non_null(d);
		memset(d + 4, 0, 4);
		write_bytes(path, buf, (size_t)(d + 8 - buf));
	}
	assert_int_not_equal(st_wav_read(path, &w, err), ST_OK);
	free(buf);

	/* Float file with a NaN sample. */
	x[7] = NAN;
	assert_int_equal(st_wav_write(path, x, 1000, 2, 48000, ST_WAV_FLOAT, err), ST_OK);
	assert_int_equal(st_wav_read(path, &w, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, "sample 3 of channel 1"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
