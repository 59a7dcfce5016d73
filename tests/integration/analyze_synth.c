/*
 * analyze_synth.c - test helper for analyze_cli.sh: makes captures with
 * known gains, delays, filters and noise from a stimulus WAV, and chime
 * files with known onsets.  Needs only libsndfile and libm (the script
 * compiles it with cc), so it does not depend on how the station was built.
 *
 *   analyze_synth capture IN.wav OUT.wav TAIL_S SPEC [SPEC ...]
 *       one output channel per SPEC, made from channel 0 of IN and TAIL_S
 *       seconds longer; SPEC is comma-separated: g=DB (gain), d=SAMPLES
 *       (delay, fractional), inv (polarity), pk=HZ/Q/DB (RBJ peaking),
 *       n=DBFS (white noise RMS), seed=N
 *   analyze_synth chimes OUT.wav RATE SECONDS T:HZ:DUR [T:HZ:DUR ...]
 *       hard-started sine tones at amplitude 0.3 over -70 dBFS noise
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

static uint64_t rng = 88172645463325252ULL;

static double gauss(void)
{
	double u, v;

	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	u = ((double)(rng >> 11) + 1) / 9007199254740993.0;
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	v = (double)(rng >> 11) / 9007199254740992.0;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static int write_wav(const char *path, const float *x, long frames, int ch, int rate)
{
	SF_INFO info = { 0 };
	SNDFILE *sf;

	info.samplerate = rate;
	info.channels = ch;
	info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
	sf = sf_open(path, SFM_WRITE, &info);
	if (!sf || sf_writef_float(sf, x, frames) != frames) {
		fprintf(stderr, "analyze_synth: cannot write %s\n", path);
		return 1;
	}
	sf_close(sf);
	return 0;
}

struct spec {
	double g, d, pk_hz, pk_q, pk_db, noise;
	int inv, pk;
};

static void parse_spec(char *s, struct spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->noise = -999;
	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		if (!strncmp(tok, "g=", 2))
			sp->g = atof(tok + 2);
		else if (!strncmp(tok, "d=", 2))
			sp->d = atof(tok + 2);
		else if (!strcmp(tok, "inv"))
			sp->inv = 1;
		else if (!strncmp(tok, "n=", 2))
			sp->noise = atof(tok + 2);
		else if (!strncmp(tok, "seed=", 5))
			rng ^= (uint64_t)atol(tok + 5) * 0x9E3779B97F4A7C15ULL;
		else if (!strncmp(tok, "pk=", 3) &&
			 sscanf(tok + 3, "%lf/%lf/%lf", &sp->pk_hz, &sp->pk_q, &sp->pk_db) == 3)
			sp->pk = 1;
		else
			fprintf(stderr, "analyze_synth: ignoring '%s'\n", tok);
	}
}

/* out[i] = in delayed by d samples: integer part exact, fractional part
 * by a 255-tap Blackman-windowed sinc. */
static void delay(const float *in, long n, float *out, long m, double d)
{
	long di = (long)floor(d);
	double fr = d - (double)di;
	const int half = 127;

	for (long i = 0; i < m; i++) {
		double acc = 0;

		if (fr == 0) {
			long j = i - di;

			out[i] = j >= 0 && j < n ? in[j] : 0;
			continue;
		}
		for (int k = -half; k <= half; k++) {
			long j = i - di - k;
			double t = (double)k - fr, w, s;

			if (j < 0 || j >= n)
				continue;
			s = sin(M_PI * t) / (M_PI * t);
			w = 0.42 + 0.5 * cos(M_PI * t / (half + 1)) + 0.08 * cos(2 * M_PI * t / (half + 1));
			acc += in[j] * s * w;
		}
		out[i] = (float)acc;
	}
}

static int cmd_capture(int argc, char **argv)
{
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(argv[2], SFM_READ, &info);
	int nch = argc - 5, rate;
	long n, m;
	float *in, *x, *tmp, *out;

	if (!sf || nch < 1) {
		fprintf(stderr, "analyze_synth: cannot read %s\n", argv[2]);
		return 1;
	}
	rate = info.samplerate;
	n = (long)info.frames;
	m = n + (long)(atof(argv[4]) * rate);
	x = malloc(sizeof(float) * (size_t)n * (size_t)info.channels);
	in = malloc(sizeof(float) * (size_t)n);
	tmp = malloc(sizeof(float) * (size_t)m);
	out = calloc((size_t)m * (size_t)nch, sizeof(float));
	if (!x || !in || !tmp || !out || sf_readf_float(sf, x, n) != n)
		return 1;
	sf_close(sf);
	for (long i = 0; i < n; i++)
		in[i] = x[i * info.channels];
	for (int c = 0; c < nch; c++) {
		struct spec sp;
		double g;

		parse_spec(argv[5 + c], &sp);
		g = pow(10, sp.g / 20) * (sp.inv ? -1 : 1);
		delay(in, n, tmp, m, sp.d);
		if (sp.pk) {
			double a = pow(10, sp.pk_db / 40), w = 2 * M_PI * sp.pk_hz / rate, al = sin(w) / (2 * sp.pk_q);
			double a0 = 1 + al / a, b0 = (1 + al * a) / a0, b1 = -2 * cos(w) / a0, b2 = (1 - al * a) / a0;
			double a1 = -2 * cos(w) / a0, a2 = (1 - al / a) / a0, z1 = 0, z2 = 0;

			for (long i = 0; i < m; i++) {
				double v = tmp[i], y = b0 * v + z1;

				z1 = b1 * v - a1 * y + z2;
				z2 = b2 * v - a2 * y;
				tmp[i] = (float)y;
			}
		}
		for (long i = 0; i < m; i++)
			out[i * nch + c] = (float)(g * tmp[i] + (sp.noise > -300 ? pow(10, sp.noise / 20) * gauss() : 0));
	}
	return write_wav(argv[3], out, m, nch, rate);
}

static int cmd_chimes(int argc, char **argv)
{
	int rate = atoi(argv[3]);
	long m = (long)(atof(argv[4]) * rate);
	float *x = calloc((size_t)m, sizeof(float));

	if (!x || rate < 1000)
		return 1;
	for (long i = 0; i < m; i++)
		x[i] = (float)(pow(10, -70 / 20.0) * gauss());
	for (int k = 5; k < argc; k++) {
		double t0, hz, dur;

		if (sscanf(argv[k], "%lf:%lf:%lf", &t0, &hz, &dur) != 3)
			return 1;
		for (long i = (long)ceil(t0 * rate); i < m && (double)i / rate < t0 + dur; i++)
			x[i] += (float)(0.3 * sin(2 * M_PI * hz * ((double)i / rate - t0)));
	}
	return write_wav(argv[2], x, m, 1, rate);
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "capture"))
		return cmd_capture(argc, argv);
	if (argc >= 5 && !strcmp(argv[1], "chimes"))
		return cmd_chimes(argc, argv);
	fprintf(stderr, "usage: analyze_synth capture IN OUT TAIL_S SPEC...|chimes OUT RATE SECONDS T:HZ:DUR...\n");
	return 2;
}
