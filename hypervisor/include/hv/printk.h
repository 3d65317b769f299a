/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Console output with log levels. A message is printed when its level is
 * at or below the current threshold: CONFIG_LOG_LEVEL, or `loglvl=` on the
 * command line. pr_debug() exists only in debug builds.
 */
#ifndef HV_PRINTK_H
#define HV_PRINTK_H

#include <stdarg.h>
#include <hv/types.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int log_threshold;

void printk(enum log_level level, const char *fmt, ...) __printf(2, 3);
void vprintk(enum log_level level, const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#define pr_err(...)	printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	printk(LOG_WARN, __VA_ARGS__)
#define pr_info(...)	printk(LOG_INFO, __VA_ARGS__)
#ifdef CONFIG_DEBUG
#define pr_debug(...)	printk(LOG_DEBUG, __VA_ARGS__)
#else
#define pr_debug(...)	do { } while (0)
#endif

/* Raw output of a guest's console_io bytes (no level, no formatting). */
void console_write(const char *s, size_t len);

#endif
