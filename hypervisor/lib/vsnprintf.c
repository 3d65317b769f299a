// SPDX-License-Identifier: GPL-2.0-only
/*
 * A small vsnprintf: %d %i %u %x %X %p %s %c %% with flags '-', '0', '#',
 * field width, precision for strings, and the l/ll/z length modifiers.
 * Output is always NUL-terminated when size > 0; the return value is the
 * length the full output would have had, as in C.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdbool.h>
#include <hv/string.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

struct spec {
	bool left, zero, alt;
	int width, prec;
};

static void put_padded(struct out *o, const char *s, size_t n, const struct spec *sp)
{
	size_t pad = sp->width > 0 && (size_t)sp->width > n ? sp->width - n : 0;
	char fill = sp->zero && !sp->left ? '0' : ' ';

	if (!sp->left)
		while (pad--)
			put(o, fill);
	while (n--)
		put(o, *s++);
	if (sp->left)
		while (pad--)
			put(o, ' ');
}

static void put_number(struct out *o, uint64_t v, bool neg, unsigned int base,
		       bool upper, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	char out[28];
	size_t n = 0, m = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		out[m++] = '-';
	if (sp->alt && base == 16) {
		out[m++] = '0';
		out[m++] = 'x';
	}
	/* Zero padding goes between the sign/prefix and the digits. */
	if (sp->zero && !sp->left)
		while (sp->width > 0 && m + n < (size_t)sp->width && m + n < sizeof(out))
			out[m++] = '0';
	while (n)
		out[m++] = tmp[--n];
	put_padded(o, out, m, &(struct spec){ .left = sp->left, .width = sp->width });
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		struct spec sp = { .prec = -1 };
		int lng = 0;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (fmt++;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '#')
				sp.alt = true;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			sp.width = sp.width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			sp.prec = 0;
			fmt++;
			if (*fmt == '*') {
				sp.prec = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				sp.prec = sp.prec * 10 + (*fmt++ - '0');
		}
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}

		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);

			put_number(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, false, &sp);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);

			put_number(&o, v, false, *fmt == 'u' ? 10 : 16, *fmt == 'X', &sp);
			break;
		}
		case 'p':
			sp.alt = true;
			put_number(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, &sp);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			put_padded(&o, s, sp.prec >= 0 ? strnlen(s, sp.prec) : strlen(s), &sp);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			put_padded(&o, &c, 1, &sp);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
