/*
 * pa_lazy.c - PortAudio (and the JACK and ALSA libraries it pulls in)
 * loaded on its first use, not at start-up (core/lazy.h): the functions
 * pa.c calls, with PortAudio's prototypes, forwarding to the real ones.
 * Without PortAudio Pa_Initialize fails with paNotInitialized and
 * Pa_GetErrorText says why.
 */
#include <pa_jack.h>
#include <portaudio.h>
#include <stddef.h>

#include "audio/pa_lazy.h"
#include "core/lazy.h"
static const char *const names[] = {
	"Pa_Initialize",
	"Pa_Terminate",
	"Pa_GetDeviceCount",
	"Pa_GetDeviceInfo",
	"Pa_GetErrorText",
	"Pa_GetHostApiCount",
	"Pa_GetHostApiInfo",
	"Pa_GetStreamInfo",
	"Pa_IsStreamActive",
	"Pa_OpenStream",
	"Pa_Sleep",
	"Pa_StartStream",
	"Pa_AbortStream",
	"Pa_CloseStream",
	"PaJack_SetClientName",
};
static void *fn[15];
static struct st_lazy pa_lib = { "libportaudio.so.2", names, 15, fn, PTHREAD_ONCE_INIT, 0, "" };

/* Why the library is missing, for the callers' messages ("" when loaded). */
const char *pa_lib_why(void)
{
	return st_lazy_why(&pa_lib);
}

PaError Pa_Initialize(void)
{
	return st_lazy_load(&pa_lib) ? ((PaError (*)(void))fn[0])() : paNotInitialized;
}

PaError Pa_Terminate(void)
{
	return st_lazy_load(&pa_lib) ? ((PaError (*)(void))fn[1])() : paNotInitialized;
}

PaDeviceIndex Pa_GetDeviceCount(void)
{
	return st_lazy_load(&pa_lib) ? ((PaDeviceIndex (*)(void))fn[2])() : paNotInitialized;
}

const PaDeviceInfo * Pa_GetDeviceInfo(PaDeviceIndex device)
{
	return st_lazy_load(&pa_lib) ? ((const PaDeviceInfo * (*)(PaDeviceIndex device))fn[3])(device) : NULL;
}

const char * Pa_GetErrorText(PaError errorCode)
{
	return st_lazy_load(&pa_lib) ? ((const char * (*)(PaError errorCode))fn[4])(errorCode) : pa_lib.why;
}

PaHostApiIndex Pa_GetHostApiCount(void)
{
	return st_lazy_load(&pa_lib) ? ((PaHostApiIndex (*)(void))fn[5])() : paNotInitialized;
}

const PaHostApiInfo * Pa_GetHostApiInfo(PaHostApiIndex hostApi)
{
	return st_lazy_load(&pa_lib) ? ((const PaHostApiInfo * (*)(PaHostApiIndex hostApi))fn[6])(hostApi) : NULL;
}

const PaStreamInfo * Pa_GetStreamInfo(PaStream *stream)
{
	return st_lazy_load(&pa_lib) ? ((const PaStreamInfo * (*)(PaStream *stream))fn[7])(stream) : NULL;
}

PaError Pa_IsStreamActive(PaStream *stream)
{
	return st_lazy_load(&pa_lib) ? ((PaError (*)(PaStream *stream))fn[8])(stream) : paNotInitialized;
}

PaError Pa_OpenStream(PaStream **stream, const PaStreamParameters *inputParameters, const PaStreamParameters *outputParameters, double sampleRate, unsigned long framesPerBuffer, PaStreamFlags streamFlags, PaStreamCallback *streamCallback, void *userData)
{
	return st_lazy_load(&pa_lib) ? ((PaError (*)(PaStream **stream, const PaStreamParameters *inputParameters, const PaStreamParameters *outputParameters, double sampleRate, unsigned long framesPerBuffer, PaStreamFlags streamFlags, PaStreamCallback *streamCallback, void *userData))fn[9])(stream, inputParameters, outputParameters, sampleRate, framesPerBuffer, streamFlags, streamCallback, userData) : paNotInitialized;
}

void Pa_Sleep(long msec)
{
	if (st_lazy_load(&pa_lib))
		((void (*)(long msec))fn[10])(msec);
}

PaError Pa_StartStream(PaStream *stream)
{
	return st_lazy_load(&pa_lib) ? ((PaError (*)(PaStream *stream))fn[11])(stream) : paNotInitialized;
}

PaError Pa_AbortStream(PaStream *stream)
{
	return st_lazy_load(&pa_lib) ? ((PaError (*)(PaStream *stream))fn[12])(stream) : paNotInitialized;
}

PaError Pa_CloseStream(PaStream *stream)
{
	return st_lazy_load(&pa_lib) ? ((PaError (*)(PaStream *stream))fn[13])(stream) : paNotInitialized;
}

PaError PaJack_SetClientName(const char *name)
{
	return st_lazy_load(&pa_lib) ? ((PaError (*)(const char *))fn[14])(name) : paNotInitialized;
}
