/* placeholder: analyzer/report_markdown.c (to be written) */
typedef int dpf_placeholder_t;
