/* placeholder: analyzer/report_text.c (to be written) */
typedef int dpf_placeholder_t;
