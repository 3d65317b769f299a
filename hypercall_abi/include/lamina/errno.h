/* SPDX-License-Identifier: MIT */
/* Error numbers of the PV ABI (equal to Linux's on x86). Returned negated. */
#ifndef LAMINA_ERRNO_H
#define LAMINA_ERRNO_H

#define EPERM		1
#define ENOENT		2
#define ESRCH		3
#define EINTR		4
#define EIO		5
#define ENXIO		6
#define E2BIG		7
#define ENOEXEC		8
#define EBADF		9
#define EAGAIN		11
#define ENOMEM		12
#define EACCES		13
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define EXDEV		18
#define ENODEV		19
#define EINVAL		22
#define ENOSPC		28
#define EDOM		33
#define ERANGE		34
#define ENOSYS		38
#define ENODATA		61
#define ETIME		62
#define EOVERFLOW	75
#define EILSEQ		84
#define ERESTART	85
#define EOPNOTSUPP	95
#define ENOBUFS		105

#endif
