/*
 * fuzz_fixmap.c - libFuzzer harness for the fixture-file parser
 * (station/fixture/proto/fixmap.c): any bytes give a map whose channels
 * are on the board and used once per model, or one "file:line:col:
 * message" error.
 */
#include <stdint.h>

#include "fixture/proto/fixmap.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct st_fixmap fm;
	char err[ST_ERRLEN] = "";

	if (st_fixmap_parse_buf("fuzz.fixture", (const char *)data, size, &fm, err) != ST_OK) {
		fuzz_check_msg(err, "fuzz.fixture");
		return 0;
	}
	for (int i = 0; i < fm.nmodels; i++) {
		unsigned used = 0;

		for (int k = 0; k < fm.models[i].nmap; k++) {
			int ch = fm.models[i].map[k].channel;

			if (ch < 0 || ch >= fm.channels || (used & (1u << ch)))
				abort();
			used |= 1u << ch;
		}
	}
	return 0;
}
