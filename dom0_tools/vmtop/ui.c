// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmtop's screen (ncurses): the host line, the domain table sorted by a
 * key, a detail view of one domain, a help page. Attributes only (bold,
 * reverse), so a terminal without colours shows the same; every line is
 * cut at the terminal's width and the screen is redrawn on KEY_RESIZE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curses.h>
#include "vmtop.h"

enum mode { TABLE, DETAIL, HELP };

struct ui {
	struct vt_source *src;
	struct vt_opts *o;
	struct vt_sample *s[2];
	int cur, have;			/* samples taken: 0, 1, 2+ */
	struct vt_view view;
	enum mode mode;
	unsigned int sel;		/* index in view.row */
	uint32_t sel_id;		/* kept across refreshes */
	unsigned int top;		/* first row shown */
	char msg[240];
};

static void line_at(int y, int attr, const char *text)
{
	if (y >= LINES)
		return;
	if (attr)
		attron(attr);
	mvaddnstr(y, 0, text, COLS);
	if (attr) {
		int x = (int)strlen(text);

		for (; x < COLS; x++)	/* the bar across the width */
			mvaddch(y, x, ' ');
		attroff(attr);
	}
}

static int take(struct ui *u)
{
	int next = u->have ? !u->cur : u->cur;

	if (u->src->sample(u->src, u->s[next])) {
		snprintf(u->msg, sizeof(u->msg), "sampling failed: %s", u->src->err);
		return -1;
	}
	u->cur = next;
	u->have++;
	vt_compute(u->have > 1 ? u->s[!u->cur] : NULL, u->s[u->cur], &u->view);
	vt_sort_rows(&u->view, u->o->sort, u->o->reverse);
	return 0;
}

static void resort(struct ui *u)
{
	vt_sort_rows(&u->view, u->o->sort, u->o->reverse);
}

/* Keeps the selection on the same domain after a refresh or a sort. */
static void follow(struct ui *u)
{
	unsigned int i;

	for (i = 0; i < u->view.nrow; i++)
		if (u->view.row[i].id == u->sel_id) {
			u->sel = i;
			return;
		}
	if (u->sel >= u->view.nrow)
		u->sel = u->view.nrow ? u->view.nrow - 1 : 0;
	if (u->view.nrow)
		u->sel_id = u->view.row[u->sel].id;
}

static void draw_title(struct ui *u)
{
	char t[300], clock[16];
	time_t now = time(NULL);

	strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&now));
	snprintf(t, sizeof(t), "vmtop - %s  delay %.1fs  sort %s%s  %s", clock, u->o->delay,
		 vt_sort_name(u->o->sort), u->o->reverse ? " (reversed)" : "",
		 u->msg[0] ? u->msg : "h: help  q: quit");
	line_at(0, A_BOLD, t);
	vt_format_host(t, sizeof(t), &u->view);
	line_at(1, 0, t);
}

static void draw_table(struct ui *u)
{
	char l[400];
	int y = 3, rows = LINES - 4;
	unsigned int i;

	vt_format_header(l, sizeof(l));
	line_at(y++, A_REVERSE, l);
	if (rows < 1)
		return;
	if (u->sel < u->top)
		u->top = u->sel;
	if (u->sel >= u->top + (unsigned int)rows)
		u->top = u->sel - (unsigned int)rows + 1;
	for (i = u->top; i < u->view.nrow && y < LINES; i++, y++) {
		vt_format_row(l, sizeof(l), &u->view.row[i]);
		line_at(y, i == u->sel ? A_BOLD | A_UNDERLINE : 0, l);
	}
}

static void draw_detail(struct ui *u)
{
	char lines[64][160];
	int n, i;

	if (!u->view.nrow) {
		line_at(3, 0, "no domains");
		return;
	}
	n = vt_format_detail(lines, 64, &u->view.row[u->sel]);
	line_at(3, A_REVERSE, "detail (Enter or Esc: back to the table)");
	for (i = 0; i < n; i++)
		line_at(4 + i, 0, lines[i]);
}

static void draw_help(void)
{
	static const char *const help[] = {
		"vmtop keys",
		"  c  sort by CPU %          m  sort by memory",
		"  n  sort by name          i  sort by domain id",
		"  r  reverse the sort      d  set the delay (seconds)",
		"  +  delay + 1 s           -  delay - 1 s (at least 0.1)",
		"  Up/Down  select a domain Enter  its detail (vCPUs, vbds, vifs)",
		"  h or ?  this help        q  quit",
		"",
		"CPU% is of one CPU over the last interval; I/O columns are per second,",
		"from the backends' counters (docs/io-stats.md); '-' where none is known.",
		"Any key: back.",
	};
	unsigned int i;

	for (i = 0; i < sizeof(help) / sizeof(help[0]); i++)
		line_at(3 + (int)i, i ? 0 : A_BOLD, help[i]);
}

static void draw(struct ui *u)
{
	erase();
	draw_title(u);
	if (u->mode == HELP)
		draw_help();
	else if (u->mode == DETAIL)
		draw_detail(u);
	else
		draw_table(u);
	refresh();
}

static void ask_delay(struct ui *u)
{
	char buf[32] = "";
	double d;
	char *end;

	line_at(2, 0, "delay in seconds: ");
	move(2, 18);
	echo();
	curs_set(1);
	timeout(-1);
	getnstr(buf, sizeof(buf) - 1);
	noecho();
	curs_set(0);
	d = strtod(buf, &end);
	if (end != buf && !*end && d >= 0.1 && d <= 3600)
		u->o->delay = d;
	else
		snprintf(u->msg, sizeof(u->msg), "delay unchanged: '%s'", buf);
}

static double now_s(void)
{
	return (double)vt_monotonic_ns() / 1e9;
}

int vt_ui(struct vt_source *src, struct vt_opts *o)
{
	struct ui *u = calloc(1, sizeof(*u));
	double next;
	int rc = 0, ch;

	if (!u)
		return 1;
	u->src = src;
	u->o = o;
	u->s[0] = malloc(sizeof(*u->s[0]));
	u->s[1] = malloc(sizeof(*u->s[1]));
	if (!u->s[0] || !u->s[1] || take(u)) {
		fprintf(stderr, "vmtop: %s\n", u->msg[0] ? u->msg : "out of memory");
		rc = 1;
		goto out;
	}
	if (!initscr()) {
		fprintf(stderr, "vmtop: cannot use this terminal\n");
		rc = 1;
		goto out;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	u->sel_id = u->view.nrow ? u->view.row[0].id : 0;	/* the top row first */
	follow(u);
	next = now_s() + o->delay;
	draw(u);
	for (;;) {
		double left = next - now_s();

		timeout(left <= 0 ? 0 : (int)(left * 1000) + 1);
		ch = getch();
		if (ch == ERR) {
			if (now_s() >= next) {
				u->msg[0] = '\0';
				if (take(u) && u->have < 1)
					break;
				follow(u);
				next = now_s() + o->delay;
			}
			draw(u);
			continue;
		}
		if (u->mode == HELP) {
			u->mode = TABLE;
			if (ch == 'q')
				break;
			draw(u);
			continue;
		}
		switch (ch) {
		case 'q':
		case 'Q':
			goto done;
		case 'h':
		case '?':
			u->mode = HELP;
			break;
		case 'c': o->sort = VT_SORT_CPU; resort(u); break;
		case 'm': o->sort = VT_SORT_MEM; resort(u); break;
		case 'n': o->sort = VT_SORT_NAME; resort(u); break;
		case 'i': o->sort = VT_SORT_ID; resort(u); break;
		case 'r': o->reverse = !o->reverse; resort(u); break;
		case 'd': ask_delay(u); next = now_s() + o->delay; break;
		case '+': if (o->delay + 1 <= 3600) o->delay += 1; next = now_s() + o->delay; break;
		case '-': o->delay = o->delay - 1 < 0.1 ? 0.1 : o->delay - 1; next = now_s() + o->delay; break;
		case KEY_UP:
		case 'k':
			if (u->sel > 0)
				u->sel_id = u->view.row[--u->sel].id;
			break;
		case KEY_DOWN:
		case 'j':
			if (u->sel + 1 < u->view.nrow)
				u->sel_id = u->view.row[++u->sel].id;
			break;
		case '\n':
		case '\r':
		case KEY_ENTER:
			u->mode = u->mode == DETAIL ? TABLE : DETAIL;
			break;
		case 27:	/* Esc */
			u->mode = TABLE;
			break;
		case KEY_RESIZE:
		default:
			break;
		}
		follow(u);
		draw(u);
	}
done:
	endwin();
out:
	free(u->s[0]);
	free(u->s[1]);
	free(u);
	return rc;
}
