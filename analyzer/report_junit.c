/* placeholder: analyzer/report_junit.c (to be written) */
typedef int dpf_placeholder_t;
