/*
 * fuzz_model.c - libFuzzer harness for the model-file parser
 * (station/model/model.c): any bytes give a model that never holds a
 * control past its max-hold, or one "file:line:col: message" error.
 */
#include <stdint.h>

#include "fuzz_check.h"
#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct st_model m;
	char err[ST_ERRLEN] = "";

	if (st_model_parse_buf("fuzz.model", (const char *)data, size, &m, err) != ST_OK) {
		fuzz_check_msg(err, "fuzz.model");
		return 0;
	}
	if (st_model_longest_hold(&m) > m.max_hold + 1e-9 || m.ncontrols < 1 ||
	    m.ncontrols > ST_MAX_CONTROLS)
		abort();
	return 0;
}
