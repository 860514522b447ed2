/* placeholder: analyzer/format_syslog.c (to be written) */
typedef int dpf_placeholder_t;
