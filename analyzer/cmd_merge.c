/* TEMPORARY stub so the binary links while cmd_merge.c is being written. */
#include <stdio.h>
#include "cmd.h"
#include "diag.h"
int cmd_merge(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "dpfaudit merge: not available yet\n");
	return DPF_EXIT_USAGE;
}
