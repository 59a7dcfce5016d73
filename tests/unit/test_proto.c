/*
 * test_proto.c - the fixture protocol codec (station/fixture/proto/proto.h)
 * and fixture files (fixmap.h): round trips, every malformed form, bounded
 * memory on endless garbage.
 */
#include "testutil.h"

#include "core/st.h"
#include "fixture/proto/fixmap.h"
#include "fixture/proto/proto.h"
#include "model/model.h"

static int push_str(struct st_linebuf *lb, const char *s, size_t n, char *line, size_t *len)
{
	int r = ST_LINE_MORE;

	for (size_t i = 0; i < n; i++) {
		r = st_linebuf_push(lb, s[i]);
		if (r == ST_LINE_DONE) {
			*len = lb->len;
			st_linebuf_take(lb, line, ST_PROTO_MAXLINE + 1);
			return r;
		}
		if (r == ST_LINE_TOOLONG)
			return r;
	}
	return r;
}

static void linebuf_lf_crlf(void **state)
{
	struct st_linebuf lb;
	char line[ST_PROTO_MAXLINE + 1];
	size_t len = 0;

	(void)state;
	st_linebuf_init(&lb);
	assert_int_equal(push_str(&lb, "OK 1 PING\n", 10, line, &len), ST_LINE_DONE);
	assert_string_equal(line, "OK 1 PING");
	assert_int_equal(push_str(&lb, "OK 2 PING\r\n", 11, line, &len), ST_LINE_DONE);
	assert_string_equal(line, "OK 2 PING");
	assert_int_equal(len, 9);
	/* a half line stays pending */
	assert_int_equal(push_str(&lb, "OK 3 PI", 7, line, &len), ST_LINE_MORE);
	assert_int_equal(lb.len, 7);
}

static void linebuf_overlong(void **state)
{
	struct st_linebuf lb;
	char line[ST_PROTO_MAXLINE + 1];
	size_t len = 0;
	char *big = malloc(ST_PROTO_MAXLINE + 10);

	(void)state;
	st_linebuf_init(&lb);
	/* exactly the maximum fits, also with CRLF */
	memset(big, 'A', ST_PROTO_MAXLINE);
	big[ST_PROTO_MAXLINE] = '\r';
	big[ST_PROTO_MAXLINE + 1] = '\n';
	assert_int_equal(push_str(&lb, big, ST_PROTO_MAXLINE + 2, line, &len), ST_LINE_DONE);
	assert_int_equal(len, ST_PROTO_MAXLINE);
	/* one more byte is too long: discarded up to its LF, reported once */
	memset(big, 'B', ST_PROTO_MAXLINE + 1);
	big[ST_PROTO_MAXLINE + 1] = '\n';
	assert_int_equal(push_str(&lb, big, ST_PROTO_MAXLINE + 2, line, &len), ST_LINE_TOOLONG);
	/* and the next line is whole again */
	assert_int_equal(push_str(&lb, "OK 4 PING\n", 10, line, &len), ST_LINE_DONE);
	assert_string_equal(line, "OK 4 PING");
	free(big);
}

static void linebuf_bounded_garbage(void **state)
{
	struct st_linebuf lb;
	unsigned x = 1;
	size_t toolong = 0;

	(void)state;
	st_linebuf_init(&lb);
	/* 4 MB of random bytes: the buffer never grows past its fixed size */
	for (long i = 0; i < 4L * 1024 * 1024; i++) {
		x = x * 1103515245u + 12345u;
		if (st_linebuf_push(&lb, (char)(x >> 16)) == ST_LINE_TOOLONG)
			toolong++;
		assert_true(lb.len <= ST_PROTO_MAXLINE + 1);
	}
	assert_true(sizeof(lb) < ST_PROTO_MAXLINE + 64);
	(void)toolong;
}

static void request_forms(void **state)
{
	struct st_msg m;
	char err[ST_ERRLEN];
	int code;

	(void)state;
	assert_int_equal(st_proto_parse_request("12 PRESS 0x3 7000", 17, &m, &code, err), ST_OK);
	assert_int_equal(m.seq, 12);
	assert_string_equal(m.verb, "PRESS");
	assert_int_equal(m.argc, 2);
	assert_string_equal(m.argv[0], "0x3");
	assert_string_equal(m.argv[1], "7000");
	/* no sequence number, lower case, extra spaces */
	assert_int_equal(st_proto_parse_request("ping", 4, &m, &code, err), ST_OK);
	assert_int_equal(m.seq, 0);
	assert_string_equal(m.verb, "PING");
	assert_int_equal(st_proto_parse_request("3  hold   0x1  500 ", 19, &m, &code, err), ST_OK);
	assert_string_equal(m.verb, "HOLD");
	assert_int_equal(m.argc, 2);
	/* UART keeps its payload raw, quotes and all */
	assert_int_equal(st_proto_parse_request("4 UART KEYTEST \"on", 18, &m, &code, err), ST_OK);
	assert_string_equal(m.verb, "UART");
	assert_string_equal(m.rest, "KEYTEST \"on");
}

static void request_malformed(void **state)
{
	static const struct { const char *line; int code; } bad[] = {
		{ "", ST_PE_SYNTAX },
		{ "   ", ST_PE_SYNTAX },
		{ "12", ST_PE_SYNTAX },
		{ "99999 PING", ST_PE_SYNTAX },
		{ "12x PING", ST_PE_SYNTAX },
		{ "1 PR3SS 1 2", ST_PE_UNKNOWN },
		{ "1 ABCDEFGHIJKLMNOPQRSTU", ST_PE_UNKNOWN },
		{ "1 PROMPT \"unterminated", ST_PE_SYNTAX },
		{ "1 PROMPT \"bad \\q escape\"", ST_PE_SYNTAX },
		{ "1 PROMPT \"text\"after", ST_PE_SYNTAX },
		{ "1 X a b c d e f g h i j k l m n o p q", ST_PE_ARGS },
	};
	struct st_msg m;
	char err[ST_ERRLEN];
	int code;

	(void)state;
	for (size_t i = 0; i < ST_ARRAY_SIZE(bad); i++) {
		code = 0;
		err[0] = '\0';
		assert_int_equal(st_proto_parse_request(bad[i].line, strlen(bad[i].line), &m,
							&code, err), ST_ERR_PARSE);
		assert_int_equal(code, bad[i].code);
		assert_true(strlen(err) > 0);
		assert_null(strchr(err, '\n'));
	}
	/* control bytes and NUL anywhere */
	assert_int_equal(st_proto_parse_request("1 PI\x01NG", 7, &m, &code, err), ST_ERR_PARSE);
	assert_int_equal(code, ST_PE_SYNTAX);
	assert_non_null(strstr(err, "0x01"));
	assert_int_equal(st_proto_parse_request("1 PI\0NG", 7, &m, &code, err), ST_ERR_PARSE);
	assert_int_equal(st_proto_parse_request("1 P\xc3\xa9", 5, &m, &code, err), ST_ERR_PARSE);
}

static void reply_forms(void **state)
{
	struct st_msg m;
	char err[ST_ERRLEN];
	const char *l;

	(void)state;
	l = "OK 1 HELLO proto=1 fw=simfix-1.0 channels=16 scale=50 wd=2000 caps=press,led t=5";
	assert_int_equal(st_proto_parse_reply(l, strlen(l), &m, err), ST_OK);
	assert_int_equal(m.kind, ST_MSG_OK);
	assert_int_equal(m.seq, 1);
	assert_string_equal(m.verb, "HELLO");
	assert_string_equal(st_msg_kv(&m, "scale"), "50");
	assert_string_equal(st_msg_kv(&m, "caps"), "press,led");
	assert_null(st_msg_kv(&m, "nothere"));
	l = "ERR 7 22 duration 90000 ms outside 1..60000";
	assert_int_equal(st_proto_parse_reply(l, strlen(l), &m, err), ST_OK);
	assert_int_equal(m.kind, ST_MSG_ERR);
	assert_int_equal(m.code, 22);
	assert_string_equal(m.rest, "duration 90000 ms outside 1..60000");
	l = "EV PROMPT 12345 \"Resetting \\\"now\\\"...\"";
	assert_int_equal(st_proto_parse_reply(l, strlen(l), &m, err), ST_OK);
	assert_int_equal(m.kind, ST_MSG_EV);
	assert_string_equal(m.verb, "PROMPT");
	assert_int_equal(m.t_ms, 12345);
	assert_string_equal(m.argv[0], "Resetting \"now\"...");
	l = "EV LED 100 main orange";
	assert_int_equal(st_proto_parse_reply(l, strlen(l), &m, err), ST_OK);
	assert_string_equal(m.argv[1], "orange");
	l = "OK 9 UART model=WH-1000XM5 serial=\"x";
	assert_int_equal(st_proto_parse_reply(l, strlen(l), &m, err), ST_OK);
	assert_string_equal(m.rest, "model=WH-1000XM5 serial=\"x");
}

static void reply_malformed(void **state)
{
	static const char *const bad[] = {
		"", "OK", "OK x PING", "OK 1", "OK 1 12", "ERR 1", "ERR 1 x text", "ERR 1 1000 x",
		"EV", "EV LED", "EV LED x main red", "EV LED -5 main red", "HELLO", "ok 1 PING",
		"EV PROMPT 5 \"open", "OK 70000 PING",
	};
	struct st_msg m;
	char err[ST_ERRLEN];

	(void)state;
	for (size_t i = 0; i < ST_ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		assert_int_equal(st_proto_parse_reply(bad[i], strlen(bad[i]), &m, err), ST_ERR_PARSE);
		assert_true(strlen(err) > 0);
	}
}

static void round_trip(void **state)
{
	static const char *const texts[] = {
		"Resetting...", "say \"hi\"", "back\\slash", "", "Initializing system...",
	};
	char q[128], line[200], err[ST_ERRLEN];
	struct st_msg m;

	(void)state;
	for (size_t i = 0; i < ST_ARRAY_SIZE(texts); i++) {
		st_proto_quote(q, sizeof(q), texts[i]);
		snprintf(line, sizeof(line), "EV PROMPT 42 %s", q);
		assert_int_equal(st_proto_parse_reply(line, strlen(line), &m, err), ST_OK);
		assert_int_equal(m.argc, 1);
		assert_string_equal(m.argv[0], texts[i]);
	}
	/* non-ASCII is replaced, never emitted */
	st_proto_quote(q, sizeof(q), "caf\xc3\xa9");
	assert_true(st_proto_printable(q, strlen(q)));
	/* tiny buffers stay terminated */
	st_proto_quote(q, 4, "abcdef");
	assert_true(strlen(q) < 4);
}

static void numbers(void **state)
{
	unsigned m;
	unsigned long v;

	(void)state;
	assert_int_equal(st_proto_parse_mask("0x1F", &m), ST_OK);
	assert_int_equal(m, 0x1f);
	assert_int_equal(st_proto_parse_mask("12", &m), ST_OK);
	assert_int_equal(m, 12);
	assert_int_equal(st_proto_parse_mask("0x", &m), ST_ERR_PARSE);
	assert_int_equal(st_proto_parse_mask("0x123456789", &m), ST_ERR_PARSE);
	assert_int_equal(st_proto_parse_mask("-1", &m), ST_ERR_PARSE);
	assert_int_equal(st_proto_parse_mask("0xg", &m), ST_ERR_PARSE);
	assert_int_equal(st_proto_parse_uint("60000", 60000, &v), ST_OK);
	assert_int_equal(st_proto_parse_uint("60001", 60000, &v), ST_ERR_PARSE);
	assert_int_equal(st_proto_parse_uint("99999999999", 0xffffffffUL, &v), ST_ERR_PARSE);
	assert_int_equal(st_proto_parse_uint("+5", 10, &v), ST_ERR_PARSE);
	assert_string_equal(st_proto_errname(ST_PE_BUSY), "busy");
}

static void fixmap_files(void **state)
{
	static const char *const names[] = { "station-v1", "numato-8" };
	char ids[32][ST_NAME_LEN], err[ST_ERRLEN];
	struct st_fixmap *fm = malloc(sizeof(*fm));
	struct st_model *m = malloc(sizeof(*m));
	int n;

	(void)state;
	n = st_model_list(st_data_dir(), ids, 32, err);
	assert_true(n >= 1);
	/* every shipped fixture file wires every shipped model, each control
	 * exactly once */
	for (size_t f = 0; f < ST_ARRAY_SIZE(names); f++) {
		assert_int_equal(st_fixmap_find(names[f], fm, err), ST_OK);
		for (int i = 0; i < n; i++) {
			int chan[ST_MAX_CONTROLS];

			assert_int_equal(st_model_find(st_data_dir(), ids[i], m, err), ST_OK);
			if (st_fixmap_resolve(fm, m, chan, err))
				fail_msg("%s: %s", names[f], err);
			for (int c = 0; c < m->ncontrols; c++)
				if (chan[c] < 0)
					fail_msg("%s: %s control %s unwired", names[f], m->id,
						 m->controls[c].name);
			assert_int_equal(st_fixmap_controls(chan, st_fixmap_channels(chan,
					 (1u << m->ncontrols) - 1, NULL)), (1u << m->ncontrols) - 1);
		}
	}
	free(fm);
	free(m);
}

static void fixmap_errors(void **state)
{
	static const struct { const char *text; const char *msg; } bad[] = {
		{ "fixture x\ndriver proto\n", "needs" },
		{ "fixture x\ndriver foo\nchannels 8\n", "t:2:" },
		{ "fixture x\ndriver proto\nchannels 99\n", "t:3:" },
		{ "fixture x\ndriver proto\nmodel A\n", "t:3:" },
		{ "fixture x\ndriver proto\nchannels 8\nchannel 1 POWER\n", "t:4:" },
		{ "fixture x\ndriver proto\nchannels 8\nmodel A\nchannel 8 POWER\n", "t:5:" },
		{ "fixture x\ndriver proto\nchannels 8\nmodel A\nchannel 1 POWER\nchannel 1 VOL\n", "t:6:" },
		{ "fixture x\ndriver proto\nchannels 8\nmodel A\nchannel 1 POWER\nchannel 2 POWER\n", "t:6:" },
		{ "fixture x\ndriver proto\nchannels 8\nmodel A\nmodel a\n", "t:5:" },
		{ "fixture x\ndriver proto\nchannels 8\ncharge 3\nmodel A\nchannel 3 POWER\n", "t:6:" },
		{ "fixture x\ndriver proto\nchannels 8\nbogus line here\n", "t:4:" },
		{ "fixture x\ndriver proto\nchannels 8\nmax-hold -1\n", "t:4:" },
	};
	struct st_fixmap *fm = malloc(sizeof(*fm));
	char err[ST_ERRLEN];

	(void)state;
	for (size_t i = 0; i < ST_ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		assert_int_equal(st_fixmap_parse("t", bad[i].text, fm, err), ST_ERR_PARSE);
		if (!strstr(err, bad[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].msg);
	}
	free(fm);
}

static void fixmap_resolve_errors(void **state)
{
	struct st_fixmap *fm = malloc(sizeof(*fm));
	struct st_model *m = malloc(sizeof(*m));
	int chan[ST_MAX_CONTROLS];
	unsigned miss;
	char err[ST_ERRLEN];

	(void)state;
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", m, err), ST_OK);
	assert_int_equal(st_fixmap_parse("t", "fixture x\ndriver proto\nchannels 4\n"
					 "model wh_1000xm5\nchannel 2 POWER\n", fm, err), ST_OK);
	assert_int_equal(st_fixmap_resolve(fm, m, chan, err), ST_OK);
	assert_int_equal(st_fixmap_channels(chan, 0x1, &miss), 0x4);
	assert_int_equal(miss, 0);
	assert_int_equal(st_fixmap_channels(chan, 0x3, &miss), 0x4);
	assert_int_equal(miss, 0x2);
	assert_int_equal(st_fixmap_parse("t", "fixture x\ndriver proto\nchannels 4\n"
					 "model WH-1000XM5\nchannel 2 PWR\n", fm, err), ST_OK);
	assert_int_equal(st_fixmap_resolve(fm, m, chan, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, "t:5:"));
	assert_int_equal(st_fixmap_parse("t", "fixture x\ndriver proto\nchannels 4\n"
					 "model OTHER\n", fm, err), ST_OK);
	assert_int_equal(st_fixmap_resolve(fm, m, chan, err), ST_ERR_NOTFOUND);
	free(fm);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(linebuf_lf_crlf),
		cmocka_unit_test(linebuf_overlong),
		cmocka_unit_test(linebuf_bounded_garbage),
		cmocka_unit_test(request_forms),
		cmocka_unit_test(request_malformed),
		cmocka_unit_test(reply_forms),
		cmocka_unit_test(reply_malformed),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(numbers),
		cmocka_unit_test(fixmap_files),
		cmocka_unit_test(fixmap_errors),
		cmocka_unit_test(fixmap_resolve_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
