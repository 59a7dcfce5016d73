/*
 * wav.h - WAV files in and out (libsndfile), as float samples.
 *
 * Frames are INTERLEAVED: sample c of frame i is data[i * channels + c];
 * channel c is (data + c, frames, channels) for the analysis functions.
 * Reading accepts WAV / WAVE_FORMAT_EXTENSIBLE / RF64 with 8/16/24/32-bit
 * PCM or 32/64-bit float samples; PCM is scaled to +-1.0, float is taken
 * as is.  Every failure (missing, malformed, truncated, empty, non-finite
 * samples, rate or channel count not as expected) is one line in err
 * naming the file; nothing here aborts.
 */
#ifndef ST_WAV_H
#define ST_WAV_H

#include <stddef.h>

struct st_wav {
	float *data;      /* frames * channels interleaved samples (malloc'd) */
	size_t frames;    /* frames (samples per channel) */
	int channels;     /* channels per frame */
	int rate;         /* sample rate, Hz */
};

enum st_wav_format {
	ST_WAV_FLOAT = 0, /* 32-bit IEEE float */
	ST_WAV_PCM24,     /* 24-bit PCM (clipped at full scale) */
	ST_WAV_PCM16,     /* 16-bit PCM (clipped at full scale) */
};

/* Read path into *w (free with st_wav_free).  ST_ERR_IO if it cannot be
 * opened, ST_ERR_PARSE if it is not a usable WAV. */
int st_wav_read(const char *path, struct st_wav *w, char *err);
/* The same, and check the rate (0 = any) and channel count (0 = any);
 * ST_ERR_ARG when they differ. */
int st_wav_read_expect(const char *path, int rate, int channels, struct st_wav *w, char *err);
void st_wav_free(struct st_wav *w);

/* Write frames * channels interleaved samples. */
int st_wav_write(const char *path, const float *data, size_t frames, int channels, int rate,
		 enum st_wav_format fmt, char *err);
/* The same with a comment stored in the file (RIFF INFO ICMT, shown by
 * audio editors and `soxi`); NULL or "" writes none. */
int st_wav_write_comment(const char *path, const float *data, size_t frames, int channels,
			 int rate, enum st_wav_format fmt, const char *comment, char *err);
/* The same from one array per channel (ch[0..channels)), interleaved a
 * block at a time into the file, never copied whole. */
int st_wav_write_planar(const char *path, const float *const *ch, int channels, size_t frames,
			int rate, enum st_wav_format fmt, const char *comment, char *err);
/* The comment stored in path (RIFF INFO ICMT) into buf (n bytes; "" when
 * the file has none).  ST_ERR_IO / ST_ERR_PARSE as st_wav_read; a comment
 * longer than buf is ST_ERR_PARSE. */
int st_wav_read_comment(const char *path, char *buf, size_t n, char *err);

#endif
