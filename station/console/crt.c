/*
 * crt.c - the console's terminal layer (crt.h): the only file that
 * includes curses.  It starts curses (UTF-8 symbols when the locale has
 * them, ASCII otherwise), maps roles to colour pairs or, under NO_COLOR or
 * on a terminal without colour, to attributes; draws clipped, sanitised
 * text; waits for keys with poll() on the terminal and a wake-up pipe; and
 * installs the signal handlers: SIGHUP/SIGTERM/SIGINT are noted for the
 * main loop (a second one releases the fixture and exits at once), crash
 * signals release the fixture, restore the terminal from the saved termios
 * with async-signal-safe calls, and re-raise.
 */
#include "console/crt.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <curses.h>

#include "core/st.h"

static int started;                       /* curses is up */
static int color;                         /* colour pairs in use */
static int utf8;                          /* the locale can show the symbols */
static struct termios saved_tio;          /* the terminal as we found it */
static int have_tio;
static void (*release_fn)(void);          /* fixture emergency release */
static volatile sig_atomic_t pending_sig; /* SIGHUP/SIGTERM/SIGINT seen */
static volatile sig_atomic_t nsignals;

static const char *const sym_utf8[CRT_SYM_COUNT] = {
	"\u2713", "\u2717", "!", "\u25b6", "\u00b7", "-", "\u2588", "\u2591", "\u2506",
	"\u25cf", "\u2500", "\u2502", "\u250c", "\u2510", "\u2514", "\u2518",
};
static const char *const sym_ascii[CRT_SYM_COUNT] = {
	"v", "x", "!", ">", ".", "-", "#", "-", "|", "*", "-", "|", "+", "+", "+", "+",
};

static attr_t role_attr[CRT_ROLE_COUNT];

/* Async-signal-safe terminal restore: the saved modes, then leave the
 * alternate screen, show the cursor and reset attributes. */
static void restore_raw(void)
{
	static const char seq[] = "\033[0m\033[?25h\033[?1049l\r\n";

	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	if (write(STDOUT_FILENO, seq, sizeof(seq) - 1) < 0) {
		/* nothing more can be done from a signal handler */
	}
}

static void on_crash(int sig)
{
	if (release_fn)
		release_fn();
	if (started)
		restore_raw();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_stop(int sig)
{
	if (nsignals++ > 0) {
		/* second signal: do not wait for the main loop */
		on_crash(sig);
		return;
	}
	pending_sig = sig;
}

static void install_signals(void)
{
	static const int stops[] = { SIGHUP, SIGTERM, SIGINT };
	static const int crashes[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	for (size_t i = 0; i < ST_ARRAY_SIZE(stops); i++)
		sigaction(stops[i], &sa, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < ST_ARRAY_SIZE(crashes); i++)
		sigaction(crashes[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void setup_roles(void)
{
	static const struct { short fg, bg; } pairs[CRT_ROLE_COUNT] = {
		[CRT_NORMAL] = { -1, -1 },          [CRT_DIM] = { -1, -1 },
		[CRT_PASS] = { COLOR_GREEN, -1 },   [CRT_FAIL] = { COLOR_RED, -1 },
		[CRT_ERROR] = { COLOR_YELLOW, -1 }, [CRT_PROMPT] = { COLOR_BLACK, COLOR_YELLOW },
		[CRT_HELD] = { COLOR_CYAN, -1 },    [CRT_TITLE] = { COLOR_BLACK, COLOR_CYAN },
		[CRT_FIELD] = { COLOR_WHITE, COLOR_BLUE }, [CRT_SELECT] = { COLOR_BLACK, COLOR_WHITE },
	};
	static const attr_t mono[CRT_ROLE_COUNT] = {
		[CRT_NORMAL] = A_NORMAL, [CRT_DIM] = A_DIM, [CRT_PASS] = A_BOLD,
		[CRT_FAIL] = A_BOLD | A_UNDERLINE, [CRT_ERROR] = A_BOLD, [CRT_PROMPT] = A_REVERSE,
		[CRT_HELD] = A_BOLD, [CRT_TITLE] = A_REVERSE, [CRT_FIELD] = A_UNDERLINE,
		[CRT_SELECT] = A_REVERSE,
	};
	const char *nc = getenv("NO_COLOR");

	color = has_colors() && !(nc && nc[0]);
	if (color && start_color() == OK) {
		use_default_colors();
		for (int r = 1; r < CRT_ROLE_COUNT; r++) {
			init_pair((short)r, pairs[r].fg, pairs[r].bg);
			role_attr[r] = COLOR_PAIR(r);
		}
		role_attr[CRT_DIM] = A_DIM;
		role_attr[CRT_PASS] |= A_BOLD;
		role_attr[CRT_FAIL] |= A_BOLD;
		role_attr[CRT_ERROR] |= A_BOLD;
		role_attr[CRT_HELD] |= A_BOLD;
		return;
	}
	color = 0;
	memcpy(role_attr, mono, sizeof(role_attr));
}

/* Libraries (audio back ends, sanitizers) may write to stderr, which is
 * the screen: while curses runs it goes to $STATION_CONSOLE_LOG, or
 * nowhere; crt_done() puts it back. */
static int saved_stderr = -1;

static void quiet_stderr(void)
{
	const char *log = getenv("STATION_CONSOLE_LOG");
	int fd = open(log && *log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		return;
	saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static void restore_stderr(void)
{
	if (saved_stderr < 0)
		return;
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
}

int crt_init(void (*release)(void), char *err)
{
	const char *cs;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return st_fail(err, ST_ERR_ARG, "the console needs a terminal (stdin and stdout are not a tty); "
			       "use `station run` for headless runs");
	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	utf8 = cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
	if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
		have_tio = 1;
	release_fn = release;
	quiet_stderr();
	install_signals();
	if (!newterm(NULL, stdout, stdin)) {
		restore_stderr();
		return st_fail(err, ST_ERR_ARG, "the console cannot drive this terminal (TERM=%s)",
			       getenv("TERM") ? getenv("TERM") : "unset");
	}
	started = 1;
	set_escdelay(20);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	setup_roles();
	return ST_OK;
}

void crt_done(void)
{
	if (!started)
		return;
	curs_set(1);
	endwin();
	started = 0;
	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	restore_stderr();
}

int crt_has_color(void)
{
	return color;
}

void crt_size(int *rows, int *cols)
{
	getmaxyx(stdscr, *rows, *cols);
}

int crt_take_signal(void)
{
	int s = pending_sig;

	pending_sig = 0;
	return s;
}

void crt_erase(void)
{
	erase();
	curs_set(0);
}

void crt_present(void)
{
	refresh();
}

/* Length of the UTF-8 sequence starting at s, 0 if it is not valid. */
static int utf8_len(const unsigned char *s)
{
	int n;

	if (*s < 0x80)
		return 1;
	if ((*s & 0xe0) == 0xc0 && *s >= 0xc2)
		n = 2;
	else if ((*s & 0xf0) == 0xe0)
		n = 3;
	else if ((*s & 0xf8) == 0xf0 && *s <= 0xf4)
		n = 4;
	else
		return 0;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void crt_sanitize(char *dst, size_t size, const char *src, int cols)
{
	const unsigned char *s = (const unsigned char *)(src ? src : "");
	size_t o = 0;
	int c = 0;

	if (!size)
		return;
	while (*s && c < cols) {
		int n = utf8_len(s);

		if (n == 1 && (*s < 0x20 || *s == 0x7f))
			n = 0;
		if (n > 1 && !utf8)
			n = 0;                  /* the terminal cannot show it */
		if (n == 0) {
			if (o + 1 >= size)
				break;
			dst[o++] = '?';
			s += utf8_len(s) ? utf8_len(s) : 1;
		} else {
			if (o + (size_t)n >= size)
				break;
			memcpy(dst + o, s, (size_t)n);
			o += (size_t)n;
			s += n;
		}
		c++;
	}
	dst[o] = 0;
}

int crt_text(int y, int x, int w, enum crt_role r, const char *s)
{
	char buf[1024];
	int rows, cols, n = 0;

	getmaxyx(stdscr, rows, cols);
	if (y < 0 || y >= rows || x < 0 || x >= cols)
		return 0;
	if (w <= 0 || x + w > cols)
		w = cols - x;
	crt_sanitize(buf, sizeof(buf), s, w);
	for (const unsigned char *p = (const unsigned char *)buf; *p; p++)
		n += (*p & 0xc0) != 0x80;
	attrset(role_attr[r]);
	mvaddstr(y, x, buf);
	attrset(A_NORMAL);
	return n;
}

int crt_printf(int y, int x, int w, enum crt_role r, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return crt_text(y, x, w, r, buf);
}

const char *crt_sym_str(enum crt_sym s)
{
	return utf8 ? sym_utf8[s] : sym_ascii[s];
}

void crt_sym(int y, int x, enum crt_role r, enum crt_sym s, int n)
{
	int rows, cols;

	getmaxyx(stdscr, rows, cols);
	if (y < 0 || y >= rows)
		return;
	attrset(role_attr[r]);
	for (int i = 0; i < n && x + i < cols; i++)
		if (x + i >= 0)
			mvaddstr(y, x + i, crt_sym_str(s));
	attrset(A_NORMAL);
}

int crt_wrap(int y, int x, int w, int maxlines, enum crt_role r, const char *s)
{
	char line[512];
	int used = 0;

	while (s && *s && used < maxlines && w > 0) {
		size_t len = strlen(s), cut = len;

		while (*s == ' ')
			s++;
		len = strlen(s);
		if ((int)len > w) {
			cut = (size_t)w;
			while (cut > 0 && s[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = (size_t)w;
		} else {
			cut = len;
		}
		if (cut >= sizeof(line))
			cut = sizeof(line) - 1;
		memcpy(line, s, cut);
		line[cut] = 0;
		crt_text(y + used++, x, w, r, line);
		s += cut;
	}
	return used;
}

void crt_box(int y, int x, int h, int w, enum crt_role r)
{
	crt_sym(y, x, r, CRT_SYM_TL, 1);
	crt_sym(y, x + 1, r, CRT_SYM_HLINE, w - 2);
	crt_sym(y, x + w - 1, r, CRT_SYM_TR, 1);
	for (int i = 1; i < h - 1; i++) {
		crt_sym(y + i, x, r, CRT_SYM_VLINE, 1);
		crt_sym(y + i, x + w - 1, r, CRT_SYM_VLINE, 1);
	}
	crt_sym(y + h - 1, x, r, CRT_SYM_BL, 1);
	crt_sym(y + h - 1, x + 1, r, CRT_SYM_HLINE, w - 2);
	crt_sym(y + h - 1, x + w - 1, r, CRT_SYM_BR, 1);
}

void crt_fill(int y, int x, int w, enum crt_role r)
{
	int rows, cols;

	getmaxyx(stdscr, rows, cols);
	if (y < 0 || y >= rows)
		return;
	if (w <= 0 || x + w > cols)
		w = cols - x;
	attrset(role_attr[r]);
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

void crt_hline(int y)
{
	int rows, cols;

	getmaxyx(stdscr, rows, cols);
	(void)rows;
	crt_sym(y, 0, CRT_DIM, CRT_SYM_HLINE, cols);
}

void crt_cursor(int y, int x)
{
	move(y, x);
	curs_set(1);
}

static int map_key(int k)
{
	switch (k) {
	case '\r': case '\n': case KEY_ENTER: return CRT_KEY_ENTER;
	case KEY_BACKSPACE: case 127: case 8: return CRT_KEY_BACKSPACE;
	case KEY_UP: return CRT_KEY_UP;
	case KEY_DOWN: return CRT_KEY_DOWN;
	case KEY_LEFT: return CRT_KEY_LEFT;
	case KEY_RIGHT: return CRT_KEY_RIGHT;
	case KEY_PPAGE: return CRT_KEY_PGUP;
	case KEY_NPAGE: return CRT_KEY_PGDN;
	case KEY_HOME: return CRT_KEY_HOME;
	case KEY_END: return CRT_KEY_END;
	case KEY_RESIZE: return CRT_KEY_RESIZE;
	default:
		if (k >= KEY_F(1) && k <= KEY_F(12))
			return CRT_KEY_F1 + (k - KEY_F(1));
		if (k >= 0 && k < 256)
			return k;
		return CRT_KEY_NONE;  /* keys the console has no use for */
	}
}

int crt_getkey(int timeout_ms, int wake_fd)
{
	struct pollfd pf[2];
	int k, n = 1;

	k = getch();   /* keys curses already buffered come first */
	if (k != ERR)
		return map_key(k);
	pf[0].fd = STDIN_FILENO;
	pf[0].events = POLLIN;
	if (wake_fd >= 0) {
		pf[1].fd = wake_fd;
		pf[1].events = POLLIN;
		n = 2;
	}
	if (poll(pf, (nfds_t)n, timeout_ms) <= 0) {
		k = getch();  /* a signal (SIGWINCH) may have left a KEY_RESIZE */
		return k == ERR ? CRT_KEY_NONE : map_key(k);
	}
	if (n == 2 && (pf[1].revents & POLLIN)) {
		char buf[64];

		while (read(wake_fd, buf, sizeof(buf)) > 0)
			;
		if (!(pf[0].revents & POLLIN))
			return CRT_KEY_WAKE;
	}
	k = getch();
	if (k == ERR) {
		if (pf[0].revents & (POLLHUP | POLLERR))
			pending_sig = pending_sig ? pending_sig : SIGHUP; /* the terminal is gone */
		return CRT_KEY_NONE;
	}
	return map_key(k);
}
