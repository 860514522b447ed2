/* placeholder: analyzer/cmd_scan.c (to be written) */
typedef int dpf_placeholder_t;
