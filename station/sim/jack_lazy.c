/*
 * jack_lazy.c - libjack (the JACK simulated bench, `station sim --jack`)
 * loaded on its first use, not at start-up (core/lazy.h): the functions
 * jackbench.c calls, with JACK's prototypes, forwarding to the real ones.
 * jack_client_open is variadic: the station passes no server name, so no
 * variadic argument is forwarded.  Without libjack jack_client_open
 * returns NULL with JackFailure set.
 */
#include <jack/jack.h>
#include <stddef.h>

#include "core/lazy.h"
#include "sim/jack_lazy.h"
static const char *const names[] = {
	"jack_client_close",
	"jack_port_register",
	"jack_port_get_buffer",
	"jack_port_name",
	"jack_get_ports",
	"jack_free",
	"jack_connect",
	"jack_set_xrun_callback",
	"jack_set_process_callback",
	"jack_on_shutdown",
	"jack_get_sample_rate",
	"jack_deactivate",
	"jack_activate",
	"jack_client_open",
};
static void *fn[14];
static struct st_lazy jack_lib = { "libjack.so.0", names, 14, fn, PTHREAD_ONCE_INIT, 0, "" };

/* Why the library is missing, for the callers' messages ("" when loaded). */
const char *jack_lib_why(void)
{
	return st_lazy_why(&jack_lib);
}

int jack_client_close(jack_client_t *client)
{
	return st_lazy_load(&jack_lib) ? ((int (*)(jack_client_t *client))fn[0])(client) : -1;
}

jack_port_t * jack_port_register(jack_client_t *client, const char *port_name, const char *port_type, unsigned long flags, unsigned long buffer_size)
{
	return st_lazy_load(&jack_lib) ? ((jack_port_t * (*)(jack_client_t *client, const char *port_name, const char *port_type, unsigned long flags, unsigned long buffer_size))fn[1])(client, port_name, port_type, flags, buffer_size) : NULL;
}

void * jack_port_get_buffer(jack_port_t *port, jack_nframes_t nframes)
{
	return st_lazy_load(&jack_lib) ? ((void * (*)(jack_port_t *port, jack_nframes_t nframes))fn[2])(port, nframes) : NULL;
}

const char * jack_port_name(const jack_port_t *port)
{
	return st_lazy_load(&jack_lib) ? ((const char * (*)(const jack_port_t *port))fn[3])(port) : "";
}

const char ** jack_get_ports(jack_client_t *client, const char *port_name_pattern, const char *type_name_pattern, unsigned long flags)
{
	return st_lazy_load(&jack_lib) ? ((const char ** (*)(jack_client_t *client, const char *port_name_pattern, const char *type_name_pattern, unsigned long flags))fn[4])(client, port_name_pattern, type_name_pattern, flags) : NULL;
}

void jack_free(void *ptr)
{
	if (st_lazy_load(&jack_lib))
		((void (*)(void *ptr))fn[5])(ptr);
}

int jack_connect(jack_client_t *client, const char *source_port, const char *destination_port)
{
	return st_lazy_load(&jack_lib) ? ((int (*)(jack_client_t *client, const char *source_port, const char *destination_port))fn[6])(client, source_port, destination_port) : -1;
}

int jack_set_xrun_callback(jack_client_t *client, JackXRunCallback xrun_callback, void *arg)
{
	return st_lazy_load(&jack_lib) ? ((int (*)(jack_client_t *client, JackXRunCallback xrun_callback, void *arg))fn[7])(client, xrun_callback, arg) : -1;
}

int jack_set_process_callback(jack_client_t *client, JackProcessCallback process_callback, void *arg)
{
	return st_lazy_load(&jack_lib) ? ((int (*)(jack_client_t *client, JackProcessCallback process_callback, void *arg))fn[8])(client, process_callback, arg) : -1;
}

void jack_on_shutdown(jack_client_t *client, JackShutdownCallback shutdown_callback, void *arg)
{
	if (st_lazy_load(&jack_lib))
		((void (*)(jack_client_t *client, JackShutdownCallback shutdown_callback, void *arg))fn[9])(client, shutdown_callback, arg);
}

jack_nframes_t jack_get_sample_rate(jack_client_t *client)
{
	return st_lazy_load(&jack_lib) ? ((jack_nframes_t (*)(jack_client_t *client))fn[10])(client) : 0;
}

int jack_deactivate(jack_client_t *client)
{
	return st_lazy_load(&jack_lib) ? ((int (*)(jack_client_t *client))fn[11])(client) : -1;
}

int jack_activate(jack_client_t *client)
{
	return st_lazy_load(&jack_lib) ? ((int (*)(jack_client_t *client))fn[12])(client) : -1;
}

/* The station never asks for a server by name (JackServerName), so the
 * variadic part is empty and nothing is forwarded from it. */
jack_client_t *jack_client_open(const char *client_name, jack_options_t options,
				jack_status_t *status, ...)
{
	jack_client_t *(*open)(const char *, jack_options_t, jack_status_t *, ...);

	if (!st_lazy_load(&jack_lib)) {
		if (status)
			*status = (jack_status_t)(JackFailure | JackServerFailed);
		return NULL;
	}
	open = (jack_client_t * (*)(const char *, jack_options_t, jack_status_t *, ...))fn[13];
	return open(client_name, (jack_options_t)(options & ~JackServerName), status);
}
