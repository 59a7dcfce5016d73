/*
 * fuzz_bench.c - libFuzzer harness for the audio bench-file parser
 * (station/audio/benchfile.c): any bytes give a bench whose roles sit on
 * distinct inputs, or one "file:line:col: message" error.
 */
#include <stdint.h>

#include "audio/audio.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct st_audio_bench b;
	char err[ST_ERRLEN] = "";

	if (st_audio_bench_parse_buf("fuzz.audio", (const char *)data, size, &b, err) != ST_OK) {
		fuzz_check_msg(err, "fuzz.audio");
		return 0;
	}
	for (int r = 0; r < ST_ROLE_COUNT; r++) {
		if (b.in[r] >= ST_AUDIO_MAX_CH)
			abort();
		for (int q = r + 1; q < ST_ROLE_COUNT; q++)
			if (b.in[r] >= 0 && b.in[r] == b.in[q])
				abort();
	}
	return 0;
}
