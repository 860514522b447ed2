/* placeholder: analyzer/format_logfmt.c (to be written) */
typedef int dpf_placeholder_t;
