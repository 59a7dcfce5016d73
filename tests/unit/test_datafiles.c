/*
 * test_datafiles.c - the audio bench (.audio) and fixture (.fixture)
 * parsers on the shared tokenizer: a NUL byte no longer ends the text
 * (issue 9 item 3), a repeated keyword is refused instead of the last one
 * winning (item 4), invalid UTF-8 and control characters are refused, and
 * every error is one "file:line:col: message" line.
 */
#include "testutil.h"

#include "audio/audio.h"
#include "core/st.h"
#include "fixture/proto/fixmap.h"

static void audio_bad(const char *text, size_t len, const char *want)
{
	struct st_audio_bench b;
	char err[ST_ERRLEN] = "";

	assert_int_equal(st_audio_bench_parse_buf("b.audio", text, len, &b, err), ST_ERR_PARSE);
	if (strncmp(err, want, strlen(want)))
		fail_msg("got '%s', want '%s...'", err, want);
	assert_null(strchr(err, '\n'));
}

static void fix_bad(const char *text, size_t len, const char *want)
{
	static struct st_fixmap fm;
	char err[ST_ERRLEN] = "";

	assert_int_equal(st_fixmap_parse_buf("f.fixture", text, len, &fm, err), ST_ERR_PARSE);
	if (strncmp(err, want, strlen(want)))
		fail_msg("got '%s', want '%s...'", err, want);
	assert_null(strchr(err, '\n'));
}

#define BAD(fn, lit, want) fn(lit, sizeof(lit) - 1, want)

static void test_audio(void **state)
{
	struct st_audio_bench b;
	char err[ST_ERRLEN];

	(void)state;
	/* a NUL used to drop the rest: here the level line */
	BAD(audio_bad, "rate 48000\nmic 2 3\0\nlevel -70\n", "b.audio:2:8: NUL byte");
	BAD(audio_bad, "rate 48000\nrate 44100\n", "b.audio:2:1: duplicate 'rate' (first on line 1)");
	BAD(audio_bad, "ear-left 0\near-left 1\n", "b.audio:2:1: duplicate 'ear-left'");
	BAD(audio_bad, "mic 2 3\nno-mics\n", "b.audio:2:1: duplicate 'mic/no-mics' (first on line 1)");
	BAD(audio_bad, "device \"JACK \xc3\x28\"\n", "b.audio:1:14: invalid UTF-8");
	BAD(audio_bad, "device \"a\x1b]0;x\x07\"\n", "b.audio:1:10: control character 0x1b");
	BAD(audio_bad, "rate fast\n", "b.audio:1:6: rate must be");
	BAD(audio_bad, "level -12 -6\n", "b.audio:1:11: 'level' takes one value");
	BAD(audio_bad, "ear-left 1\near-right 1\n", "b.audio:2:11: ear-left and ear-right both on input 1");
	BAD(audio_bad, "loopback 0\n", "b.audio:1:10: loopback and ear-left both on input 0");
	/* a UTF-8 device name is fine */
	assert_int_equal(st_audio_bench_parse("b.audio", "device \"Caf\xc3\xa9 bench\"\n", &b, err),
			 ST_OK);
	assert_string_equal(b.device, "Caf\xc3\xa9 bench");
}

static void test_fixture(void **state)
{
	(void)state;
	BAD(fix_bad, "fixture x\ndriver proto\nchannels 8\nmax-hold 30\0max-hold 600\n",
	    "f.fixture:4:12: NUL byte");
	BAD(fix_bad, "fixture x\ndriver proto\nchannels 8\nmax-hold 30\nmax-hold 60\n",
	    "f.fixture:5:1: duplicate 'max-hold' (first on line 4)");
	BAD(fix_bad, "fixture x\ndriver proto\ndriver numato\nchannels 8\n",
	    "f.fixture:3:1: duplicate 'driver'");
	BAD(fix_bad, "fixture x\ndriver proto\nchannels 8\nchannels 4\n",
	    "f.fixture:4:1: duplicate 'channels'");
	BAD(fix_bad, "fixture x\ndriver proto\nchannels 8\ncharge 1\ncharge 2\n",
	    "f.fixture:5:1: duplicate 'charge'");
	BAD(fix_bad, "fixture x\xff\n", "f.fixture:1:10: invalid UTF-8 (byte 0xff)");
	BAD(fix_bad, "fixture x\ndriver foo\n", "f.fixture:2:8: driver must be proto or numato");
	BAD(fix_bad, "fixture x\ndriver proto\nchannels 8\nmodel A\n\tchannel 9 POWER\n",
	    "f.fixture:5:10: channel '9' is not 0..7");
	BAD(fix_bad, "fixture x\ndriver proto\n", "f.fixture:2:1: needs 'fixture', 'driver'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audio),
		cmocka_unit_test(test_fixture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
