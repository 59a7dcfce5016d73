/*
 * paths.h - where the station finds its data files (models, plans, benches,
 * limits, migrations, report templates) and its configuration.
 *
 * The data directory is, first found:
 *   1. $STATION_DATA;
 *   2. <dir of the running binary>/../share/station, when it holds
 *      fixtures/models (an installed station: make install, the .deb);
 *   3. the source tree the binary was built from (ST_DATA_DIR at compile
 *      time), when it still holds fixtures/models;
 *   4. ".".
 * Site data overrides shipped data without editing it: a file of the same
 * relative name under $XDG_CONFIG_HOME/station/ (else ~/.config/station/)
 * or $STATION_SYSCONFDIR (default /etc/station/) wins over the data
 * directory's; st_data_file() says which file a name resolves to.
 */
#ifndef ST_PATHS_H
#define ST_PATHS_H

#include <stddef.h>

const char *st_data_dir(void);

/* The overlay directories searched before the data directory, in order
 * (user, then site): fills up to max entries, returns how many exist. */
int st_overlay_dirs(char dirs[][512], int max);

/* Resolve rel (e.g. "fixtures/models/WH-1000XM5.model") through the
 * overlays and the data directory (data_dir NULL = st_data_dir()): out
 * gets the first existing file; returns 1 when found in an overlay, 0 when
 * in the data directory (or not found: out names the data directory's
 * path). */
int st_data_file(const char *data_dir, const char *rel, char *out, size_t n);

#endif
