/* placeholder: analyzer/report_sarif.c (to be written) */
typedef int dpf_placeholder_t;
