/* placeholder: analyzer/format_pgaudit.c (to be written) */
typedef int dpf_placeholder_t;
