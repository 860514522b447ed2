/*
 * banned.h - libc calls we never use, turned into compile errors (as git's
 * banned.h).  Never included directly: common.h, the first include of every
 * source file of analyzer/, brings it after the system headers whose
 * declarations the macros would otherwise break.
 *
 *   strcpy, strcat, strncpy, strncat: unbounded or not NUL-terminating; use
 *     buf.h or memcpy with a known length.
 *   sprintf, vsprintf: unbounded; use snprintf or buf_addf.
 *   gets: unbounded by design.
 *   strtok: hidden global state, not thread-safe.
 *   gmtime, localtime, ctime, asctime: static buffers, not thread-safe; use
 *     the _r forms or timeutil.h.
 *   setenv("TZ") games belong nowhere: tz.h converts zones without them.
 */
#ifndef DPF_BANNED_H
#define DPF_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(x) BANNED(gets)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef ctime
#define ctime(t) BANNED(ctime)
#undef asctime
#define asctime(t) BANNED(asctime)

#endif
