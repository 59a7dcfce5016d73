/*
 * wav.c - WAV reading and writing through libsndfile (see wav.h).
 */
#include "audio/wav.h"
#include "core/st.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sndfile.h>

void st_wav_free(struct st_wav *w)
{
	if (!w)
		return;
	free(w->data);
	memset(w, 0, sizeof(*w));
}

static int subtype_ok(int sub)
{
	switch (sub) {
	case SF_FORMAT_PCM_U8:
	case SF_FORMAT_PCM_S8:
	case SF_FORMAT_PCM_16:
	case SF_FORMAT_PCM_24:
	case SF_FORMAT_PCM_32:
	case SF_FORMAT_FLOAT:
	case SF_FORMAT_DOUBLE:
		return 1;
	}
	return 0;
}

int st_wav_read(const char *path, struct st_wav *w, char *err)
{
	SF_INFO info;
	SNDFILE *sf;
	struct stat st;
	int type, sub, ret;
	size_t total;
	sf_count_t got;
	char log[2048];

	memset(w, 0, sizeof(*w));
	if (!path || !*path)
		return st_fail(err, ST_ERR_ARG, "no WAV file named");
	if (stat(path, &st))
		return st_fail(err, ST_ERR_IO, "%s: cannot open (no such file or not readable)", path);
	if (S_ISDIR(st.st_mode))
		return st_fail(err, ST_ERR_IO, "%s: is a directory, not a WAV file", path);
	memset(&info, 0, sizeof(info));
	sf = sf_open(path, SFM_READ, &info);
	if (!sf)
		return st_fail(err, ST_ERR_PARSE, "%s: not a readable WAV file (%s)", path, sf_strerror(NULL));
	type = info.format & SF_FORMAT_TYPEMASK;
	sub = info.format & SF_FORMAT_SUBMASK;
	if (type != SF_FORMAT_WAV && type != SF_FORMAT_WAVEX && type != SF_FORMAT_RF64) {
		ret = st_fail(err, ST_ERR_PARSE, "%s: not a WAV file (format 0x%x)", path, (unsigned)type);
		goto out_close;
	}
	if (!subtype_ok(sub)) {
		ret = st_fail(err, ST_ERR_PARSE, "%s: unsupported sample encoding 0x%x (want PCM or float)",
			      path, (unsigned)sub);
		goto out_close;
	}
	if (info.channels < 1 || info.channels > 256) {
		ret = st_fail(err, ST_ERR_PARSE, "%s: %d channels", path, info.channels);
		goto out_close;
	}
	if (info.samplerate < 1000 || info.samplerate > 768000) {
		ret = st_fail(err, ST_ERR_PARSE, "%s: sample rate %d Hz outside 1000..768000", path, info.samplerate);
		goto out_close;
	}
	if (info.frames <= 0) {
		ret = st_fail(err, ST_ERR_PARSE, "%s: no audio frames", path);
		goto out_close;
	}
	/* libsndfile shortens a data chunk that runs past the end of the file
	 * and notes "data : N (should be M)" in its log; that is a truncated
	 * capture, unless N is the 0 / 0xFFFFFFFF of a streamed WAV. */
	log[0] = 0;
	sf_command(sf, SFC_GET_LOG_INFO, log, sizeof(log));
	{
		const char *d = strstr(log, "\ndata : "), *end, *sb;
		unsigned long long declared;

		end = d ? strchr(d + 1, '\n') : NULL;
		sb = d ? strstr(d, "should be") : NULL;
		if (d && sb && (!end || sb < end) && sscanf(d, "\ndata : %llu", &declared) == 1 &&
		    declared != 0 && declared != 0xFFFFFFFFull) {
			ret = st_fail(err, ST_ERR_PARSE, "%s: truncated (data chunk of %llu bytes, file holds %lld frames)",
				      path, declared, (long long)info.frames);
			goto out_close;
		}
	}
	if ((uint64_t)info.frames > SIZE_MAX / sizeof(float) / (size_t)info.channels ||
	    (uint64_t)info.frames * (uint64_t)info.channels > ((uint64_t)1 << 32)) {
		ret = st_fail(err, ST_ERR_PARSE, "%s: too large (%lld frames)", path, (long long)info.frames);
		goto out_close;
	}
	total = (size_t)info.frames * (size_t)info.channels;
	w->data = malloc(total * sizeof(float));
	if (!w->data) {
		ret = st_fail(err, ST_ERR_MEM, "%s: out of memory for %zu samples", path, total);
		goto out_close;
	}
	got = sf_readf_float(sf, w->data, info.frames);
	if (got != info.frames) {
		ret = st_fail(err, ST_ERR_PARSE, "%s: truncated (read %lld of %lld frames)", path,
			      (long long)got, (long long)info.frames);
		goto out_free;
	}
	for (size_t i = 0; i < total; i++) {
		if (!isfinite(w->data[i])) {
			ret = st_fail(err, ST_ERR_PARSE, "%s: sample %zu of channel %zu is not a finite number",
				      path, i / (size_t)info.channels, i % (size_t)info.channels);
			goto out_free;
		}
	}
	w->frames = (size_t)info.frames;
	w->channels = info.channels;
	w->rate = info.samplerate;
	sf_close(sf);
	return ST_OK;
out_free:
	free(w->data);
	w->data = NULL;
out_close:
	sf_close(sf);
	return ret;
}

int st_wav_read_expect(const char *path, int rate, int channels, struct st_wav *w, char *err)
{
	int ret = st_wav_read(path, w, err);

	if (ret)
		return ret;
	if (rate > 0 && w->rate != rate) {
		ret = st_fail(err, ST_ERR_ARG, "%s: sample rate %d Hz, expected %d Hz", path, w->rate, rate);
		st_wav_free(w);
		return ret;
	}
	if (channels > 0 && w->channels != channels) {
		ret = st_fail(err, ST_ERR_ARG, "%s: %d channel%s, expected %d", path, w->channels,
			      w->channels == 1 ? "" : "s", channels);
		st_wav_free(w);
		return ret;
	}
	return ST_OK;
}

/* Open path for writing frames x channels float samples as fmt, with an
 * optional comment; *sf to write to and close with wav_close(). */
static int wav_create(const char *path, size_t frames, int channels, int rate,
		      enum st_wav_format fmt, const char *comment, SNDFILE **sf, char *err)
{
	SF_INFO info;
	int sub;

	if (!path || !*path)
		return st_fail(err, ST_ERR_ARG, "no WAV file named");
	if (frames == 0)
		return st_fail(err, ST_ERR_ARG, "%s: nothing to write", path);
	if (channels < 1 || channels > 256 || rate < 1000 || rate > 768000)
		return st_fail(err, ST_ERR_ARG, "%s: bad layout (%d channels, %d Hz)", path, channels, rate);
	switch (fmt) {
	case ST_WAV_FLOAT:
		sub = SF_FORMAT_FLOAT;
		break;
	case ST_WAV_PCM24:
		sub = SF_FORMAT_PCM_24;
		break;
	case ST_WAV_PCM16:
		sub = SF_FORMAT_PCM_16;
		break;
	default:
		return st_fail(err, ST_ERR_ARG, "%s: unknown sample format %d", path, (int)fmt);
	}
	if ((double)frames * channels * 4 > 4.0e9)
		return st_fail(err, ST_ERR_ARG, "%s: too large for a WAV file", path);
	memset(&info, 0, sizeof(info));
	info.samplerate = rate;
	info.channels = channels;
	info.format = SF_FORMAT_WAV | sub;
	*sf = sf_open(path, SFM_WRITE, &info);
	if (!*sf)
		return st_fail(err, ST_ERR_IO, "%s: cannot write (%s)", path, sf_strerror(NULL));
	if (sub != SF_FORMAT_FLOAT)
		sf_command(*sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	if (comment && *comment && sf_set_string(*sf, SF_STR_COMMENT, comment)) {
		sf_close(*sf);
		return st_fail(err, ST_ERR_IO, "%s: cannot store the comment", path);
	}
	return ST_OK;
}

/* Append interleaved frames; on failure the file is closed. */
static int wav_put(SNDFILE *sf, const char *path, const float *data, size_t frames,
		   size_t done, size_t total, char *err)
{
	sf_count_t put = sf_writef_float(sf, data, (sf_count_t)frames);

	if (put == (sf_count_t)frames)
		return ST_OK;
	st_fail(err, ST_ERR_IO, "%s: write failed after %zu of %zu frames (%s)", path,
		done + (put > 0 ? (size_t)put : 0), total, sf_strerror(sf));
	sf_close(sf);
	return ST_ERR_IO;
}

static int wav_close(SNDFILE *sf, const char *path, char *err)
{
	if (sf_close(sf))
		return st_fail(err, ST_ERR_IO, "%s: close failed", path);
	return ST_OK;
}

int st_wav_write(const char *path, const float *data, size_t frames, int channels, int rate,
		 enum st_wav_format fmt, char *err)
{
	return st_wav_write_comment(path, data, frames, channels, rate, fmt, NULL, err);
}

int st_wav_write_comment(const char *path, const float *data, size_t frames, int channels,
			 int rate, enum st_wav_format fmt, const char *comment, char *err)
{
	SNDFILE *sf;
	int ret;

	if (!data)
		return st_fail(err, ST_ERR_ARG, "%s: nothing to write", path ? path : "WAV");
	ret = wav_create(path, frames, channels, rate, fmt, comment, &sf, err);
	if (ret == ST_OK)
		ret = wav_put(sf, path, data, frames, 0, frames, err);
	return ret == ST_OK ? wav_close(sf, path, err) : ret;
}

int st_wav_write_planar(const char *path, const float *const *ch, int channels, size_t frames,
			int rate, enum st_wav_format fmt, const char *comment, char *err)
{
	float buf[4096];
	size_t per = channels > 0 ? sizeof(buf) / sizeof(buf[0]) / (size_t)channels : 0;
	SNDFILE *sf;
	int ret;

	for (int c = 0; c < channels; c++)
		if (!ch || !ch[c])
			return st_fail(err, ST_ERR_ARG, "%s: channel %d missing", path ? path : "WAV", c);
	ret = wav_create(path, frames, channels, rate, fmt, comment, &sf, err);
	/* interleaved a block at a time: no copy of the whole capture */
	for (size_t done = 0; ret == ST_OK && done < frames; done += per) {
		size_t k = frames - done < per ? frames - done : per;

		for (size_t i = 0; i < k; i++)
			for (int c = 0; c < channels; c++)
				buf[i * (size_t)channels + (size_t)c] = ch[c][done + i];
		ret = wav_put(sf, path, buf, k, done, frames, err);
	}
	return ret == ST_OK ? wav_close(sf, path, err) : ret;
}

int st_wav_read_comment(const char *path, char *buf, size_t n, char *err)
{
	SF_INFO info;
	SNDFILE *sf;
	const char *c;
	int ret = ST_OK;

	if (n)
		buf[0] = '\0';
	if (!path || !*path)
		return st_fail(err, ST_ERR_ARG, "no WAV file named");
	memset(&info, 0, sizeof(info));
	sf = sf_open(path, SFM_READ, &info);
	if (!sf)
		return st_fail(err, ST_ERR_IO, "%s: not a readable WAV file (%s)", path, sf_strerror(NULL));
	c = sf_get_string(sf, SF_STR_COMMENT);
	if (c && strlen(c) >= n)
		ret = st_fail(err, ST_ERR_PARSE, "%s: comment longer than %zu bytes", path, n - 1);
	else if (c)
		memcpy(buf, c, strlen(c) + 1);
	sf_close(sf);
	return ret;
}
