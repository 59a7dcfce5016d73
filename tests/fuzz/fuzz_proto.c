/*
 * fuzz_proto.c - libFuzzer harness for the fixture protocol's parsers:
 * the line assembler, request and reply/event parsers (both sides of
 * docs/fixture-protocol.md), the Numato reply parser and the fixture-file
 * parser.  Any input must be handled with bounded memory, no crash, no
 * sanitizer report, and a one-line message on every rejection.
 *
 * Built by tests/fuzz/run.sh (long run) and tests/integration/fuzz_short.sh
 * (short run in `make check`); with -DST_FUZZ_REPLAY, replay.c gives it a
 * main() that replays files and random inputs, for machines without
 * libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/st.h"
#include "fixture/numato/numato.h"
#include "fixture/proto/fixmap.h"
#include "fixture/proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(const char *err)
{
	if (strlen(err) >= ST_ERRLEN || strchr(err, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct st_msg m;
	static struct st_fixmap fm;
	struct st_linebuf lb;
	struct st_numato_rx rx;
	char err[ST_ERRLEN], out[64];
	char *text;
	int code;

	/* both parsers on the whole input taken as one line */
	err[0] = '\0';
	if (st_proto_parse_request((const char *)data, size, &m, &code, err) == ST_OK) {
		if (m.argc > ST_PROTO_MAXARGS)
			abort();
	} else {
		check_err(err);
	}
	st_proto_parse_reply((const char *)data, size, &m, err);
	/* line by line, as a driver reads a link */
	st_linebuf_init(&lb);
	for (size_t i = 0; i < size; i++) {
		enum st_line_status r = st_linebuf_push(&lb, (char)data[i]);

		if (lb.len > ST_PROTO_MAXLINE + 1)
			abort();
		if (r == ST_LINE_DONE) {
			err[0] = '\0';
			if (st_proto_parse_reply(lb.buf, lb.len, &m, err) == ST_OK) {
				for (int k = 0; k < m.argc; k++)
					if (m.argv[k] < m.buf || m.argv[k] >= m.buf + sizeof(m.buf))
						abort();
				st_msg_kv(&m, "t");
			} else {
				check_err(err);
			}
			st_proto_parse_request(lb.buf, lb.len, &m, &code, err);
			st_linebuf_init(&lb);
		}
	}
	/* the Numato reply parser */
	st_numato_rx_init(&rx);
	for (size_t i = 0; i < size; i++)
		if (st_numato_rx_push(&rx, (char)data[i])) {
			st_numato_reply(&rx, "relay read 0", out, sizeof(out), err);
			st_numato_rx_init(&rx);
		}
	/* the fixture-file parser */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (st_fixmap_parse("fuzz", text, &fm, err) != ST_OK)
		check_err(err);
	free(text);
	return 0;
}
