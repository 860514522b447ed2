/* placeholder: analyzer/report_html.c (to be written) */
typedef int dpf_placeholder_t;
