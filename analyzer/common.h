/*
 * common.h - included FIRST by every .c file of analyzer/ (the role of git's
 * git-compat-util.h), before any other header.
 *
 * It brings the system headers that declare the functions banned.h bans,
 * so their declarations are seen before the ban; then the error and
 * allocation layer every module uses (diag.h, xalloc.h); then banned.h,
 * which turns strcpy, sprintf, strcat, ... into compile errors for the rest
 * of the file.  A header never includes it: headers stay self-contained,
 * and the ban applies to code, not to declarations.
 */
#ifndef DPF_COMMON_H
#define DPF_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "xalloc.h"

#include "banned.h"

#endif
